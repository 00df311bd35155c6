"""Render the gate's result: text, JSON, markdown (PR comment / job summary), GitHub workflow
commands, SARIF 2.1.0 and JUnit XML. Formatters read the result; they judge nothing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from compat import __version__
from compat.util.jsonpos import locate

if TYPE_CHECKING:
    from compat.engine.model import Change
    from compat.versioning.gate import Check, GateReport


def _where(check: Check, change: Change) -> tuple[int, int]:
    return locate(check.text, change.new_schema_path or change.schema_path)


def _findings(result: GateReport) -> list[dict[str, Any]]:
    """Every failing item, with where to point at."""
    found = []
    for problem in result.problems:
        found.append(
            {
                "rule": "released-version-modified",
                "file": problem.file,
                "line": 1,
                "col": 1,
                "message": problem.message,
                "level": "error",
            }
        )
    for check in result.checks:
        for change in check.failing():
            line, col = _where(check, change)
            paths = ", ".join(change.instance_paths[:3]) or change.schema_path
            found.append(
                {
                    "rule": change.rule,
                    "file": check.file,
                    "line": line,
                    "col": col,
                    "level": "error",
                    "message": f"{check.old} -> {check.new}: [{change.rule}] {paths}: "
                    f"{change.message} (backward {change.backward}, forward "
                    f"{change.forward})",
                }
            )
    return found


def to_json_data(result: GateReport) -> dict[str, Any]:
    from compat.report.diff import to_json_data as diff_json

    return {
        "passed": result.passed,
        "against": result.ref,
        "mode": result.mode,
        "problems": [{"message": p.message, "file": p.file} for p in result.problems],
        "checks": [
            {
                "old": c.old,
                "new": c.new,
                "file": c.file,
                "passed": not c.failing(),
                "acknowledged": [
                    {
                        "rule": c.report.changes[i].rule,
                        "schema_path": a.schema_path,
                        "reason": a.reason,
                    }
                    for i, a in sorted(c.acknowledged.items())
                ],
                "report": diff_json(c.report),
            }
            for c in result.checks
        ],
        "stale_acknowledgements": [
            {"version": where, "rule": a.rule, "schema_path": a.schema_path, "reason": a.reason}
            for where, a in result.stale
        ],
        "notes": result.notes,
        "unexplained_corpus_rejections": result.corpus.unexplained if result.corpus else None,
    }


def render_json(result: GateReport) -> str:
    return json.dumps(to_json_data(result), indent=2, ensure_ascii=False) + "\n"


def render_text(result: GateReport) -> str:
    lines = [f"Gate: schema changes since {result.ref}, {result.mode} mode"]
    for problem in result.problems:
        lines.append(f"  FAIL {problem.message}")
    for check in result.checks:
        failing = check.failing()
        status = "FAIL" if failing else "ok"
        lines.append(
            f"  {status} {check.old} -> {check.new}: backward "
            f"{check.report.backward}, forward {check.report.forward}, bump "
            f"{check.report.bump}"
        )
        for change in failing:
            line, _ = _where(check, change)
            paths = ", ".join(change.instance_paths[:3]) or change.schema_path
            lines.append(f"       [{change.rule}] {paths}: {change.message} ({check.file}:{line})")
        for index, ack in sorted(check.acknowledged.items()):
            change = check.report.changes[index]
            lines.append(f"       acknowledged [{change.rule}] {change.schema_path}: {ack.reason}")
    for where, ack in result.stale:
        lines.append(
            f"  stale acknowledgement for {where}: [{ack.rule}] {ack.schema_path} matches no change"
        )
    for note in result.notes:
        lines.append(f"  note: {note}")
    if result.corpus is not None:
        lines.append(
            f"  corpora: {result.corpus.events:,} events, "
            f"{result.corpus.unexplained} unexplained rejection group(s)"
        )
    if not result.checks and not result.problems:
        lines.append("  no schema changes to gate")
    lines.append("PASSED" if result.passed else "FAILED")
    return "\n".join(lines) + "\n"


def render_markdown(result: GateReport) -> str:
    from compat.report.diff import render_markdown as diff_markdown

    status = "✅ passed" if result.passed else "❌ failed"
    out = [
        f"## Schema gate: {status}",
        "",
        f"Compared with `{result.ref}` in **{result.mode}** mode.",
        "",
    ]
    for problem in result.problems:
        out.append(f"- ❌ {problem.message}")
    if result.problems:
        out.append("")
    for check in result.checks:
        out.append(diff_markdown(check.report))
        if check.acknowledged:
            out.append("Acknowledged:")
            out.append("")
            for index, ack in sorted(check.acknowledged.items()):
                change = check.report.changes[index]
                out.append(f"- `{change.rule}` at `{change.schema_path}`: {ack.reason}")
            out.append("")
    for where, ack in result.stale:
        out.append(
            f"- ⚠️ stale acknowledgement for `{where}`: `{ack.rule}` at "
            f"`{ack.schema_path}` matches no change"
        )
    for note in result.notes:
        out.append(f"- {note}")
    if result.corpus is not None:
        from compat.report.corpus import render_markdown as corpus_markdown

        out += ["", corpus_markdown(result.corpus, 10)]
    return "\n".join(out) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: GateReport) -> str:
    lines = []
    for item in _findings(result):
        lines.append(
            f"::error file={_escape_property(item['file'])},line={item['line']},"
            f"col={item['col']},title={_escape_property(item['rule'])}::"
            f"{_escape_data(item['message'])}"
        )
    for where, ack in result.stale:
        lines.append(
            f"::warning title=stale acknowledgement::{_escape_data(where)}: "
            f"{_escape_data(ack.rule)} at {_escape_data(ack.schema_path)} matches no "
            "change"
        )
    lines.append(
        ("::notice::schema gate passed" if result.passed else "::error::schema gate failed")
        + f" (compared with {result.ref})"
    )
    return "\n".join(lines) + "\n"


def render_sarif(result: GateReport) -> str:
    from compat.rules import RULES

    findings = _findings(result)
    used = sorted({f["rule"] for f in findings})
    rules = []
    for rule_id in used:
        rule = RULES.get(rule_id)
        summary = rule.summary if rule else "A released schema version was changed in place."
        rules.append({"id": rule_id, "name": rule_id, "shortDescription": {"text": summary}})
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "cws-compat", "version": __version__, "rules": rules}},
                "results": [
                    {
                        "ruleId": f["rule"],
                        "ruleIndex": used.index(f["rule"]),
                        "level": f["level"],
                        "message": {"text": f["message"]},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f["file"]},
                                    "region": {"startLine": f["line"], "startColumn": f["col"]},
                                }
                            }
                        ],
                    }
                    for f in findings
                ],
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def render_junit(result: GateReport) -> str:
    cases = []
    for problem in result.problems:
        cases.append((f"immutable {problem.file}", "store", [problem.message]))
    for check in result.checks:
        failures = [
            f"[{c.rule}] {', '.join(c.instance_paths[:3]) or c.schema_path}: {c.message}"
            for c in check.failing()
        ]
        cases.append((f"{check.old} -> {check.new} ({result.mode})", check.file, failures))
    failed = sum(1 for _, _, f in cases if f)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="cws-compat" tests="{len(cases)}" failures="{failed}">',
        f'  <testsuite name="schema gate" tests="{len(cases)}" failures="{failed}">',
    ]
    for name, classname, failures in cases:
        out.append(f"    <testcase name={quoteattr(name)} classname={quoteattr(classname)}>")
        if failures:
            message = f"{len(failures)} change(s) fail the {result.mode} mode"
            out.append(
                f"      <failure message={quoteattr(message)}>"
                f"{escape(chr(10).join(failures))}</failure>"
            )
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "github": render_github,
    "sarif": render_sarif,
    "junit": render_junit,
}
