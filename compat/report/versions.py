"""Rendering of `cws-compat versions`."""

from __future__ import annotations

import json
from typing import Any

COLUMNS = (
    ("name", "VERSION"),
    ("released", "RELEASED"),
    ("sha256", "SHA256"),
    ("definitions", "DEFINITIONS"),
    ("root_properties", "ROOT PROPERTIES"),
)


def render_versions(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"versions": rows}, indent=2) + "\n"
    table = [[title for _, title in COLUMNS]]
    for row in rows:
        cells = []
        for key, _ in COLUMNS:
            value = row[key]
            cells.append(value[:12] if key == "sha256" else str(value))
        table.append(cells)
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    numeric = {"definitions", "root_properties"}
    lines = []
    for number, line in enumerate(table):
        parts = []
        for (key, _), cell, width in zip(COLUMNS, line, widths, strict=True):
            right = key in numeric and number > 0
            parts.append(cell.rjust(width) if right else cell.ljust(width))
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"
