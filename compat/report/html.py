"""Render reports as one self-contained HTML page, for people who would rather look than read:
`diff`, the gate (`check`), `corpus validate` and `corpus matrix`.

The page needs nothing but itself: the CSS is inline, there is no script, and a
Content-Security-Policy in the page forbids fetching anything (an image, a font, a script),
so it opens the same offline, attached to a CI run or from a mail. Rule ids link to the
rule's explanation further down the same page.

Every string that comes from a schema, an event or a file name (a description holding
`<script>`, a property named `<b>`) goes through `_text` or an attribute, which escape it:
markup is only ever built by `tag`. Like every formatter, this one reads the report and
judges nothing (the groups and verdicts are those of the other formats)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING, Any

from compat import __version__

if TYPE_CHECKING:
    from compat.corpus.run import CorpusReport, CorpusResult, ErrorGroup, VersionResult
    from compat.engine.model import Change, Report
    from compat.versioning.gate import Check, GateReport


class Markup(str):
    """Text that is already HTML (built by `tag`), inserted as it is."""

    __slots__ = ()


Child = Any  # str (escaped), Markup (as is), None (nothing), or an iterable of children


def _text(value: object) -> Markup:
    return Markup(escape(str(value), quote=True))


def _children(children: Iterable[Child]) -> str:
    out: list[str] = []
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, Markup):
            out.append(child)
        elif isinstance(child, str | int | float):
            out.append(_text(child))
        else:
            out.append(_children(child))
    return "".join(out)


def tag(element: str, /, *children: Child, **attrs: str | int | bool | None) -> Markup:
    """`<element attrs>children</element>`: every attribute value and every str child
    escaped. A trailing `_` in an attribute name is dropped (`class_`), other `_` become
    `-` (`http_equiv`); None and False leave the attribute out, True writes it bare."""
    parts = [element]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        key = key.rstrip("_").replace("_", "-")
        parts.append(key if value is True else f'{key}="{escape(str(value), quote=True)}"')
    opening = "<" + " ".join(parts) + ">"
    if element in _VOID:
        return Markup(opening)
    return Markup(f"{opening}{_children(children)}</{element}>")


_VOID = frozenset({"meta", "br", "hr", "wbr"})

# Nothing may be fetched: no script, image, font, frame or connection; only the inline style.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --unk: #9a6700; --line: #d0d7de; --muted: #57606a;
  --soft: #f6f8fa; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
body { max-width: 76rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: .5rem 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
h4 { font-size: .95rem; margin: .9rem 0 .3rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: .85em; }
code { background: var(--soft); padding: .05em .3em; border-radius: 4px;
  overflow-wrap: anywhere; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  padding: .6rem .8rem; overflow: auto; max-height: 28rem; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.sub, .muted { color: var(--muted); }
.sub { margin: 0 0 1rem; }
.banner { display: flex; flex-wrap: wrap; gap: .75rem; padding: .9rem; border-radius: 8px;
  border: 2px solid var(--line); background: var(--soft); margin: 1rem 0; }
.banner.pass { border-color: var(--ok); } .banner.fail { border-color: var(--bad); }
.banner.warn { border-color: var(--unk); }
.stat { background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: .4rem .75rem; min-width: 8rem; }
.stat .label { display: block; font-size: .75rem; text-transform: uppercase;
  letter-spacing: .04em; color: var(--muted); }
.stat .value { font-size: 1.15rem; font-weight: 600; }
.stat .hint { display: block; font-size: .75rem; color: var(--muted); }
.stat.verdict { min-width: 16rem; }
.verdict-text.pass { color: var(--ok); } .verdict-text.fail { color: var(--bad); }
.verdict-text.warn { color: var(--unk); }
.badge { display: inline-block; border-radius: 999px; padding: 0 .55em; font-size: .8rem;
  font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.v-compatible { color: var(--ok); } .v-breaking { color: var(--bad); }
.v-unknown { color: var(--unk); }
a.rule { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-weight: 600; font-size: .9rem; }
.change { border: 1px solid var(--line); border-left: 4px solid var(--line);
  border-radius: 6px; padding: .5rem .8rem; margin: .6rem 0; }
.change.w-breaking { border-left-color: var(--bad); }
.change.w-unknown { border-left-color: var(--unk); }
.change.w-compatible { border-left-color: var(--ok); }
.change header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
.change .message { margin: .3rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem;
  margin: .3rem 0; font-size: .9rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; min-width: 0; }
ul.paths { margin: 0; padding: 0; list-style: none; }
details { margin: .35rem 0; }
summary { cursor: pointer; }
details.counterexample > summary, details.more > summary { color: #0969da; }
.fix { border-left: 3px solid var(--bad); padding-left: .6rem; margin: .4rem 0; }
.ack { border-left: 3px solid var(--ok); padding-left: .6rem; }
.empty { color: var(--muted); font-style: italic; }
.warning { border: 2px solid var(--bad); border-radius: 6px; padding: .5rem .8rem;
  background: #fff5f5; }
.heat-wrap { max-height: min(70vh, 44rem); width: fit-content; max-width: 100%; overflow: auto;
  border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: separate; border-spacing: 0; }
table.heat { font-variant-numeric: tabular-nums; font-size: .85rem; }
table.heat th, table.heat td { border-bottom: 1px solid #fff; border-right: 1px solid #fff;
  padding: .2rem .5rem; }
table.heat thead th { position: sticky; top: 0; z-index: 2; background: #eaeef2;
  min-width: 4.5rem; }
table.heat tbody th { position: sticky; left: 0; z-index: 1; background: #eaeef2;
  text-align: left; font-weight: 600; max-width: 18rem; overflow-wrap: anywhere; }
table.heat thead th.corner { left: 0; z-index: 3; text-align: left; }
table.heat td { text-align: right; white-space: nowrap; }
table.heat td a { color: inherit; text-decoration: none; display: block; }
table.heat td a:hover { text-decoration: underline; }
.h-all { background: #ccefd3; } .h-90 { background: #fff2b3; }
.h-75 { background: #ffdf8f; } .h-50 { background: #ffc085; }
.h-25 { background: #ff9d85; } .h-0 { background: #f47067; }
.h-none { background: #f6f8fa; color: var(--muted); } td.h-none { text-align: center; }
td.unexplained { outline: 3px solid var(--bad); outline-offset: -3px; font-weight: 700; }
td.defect { outline: 3px dashed #8250df; outline-offset: -3px; }
.key .unexplained-key { outline: 3px solid var(--bad); outline-offset: -3px; }
.key .defect-key { outline: 3px dashed #8250df; outline-offset: -3px; }
.key { display: flex; flex-wrap: wrap; gap: .4rem; font-size: .8rem; margin: .5rem 0; }
.key span { padding: .1rem .5rem; border-radius: 4px; }
table.groups { font-size: .85rem; width: 100%; }
table.groups th { text-align: left; background: #eaeef2; }
table.groups th, table.groups td { padding: .25rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
table.groups td.count { text-align: right; font-variant-numeric: tabular-nums; }
.cell { scroll-margin-top: 1rem; }
.cell:target { outline: 3px solid #0969da; outline-offset: 4px; border-radius: 4px; }
.rule-doc { border-top: 1px solid var(--line); padding-top: .3rem; }
.rule-doc:target { background: #ddf4ff; }
footer { margin-top: 3rem; color: var(--muted); font-size: .8rem; }
table.fields, table.timeline { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
table.fields th, table.fields td, table.timeline th, table.timeline td { text-align: left;
  vertical-align: top; padding: .25rem .6rem; border-bottom: 1px solid var(--line); }
table.timeline td:first-child, table.timeline td:nth-child(2) { white-space: nowrap; }
table.timeline td:nth-child(3) { overflow-wrap: anywhere; }
tr.added td { color: var(--ok); } tr.removed td { color: var(--bad); }
"""


def page(title: str, body: Iterable[Child]) -> str:
    """The whole document: head (charset, viewport, policy, style) and `body`."""
    head = tag(
        "head",
        tag("meta", charset="utf-8"),
        tag("meta", name="viewport", content="width=device-width, initial-scale=1"),
        tag("meta", http_equiv="Content-Security-Policy", content=_POLICY),
        tag("meta", name="generator", content=f"cws-compat {__version__}"),
        tag("title", title),
        Markup(f"<style>{_CSS}</style>"),
    )
    footer = tag("footer", f"Generated by cws-compat {__version__}.")
    return (
        "<!DOCTYPE html>\n"
        + tag("html", head, tag("body", tag("main", body), footer), lang="en")
        + "\n"
    )


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent)


def _stat(label: str, value: Child, hint: Child = None, class_: str = "stat") -> Markup:
    return tag(
        "div",
        tag("span", label, class_="label"),
        tag("span", value, class_="value"),
        tag("span", hint, class_="hint") if hint else None,
        class_=class_,
    )


def _badge(verdict: str, prefix: str = "") -> Markup:
    return tag("span", f"{prefix}{verdict}", class_=f"badge v-{verdict}")


TIMES = "\u00d7"  # the multiplication sign


def _below(heading: str) -> str:
    """The heading level under `heading` (h2 -> h3), at most h6."""
    return f"h{min(int(heading[1]) + 1, 6)}"


def _prose(text: str) -> Markup:
    """The project's own documentation text, its `code` spans as code (still escaped)."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return _text(text)
    return Markup("".join(tag("code", p) if i % 2 else _text(p) for i, p in enumerate(pieces)))


def _plural(count: int, word: str, many: str = "") -> str:
    return f"{count:,} {word if count == 1 else many or word + 's'}"


# ---- rules: a link per id, and the explanation of each id used, at the end of the page


def _rule_link(rule_id: str) -> Markup:
    return tag("a", rule_id, href=f"#rule-{rule_id}", class_="rule", title=_rule_summary(rule_id))


def _rule_summary(rule_id: str) -> str:
    from compat.rules import RULES

    rule = RULES.get(rule_id)
    if rule is not None:
        return str(rule.summary)
    from compat.versioning.gate import PROBLEM_KINDS

    kind = PROBLEM_KINDS.get(rule_id)
    return kind.summary if kind is not None else ""


def _rules_section(rule_ids: Iterable[str], rules_url: str | None = None) -> Markup | None:
    """What each rule id on the page means (the `cws-compat rules ID` text), so that every
    link works offline; with a rules URL configured, also a link to the published page."""
    from compat.rules import RULES
    from compat.versioning.gate import PROBLEM_KINDS

    entries = []
    for rule_id in sorted(set(rule_ids)):
        rule = RULES.get(rule_id)
        parts: list[Child] = [tag("h3", tag("code", rule_id))]
        if rule is not None:
            parts.append(tag("p", _prose(rule.summary)))
            parts.append(
                tag(
                    "p",
                    "In the plain case: ",
                    _badge(rule.backward, "backward "),
                    " ",
                    _badge(rule.forward, "forward "),
                )
            )
            if rule.note:
                parts.append(tag("p", _prose(rule.note), class_="muted"))
            parts.append(
                tag(
                    "details",
                    tag("summary", "Example"),
                    tag("p", "Before:"),
                    tag("pre", _json(rule.before, 2)),
                    tag("p", "After:"),
                    tag("pre", _json(rule.after, 2)),
                )
            )
        elif rule_id in PROBLEM_KINDS:
            kind = PROBLEM_KINDS[rule_id]
            parts += [
                tag("p", _prose(kind.summary)),
                tag("p", _prose(kind.description), class_="muted"),
            ]
        else:
            continue
        if rules_url:
            parts.append(
                tag("p", tag("a", "published documentation", href=f"{rules_url}#{rule_id}"))
            )
        entries.append(tag("section", parts, id=f"rule-{rule_id}", class_="rule-doc"))
    if not entries:
        return None
    return tag(
        "section",
        tag("h2", "Rules on this page"),
        tag(
            "p",
            "Every rule id above links here; ",
            tag("code", "cws-compat rules"),
            " lists them all.",
            class_="muted",
        ),
        entries,
        id="rules",
    )


# ---- diff


def _worst(change: Change) -> str:
    from compat.rules import worst

    return worst(change.backward, change.forward)


def _value(value: Any) -> Markup:
    text = _json(value)
    if len(text) <= 120:
        return tag("code", text)
    return tag(
        "details",
        tag("summary", tag("code", text[:80] + "…")),
        tag("pre", _json(value, 2)),
        class_="more",
    )


def _paths(change: Change) -> Markup:
    from compat.report.diff import MAX_PATHS_SHOWN

    paths = change.instance_paths
    shown = [tag("li", tag("code", p)) for p in paths[:MAX_PATHS_SHOWN]]
    rest = [tag("li", tag("code", p)) for p in paths[MAX_PATHS_SHOWN:]]
    more: Child = None
    if rest:
        more = tag(
            "details",
            tag("summary", f"{len(rest)} more"),
            tag("ul", rest, class_="paths"),
            class_="more",
        )
    truncated = (
        tag("li", "(+more, not listed)", class_="muted")
        if change.instance_paths_truncated
        else None
    )
    return Markup(tag("ul", shown, truncated, class_="paths") + (more or ""))


def _counterexample(example: Any) -> Markup:
    at = f" at {example.instance_path}" if example.instance_path else ""
    return tag(
        "details",
        tag(
            "summary",
            f"{example.direction} counterexample: valid under {example.valid_under}, "
            f"rejected by {example.rejected_by}",
        ),
        tag("p", f"{example.rejected_by} says{at}: ", tag("code", example.error)),
        tag("pre", _json(example.instance, 2), class_="instance"),
        class_="counterexample",
    )


def _change(change: Change, extra: Iterable[Child] = ()) -> Markup:
    facts: list[Child] = []
    if change.instance_paths or change.instance_paths_truncated:
        facts += [tag("dt", "instance paths"), tag("dd", _paths(change))]
    facts += [tag("dt", "schema path"), tag("dd", tag("code", change.schema_path or "(root)"))]
    if change.old_schema_path and change.old_schema_path != change.schema_path:
        facts += [tag("dt", "old schema path"), tag("dd", tag("code", change.old_schema_path))]
    if change.new_schema_path and change.new_schema_path != change.schema_path:
        facts += [tag("dt", "new schema path"), tag("dd", tag("code", change.new_schema_path))]
    if change.old is not None or change.new is not None:
        facts += [tag("dt", "old → new"), tag("dd", _value(change.old), " → ", _value(change.new))]
    return tag(
        "article",
        tag(
            "header",
            _rule_link(change.rule),
            _badge(change.backward, "backward "),
            _badge(change.forward, "forward "),
        ),
        tag("p", change.message, class_="message"),
        tag("dl", facts, class_="facts"),
        [_counterexample(e) for e in change.counterexamples],
        extra,
        class_=f"change w-{_worst(change)}",
    )


def _diff_status(report: Report) -> tuple[str, str]:
    """(what the report says overall, its shade): the words of the text and markdown reports."""
    if report.compatible:
        return "compatible", "pass"
    if report.passed:
        return "not proven compatible (unknown changes pass: --fail-on breaking)", "warn"
    return "NOT compatible", "fail"


_DIRECTIONS = {
    "backward": "old events valid under the new schema",
    "forward": "new events valid under the old schema",
}


def _diff_banner(report: Report) -> Markup:
    from compat.modes import Mode

    status, shade = _diff_status(report)
    checked = Mode(report.mode).directions
    stats = [
        _stat(
            "verdict",
            tag("span", status, class_=f"verdict-text {shade}"),
            f"under {report.mode} mode",
            class_="stat verdict",
        )
    ]
    for direction, meaning in _DIRECTIONS.items():
        verdict = report.verdict(direction)
        hint = meaning + ("" if direction in checked else f" (not checked in {report.mode} mode)")
        stats.append(_stat(direction, _badge(verdict), hint, class_=f"stat dir-{direction}"))
    stats.append(_stat("bump", report.bump, class_="stat bump"))
    stats.append(_stat("changes", f"{len(report.changes):,}"))
    return tag("div", stats, class_=f"banner {shade}", role="status")


def diff_sections(report: Report, heading: str = "h2") -> list[Markup]:
    """The banner and the changes grouped as the text report groups them."""
    from compat.report.diff import _groups

    out = [_diff_banner(report)]
    for title, changes in _groups(report):
        if not changes:
            continue
        slug = title.split()[0].lower()
        out.append(
            tag(
                "section",
                tag(heading, f"{title} ({len(changes)})"),
                [_change(c) for c in changes],
                class_=f"group group-{slug}",
            )
        )
    if not report.changes:
        out.append(tag("p", "No changes: the two schemas accept exactly the same documents."))
    return out


def _structural(report: Report) -> Markup | None:
    if report.structural is None:
        return None
    from compat.diff.structural import ADDED, REMOVED

    def item(edit: Any) -> Markup:
        # each value whole (folded when long, as elsewhere on the page), never cut
        parts: list[Any] = [tag("code", edit.pointer or "(root)"), ": "]
        if edit.kind == ADDED:
            parts += ["added ", _value(edit.new)]
        elif edit.kind == REMOVED:
            parts += ["removed ", _value(edit.old)]
        else:
            parts += [_value(edit.old), " → ", _value(edit.new)]
        return tag("li", *parts)

    edits = [item(edit) for edit in report.structural]
    return tag(
        "section",
        tag("h2", f"Structural edits ({len(edits)}, annotations included)"),
        tag(
            "details",
            tag("summary", "Every textual edit from old to new"),
            tag("ul", edits) if edits else tag("p", "none: the two documents are equal as JSON"),
        ),
        class_="structural",
    )


def render_diff(report: Report) -> str:
    formats = "asserted" if report.assert_formats else "annotations"
    title = f"Schema compatibility: {report.old} → {report.new}"
    body = [
        tag("h1", title),
        tag(
            "p",
            f"Drafts: {report.old_draft} → {report.new_draft} · formats: {formats}",
            class_="sub",
        ),
        diff_sections(report),
        _structural(report),
        _rules_section(c.rule for c in report.changes),
    ]
    return page(title, body)


# ---- the gate


def _gate_banner(result: GateReport) -> Markup:
    failing = sum(len(c.failing()) for c in result.checks) + len(result.problems)
    warnings = sum(len(c.warnings()) for c in result.checks)
    acknowledged = sum(len(c.acknowledged) for c in result.checks)
    shade = "fail" if not result.passed else "pass" if result.compatible else "warn"
    on = "breaking and unknown" if result.fail_on == "unknown" else "breaking"
    stats = [
        _stat(
            "gate",
            tag("span", "passed" if result.passed else "FAILED", class_=f"verdict-text {shade}"),
            f"{result.mode} mode, failing on {on} changes",
            class_="stat verdict",
        ),
        _stat("compatible", "yes" if result.compatible else "no", "proven, under the mode"),
        _stat("bump", result.bump, class_="stat bump"),
        _stat("comparisons", f"{len(result.checks):,}"),
        _stat("failing", f"{failing:,}"),
        _stat("unknown, not failing", f"{warnings:,}"),
        _stat("acknowledged", f"{acknowledged:,}"),
    ]
    return tag("div", stats, class_=f"banner {shade}", role="status")


def _fix(text: str) -> Markup:
    return tag("div", tag("strong", "To proceed: "), tag("pre", text), class_="fix")


def _check_section(check: Check) -> Markup:
    failing = check.failing()
    warnings = check.warnings()
    failing_ids = {id(c) for c in failing}
    warning_ids = {id(c) for c in warnings}
    acknowledged = sorted(check.acknowledged.items())
    acknowledged_ids = {id(check.report.changes[i]) for i, _ in acknowledged}
    others = [
        c for c in check.report.changes if id(c) not in failing_ids | warning_ids | acknowledged_ids
    ]
    status = "FAIL" if failing else "ok"
    parts: list[Child] = [
        tag(
            "h2",
            tag("span", status, class_=f"verdict-text {'fail' if failing else 'pass'}"),
            f" {check.old} → {check.new}",
        ),
        tag("p", tag("code", check.file), class_="sub") if check.file else None,
        tag("p", check.note, class_="muted") if check.note else None,
        _diff_banner(check.report),
    ]

    def group(title: str, slug: str, body: list[Child]) -> None:
        if body:
            parts.append(
                tag(
                    "section",
                    tag("h3", f"{title} ({len(body)})"),
                    body,
                    class_=f"group group-{slug}",
                )
            )

    group("Failing", "failing", [_change(c, [_fix(check.fix(c))]) for c in failing])
    group("Unknown, not failing (--fail-on breaking)", "warnings", [_change(c) for c in warnings])
    group(
        "Acknowledged",
        "acknowledged",
        [
            _change(
                check.report.changes[i],
                [
                    tag(
                        "p",
                        tag("strong", "Acknowledged: "),
                        a.ack.reason,
                        f" (in {a.where})",
                        class_="ack",
                    )
                ],
            )
            for i, a in acknowledged
        ],
    )
    group("Other changes", "other", [_change(c) for c in others])
    if not check.report.changes:
        parts.append(tag("p", "No changes: the two schemas accept exactly the same documents."))
    return tag("section", parts, class_="check")


def _problem(problem: Any) -> Markup:
    from compat.diff.structural import describe

    edits: Child = None
    if problem.edits:
        edits = tag(
            "details",
            tag("summary", f"What was edited ({len(problem.edits)})"),
            tag("ul", [tag("li", tag("code", describe(e))) for e in problem.edits]),
            class_="more",
        )
    where = f"{problem.file}:{problem.line}" if problem.file else None
    return tag(
        "article",
        tag("header", _rule_link(problem.kind), tag("code", where) if where else None),
        tag("p", problem.message, class_="message"),
        edits,
        _fix(problem.fix),
        class_="change w-breaking problem",
    )


def render_gate(result: GateReport) -> str:
    from compat.report.gate import CORPUS_GROUPS, _header, _stale_line

    title = f"Schema gate: {'passed' if result.passed else 'failed'}"
    body: list[Child] = [
        tag("h1", title),
        tag("p", f"Compared {_header(result)}.", class_="sub"),
        _gate_banner(result),
    ]
    if result.problems:
        body.append(
            tag(
                "section",
                tag("h2", f"Refused ({len(result.problems)})"),
                [_problem(p) for p in result.problems],
                class_="group group-problems",
            )
        )
    body += [_check_section(c) for c in result.checks]
    if result.stale or result.notes:
        body.append(
            tag(
                "section",
                tag("h2", "Notes"),
                tag(
                    "ul",
                    [tag("li", _stale_line(s), class_="stale") for s in result.stale],
                    [tag("li", note) for note in result.notes],
                ),
            )
        )
    if not result.checks and not result.problems:
        body.append(tag("p", "No schema changes to gate.", class_="empty"))
    if result.corpus is not None:
        body.append(
            tag(
                "section",
                tag("h2", "Stored corpora"),
                corpus_sections(result.corpus, CORPUS_GROUPS, "h3"),
            )
        )
    used = [p.kind for p in result.problems]
    used += [c.rule for check in result.checks for c in check.report.changes]
    body.append(_rules_section(used, result.rules_url))
    return page(title, body)


# ---- corpora: the banner, the heatmap (versions x corpora) and the rejection groups


def _corpus_banner(report: CorpusReport) -> Markup:
    failing = report.failing
    shade = "fail" if failing else "warn" if report.rejections else "pass"
    stats = [
        _stat(
            "verdict",
            tag("span", "FAILED" if failing else "passed", class_=f"verdict-text {shade}"),
            f"--fail-on {report.fail_on}",
            class_="stat verdict",
        ),
        _stat("events", f"{report.events:,}"),
        _stat("versions", f"{len(report.versions):,}"),
        _stat("validations", f"{report.validations:,}", f"events {TIMES} versions"),
        _stat("rejected", f"{report.rejections:,}", "validations"),
        _stat("unexplained", f"{report.unexplained:,}", "error groups"),
        _stat("defects", f"{report.defects:,}", "rejected by their capture version"),
        _stat("malformed", f"{report.malformed:,}", "lines"),
    ]
    if report.problems:
        stats.append(_stat("truncated", f"{report.problems:,}", "files not read to the end"))
    out = [tag("div", stats, class_=f"banner {shade}", role="status")]
    if failing:
        out.append(tag("ul", [tag("li", what) for _, what in failing], class_="failures"))
    return Markup("".join(out))


def _shade(valid: int, lines: int) -> str:
    """The heatmap's colour bucket: green only when every line is valid, then by share."""
    if lines == 0:
        return "h-none"
    if valid == lines:
        return "h-all"
    share = 100 * valid / lines
    for floor in (90, 75, 50, 25):
        if share >= floor:
            return f"h-{floor}"
    return "h-0"


def _group_line(group: ErrorGroup) -> str:
    line = f"{group.count:,} {TIMES} {group.instance_path}: {group.message}"
    if group.defect:
        return line + " (corpus defect)"
    notes = []
    if group.explained_by:
        notes.append("explained by " + ", ".join(e.rule for e in group.explained_by))
    if group.defects:
        notes.append(f"{group.defects:,} corpus defect(s)")
    if group.unexplained:
        notes.append(f"{group.unexplained_events:,} UNEXPLAINED")
    return line + (" (" + "; ".join(notes) + ")" if notes else "")


TOOLTIP_GROUPS = 3  # rejection groups in a heatmap cell's tooltip


def _cell_id(corpus_index: int, version_index: int) -> str:
    return f"cell-{corpus_index + 1}-{version_index + 1}"


def _heatmap(report: CorpusReport) -> Markup:
    from compat.report.corpus import _cell, _labels, corpus_labels

    labels = _labels(report)
    names = corpus_labels(report)
    header = tag(
        "tr",
        tag("th", "version", scope="col", class_="corner"),
        [
            tag("th", name, scope="col", title=corpus.path)
            for name, corpus in zip(names, report.corpora, strict=True)
        ],
    )
    rows = []
    for j, version in enumerate(report.versions):
        cells = []
        for i, corpus in enumerate(report.corpora):
            text, result = _cell(corpus, version)
            mark = "*" if corpus.captured_under == version else ""
            if result is None:
                cells.append(
                    tag(
                        "td",
                        text,
                        class_="h-none",
                        title=f"{names[i]}: not validated against {labels[version]}",
                    )
                )
                continue
            classes = [_shade(result.valid, corpus.lines)]
            if result.unexplained:
                classes.append("unexplained")
            if result.defects:
                classes.append("defect")
            tip = [
                f"{names[i]} under {labels[version]}: {result.valid:,} of "
                f"{_plural(corpus.lines, 'line')} valid ({text})"
            ]
            if result.invalid:
                tip.append(f"{result.invalid:,} rejected; top rejection groups:")
                tip += ["  " + _group_line(g) for g in result.errors[:TOOLTIP_GROUPS]]
            if mark:
                tip.append("* the version this corpus was captured under")
            content: Child = f"{text}{mark}"
            if result.errors:
                content = tag("a", content, href="#" + _cell_id(i, j))
            cells.append(tag("td", content, class_=" ".join(classes), title="\n".join(tip)))
        rows.append(tag("tr", tag("th", labels[version], scope="row", title=version), cells))
    table = tag("table", tag("thead", header), tag("tbody", rows), class_="heat")
    key = tag(
        "div",
        tag("span", "100% valid", class_="h-all"),
        [tag("span", f"≥ {f}%", class_=f"h-{f}") for f in (90, 75, 50, 25)],
        tag("span", "< 25%", class_="h-0"),
        tag("span", "not validated", class_="h-none"),
        tag("span", "* capture version"),
        tag("span", "unexplained rejections", class_="unexplained-key"),
        tag("span", "corpus defect", class_="defect-key"),
        class_="key",
    )
    return Markup(tag("div", table, class_="heat-wrap", tabindex=0) + key)


def _legend(report: CorpusReport) -> Markup:
    from compat.report.corpus import _labels, _legend, _renamed

    labels = _labels(report)
    items = [tag("li", tag("strong", label), " ", what) for label, what in _legend(report, labels)]
    items += [
        tag("li", "version ", tag("strong", label), ": ", tag("code", spec))
        for label, spec in _renamed(labels)
    ]
    return tag("ul", items, class_="legend")


def _groups_table(corpus: CorpusResult, result: VersionResult, max_groups: int) -> Markup:
    rows = []
    for group in result.errors[:max_groups]:
        if group.defect and result.role != "capture":
            why: Child = tag(
                "strong",
                f"corpus defect: {corpus.captured_under}, the capture version, rejects it too",
            )
        elif group.defect:
            why = tag("strong", "corpus defect: rejected by its capture version")
        elif group.explained_by or group.unexplained:
            parts: list[Child] = [
                [tag("span", _rule_link(e.rule), " ", tag("code", e.schema_path)), tag("br")]
                for e in group.explained_by or []
            ]
            if group.defects:
                parts.append([tag("span", f"corpus defect: {group.defects:,} event(s)"), tag("br")])
            if group.unexplained:
                parts.append(
                    tag(
                        "strong",
                        f"UNEXPLAINED: {group.unexplained_events:,} event(s) that no breaking "
                        f"or unknown change from {corpus.captured_under} explains",
                        class_="verdict-text fail",
                    )
                )
            why = parts
        else:
            why = tag("span", "no capture version to trace it to", class_="muted")
        rows.append(
            tag(
                "tr",
                tag("td", f"{group.count:,}", class_="count"),
                tag("td", tag("code", group.instance_path)),
                tag("td", group.message),
                tag("td", tag("code", f"{group.keyword} at {group.schema_path}")),
                tag("td", corpus.where(group.first_line)),
                tag("td", why),
            )
        )
    head = tag(
        "tr",
        [
            tag("th", h, scope="col")
            for h in ("count", "where", "error", "keyword", "first", "explained by")
        ],
    )
    hidden = len(result.errors) - max_groups
    more = tag("p", f"(+{hidden} more error groups)", class_="muted") if hidden > 0 else None
    return Markup(
        tag("table", tag("thead", head), tag("tbody", rows), class_="groups") + (more or "")
    )


def _corpus_detail(report: CorpusReport, index: int, max_groups: int, heading: str) -> Markup:
    from compat.report.corpus import COLLAPSE_VERSIONS, _labels, _status, corpus_labels

    corpus = report.corpora[index]
    labels = _labels(report)
    name = corpus_labels(report)[index]
    sub = _below(heading)
    parts: list[Child] = [tag(heading, f"{name} ", tag("code", corpus.path))]
    size = (
        f"{len(corpus.files):,} single-event .json files"
        if corpus.files is not None
        else _plural(corpus.lines, "line")
    )
    capture = (
        f", captured under {corpus.captured_under}"
        if corpus.captured_under
        else ", no capture version"
    )
    parts.append(
        tag(
            "p",
            size + capture + (f", {corpus.blank:,} blank" if corpus.blank else ""),
            class_="sub",
        )
    )
    if corpus.malformed:
        parts.append(
            tag(
                "details",
                tag("summary", f"{corpus.malformed:,} malformed"),
                tag(
                    "ul",
                    [tag("li", corpus.where(n), ": ", why) for n, why in corpus.malformed_lines],
                ),
                class_="more malformed",
            )
        )
    if corpus.problem:
        parts.append(tag("p", corpus.problem, class_="warning"))
    versions = {v: j for j, v in enumerate(report.versions)}
    blocks: list[Markup] = []
    for result in corpus.results:
        if not result.errors:
            continue
        defect = None
        if result.defects:
            defect = tag(
                "p",
                f"CORPUS DEFECT: {result.defects:,} event(s) rejected by {result.version}, the "
                "version they were captured under (a bad capture, or a wrong manifest entry)",
                class_="warning",
            )
        blocks.append(
            tag(
                "section",
                tag(
                    sub,
                    f"{name} under {labels.get(result.version, result.version)}: ",
                    _status(result),
                ),
                defect,
                _groups_table(corpus, result, max_groups),
                id=_cell_id(index, versions[result.version])
                if result.version in versions
                else None,
                class_="cell",
            )
        )
    if len(report.versions) > COLLAPSE_VERSIONS and blocks:
        # one block per rejecting version would bury the page: folded, and opened by the
        # browser when a heatmap cell links into it
        blocks = [
            tag(
                "details",
                tag("summary", f"Rejection groups under {_plural(len(blocks), 'version')}"),
                blocks,
                class_="versions",
            )
        ]
    parts += blocks
    clean = [labels.get(r.version, r.version) for r in corpus.results if not r.errors]
    if clean and corpus.lines > corpus.malformed:
        parts.append(
            tag(
                "p", f"All valid under {len(clean)} version(s): " + ", ".join(clean), class_="muted"
            )
        )
    if not blocks and corpus.lines == 0:
        parts.append(tag("p", "no events", class_="empty"))
    return tag("section", parts, class_="corpus")


def corpus_sections(report: CorpusReport, max_groups: int, heading: str = "h2") -> list[Markup]:
    """The banner, the heatmap with its legend, warnings, and per corpus the top rejection
    groups under each version (each cell of the heatmap links to its own)."""
    out: list[Markup] = [_corpus_banner(report)]
    if not report.corpora:
        out.append(tag("p", "no corpora", class_="empty"))
        return out
    sub = _below(heading)
    out.append(
        tag(
            "section",
            tag(heading, f"Percent valid: versions {TIMES} corpora"),
            tag(
                "p",
                "Percent of each corpus's lines valid under each version (rows: versions, "
                "columns: corpora). Hover a cell for its top rejection groups; click it for all.",
                class_="muted",
            ),
            _heatmap(report),
            _legend(report),
            class_="matrix",
        )
    )
    if report.unexplained:
        out.append(
            tag(
                "p",
                f"WARNING: {report.unexplained} error group(s) are not explained by any "
                "breaking or unknown change: the verdict engine said those changes were "
                "compatible, and these events prove otherwise.",
                class_="warning",
            )
        )
    out.append(
        tag(
            "section",
            tag(heading, "Rejections by corpus and version"),
            [_corpus_detail(report, i, max_groups, sub) for i in range(len(report.corpora))],
            class_="rejections",
        )
    )
    return out


def _corpus_rules(report: CorpusReport, max_groups: int) -> list[str]:
    return [
        e.rule
        for c in report.corpora
        for r in c.results
        for g in r.errors[:max_groups]
        for e in (g.explained_by or ())
    ]


def render_corpus(report: CorpusReport, max_groups: int, title: str = "Corpus validation") -> str:
    formats = "asserted" if report.assert_formats else "annotations"
    corpora = _plural(len(report.corpora), "corpus", "corpora")
    body = [
        tag("h1", title),
        tag(
            "p",
            f"{corpora} against {_plural(len(report.versions), 'version')} · formats: {formats}",
            class_="sub",
        ),
        corpus_sections(report, max_groups),
        _rules_section(_corpus_rules(report, max_groups)),
    ]
    return page(title, body)


def render_matrix(report: CorpusReport, max_groups: int) -> str:
    return render_corpus(report, max_groups, "Corpus matrix")


__all__ = [
    "Markup",
    "corpus_sections",
    "diff_sections",
    "page",
    "render_corpus",
    "render_diff",
    "render_gate",
    "render_matrix",
    "tag",
]
