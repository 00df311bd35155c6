"""Render corpus runs: the validation report (text, JSON, markdown) and the matrix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from compat.corpus.run import CorpusReport, CorpusResult, ErrorGroup, VersionResult

REPORT_VERSION = 1
MAX_SHOWN = 200  # characters of a message (or place) from event data, in text and markdown


def clip(text: str, limit: int = MAX_SHOWN) -> str:
    """`text` of at most `limit` characters: a longer one keeps its start and its end (where
    jsonschema says what is wrong with the value it quotes), an ellipsis between them. The
    JSON report keeps every message whole."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    return text[: limit - tail - 1] + "…" + text[len(text) - tail :]


def _markdown_text(text: str) -> str:
    """Event data as a markdown table cell's text: clipped, on one line, its table bars and
    HTML escaped (a PR comment renders raw HTML: an event's `<img onerror=...>` stays text)."""
    text = " ".join(clip(text).splitlines())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


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
        "defects": group.defects,
        "unexplained_events": group.unexplained_events,
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


def _versions_each(report: CorpusReport) -> str:
    """How many versions each event met: all of them, or (in the gate's run, where each
    corpus meets the new versions and its own capture version) some of them each."""
    total = len(report.versions)
    counts = sorted({len(c.results) for c in report.corpora}) or [total]
    if counts == [total]:
        return f"{total} version{'s' if total != 1 else ''}"
    least, most = counts[0], counts[-1]
    each = f"{least}" if least == most else f"{least} to {most}"
    return f"{each} version{'s' if most != 1 else ''} each (of {total})"


def summary(report: CorpusReport) -> list[str]:
    """What happened, in words, and the verdict at the run's --fail-on level."""
    formats = "asserted" if report.assert_formats else "annotations"
    head = (
        f"{report.events:,} events x {_versions_each(report)} = "
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
    return [f"{head}: {'; '.join(happened)}", verdict(report)]


def verdict(report: CorpusReport) -> str:
    """PASSED or FAILED at the run's --fail-on level, and why it failed."""
    failing = report.failing
    if failing:
        return f"FAILED (--fail-on {report.fail_on}): " + "; ".join(w for _, w in failing)
    return f"PASSED (--fail-on {report.fail_on})"


def _status(result: VersionResult) -> str:
    if result.valid + result.invalid == 0:
        return "no events"
    if not result.invalid:
        return f"{result.valid:,} valid, all valid"
    return (
        f"{result.valid:,} valid, {result.invalid:,} rejected "
        f"({_percent(result.valid, result.valid + result.invalid)} of its events valid)"
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
            shown = ", ".join(
                f"{corpus.where(n)} ({clip(why)})" for n, why in corpus.malformed_lines[:5]
            )
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
                    f"    {group.count:>7,}  {clip(group.instance_path)}: {clip(group.message)} "
                    f"[{group.keyword} at {group.schema_path}; first "
                    f"{corpus.where(group.first_line)}]"
                )
                if group.defect and result.role != "capture":
                    lines.append(
                        f"             corpus defect: {corpus.captured_under}, the capture "
                        "version, rejects this event too"
                    )
                    continue
                if group.explained_by:
                    causes = ", ".join(f"{e.rule} ({e.schema_path})" for e in group.explained_by)
                    lines.append(f"             explained by {causes}")
                if group.defects and result.role != "capture":
                    lines.append(
                        f"             corpus defect: {group.defects:,} of these event(s) "
                        f"{corpus.captured_under}, the capture version, rejects too"
                    )
                if group.unexplained:
                    lines.append(
                        paint(
                            f"             UNEXPLAINED: {group.unexplained_events:,} event(s) "
                            "that no breaking or unknown change "
                            f"from {corpus.captured_under} explains",
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
        + " | ".join(f"{_code(v)} valid" for v in report.versions)
        + " |",
        "| --- | --- | --- | --- | " + " | ".join("---" for _ in report.versions) + " |",
    ]
    for corpus in report.corpora:
        results = {r.version: r for r in corpus.results}
        cells = [
            "— (not run)"
            if (r := results.get(version)) is None
            else _percent(r.valid, r.valid + r.invalid)
            + ("" if not r.invalid else f" ({r.invalid:,} rejected)")
            for version in report.versions
        ]
        out.append(
            f"| {_code(corpus.path)} | {corpus.captured_under or '—'} | {corpus.lines:,} | "
            f"{corpus.malformed} | " + " | ".join(cells) + " |"
        )
    for corpus in report.corpora:
        for result in corpus.results:
            if not result.errors:
                continue
            out += [
                "",
                f"#### {_code(corpus.path)} against {_code(result.version)}",
                "",
                "| count | where | error | first | explained by |",
                "| --- | --- | --- | --- | --- |",
            ]
            for group in result.errors[:max_groups]:
                if group.defect:
                    why = "**corpus defect**: rejected by its capture version"
                elif group.explained_by or group.unexplained:
                    why = ", ".join(f"`{e.rule}`" for e in group.explained_by or [])
                    if group.defects:
                        why += f"; {group.defects:,} corpus defect(s)"
                    if group.unexplained:
                        why += f"; **{group.unexplained_events:,} unexplained**"
                    why = why.removeprefix("; ")
                else:
                    why = "—"
                out.append(
                    f"| {group.count:,} | {_code(clip(group.instance_path))} | "
                    f"{_markdown_text(group.message)} | "
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


MATRIX_WIDTH = 100  # text matrix lines stay within this many columns
MATRIX_MARKDOWN_COLUMNS = 10  # corpora per markdown table
_SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")


def version_labels(versions: list[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A short label per version as given: a store name as it is, a schema file by its stem
    (`GITREF:dir/v3.json`: `GITREF:v3`); versions whose labels would coincide with each other
    or with a `reserved` name (a capture version that is not among them) keep what was
    given."""

    def short(spec: str) -> str:
        head, _, name = spec.replace("\\", "/").rpartition("/")
        for suffix in _SCHEMA_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        ref, colon, _ = head.partition(":")
        if colon and ":" not in name:
            name = f"{ref}:{name}"
        return name

    labels = {v: short(v) for v in versions}
    taken: dict[str, int] = dict.fromkeys(set(reserved) - set(versions), 1)
    for label in labels.values():
        taken[label] = taken.get(label, 0) + 1
    return {v: (label if taken[label] == 1 else v) for v, label in labels.items()}


def _labels(report: CorpusReport) -> dict[str, str]:
    captures = (c.captured_under for c in report.corpora if c.captured_under is not None)
    return version_labels(report.versions, captures)


def corpus_labels(report: CorpusReport) -> list[str]:
    """The matrix's column label of each corpus, in order: C1, C2, ..."""
    return [f"C{i}" for i in range(1, len(report.corpora) + 1)]


def _matrix_percent(valid: int, total: int) -> str:
    """Percent valid, never rounded to 100.0% or 0.0% when that would not be exact."""
    if total == 0:
        return "n/a"
    share = 100 * valid / total
    if valid < total and f"{share:.1f}" == "100.0":
        return ">99.9%"
    if valid > 0 and f"{share:.1f}" == "0.0":
        return "<0.1%"
    return f"{share:.1f}%"


def _cell(corpus: CorpusResult, version: str) -> tuple[str, VersionResult | None]:
    """The matrix cell of `corpus` under `version`: percent valid of its lines (malformed
    ones included), or a dash when the corpus was not validated against that version."""
    result = next((r for r in corpus.results if r.version == version), None)
    if result is None:
        return "—", None
    return _matrix_percent(result.valid, corpus.lines), result


def _legend(report: CorpusReport, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(label, what it stands for) for every corpus."""
    found = []
    for label, corpus in zip(corpus_labels(report), report.corpora, strict=True):
        size = f"{corpus.lines:,} line{'s' if corpus.lines != 1 else ''}"
        if corpus.malformed:
            size += f", {corpus.malformed:,} malformed"
        if corpus.problem:
            size += ", not read to the end"
        if corpus.captured_under is None:
            capture = "no capture version"
        elif corpus.captured_under in labels:
            capture = f"captured under {labels[corpus.captured_under]}"
        else:
            capture = f"captured under {corpus.captured_under} (not a row here)"
        found.append((label, f"{corpus.path}: {size}, {capture}"))
    return found


def _renamed(labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(label, version) for version, label in labels.items() if label != version]


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def render_matrix_text(report: CorpusReport, color: bool = False) -> str:
    """Versions as rows, corpora as columns (C1, C2, ... named in a legend below); with more
    corpora than fit MATRIX_WIDTH, the columns continue in further blocks of the same rows."""
    labels = _labels(report)
    names = corpus_labels(report)
    if not report.corpora:
        return f"no corpora\n{verdict(report)}\n"
    grid = [[_cell(c, v) for c in report.corpora] for v in report.versions]
    digits = max([len(n) for n in names] + [len(text) for row in grid for text, _ in row])
    width = digits + 1  # and a mark: * for the corpus's capture version
    first = max([len("version"), *(len(labels[v]) for v in report.versions)])
    per_block = max(1, (MATRIX_WIDTH - first) // (width + 2))

    def paint(text: str, corpus: CorpusResult, result: VersionResult | None) -> str:
        if not color or result is None:
            return text
        if result.invalid == 0 and not corpus.malformed:
            code = "32"
        elif result.valid >= 0.9 * max(corpus.lines, 1):
            code = "33"
        else:
            code = "31"
        return f"\033[{code}m{text}\033[0m"

    lines: list[str] = []
    for block in _chunks(list(range(len(report.corpora))), per_block):
        if lines:
            lines.append("")
        header = ["version".ljust(first)] + [names[i].rjust(digits) + " " for i in block]
        lines.append("  ".join(header).rstrip())
        for version, row in zip(report.versions, grid, strict=True):
            cells = [labels[version].ljust(first)]
            for i in block:
                text, result = row[i]
                corpus = report.corpora[i]
                mark = "*" if corpus.captured_under == version else " "
                cells.append(paint(text.rjust(digits), corpus, result) + mark)
            lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines += [f"{label}  {what}" for label, what in _legend(report, labels)]
    renamed = _renamed(labels)
    if renamed:
        pad = max(len(label) for label, _ in renamed)
        lines += ["", "versions:"] + [f"  {label.ljust(pad)}  {spec}" for label, spec in renamed]
    lines += [
        "",
        "percent of each corpus's lines valid under each version (rows: versions, "
        "columns: corpora)",
        "* the version the corpus was captured under"
        + ("; — not validated against it" if any(t == "—" for row in grid for t, _ in row) else ""),
        "",
        verdict(report),
    ]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """`text` as markdown inline code, also when it holds backticks or a table's bar."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def render_matrix_markdown(report: CorpusReport) -> str:
    """As the text matrix: versions as rows, corpora as columns C1, C2, ... (tables of at most
    MATRIX_MARKDOWN_COLUMNS corpora), then the legend."""
    labels = _labels(report)
    names = corpus_labels(report)
    if not report.corpora:
        return f"no corpora\n\n**{verdict(report)}**\n"
    out: list[str] = []
    for block in _chunks(list(range(len(report.corpora))), MATRIX_MARKDOWN_COLUMNS):
        if out:
            out.append("")
        out += [
            "| version | " + " | ".join(names[i] for i in block) + " |",
            "| --- | " + " | ".join("---:" for _ in block) + " |",
        ]
        for version in report.versions:
            marks = []
            for i in block:
                corpus = report.corpora[i]
                text, result = _cell(corpus, version)
                if result is not None:
                    text = ("✅ " if result.invalid == 0 else "❌ ") + text
                if corpus.captured_under == version:
                    text += " \\*"
                marks.append(text)
            out.append(f"| {_code(labels[version])} | " + " | ".join(marks) + " |")
    out.append("")
    out += [f"- **{label}** {_legend_markdown(what)}" for label, what in _legend(report, labels)]
    out += [f"- version {_code(label)}: {_code(spec)}" for label, spec in _renamed(labels)]
    out += [
        "",
        "Percent of each corpus's lines valid under each version; \\* the version the corpus "
        "was captured under.",
        "",
        f"**{verdict(report)}**",
    ]
    return "\n".join(out) + "\n"


def _legend_markdown(what: str) -> str:
    path, _, rest = what.rpartition(": ")
    return f"{_code(path)}: {rest}"


def render_matrix_json(report: CorpusReport) -> str:
    labels = _labels(report)
    failing = report.failing
    data = {
        "versions": report.versions,
        "version_labels": labels,
        "fail_on": report.fail_on,
        "failed": bool(failing),
        "failures": [{"kind": kind, "message": what} for kind, what in failing],
        "corpora": [
            {
                "label": label,
                "path": c.path,
                "captured_under": c.captured_under,
                "lines": c.lines,
                "malformed": c.malformed,
                "valid": {r.version: r.valid for r in c.results},
                "invalid": {r.version: r.invalid for r in c.results},
                "percent_valid": {
                    r.version: (None if c.lines == 0 else round(100 * r.valid / c.lines, 3))
                    for r in c.results
                },
            }
            for label, c in zip(corpus_labels(report), report.corpora, strict=True)
        ],
    }
    return json.dumps(data, indent=2) + "\n"
