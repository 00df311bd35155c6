"""Rendering of `cws-compat store import-git`: each commit considered, the version it made or
why it made none, and what was written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compat.engine.model import Report
    from compat.versioning.importgit import Imported, ImportResult


def _what(report: Report | None) -> str:
    if report is None:
        return "the store's first version"
    if report.bump == "none":
        return "no change in meaning"
    from compat.versioning.changelog import section

    if report.bump == "patch" and all(section(c) == "Documentation" for c in report.changes):
        return "annotations only (patch)"
    return f"backward {report.backward}, forward {report.forward} ({report.bump})"


def _acknowledged(item: Imported) -> str:
    count = len(item.entry.acknowledged)
    if not count:
        return ""
    return f"; {count} change{'s' if count != 1 else ''} acknowledged"


def render_text(result: ImportResult) -> str:
    from compat.versioning.importgit import Imported

    names = result.paths[0]
    if len(result.paths) > 1:
        names += f" (before: {', '.join(result.paths[1:])})"
    head = f"{result.head.short}, {result.branch}" if result.branch else result.head.short
    lines = [f"{names} in {result.repository}, first-parent history of HEAD ({head})"]
    if result.after:
        lines[0] += f", after {' and '.join(result.after)}"
    lines[0] += ":"
    for step in result.steps:
        commit = step.commit
        if isinstance(step, Imported):
            label = step.entry.name
            what = _what(step.report) + _acknowledged(step)
            if step.path != result.paths[0]:
                what += f"; as {step.path}"
        else:
            label, what = "-", f"skipped: {step.reason}"
        lines.append(
            f"  {label:<5} {commit.date}  {commit.short}  {what}  [{_printable(commit.subject)}]"
        )
    imported = result.imported
    count = len(result.steps)
    commits = f"{count} commit{'s' if count != 1 else ''}"
    if not result.steps:
        lines.append("  no commit changed the file")
    if not imported:
        lines.append("nothing to import: the store is up to date")
        return "\n".join(lines) + "\n"
    span = imported[0].entry.name
    if len(imported) > 1:
        span += f" to {imported[-1].entry.name}"
    versions = f"{len(imported)} version{'s' if len(imported) != 1 else ''} ({span})"
    if result.dry_run:
        lines.append(f"would import {versions} from {commits}; nothing was written (--dry-run)")
    else:
        shown = [_shown(p) for p in result.written]
        files = shown[: len(imported)]  # the version files, then the changelog and index
        if len(files) > 3:
            files = [files[0], "...", files[-1]]
        written = ", ".join(files + shown[len(imported) :])
        lines.append(f"imported {versions} from {commits}: {written}")
    return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    """A written file as the user would type it: relative to the current directory when it is
    under it."""
    import os

    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return os.fspath(path)


def render_json(result: ImportResult) -> str:
    from compat.versioning.importgit import Imported

    steps: list[dict[str, Any]] = []
    for step in result.steps:
        item: dict[str, Any] = {
            "commit": step.commit.sha,
            "date": step.commit.date,
            "subject": step.commit.subject,
        }
        if isinstance(step, Imported):
            report = step.report
            item.update(
                version=step.entry.name,
                path=step.path,
                compared_with=None if report is None else report.old,
                backward=None if report is None else report.backward,
                forward=None if report is None else report.forward,
                bump=None if report is None else report.bump,
                acknowledged=len(step.entry.acknowledged),
            )
        else:
            item.update(version=None, skipped=step.reason)
        steps.append(item)
    data = {
        "repository": result.repository,
        "head": result.head.sha,
        "branch": result.branch,
        "paths": result.paths,
        "after": result.after,
        "commits": steps,
        "imported": [i.entry.name for i in result.imported],
        "dry_run": result.dry_run,
        "written": [str(p) for p in result.written],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _printable(text: str) -> str:
    """A commit subject as the terminal should show it: control characters (escape sequences
    that would recolour the terminal or retitle its window) written as escapes, not sent."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
