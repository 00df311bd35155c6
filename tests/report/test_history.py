"""report/history.py: the field history in every format, and the `docs --history` notes."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from compat.report.history import doc_notes
from compat.report.registry import FORMATS, render
from compat.versioning.history import (
    CONSTRAINTS,
    OPTIONAL,
    FieldState,
    History,
    Selection,
    VersionInfo,
    build,
    store_history,
)
from compat.versioning.store import Store
from tests.versioning import history_store
from tests.versioning.test_history import history_of


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> History:
    root = tmp_path_factory.mktemp("history")
    return store_history(Store.open(history_store.write_store(root)))


def _schema() -> Any:
    text = resources.files("compat.report").joinpath("history.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", [None, "process.credentials.auid", "process.kind", "tags[]"])
@pytest.mark.parametrize("changed_only", [False, True])
def test_json_follows_the_published_schema(
    scratch: History, path: str | None, changed_only: bool
) -> None:
    data = json.loads(render("history", "json", Selection(scratch, path, changed_only)))
    jsonschema.Draft202012Validator(_schema()).validate(data)
    assert data["path"] == path
    if path is not None:
        assert [item["path"] for item in data["fields"]] == [path]


def test_json_content(scratch: History) -> None:
    data = json.loads(render("history", "json", Selection(scratch, "process.kind")))
    item = data["fields"][0]
    assert (item["first"], item["last"], item["present"]) == ("v1", "v7", True)
    assert item["events"][1] == {
        "version": "v5",
        "released": "2021-05-01",
        "kind": "constraint-changed",
        "keyword": "enum",
        "old": [["exec"]],
        "new": [["exec", "fork"]],
        "added_values": ["fork"],
        "removed_values": [],
    }
    tags = json.loads(render("history", "json", Selection(scratch, "tags")))["fields"][0]
    assert (tags["last"], tags["present"]) == ("v6", False)


def test_the_schema_refuses_what_the_output_must_not_be(scratch: History) -> None:
    data = json.loads(render("history", "json", Selection(scratch, "process.credentials.auid")))
    validator = jsonschema.Draft202012Validator(_schema())
    data["fields"][0]["events"][1]["keyword"] = "enum"  # a became-required event has none
    assert not validator.is_valid(data)


def test_text_timeline(scratch: History) -> None:
    text = render("history", "text", Selection(scratch, "process.credentials.auid"))
    assert text == (
        "process.credentials.auid\n"
        "  v2  2021-02-01  added: integer, optional\n"
        "  v3  2021-03-01  became required\n"
        "  v5  2021-05-01  type changed: integer -> string\n"
        "  v6  2021-06-01  became optional\n"
        "now (v7): string, optional\n"
        "description (v7): Audit user ID\n"
        "declared at (v7): /$defs/Creds/properties/auid\n"
    )
    removed = render("history", "text", Selection(scratch, "tags[]"))
    assert "  v7  2021-07-01  removed\n" in removed
    assert "not in the latest version (v7); last in v6: string, optional" in removed


def test_text_listing(scratch: History) -> None:
    text = render("history", "text", Selection(scratch))
    lines = text.splitlines()
    assert lines[0] == "Field history: 7 versions, v1 (2021-01-12) to v7 (2021-07-01)"
    assert lines[1] == "15 fields, 6 with an event after v1"
    assert lines[3].split() == ["FIELD", "SINCE", "CHANGES"]
    row = next(line for line in lines if line.startswith("process.credentials.auid "))
    assert row.split(None, 2)[1:] == [
        "v2",
        "required since v3; type changed in v5 (integer -> string); optional since v6",
    ]
    assert next(line for line in lines if line.startswith("tags[]")).endswith("removed in v7")
    changed = render("history", "text", Selection(scratch, changed_only=True))
    assert "(shown: those)" in changed
    assert "labels" not in changed


def test_markdown(scratch: History) -> None:
    listing = render("history", "markdown", Selection(scratch))
    assert "| `process.kind` | v1 | enum widened in v5 |" in listing
    one = render("history", "markdown", Selection(scratch, "process.kind"))
    assert '| v5 | 2021-05-01 | enum widened: + "fork" |' in one


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("href", "src")]


def test_html_is_self_contained_and_escapes_schema_text() -> None:
    evil = "<script>alert('x')</script> & \"q\""
    old = {"type": "object", "properties": {"a": {"type": "string"}}}
    new = {"type": "object", "properties": {"a": {"type": "string", "description": evil}}}
    history = history_of(old, new)
    for selection in (Selection(history), Selection(history, "a")):
        page = render("history", "html", selection)
        parser = _Tags()
        parser.feed(page)
        assert "script" not in parser.tags
        assert parser.urls == []
        assert "&lt;script&gt;" in page
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
        assert "<style>" in page


def test_every_format_renders(scratch: History) -> None:
    for fmt in FORMATS["history"]:
        assert render("history", fmt, Selection(scratch))
        assert render("history", fmt, Selection(scratch, "tree.children[]"))


# -- docs --history ----------------------------------------------------------------------------


def test_doc_notes_say_what_happened_up_to_the_version(scratch: History) -> None:
    auid = "/$defs/Creds/properties/auid"
    notes = doc_notes(scratch, "v6")
    assert notes[auid] == (
        "since v2; required since v3; type changed in v5 (integer -> string); optional since v6"
    )
    assert notes["/properties/tags"] == "since v1"
    assert doc_notes(scratch, "v3")["/definitions/Credentials/properties/auid"] == (
        "since v2; required since v3"
    )
    assert "/properties/tags" not in doc_notes(scratch, "v7")


def test_doc_notes_of_a_shared_definition_follow_its_first_path() -> None:
    d = {"type": "object", "properties": {"x": {"type": "string"}}}
    v1 = {"type": "object", "properties": {"a": {"$ref": "#/$defs/D"}}, "$defs": {"D": d}}
    v2 = json.loads(json.dumps(v1))
    v2["properties"]["b"] = {"$ref": "#/$defs/D"}
    v3 = json.loads(json.dumps(v2))
    v3["$defs"]["D"]["required"] = ["x"]
    notes = doc_notes(history_of(v1, v2, v3), "v3")
    # `b.x` appeared in v2, but the definition's property has been there since v1; the change
    # in v3 happened at both paths and is said once
    assert notes["/$defs/D/properties/x"] == "since v1; required since v3"
    assert notes["/properties/b"] == "since v2"


def test_a_store_of_one_version(tmp_path: Path) -> None:
    store = history_store.write_store(tmp_path, history_store.versions()[:1])
    history = store_history(Store.open(store))
    text = render("history", "text", Selection(history))
    assert text.startswith("Field history: 1 version, v1 (2021-01-12)\n14 fields, 0 with")


def test_one_field_in_markdown_and_html_says_its_description_and_declarations(
    scratch: History,
) -> None:
    selection = Selection(scratch, "process.pid")
    for fmt in ("markdown", "html"):
        page = render("history", fmt, selection)
        assert "description (v7): Process ID" in page
        assert "declared at (v7): /$defs/Process/properties/pid" in page


# -- constraint changes: only `enum` widens or narrows by values ------------------------------

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
# every keyword a state records but `enum` (`const` is read as a one-value `enum`)
_VALUE_KEYWORDS = [k for k in CONSTRAINTS if k != "enum"]


def _state(constraints: tuple[tuple[str, tuple[Any, ...]], ...]) -> FieldState:
    return FieldState(("string",), OPTIONAL, constraints, None, ("/properties/f",))


def _one_field_history(*states: FieldState) -> History:
    snapshots = [
        (VersionInfo(f"v{n}", f"2021-01-{n:02d}"), {(("prop", "f"),): state})
        for n, state in enumerate(states, start=1)
    ]
    return build(snapshots)


@settings(max_examples=150, deadline=None)
@given(
    keyword=st.sampled_from(_VALUE_KEYWORDS),
    old=st.none() | _JSON_VALUES,
    new=st.none() | _JSON_VALUES,
)
def test_a_value_keyword_changed_is_said_as_old_to_new_in_every_format(
    keyword: str, old: Any, new: Any
) -> None:
    """The defect: `enum_delta` read any keyword's values as an enum, so `maximum: 10 -> 20`
    crashed (an int is not iterable) and `pattern: "^ab" -> "^abc"` was "widened: + "c""."""
    before = () if old is None else ((keyword, (old,)),)
    after = () if new is None else ((keyword, (new,)),)
    assume(before != after and json.dumps(old, sort_keys=True) != json.dumps(new, sort_keys=True))
    history = _one_field_history(_state(before), _state(after))
    event = history.find("f").events[-1]
    text = render("history", "text", Selection(history, "f"))
    line = text.split("\n")[2]  # (splitlines would split at a value's U+0085 too)
    if old is None:
        assert f"{keyword} added: " in line
    elif new is None:
        assert f"{keyword} removed (was " in line
    else:
        assert f"{keyword} changed: " in line and " -> " in line
    assert "widened" not in line and "narrowed" not in line
    for fmt in FORMATS["history"]:
        for selection in (
            Selection(history),
            Selection(history, "f"),
            Selection(history, None, True),
        ):
            render("history", fmt, selection)
    data = json.loads(render("history", "json", Selection(history, "f")))
    jsonschema.Draft202012Validator(_schema()).validate(data)
    assert "added_values" not in data["fields"][0]["events"][-1]
    assert doc_notes(history, "v2")["/properties/f"] == f"since v1; {keyword} changed in v2"
    assert event.keyword == keyword


def test_enum_widens_and_narrows_by_values() -> None:
    history = _one_field_history(
        _state((("enum", (["a", "b"],)),)),
        _state((("enum", (["a", "b", "c"],)),)),
        _state((("enum", (["c"],)),)),
        _state((("enum", (["c", "d"], ["e"])),)),
    )
    lines = render("history", "text", Selection(history, "f")).splitlines()
    assert lines[2].endswith('enum widened: + "c"')
    assert lines[3].endswith('enum narrowed: - "a", - "b"')
    # written twice at the path: two sets, no delta of values
    assert lines[4].endswith('enum changed: ["c"] -> ["c", "d"] | ["e"]')
    assert doc_notes(history, "v4")["/properties/f"] == (
        "since v1; enum widened in v2; enum narrowed in v3; enum changed in v4"
    )


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            {"type": "integer", "maximum": 10},
            {"type": "integer", "maximum": 20},
            "maximum changed: 10 -> 20",
        ),
        (
            {"type": "number", "exclusiveMinimum": 1.5},
            {"type": "number", "exclusiveMinimum": 2.5},
            "exclusiveMinimum changed: 1.5 -> 2.5",
        ),
        (
            {"type": "number", "multipleOf": 2},
            {"type": "number", "multipleOf": 4},
            "multipleOf changed: 2 -> 4",
        ),
        (
            {"type": "string", "pattern": "^ab"},
            {"type": "string", "pattern": "^abc"},
            'pattern changed: "^ab" -> "^abc"',
        ),
        (
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
            'format changed: "date" -> "date-time"',
        ),
        (
            {"type": "string", "maxLength": 3},
            {"type": "string", "maxLength": 4},
            "maxLength changed: 3 -> 4",
        ),
        (
            {"type": "array", "minItems": 1},
            {"type": "array", "minItems": 2},
            "minItems changed: 1 -> 2",
        ),
        ({"type": "array"}, {"type": "array", "uniqueItems": True}, "uniqueItems added: true"),
        (
            {"type": "object", "maxProperties": 3},
            {"type": "object"},
            "maxProperties removed (was 3)",
        ),
        (
            {"type": "object"},
            {"type": "object", "additionalProperties": False},
            "additionalProperties added: false",
        ),
    ],
)
def test_schema_constraint_changes_in_every_format(old: Any, new: Any, said: str) -> None:
    history = history_of(
        {"type": "object", "properties": {"f": old}}, {"type": "object", "properties": {"f": new}}
    )
    assert said in render("history", "text", Selection(history, "f"))
    for fmt in FORMATS["history"]:
        render("history", fmt, Selection(history))
        render("history", fmt, Selection(history, "f"))


def test_a_description_change_is_said_in_the_listing_but_not_in_the_docs_notes() -> None:
    """The defect: `--changed` listed a field whose only change was its description with an
    empty CHANGES column."""
    field = {"type": "string"}
    versions = [
        {"type": "object", "properties": {"a": {**field, **extra}}}
        for extra in ({}, {"description": "one"}, {"description": "two"}, {})
    ]
    history = history_of(*versions)
    rows = render("history", "text", Selection(history, changed_only=True)).splitlines()
    row = next(line for line in rows if line.startswith("a "))
    assert row.split(None, 2)[2] == (
        "description added in v2; description changed in v3; description removed in v4"
    )
    assert "| `a` | v1 | description added in v2; description changed in v3;" in render(
        "history", "markdown", Selection(history, changed_only=True)
    )
    assert "description changed in v3" in render("history", "html", Selection(history))
    assert doc_notes(history, "v3")["/properties/a"] == "since v1"


# -- text output: one line is one line ---------------------------------------------------------

_NAMES = st.sampled_from(["nl\nname", "a, b", "t\u2028x", "c\x85", "tab\t", "~/"]) | st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(name=_NAMES, description=st.text(max_size=8))
def test_schema_text_never_breaks_a_line_of_the_timeline(name: str, description: str) -> None:
    """The defect: a property named "nl\\nname" printed a raw newline in "declared at"."""
    old = {"type": "object", "properties": {name: {"type": "string", "enum": [name]}}}
    new = copy.deepcopy(old)
    new["properties"][name]["description"] = description
    history = history_of(old, new)
    item = next(item for item in history.fields if item.path == (("prop", name),))
    text = render("history", "text", Selection(history, item.name))
    lines = text.split("\n")
    assert lines[-1] == ""
    # the name, two events, now, (description,) declared at: one line each
    assert len(lines) - 1 == 5 + (1 if description else 0)
    assert text.splitlines() == lines[:-1]  # no U+2028, U+0085... either
    pointer = lines[-2].removeprefix("declared at (v2): ")
    assert (json.loads(pointer) if pointer.startswith('"') else pointer) == (
        "/properties/" + name.replace("~", "~0").replace("/", "~1")
    )


def test_the_testers_name_with_a_newline() -> None:
    history = history_of({"type": "object", "properties": {"nl\nname": {"type": "string"}}})
    text = render("history", "text", Selection(history, '["nl\\nname"]'))
    assert text.endswith('declared at (v1): "/properties/nl\\nname"\n')
    plain = history_of({"type": "object", "properties": {"a b": {"description": "x y"}}})
    assert render("history", "text", Selection(plain, '["a b"]')).endswith(
        "description (v1): x y\ndeclared at (v1): /properties/a b\n"
    )


def test_the_html_timeline_shows_long_values_whole() -> None:
    """Two patterns of 3,000 characters that differ at the end: the text cuts them, the page
    shows both whole (so the change can be seen)."""
    long = "x" * 3000
    old = {"type": "object", "properties": {"a": {"type": "string", "pattern": f"^{long}"}}}
    new = {"type": "object", "properties": {"a": {"type": "string", "pattern": f"^{long}y"}}}
    found = history_of(old, new)
    import html

    page = html.unescape(render("history", "html", Selection(found, "a")))
    assert f'pattern changed: "^{long}" -> "^{long}y"' in page
    assert f"^{long}y" not in render("history", "text", Selection(found, "a"))
