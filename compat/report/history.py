"""Render field histories (`cws-compat history`) as text, JSON, markdown or HTML, and the short
annotations `docs --history` adds to each field. Formatters only read the history.

The HTML page is self-contained (inline CSS, no script, nothing fetched); every string from a
schema is escaped.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from compat.report.html import Markup, page, tag
from compat.versioning.history import (
    ADDED,
    BECAME_CONDITIONAL,
    BECAME_OPTIONAL,
    BECAME_REQUIRED,
    CONSTRAINT_CHANGED,
    DESCRIPTION_CHANGED,
    REMOVED,
    TYPE_CHANGED,
    Event,
    FieldHistory,
    FieldState,
    History,
    Selection,
    declarations,
    enum_delta,
)

HISTORY_VERSION = 1
MAX_VALUE = 80  # characters of a value shown in text, markdown and HTML (JSON has it whole)


# -- phrases ---------------------------------------------------------------------------------


# characters that end or break a line somewhere (json.dumps escapes those below U+0020 only)
_BREAKS = {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)}


def _dumps(value: Any) -> str:
    """JSON on one line, whatever line breaks and control characters the value holds."""
    return json.dumps(value, ensure_ascii=False).translate(_BREAKS)


def _plain(text: str) -> str:
    """Schema text on one line of output: as it is, or JSON-quoted when it holds a control
    character, a line separator or `, ` (which separates pointers in `declared at`)."""
    if ", " in text or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        return _dumps(text)
    return text


def _value(value: Any, whole: bool = False) -> str:
    """A value as JSON, cut to MAX_VALUE characters unless `whole` (the HTML page, which can
    wrap it)."""
    text = _dumps(value)
    return text if whole or len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def _values(values: Sequence[Any] | None, whole: bool = False) -> str:
    """The values written at a path: one, or several joined by `|`."""
    return " | ".join(_value(v, whole) for v in values or ())


def _types(types: Sequence[str] | None) -> str:
    return "any type" if types is None else " or ".join(types)


def summary(state: FieldState, whole: bool = False) -> str:
    """`integer, required; enum [1, 2]; repeats (root)`."""
    text = f"{_types(state.types)}, {state.requirement}"
    for keyword, values in state.constraints:
        text += f"; {keyword} {_values(values, whole)}"
    if state.repeats is not None:
        text += f"; repeats {state.repeats} (recursive: nothing below is listed)"
    return text


def describe(event: Event, whole: bool = False) -> str:
    """One event in full, for a field's timeline; long values cut unless `whole`."""
    kind = event.kind
    if kind == ADDED:
        assert event.state is not None
        return f"added: {summary(event.state, whole)}"
    if kind == REMOVED:
        return "removed"
    if kind == BECAME_REQUIRED:
        return "became required"
    if kind == BECAME_OPTIONAL:
        return "became optional"
    if kind == BECAME_CONDITIONAL:
        return "became conditionally required"
    if kind == TYPE_CHANGED:
        return f"type changed: {_types(event.old)} -> {_types(event.new)}"
    if kind == CONSTRAINT_CHANGED:
        return _constraint(event, whole)
    assert kind == DESCRIPTION_CHANGED
    if event.new is None:
        return "description removed"
    verb = "added" if event.old is None else "changed"
    return f"description {verb}: {_value(event.new, whole)}"


def _constraint(event: Event, whole: bool = False) -> str:
    keyword = event.keyword
    if event.old is None:
        return f"{keyword} added: {_values(event.new, whole)}"
    if event.new is None:
        return f"{keyword} removed (was {_values(event.old, whole)})"
    added, removed = enum_delta(event.keyword, event.old, event.new)
    if added is not None and removed is not None:
        parts = [f"+ {_value(v, whole)}" for v in added]
        parts += [f"- {_value(v, whole)}" for v in removed]
        verb = "widened" if not removed else "narrowed" if not added else "changed"
        return f"{keyword} {verb}: {', '.join(parts)}"
    return f"{keyword} changed: {_values(event.old, whole)} -> {_values(event.new, whole)}"


def _short(event: Event) -> str | None:
    """An event as a few words (`required since v2`); None for description changes."""
    kind, version = event.kind, event.version
    if kind == ADDED:
        return f"back in {version}"
    if kind == REMOVED:
        return f"removed in {version}"
    if kind == BECAME_REQUIRED:
        return f"required since {version}"
    if kind == BECAME_OPTIONAL:
        return f"optional since {version}"
    if kind == BECAME_CONDITIONAL:
        return f"conditionally required since {version}"
    if kind == TYPE_CHANGED:
        return f"type changed in {version} ({_types(event.old)} -> {_types(event.new)})"
    if kind == CONSTRAINT_CHANGED:
        added, removed = enum_delta(event.keyword, event.old, event.new)
        if added is not None and removed is not None and not (added and removed):
            return f"{event.keyword} {'widened' if added else 'narrowed'} in {version}"
        return f"{event.keyword} changed in {version}"
    return None


def _short_description(event: Event) -> str:
    """A description change in a few words (the text itself is in the field's timeline)."""
    verb = "added" if event.old is None else "removed" if event.new is None else "changed"
    return f"description {verb} in {event.version}"


def changes_after_first(events: Sequence[Event]) -> list[str]:
    """The short phrases of every event after a field first appeared, description changes
    included: `--changed` lists a field whose only change is its description, and its row says
    so (`docs --history` leaves them out: the document shows the description itself)."""
    return [_short(event) or _short_description(event) for event in events[1:]]


def annotation(events: Sequence[Event]) -> str:
    """`since v1; required since v2; type changed in v3 (integer -> string)`."""
    return "; ".join([f"since {events[0].version}", *changes_after_first(events)])


def doc_notes(history: History, version: str) -> dict[str, str]:
    """JSON pointer of each subschema declaring a field in `version` -> its annotation for
    `docs --history`, from the events up to `version`.

    A definition's property is one row of the documentation but may sit at several instance
    paths (`process.credentials.uid`, `process.parent.credentials.uid`): its annotation is that
    of the path that appeared first (the shortest, then the first by name, among equals),
    followed by whatever happened at the others that it does not say already (a change in the
    definition happens at every path at once, and is said once)."""
    position = {info.name: index for index, info in enumerate(history.versions)}
    until = position[version]
    notes: dict[str, str] = {}
    for pointer, fields in declarations(history, version).items():
        timelines = [
            [event for event in item.events if position[event.version] <= until] for item in fields
        ]
        ranked = sorted(
            zip(fields, timelines, strict=True),
            key=lambda pair: (position[pair[1][0].version], len(pair[0].path), pair[0].name),
        )
        first = ranked[0][1]
        phrases = [f"since {first[0].version}"]
        # (version, phrase) of each event after the first: the order they happened in
        later = [(position[e.version], p) for e in first[1:] if (p := _short(e)) is not None]
        said = {phrase for _, phrase in later}
        for _, timeline in ranked[1:]:
            for event in timeline[1:]:
                phrase = _short(event)
                if phrase is not None and event.kind != ADDED and phrase not in said:
                    said.add(phrase)
                    later.append((position[event.version], phrase))
        later.sort(key=lambda item: item[0])
        notes[pointer] = "; ".join([*phrases, *(phrase for _, phrase in later)])
    return notes


def _versions_line(history: History) -> str:
    """`7 versions, v1 (2021-01-12) to v7 (2021-07-01)`: one line, however many versions."""
    first, last = history.versions[0], history.versions[-1]
    if first is last:
        return f"1 version, {first.name} ({first.released})"
    count = len(history.versions)
    return f"{count} versions, {first.name} ({first.released}) to {last.name} ({last.released})"


def _now(history: History, item: FieldHistory) -> list[str]:
    """The field in the last version holding it: its state, description and declarations."""
    last, state = item.last_state()
    if history.present(item):
        out = [f"now ({last}): {summary(state)}"]
    else:
        out = [f"not in the latest version ({history.latest}); last in {last}: {summary(state)}"]
    if state.description:
        out.append(f"description ({last}): {_plain(state.description)}")
    pointers = ", ".join(_plain(p) if p else "(root)" for p in state.declared_at)
    out.append(f"declared at ({last}): {pointers}")
    return out


# -- JSON ------------------------------------------------------------------------------------


def to_json_data(selection: Selection) -> dict[str, Any]:
    history = selection.history
    fields = []
    for item in selection.fields():
        last, state = item.last_state()
        fields.append(
            {
                "path": item.name,
                "first": item.first,
                "last": last,
                "present": history.present(item),
                "state": state.to_json(),
                "events": [event.to_json() for event in item.events],
            }
        )
    return {
        "history_version": HISTORY_VERSION,
        "versions": [{"name": v.name, "released": v.released} for v in history.versions],
        "path": selection.path,
        "changed_only": selection.changed_only,
        "fields": fields,
    }


def render_json(selection: Selection) -> str:
    return json.dumps(to_json_data(selection), indent=2, ensure_ascii=False) + "\n"


# -- text ------------------------------------------------------------------------------------


def render_text(selection: Selection) -> str:
    if selection.path is not None:
        return _timeline_text(selection.history, selection.fields()[0])
    history = selection.history
    fields = selection.fields()
    first = history.versions[0].name
    changed = sum(1 for item in history.fields if item.events[-1].version != first)
    out = [
        f"Field history: {_versions_line(history)}",
        f"{len(history.fields)} fields, {changed} with an event after {history.versions[0].name}"
        + (" (shown: those)" if selection.changed_only else ""),
        "",
    ]
    rows = [("FIELD", "SINCE", "CHANGES")]
    rows += [(i.name, i.first, "; ".join(changes_after_first(i.events))) for i in fields]
    width = max(len(name) for name, _, _ in rows)
    since = max(len(first) for _, first, _ in rows)
    out += [f"{n.ljust(width)}  {f.ljust(since)}  {c}".rstrip() for n, f, c in rows]
    if not fields:
        out.append("(none)")
    out += [
        "",
        "`cws-compat history PATH` shows one field's timeline (with its description changes).",
    ]
    return "\n".join(out) + "\n"


def _timeline_text(history: History, item: FieldHistory) -> str:
    out = [item.name]
    width = max(len(info.name) for info in history.versions)
    for event in item.events:
        out.append(f"  {event.version.ljust(width)}  {event.released}  {describe(event)}")
    out += _now(history, item)
    return "\n".join(out) + "\n"


# -- markdown --------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """Inline code that survives any backticks in the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{_md(text)}{pad}{fence}"


def render_markdown(selection: Selection) -> str:
    history = selection.history
    if selection.path is not None:
        item = selection.fields()[0]
        out = [f"### Field history: {_code(item.name)}", "", _md(_versions_line(history)), ""]
        out += ["| version | released | change |", "| --- | --- | --- |"]
        out += [f"| {_md(e.version)} | {e.released} | {_md(describe(e))} |" for e in item.events]
        out += ["", *(_md(line) + "  " for line in _now(history, item)), ""]
        return "\n".join(out)
    out = ["### Field history", "", _md(_versions_line(history)), ""]
    out += ["| field | since | changes |", "| --- | --- | --- |"]
    for item in selection.fields():
        changes = "; ".join(changes_after_first(item.events))
        out.append(f"| {_code(item.name)} | {_md(item.first)} | {_md(changes)} |")
    out.append("")
    return "\n".join(out)


# -- HTML ------------------------------------------------------------------------------------
# the shared page of the HTML reports (report/html.py): its style, its policy (nothing fetched,
# nothing run) and its escaping of every string


def _timeline_html(history: History, item: FieldHistory) -> list[Markup]:
    css = {"added": "added", "removed": "removed", "description-changed": "muted"}
    rows = [tag("tr", tag("th", "version"), tag("th", "released"), tag("th", "change"))]
    for event in item.events:
        rows.append(
            tag(
                "tr",
                tag("td", event.version),
                tag("td", event.released),
                tag("td", describe(event, whole=True)),
                class_=css.get(event.kind),
            )
        )
    return [
        tag("table", *rows, class_="timeline"),
        *(tag("p", line, class_="muted") for line in _now(history, item)),
    ]


def render_html(selection: Selection) -> str:
    history = selection.history
    fields = selection.fields()
    title = "Field history" + (f": {selection.path}" if selection.path is not None else "")
    body: list[Markup] = [tag("h1", title), tag("p", _versions_line(history), class_="sub")]
    if selection.path is not None:
        body += _timeline_html(history, fields[0])
    else:
        rows = [tag("tr", tag("th", "field"), tag("th", "since"), tag("th", "changes"))]
        for item in fields:
            rows.append(
                tag(
                    "tr",
                    tag(
                        "td",
                        tag(
                            "details",
                            tag("summary", tag("code", item.name)),
                            *_timeline_html(history, item),
                        ),
                    ),
                    tag("td", item.first),
                    tag("td", "; ".join(changes_after_first(item.events))),
                )
            )
        body.append(tag("table", *rows, class_="fields"))
    return page(title, body)
