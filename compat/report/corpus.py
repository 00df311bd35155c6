"""Render corpus runs: the validation report (text, JSON, markdown) and the matrix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compat.corpus.run import CorpusReport, CorpusResult, ErrorGroup

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
    }


def to_json_data(report: CorpusReport, max_groups: int) -> dict[str, Any]:
    return {
        "report_version": REPORT_VERSION,
        "versions": report.versions,
        "assert_formats": report.assert_formats,
        "ok": report.ok,
        "unexplained": report.unexplained,
        "corpora": [
            {
                "path": c.path,
                "captured_under": c.captured_under,
                "lines": c.lines,
                "blank": c.blank,
                "malformed": c.malformed,
                "malformed_lines": [n for n, _ in c.malformed_lines],
                "malformed_reasons": [{"line": n, "reason": why} for n, why in c.malformed_lines],
                "problem": c.problem,
                "results": [
                    {
                        "version": r.version,
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
    return f" in {report.seconds:.2f} s ({report.events / report.seconds:,.0f} events/s)"


# Long, on purpose: the text report is one page, top to bottom.
def render_text(report: CorpusReport, max_groups: int, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines: list[str] = []
    formats = "asserted" if report.assert_formats else "annotations"
    for corpus in report.corpora:
        capture = f", captured under {corpus.captured_under}" if corpus.captured_under else ""
        lines.append(
            paint(f"{corpus.path}", "1")
            + f": {corpus.lines:,} lines{capture}"
            + (f", {corpus.blank} blank" if corpus.blank else "")
        )
        if corpus.malformed:
            shown = ", ".join(f"{n} ({why})" for n, why in corpus.malformed_lines[:5])
            lines.append(paint(f"  malformed: {corpus.malformed}", "31") + f" — first: {shown}")
        if corpus.problem:
            lines.append(paint(f"  {corpus.problem}", "31"))
        for result in corpus.results:
            status = (
                paint("all valid", "32")
                if not result.invalid
                else paint(f"{result.invalid:,} rejected", "31")
            )
            lines.append(
                f"  {result.version}: {result.valid:,} valid, {status} "
                f"({_percent(result.valid, result.valid + result.invalid)} valid)"
            )
            for group in result.errors[:max_groups]:
                lines.append(
                    f"    {group.count:>7,}  {group.instance_path}: {group.message} "
                    f"[{group.keyword} at {group.schema_path}; first line "
                    f"{group.first_line}]"
                )
                if group.explained_by:
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
    verdict = "all events valid under every version" if report.ok else "rejections found"
    lines.append(
        f"{report.events:,} events checked against {', '.join(report.versions)} "
        f"(formats: {formats}){_speed(report)}: {verdict}"
    )
    return "\n".join(lines) + "\n"


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
                "| count | where | error | first line | explained by |",
                "| --- | --- | --- | --- | --- |",
            ]
            for group in result.errors[:max_groups]:
                if group.explained_by:
                    why = ", ".join(f"`{e.rule}`" for e in group.explained_by)
                elif group.unexplained:
                    why = "**unexplained**"
                else:
                    why = "—"
                message = group.message.replace("|", "\\|")
                out.append(
                    f"| {group.count:,} | `{group.instance_path}` | {message} | "
                    f"{group.first_line} | {why} |"
                )
    if report.unexplained:
        out += [
            "",
            f"> **Warning:** {report.unexplained} error group(s) are not explained by "
            "any breaking or unknown schema change.",
        ]
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
