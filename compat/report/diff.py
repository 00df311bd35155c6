"""Render a diff `Report` as text, JSON or markdown. Formatters only read the report."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compat.engine.model import Change, Report

REPORT_VERSION = 1
MAX_PATHS_SHOWN = 3


def to_json_data(report: Report) -> dict[str, Any]:
    """The report as `diff --format json` prints it (and `compat.Report.to_dict` returns it)."""
    data = {
        "report_version": REPORT_VERSION,
        "old": report.old,
        "new": report.new,
        "old_draft": report.old_draft,
        "new_draft": report.new_draft,
        "mode": report.mode,
        "assert_formats": report.assert_formats,
        "allow_unknown": report.allow_unknown,
        "compatible": report.compatible,
        "passed": report.passed,
        "backward": report.backward,
        "forward": report.forward,
        "backward_compatible": report.backward == "compatible",
        "forward_compatible": report.forward == "compatible",
        "bump": report.bump,
        "changes": [change_json(c) for c in report.changes],
    }
    if report.structural is not None:
        data["structural"] = [edit.to_json() for edit in report.structural]
    return data


def change_json(change: Change) -> dict[str, Any]:
    """One change as the JSON report holds it."""
    data: dict[str, Any] = {
        "rule": change.rule,
        "backward": change.backward,
        "forward": change.forward,
        "schema_path": change.schema_path,
        "old_schema_path": change.old_schema_path,
        "new_schema_path": change.new_schema_path,
        "instance_paths": change.instance_paths,
        "instance_paths_truncated": change.instance_paths_truncated,
        "old": change.old,
        "new": change.new,
        "message": change.message,
    }
    if change.counterexamples:
        data["counterexample"] = counterexample_json(change.counterexamples[0])
        data["counterexamples"] = [counterexample_json(c) for c in change.counterexamples]
    return data


def counterexample_json(example: Any) -> dict[str, Any]:
    """One counterexample as the JSON report holds it."""
    return {
        "direction": example.direction,
        "instance": example.instance,
        "instance_path": example.instance_path,
        "valid_under": example.valid_under,
        "rejected_by": example.rejected_by,
        "error": example.error,
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json_data(report), indent=2, ensure_ascii=False) + "\n"


def _where(change: Change) -> str:
    paths = change.instance_paths[:MAX_PATHS_SHOWN]
    more = len(change.instance_paths) - len(paths)
    text = ", ".join(paths) if paths else change.schema_path or "(root)"
    if more > 0 or change.instance_paths_truncated:
        text += f" (+{more} more)" if more > 0 else " (+more)"
    return text


def _groups(report: Report) -> list[tuple[str, list[Change]]]:
    from compat.rules import BREAKING

    failing, unknown, other = [], [], []
    for change in report.changes:
        if report.failing(change) and BREAKING in (change.backward, change.forward):
            failing.append(change)
        elif report.failing(change) or "unknown" in (change.backward, change.forward):
            unknown.append(change)
        else:
            other.append(change)
    return [("Breaking", failing), ("Unknown", unknown), ("Other changes", other)]


def summary_line(report: Report) -> str:
    count = len(report.changes)
    verdict = "compatible" if report.compatible else "NOT compatible"
    if report.passed and not report.compatible:
        verdict = "NOT proven compatible (unknown changes pass: --fail-on breaking)"
    return (
        f"{report.old} -> {report.new}: backward {report.backward}, forward {report.forward}; "
        f"{count} change{'s' if count != 1 else ''}, bump {report.bump}; "
        f"{verdict} under {report.mode} mode"
    )


def render_text(report: Report, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    colors = {"breaking": "31", "unknown": "33", "compatible": "32"}
    lines: list[str] = []
    formats = "asserted" if report.assert_formats else "annotations (use --assert-formats)"
    lines.append(
        f"Comparing {report.old} ({report.old_draft}) with {report.new} "
        f"({report.new_draft}); formats: {formats}"
    )
    for title, changes in _groups(report):
        if not changes:
            continue
        lines.append("")
        lines.append(paint(f"{title} ({len(changes)})", "1"))
        for change in changes:
            verdicts = (
                f"backward {paint(change.backward, colors[change.backward])}, "
                f"forward {paint(change.forward, colors[change.forward])}"
            )
            lines.append(f"  [{change.rule}] {_where(change)}: {change.message} ({verdicts})")
            for example in change.counterexamples:
                instance = json.dumps(example.instance, ensure_ascii=False, sort_keys=True)
                if len(instance) > 160:
                    instance = instance[:157] + "..."
                lines.append(
                    f"      {example.direction} counterexample, valid under "
                    f"{example.valid_under}, rejected by {example.rejected_by}: "
                    f"{instance}"
                )
    if not report.changes:
        lines.append("")
        lines.append("No changes: the two schemas accept exactly the same documents.")
    if report.structural is not None:
        from compat.diff.structural import describe

        lines.append("")
        count = len(report.structural)
        lines.append(paint(f"Structural edits ({count}, annotations included)", "1"))
        lines += [f"  {describe(edit)}" for edit in report.structural]
        if not count:
            lines.append("  none: the two documents are equal as JSON")
    lines.append("")
    summary = summary_line(report)
    shade = "32" if report.compatible else "33" if report.passed else "31;1"
    lines.append(paint(summary, shade))
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    icon = {"compatible": "✅", "breaking": "❌", "unknown": "❔"}
    status = "✅ compatible" if report.compatible else "❌ not compatible"
    if report.passed and not report.compatible:
        status = "⚠️ not proven compatible (unknown changes pass: --fail-on breaking)"
    out = [
        f"### Schema compatibility: `{report.old}` → `{report.new}`",
        "",
        f"**{status}** under **{report.mode}** mode · bump: **{report.bump}**",
        "",
        "| direction | verdict |",
        "| --- | --- |",
        f"| backward (old events accepted by the new schema) | {icon[report.backward]} "
        f"{report.backward} |",
        f"| forward (new events accepted by the old schema) | {icon[report.forward]} "
        f"{report.forward} |",
        "",
    ]
    if report.changes:
        out += ["| rule | where | change | backward | forward |", "| --- | --- | --- | --- | --- |"]
        for change in report.changes:
            where = "<br>".join(f"`{p}`" for p in change.instance_paths[:MAX_PATHS_SHOWN])
            if len(change.instance_paths) > MAX_PATHS_SHOWN:
                where += f"<br>+{len(change.instance_paths) - MAX_PATHS_SHOWN} more"
            out.append(
                f"| `{change.rule}` | {where or '`' + change.schema_path + '`'} | "
                f"{_md(change.message)} | {icon[change.backward]} {change.backward} | "
                f"{icon[change.forward]} {change.forward} |"
            )
        examples = [(c, e) for c in report.changes for e in c.counterexamples]
        if examples:
            out += ["", "<details><summary>Counterexamples</summary>", ""]
            for change, example in examples:
                out.append(
                    f"- `{change.rule}` ({example.direction}): valid under "
                    f"`{example.valid_under}`, rejected by `{example.rejected_by}` "
                    f"({_md(example.error)})"
                )
                out.append("")
                out.append("  ```json")
                out.append("  " + json.dumps(example.instance, ensure_ascii=False, sort_keys=True))
                out.append("  ```")
            out += ["", "</details>"]
    else:
        out.append("No changes: the two schemas accept exactly the same documents.")
    if report.structural is not None:
        from compat.diff.structural import describe

        out += ["", f"<details><summary>Structural edits ({len(report.structural)})</summary>", ""]
        out += [f"- `{_md(describe(edit))}`" for edit in report.structural]
        out += ["", "</details>"]
    formats = "asserted" if report.assert_formats else "annotations"
    out += [
        "",
        f"<sub>cws-compat · formats: {formats} · drafts: {report.old_draft} → "
        f"{report.new_draft}</sub>",
        "",
    ]
    return "\n".join(out)
