"""Render corpus runs: the validation report (text, JSON, markdown) and the matrix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compat.corpus.run import CorpusReport, CorpusResult, ErrorGroup, VersionResult

REPORT_VERSION = 1


def _group_json(group: ErrorGroup) -> dict[str, Any]:
    return {
        "schema_path": group.schema_path,
        "keyword": group.keyword,
        "instance_path": group.instance_path,
        "message": group.message,
        "count": group.count,
        "first_line": group.first_line,
        "confirmed": group.confirmed,
        "explained_by": None
        if group.explained_by is None
        else [
            {"rule": e.rule, "schema_path": e.schema_path, "message": e.message}
            for e in group.explained_by
        ],
        "unexplained": group.unexplained,
        "defect": group.defect,
    }


def to_json_data(report: CorpusReport, max_groups: int) -> dict[str, Any]:
    failing = report.failing
    return {
        "report_version": REPORT_VERSION,
        "versions": report.versions,
        "assert_formats": report.assert_formats,
        "ok": report.ok,
        "fail_on": report.fail_on,
        "failed": bool(failing),
        "failures": [{"kind": kind, "message": what} for kind, what in failing],
        "events": report.events,
        "validations": report.validations,
        "rejections": report.rejections,
        "malformed": report.malformed,
        "defects": report.defects,
        "untraced": report.untraced,
        "unexplained": report.unexplained,
        "corpora": [
            {
                "path": c.path,
                "captured_under": c.captured_under,
                "files": c.files,
                "lines": c.lines,
                "blank": c.blank,
                "malformed": c.malformed,
                "malformed_lines": [n for n, _ in c.malformed_lines],
                "malformed_reasons": [{"line": n, "reason": why} for n, why in c.malformed_lines],
                "problem": c.problem,
                "results": [
                    {
                        "version": r.version,
                        "role": r.role,
                        "valid": r.valid,
                        "invalid": r.invalid,
                        "error_groups": len(r.errors),
                        "unexplained": r.unexplained,
                        "errors": [_group_json(g) for g in r.errors[:max_groups]],
                    }
                    for r in c.results
                ],
            }
            for c in report.corpora
        ],
    }


def render_json(report: CorpusReport, max_groups: int) -> str:
    return json.dumps(to_json_data(report, max_groups), indent=2, ensure_ascii=False) + "\n"


def _percent(valid: int, total: int) -> str:
    return "n/a" if total == 0 else f"{100 * valid / total:.1f}%"


def _speed(report: CorpusReport) -> str:
    if report.seconds <= 0:
        return ""
    rate = report.validations / report.seconds
    return f" in {report.seconds:.2f} s ({rate:,.0f} validations/s)"


COLLAPSE_VERSIONS = 10  # more versions than this: the all-valid ones share one line


def summary(report: CorpusReport) -> list[str]:
    """What happened, in words, and the verdict at the run's --fail-on level."""
    formats = "asserted" if report.assert_formats else "annotations"
    versions = len(report.versions)
    head = (
        f"{report.events:,} events x {versions} version{'s' if versions != 1 else ''} = "
        f"{report.validations:,} validations (formats: {formats}){_speed(report)}"
    )
    happened = []
    if report.rejections:
        detail = [f"{report.unexplained:,} unexplained error group(s)"]
        if report.defects:
            detail.append(f"{report.defects:,} by the events' own capture version")
        if report.untraced:
            detail.append(f"{report.untraced:,} with no capture version to trace them to")
        happened.append(f"{report.rejections:,} rejected ({', '.join(detail)})")
    if report.malformed:
        happened.append(f"{report.malformed:,} malformed line(s)")
    if report.problems:
        happened.append(f"{report.problems:,} file(s) truncated or corrupt, read up to the break")
    if not happened:
        happened.append(
            "no events" if report.events == 0 else "every event valid under every version"
        )
    failing = report.failing
    if failing:
        verdict = f"FAILED (--fail-on {report.fail_on}): " + "; ".join(w for _, w in failing)
    else:
        verdict = f"PASSED (--fail-on {report.fail_on})"
    return [f"{head}: {'; '.join(happened)}", verdict]


def _status(result: VersionResult) -> str:
    if result.valid + result.invalid == 0:
        return "no events"
    if not result.invalid:
        return f"{result.valid:,} valid, all valid"
    return (
        f"{result.valid:,} valid, {result.invalid:,} rejected "
        f"({_percent(result.valid, result.valid + result.invalid)} valid)"
    )


def render_text(report: CorpusReport, max_groups: int, color: bool = False) -> str:
    return "\n".join([*body(report, max_groups, color), *summary(report)]) + "\n"


# Long, on purpose: the text report is one page, top to bottom.
def body(report: CorpusReport, max_groups: int, color: bool = False) -> list[str]:
    """Every corpus, its counts per version and its top error groups; then any warning."""

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines: list[str] = []
    collapse = len(report.versions) > COLLAPSE_VERSIONS
    for corpus in report.corpora:
        capture = f", captured under {corpus.captured_under}" if corpus.captured_under else ""
        size = (
            f"{len(corpus.files):,} single-event .json files"
            if corpus.files is not None
            else f"{corpus.lines:,} lines"
        )
        lines.append(
            paint(f"{corpus.path}", "1")
            + f": {size}{capture}"
            + (f", {corpus.blank} blank" if corpus.blank else "")
        )
        if corpus.malformed:
            shown = ", ".join(f"{corpus.where(n)} ({why})" for n, why in corpus.malformed_lines[:5])
            lines.append(paint(f"  malformed: {corpus.malformed:,}", "31") + f": first {shown}")
        if corpus.problem:
            lines.append(paint(f"  {corpus.problem}", "31"))
        if corpus.lines == 0 and not corpus.problem:
            lines.append("  no events")
        elif corpus.lines == corpus.malformed and corpus.lines:
            lines.append(paint("  no event to validate: every line is malformed", "31"))
        clean = [r.version for r in corpus.results if not r.invalid]
        if collapse and clean and corpus.lines > corpus.malformed:
            lines.append(
                "  "
                + paint("all valid", "32")
                + f" under {len(clean)} version(s): "
                + ", ".join(clean)
            )
        for result in corpus.results:
            if corpus.lines == corpus.malformed or (collapse and not result.invalid):
                continue
            status = _status(result)
            painted = paint(status, "31" if result.invalid else "32")
            lines.append(f"  {result.version}: {painted}")
            if result.defects:
                lines.append(
                    paint(
                        f"    CORPUS DEFECT: {result.defects:,} event(s) rejected by "
                        f"{result.version}, the version they were captured under (a bad "
                        "capture, or a wrong manifest entry)",
                        "31;1",
                    )
                )
            for group in result.errors[:max_groups]:
                lines.append(
                    f"    {group.count:>7,}  {group.instance_path}: {group.message} "
                    f"[{group.keyword} at {group.schema_path}; first "
                    f"{corpus.where(group.first_line)}]"
                )
                if group.defect and result.role != "capture":
                    lines.append(
                        f"             corpus defect: {corpus.captured_under}, the capture "
                        "version, rejects this event too"
                    )
                elif group.explained_by:
                    causes = ", ".join(f"{e.rule} ({e.schema_path})" for e in group.explained_by)
                    lines.append(f"             explained by {causes}")
                elif group.unexplained:
                    lines.append(
                        paint(
                            "             UNEXPLAINED: no breaking or unknown change "
                            f"from {corpus.captured_under} explains this rejection",
                            "31;1",
                        )
                    )
            hidden = len(result.errors) - max_groups
            if hidden > 0:
                lines.append(f"    (+{hidden} more error groups; --errors to show more)")
        lines.append("")
    if report.unexplained:
        lines.append(
            paint(
                f"WARNING: {report.unexplained} error group(s) are not explained by "
                "any breaking or unknown change: the verdict engine said those "
                "changes were compatible, and these events prove otherwise.",
                "31;1",
            )
        )
    return lines


def render_markdown(report: CorpusReport, max_groups: int) -> str:
    out = ["### Corpus validation", ""]
    out += [
        "| corpus | captured under | lines | malformed | "
        + " | ".join(f"`{v}` valid" for v in report.versions)
        + " |",
        "| --- | --- | --- | --- | " + " | ".join("---" for _ in report.versions) + " |",
    ]
    for corpus in report.corpora:
        cells = [
            _percent(r.valid, r.valid + r.invalid)
            + ("" if not r.invalid else f" ({r.invalid:,} rejected)")
            for r in corpus.results
        ]
        out.append(
            f"| `{corpus.path}` | {corpus.captured_under or '—'} | {corpus.lines:,} | "
            f"{corpus.malformed} | " + " | ".join(cells) + " |"
        )
    for corpus in report.corpora:
        for result in corpus.results:
            if not result.errors:
                continue
            out += [
                "",
                f"#### `{corpus.path}` against `{result.version}`",
                "",
                "| count | where | error | first | explained by |",
                "| --- | --- | --- | --- | --- |",
            ]
            for group in result.errors[:max_groups]:
                if group.defect:
                    why = "**corpus defect**: rejected by its capture version"
                elif group.explained_by:
                    why = ", ".join(f"`{e.rule}`" for e in group.explained_by)
                elif group.unexplained:
                    why = "**unexplained**"
                else:
                    why = "—"
                message = group.message.replace("|", "\\|")
                out.append(
                    f"| {group.count:,} | `{group.instance_path}` | {message} | "
                    f"{corpus.where(group.first_line)} | {why} |"
                )
            hidden = len(result.errors) - max_groups
            if hidden > 0:
                out += ["", f"(+{hidden} more error groups)"]
    if report.unexplained:
        out += [
            "",
            f"> **Warning:** {report.unexplained} error group(s) are not explained by "
            "any breaking or unknown schema change.",
        ]
    if report.defects:
        out += [
            "",
            f"> **Corpus defect:** {report.defects:,} event(s) are rejected by the version "
            "they were captured under (a bad capture, or a wrong manifest entry).",
        ]
    head, verdict = summary(report)
    out += ["", head, "", f"**{verdict}**"]
    return "\n".join(out) + "\n"


def _matrix_rows(report: CorpusReport) -> list[tuple[CorpusResult, list[str]]]:
    return [(c, [_percent(r.valid, c.lines) for r in c.results]) for c in report.corpora]


def render_matrix_text(report: CorpusReport, color: bool = False) -> str:
    header = ["corpus", *report.versions]
    rows = [
        [c.path + (f" ({c.captured_under})" if c.captured_under else ""), *cells]
        for c, cells in _matrix_rows(report)
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row, (corpus, _) in zip(rows, _matrix_rows(report), strict=True):
        cells = [row[0].ljust(widths[0])]
        for i, (cell, result) in enumerate(zip(row[1:], corpus.results, strict=True), start=1):
            text = cell.rjust(widths[i])
            if color:
                code = (
                    "32"
                    if result.invalid == 0 and not corpus.malformed
                    else ("33" if result.valid >= 0.9 * max(corpus.lines, 1) else "31")
                )
                text = f"\033[{code}m{text}\033[0m"
            cells.append(text)
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append("percent of each corpus's lines valid under each version")
    return "\n".join(lines) + "\n"


def render_matrix_markdown(report: CorpusReport) -> str:
    out = [
        "| corpus | " + " | ".join(f"`{v}`" for v in report.versions) + " |",
        "| --- | " + " | ".join("---:" for _ in report.versions) + " |",
    ]
    for corpus, cells in _matrix_rows(report):
        name = f"`{corpus.path}`" + (f" ({corpus.captured_under})" if corpus.captured_under else "")
        marks = []
        for cell, result in zip(cells, corpus.results, strict=True):
            marks.append(("✅ " if result.invalid == 0 else "❌ ") + cell)
        out.append(f"| {name} | " + " | ".join(marks) + " |")
    return "\n".join(out) + "\n"


def render_matrix_json(report: CorpusReport) -> str:
    data = {
        "versions": report.versions,
        "corpora": [
            {
                "path": c.path,
                "captured_under": c.captured_under,
                "lines": c.lines,
                "malformed": c.malformed,
                "valid": {r.version: r.valid for r in c.results},
                "percent_valid": {
                    r.version: (None if c.lines == 0 else round(100 * r.valid / c.lines, 3))
                    for r in c.results
                },
            }
            for c in report.corpora
        ],
    }
    return json.dumps(data, indent=2) + "\n"
