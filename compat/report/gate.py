"""Render the gate's result: text, JSON, markdown (PR comment / job summary), GitHub workflow
commands, SARIF 2.1.0 and JUnit XML. Formatters read the result; they judge nothing: which
changes fail, warn or are acknowledged, and how to proceed with each, the gate decided.

Every format shows every finding: what fails (with how to proceed), unknown changes that do
not fail (`--fail-on breaking`), acknowledged changes, and stale acknowledgements."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from compat import __version__

if TYPE_CHECKING:
    from compat.diff.structural import Edit
    from compat.engine.model import Change
    from compat.versioning.gate import Check, GateReport

ERROR, WARNING, NOTICE = "error", "warning", "notice"


@dataclass
class Item:
    """One finding, as every format shows it."""

    level: str  # error: fails the gate; warning: unknown, not failing; notice: acknowledged
    rule: str
    file: str
    line: int
    col: int
    message: str  # one line
    fix: str = ""  # how to proceed (several lines)
    fingerprint: str = ""
    reason: str | None = None  # acknowledged: why, and where
    edits: list[Edit] = field(default_factory=list)
    case: str = ""  # the JUnit test case it belongs to


CORPUS_GROUPS = 3  # error groups shown per corpus and version with --corpora


def _where(change: Change) -> str:
    paths = ", ".join(change.instance_paths[:3]) or change.schema_path or "(root)"
    if len(change.instance_paths) > 3:
        paths += f" (+{len(change.instance_paths) - 3} more)"
    return paths


def _change_message(check: Check, change: Change) -> str:
    return (
        f"{check.old} -> {check.new}: [{change.rule}] {_where(change)}: {change.message} "
        f"(backward {change.backward}, forward {change.forward})"
    )


def _case(check: Check, mode: str, change: Change | None = None) -> str:
    name = f"{check.old} -> {check.new} ({mode})"
    return name if change is None else f"{name}: [{change.rule}] {_where(change)}"


def items(result: GateReport) -> list[Item]:
    """Every finding, failing ones first, with where to point at."""
    from compat.diff.structural import describe
    from compat.versioning.acknowledge import fingerprint

    found = [
        Item(
            ERROR,
            p.kind,
            p.file,
            p.line,
            p.col,
            p.message,
            p.fix,
            p.fingerprint,
            edits=list(p.edits),
            case=f"{p.kind} {p.file}".strip(),
        )
        for p in result.problems
    ]
    for item in found:
        if item.edits:
            shown = [describe(e) for e in item.edits[:20]]
            if len(item.edits) > 20:
                shown.append(f"(+{len(item.edits) - 20} more edits)")
            item.fix = "edits:\n" + "\n".join("  " + s for s in shown) + "\n" + item.fix
    later: list[Item] = []
    for check in result.checks:
        for change in check.failing():
            line, col = check.position(change)
            found.append(
                Item(
                    ERROR,
                    change.rule,
                    check.file,
                    line,
                    col,
                    _change_message(check, change),
                    check.fix(change),
                    fingerprint(change),
                    case=_case(check, result.mode, change),
                )
            )
        for change in check.warnings():
            line, col = check.position(change)
            later.append(
                Item(
                    WARNING,
                    change.rule,
                    check.file,
                    line,
                    col,
                    _change_message(check, change) + "; unknown changes do not fail "
                    "(--fail-on breaking)",
                    fingerprint=fingerprint(change),
                    case=_case(check, result.mode),
                )
            )
        for index, approval in sorted(check.acknowledged.items()):
            change = check.report.changes[index]
            line, col = check.position(change)
            later.append(
                Item(
                    NOTICE,
                    change.rule,
                    check.file,
                    line,
                    col,
                    _change_message(check, change),
                    fingerprint=fingerprint(change),
                    reason=f"{approval.ack.reason} (acknowledged in {approval.where})",
                    case=_case(check, result.mode),
                )
            )
    return found + later


def _stale_line(stale: Any) -> str:
    ack = stale.ack
    subject = f" ({ack.subject})" if ack.subject else ""
    return (
        f"stale acknowledgement for {stale.where}: [{ack.rule}] {ack.schema_path}{subject} "
        f"{stale.why}"
    )


def _header(result: GateReport) -> str:
    sha = f" ({result.sha[:12]})" if result.sha else ""
    return (
        f"schema changes since {result.ref}{sha}, {result.mode} mode, failing on "
        f"{'breaking and unknown' if result.fail_on == 'unknown' else 'breaking'} changes"
    )


def to_json_data(result: GateReport) -> dict[str, Any]:
    from compat.report.corpus import to_json_data as corpus_json
    from compat.report.diff import to_json_data as diff_json
    from compat.versioning.acknowledge import fingerprint

    def change_json(check: Check, change: Change) -> dict[str, Any]:
        return {
            "rule": change.rule,
            "schema_path": change.schema_path,
            "subject": change.subject,
            "fingerprint": fingerprint(change),
        }

    return {
        "passed": result.passed,
        "against": result.ref,
        "sha": result.sha,
        "mode": result.mode,
        "fail_on": result.fail_on,
        "compatible": result.compatible,
        "bump": result.bump,
        "problems": [
            {
                "kind": p.kind,
                "message": p.message,
                "file": p.file,
                "line": p.line,
                "fix": p.fix,
                "edits": [e.to_json() for e in p.edits],
            }
            for p in result.problems
        ],
        "checks": [
            {
                "old": c.old,
                "new": c.new,
                "file": c.file,
                "passed": not c.failing(),
                "note": c.note,
                "failing": [
                    {**change_json(c, change), "fix": c.fix(change)} for change in c.failing()
                ],
                "warnings": [change_json(c, change) for change in c.warnings()],
                "acknowledged": [
                    {
                        **change_json(c, c.report.changes[i]),
                        "reason": approval.ack.reason,
                        "acknowledged_in": approval.where,
                    }
                    for i, approval in sorted(c.acknowledged.items())
                ],
                "report": diff_json(c.report),
            }
            for c in result.checks
        ],
        "stale_acknowledgements": [
            {
                "version": s.where,
                "rule": s.ack.rule,
                "schema_path": s.ack.schema_path,
                "subject": s.ack.subject,
                "fingerprint": s.ack.fingerprint,
                "reason": s.ack.reason,
                "why": s.why,
            }
            for s in result.stale
        ],
        "notes": result.notes,
        "unexplained_corpus_rejections": result.corpus.unexplained if result.corpus else None,
        "corpora": None if result.corpus is None else corpus_json(result.corpus, CORPUS_GROUPS),
    }


def render_json(result: GateReport) -> str:
    return json.dumps(to_json_data(result), indent=2, ensure_ascii=False) + "\n"


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.splitlines()]


def render_text(result: GateReport) -> str:
    from compat.diff.structural import describe

    lines = [f"Gate: {_header(result)}"]
    for problem in result.problems:
        lines.append(f"  FAIL {problem.message}")
        lines += [f"       {describe(e)}" for e in problem.edits[:20]]
        if len(problem.edits) > 20:
            lines.append(f"       (+{len(problem.edits) - 20} more edits)")
        lines += _indent(f"to proceed: {problem.fix}", "       ")
    for check in result.checks:
        failing = check.failing()
        status = "FAIL" if failing else "ok"
        lines.append(
            f"  {status} {check.old} -> {check.new}: backward "
            f"{check.report.backward}, forward {check.report.forward}, bump "
            f"{check.report.bump}"
        )
        if check.note:
            lines.append(f"       ({check.note})")
        for change in failing:
            line, _ = check.position(change)
            lines.append(
                f"       [{change.rule}] {_where(change)}: {change.message} ({check.file}:{line})"
            )
            lines += _indent(check.fix(change), "         ")
        for change in check.warnings():
            lines.append(
                f"       unknown, not failing (--fail-on breaking): [{change.rule}] "
                f"{_where(change)}: {change.message}"
            )
        for index, approval in sorted(check.acknowledged.items()):
            change = check.report.changes[index]
            lines.append(
                f"       acknowledged [{change.rule}] {change.schema_path}: "
                f"{approval.ack.reason} (in {approval.where})"
            )
    for stale in result.stale:
        lines.append("  " + _stale_line(stale))
    for note in result.notes:
        lines.append(f"  note: {note}")
    if result.corpus is not None:
        from compat.report.corpus import body, summary

        head, verdict = summary(result.corpus)
        lines.append(f"  corpora: {head}")
        lines += [f"    {line}" if line else "" for line in body(result.corpus, CORPUS_GROUPS)]
        lines.append(f"    corpora {verdict}")
    if not result.checks and not result.problems:
        lines.append("  no schema changes to gate")
    lines.append("PASSED" if result.passed else "FAILED")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fix_markdown(fix: str) -> list[str]:
    """How to proceed, with the snippet lines in a code block to copy."""
    lines = fix.splitlines()
    if len(lines) == 1:
        return [f"  **To proceed:** {lines[0]}"]
    out = [f"  **To proceed:** {lines[0]}", "", "  ```"]
    out += ["  " + line for line in lines[1:]]
    return [*out, "  ```"]


def render_markdown(result: GateReport) -> str:
    from compat.diff.structural import describe
    from compat.report.diff import render_markdown as diff_markdown

    status = "✅ passed" if result.passed else "❌ failed"
    out = [f"## Schema gate: {status}", "", f"Compared {_header(result)}.", ""]
    for problem in result.problems:
        out.append(f"- ❌ **`{problem.kind}`**: {_md(problem.message)}")
        if problem.edits:
            out += ["", "  <details><summary>What was edited</summary>", ""]
            out += [f"  - `{_md(describe(e))}`" for e in problem.edits[:50]]
            out += ["", "  </details>", ""]
        out += _fix_markdown(problem.fix)
    if result.problems:
        out.append("")
    for check in result.checks:
        if check.note:
            out += [f"_{check.note}_", ""]
        out.append(diff_markdown(check.report))
        failing = check.failing()
        if failing:
            out += ["**How to proceed:**", ""]
            for change in failing:
                out.append(f"- `{change.rule}` at {_md(_where(change))}: {_md(change.message)}")
                out += _fix_markdown(check.fix(change))
            out.append("")
        warnings = check.warnings()
        if warnings:
            out += ["Unknown, not failing (`--fail-on breaking`):", ""]
            out += [f"- ⚠️ `{c.rule}` at {_md(_where(c))}: {_md(c.message)}" for c in warnings]
            out.append("")
        if check.acknowledged:
            out += ["Acknowledged:", ""]
            for index, approval in sorted(check.acknowledged.items()):
                change = check.report.changes[index]
                out.append(
                    f"- `{change.rule}` at `{change.schema_path}`: {_md(approval.ack.reason)} "
                    f"(in {approval.where})"
                )
            out.append("")
    for stale in result.stale:
        out.append(f"- ⚠️ {_md(_stale_line(stale))}")
    for note in result.notes:
        out.append(f"- {_md(note)}")
    if not result.checks and not result.problems:
        out.append("No schema changes to gate.")
    if result.corpus is not None:
        from compat.report.corpus import render_markdown as corpus_markdown

        out += ["", corpus_markdown(result.corpus, CORPUS_GROUPS)]
    return "\n".join(out) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: GateReport) -> str:
    lines = []
    for item in items(result):
        where = ""
        if item.file:
            where = f"file={_escape_property(item.file)},line={item.line},col={item.col},"
        title = item.rule
        body = item.message
        if item.level == NOTICE:
            title = f"acknowledged: {item.rule}"
            body += f"\nacknowledged: {item.reason}"
        elif item.level == WARNING:
            title = f"unknown (not failing): {item.rule}"
        if item.fix:
            body += "\n\n" + item.fix
        lines.append(f"::{item.level} {where}title={_escape_property(title)}::{_escape_data(body)}")
    for stale in result.stale:
        lines.append(f"::warning title=stale acknowledgement::{_escape_data(_stale_line(stale))}")
    if result.corpus is not None:
        lines.append(f"::notice title=stored corpora::{_escape_data(_corpus_text(result.corpus))}")
    lines.append(
        ("::notice::schema gate passed" if result.passed else "::error::schema gate failed")
        + f" ({_escape_data(_header(result))})"
    )
    return "\n".join(lines) + "\n"


def _rule_descriptor(rule_id: str, rules_url: str | None) -> dict[str, Any]:
    from compat.report.rules import rule_markdown, rule_text
    from compat.rules import RULES
    from compat.versioning.gate import PROBLEM_KINDS

    rule = RULES.get(rule_id)
    if rule is not None:
        summary = rule.summary
        full = f"{rule.summary} Backward: {rule.backward}; forward: {rule.forward}."
        if rule.note:
            full += f" {rule.note}"
        help_text, help_markdown = rule_text(rule), rule_markdown(rule)
        level = "error" if "breaking" in (rule.backward, rule.forward) else "warning"
    else:
        kind = PROBLEM_KINDS[rule_id]
        summary, full = kind.summary, f"{kind.summary} {kind.description}"
        help_text = help_markdown = full
        level = "error"
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["schema", "compatibility"]},
    }
    if rules_url:
        descriptor["helpUri"] = f"{rules_url}#{rule_id}"
    return descriptor


def render_sarif(result: GateReport) -> str:
    found = items(result)
    used = sorted({item.rule for item in found})
    results = []
    for item in found:
        text = item.message + (f"\n\n{item.fix}" if item.fix else "")
        entry: dict[str, Any] = {
            "ruleId": item.rule,
            "ruleIndex": used.index(item.rule),
            "level": WARNING if item.level == WARNING else ERROR,
            "message": {"text": text},
            "partialFingerprints": {"cwsCompatFinding/v1": item.fingerprint},
        }
        if item.file:
            entry["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": item.file, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": item.line, "startColumn": item.col},
                    }
                }
            ]
        if item.level == NOTICE:
            entry["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": item.reason}
            ]
        results.append(entry)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cws-compat",
                        "version": __version__,
                        "informationUri": result.rules_url or None,
                        "rules": [_rule_descriptor(r, result.rules_url) for r in used],
                    }
                },
                "results": results,
            }
        ],
    }
    driver = sarif["runs"][0]["tool"]["driver"]  # type: ignore[index]
    if driver["informationUri"] is None:
        del driver["informationUri"]
    if result.corpus is not None:
        # SARIF's property bag: the stored corpora's evidence, as the JSON report has it
        from compat.report.corpus import to_json_data as corpus_json

        run: dict[str, Any] = sarif["runs"][0]  # type: ignore[assignment]
        run["properties"] = {"corpora": corpus_json(result.corpus, CORPUS_GROUPS)}
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


def render_junit(result: GateReport) -> str:
    found = items(result)
    # one test case per failing finding, and one per comparison that passes
    cases: list[tuple[str, str, Item | None]] = [
        (item.case, item.file or "gate", item) for item in found if item.level == ERROR
    ]
    cases += [(_case(c, result.mode), c.file, None) for c in result.checks if not c.failing()]
    failed = sum(1 for _, _, item in cases if item is not None)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="cws-compat" tests="{len(cases)}" failures="{failed}">',
        f'  <testsuite name="schema gate" tests="{len(cases)}" failures="{failed}">',
    ]
    for name, classname, item in cases:
        out.append(f"    <testcase name={quoteattr(name)} classname={quoteattr(classname)}>")
        if item is not None:
            body = item.message + (f"\n\n{item.fix}" if item.fix else "")
            out.append(
                f"      <failure type={quoteattr(item.rule)} message={quoteattr(item.message)}>"
                f"{escape(body)}</failure>"
            )
        out.append("    </testcase>")
    if result.corpus is not None:
        out.append(f"    <system-out>{escape(_corpus_text(result.corpus))}</system-out>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


def _corpus_text(corpus: Any) -> str:
    """The stored corpora's evidence as a few lines: the summary, then per corpus and version
    the counts and top error groups."""
    from compat.report.corpus import body, summary

    head, verdict = summary(corpus)
    return "\n".join([head, *body(corpus, CORPUS_GROUPS), verdict]).strip()


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "github": render_github,
    "sarif": render_sarif,
    "junit": render_junit,
}
