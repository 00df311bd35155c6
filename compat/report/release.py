"""Rendering of `cws-compat release`: what was written, or why nothing was."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from compat.report.diff import render_text as diff_text

if TYPE_CHECKING:
    from compat.versioning.release import ReleaseResult


def render_json(result: ReleaseResult) -> str:
    data = {
        "name": result.name,
        "released": not result.refused,
        "refused": [
            {"rule": c.rule, "schema_path": c.schema_path, "message": c.message}
            for c in result.refused
        ],
        "written": [str(p) for p in result.written],
    }
    return json.dumps(data, indent=2) + "\n"


def render_text(result: ReleaseResult, mode: str) -> str:
    out = [diff_text(report) for report in result.reports]
    if result.refused:
        out.append(
            f"refused: {len(result.refused)} breaking or unknown change(s) under {mode} mode; "
            "nothing was written. Give --allow-breaking REASON to release anyway.\n"
        )
    else:
        out.append(f"released {result.name}: " + ", ".join(str(p) for p in result.written) + "\n")
    return "".join(out)
