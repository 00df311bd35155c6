from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compat import docs_formats as formats
from compat import docs_hugo as hugo
from compat.errors import CompatError
from compat.versioning.store import Store, definitions_of
from tests.conftest import DATA, STORE

SEED = (DATA / "backend.md").read_text(encoding="utf-8")
HAND_WRITTEN = (DATA / "backend-hugo.md").read_text(encoding="utf-8")

# -- documentation-shaped schemas ------------------------------------------------------------
#
# Names and descriptions draw on what Markdown and the readers could trip over: pipes,
# backticks, backslashes, `~` and `/` (escaped in $ref pointers), letters Hugo keeps in
# anchors, names that differ only in case (numbered anchors), line breaks in descriptions
# (a table row is one line) and characters str.splitlines cuts at.
_NAME_CHARS = [*"aAbB_-1 .|`\\~/$é", "\u2028", "\x85"]
_TEXT_CHARS = [*"ab |`\\\n\r\t<>*#", "{{<", "é", "\u2028", "\x85"]
names = st.text(st.sampled_from(_NAME_CHARS), min_size=1, max_size=6)
texts = st.lists(st.sampled_from(_TEXT_CHARS), max_size=8).map("".join)


def _pointer(key: str, name: str) -> str:
    return f"#/{key}/{name.replace('~', '~0').replace('/', '~1')}"


@st.composite
def doc_schemas(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(st.sampled_from(["definitions", "$defs"]))
    definition_names = draw(st.lists(names, max_size=4, unique=True))

    def prop() -> Any:
        kind = draw(st.sampled_from(["leaf", "ref", "array", "boolean"]))
        if kind == "boolean":
            return draw(st.booleans())
        if kind in ("ref", "array") and definition_names:
            ref = {"$ref": _pointer(key, draw(st.sampled_from(definition_names)))}
            node: dict[str, Any] = ref if kind == "ref" else {"items": ref, "type": "array"}
        else:
            node = {"type": draw(st.sampled_from(["string", "integer", ["string", "null"]]))}
            if draw(st.booleans()):
                node["format"] = "date-time"
        if draw(st.booleans()):
            node["description"] = draw(texts)
        return node

    def obj() -> Any:
        if draw(st.integers(0, 6)) == 0:
            return draw(st.booleans())
        node: dict[str, Any] = {
            "properties": {n: prop() for n in draw(st.lists(names, max_size=4, unique=True))},
            "additionalProperties": False,
            "type": "object",
        }
        if draw(st.booleans()):
            node["description"] = draw(texts)
        if draw(st.booleans()):
            node["minProperties"] = draw(st.sampled_from([0, 1, 1.0]))
        return node

    root = obj()
    root = root if isinstance(root, dict) else {}
    definitions = {name: obj() for name in definition_names}
    if key == "definitions" and draw(st.booleans()):
        # v1's style: $schema repeated at the top of definitions
        for value in definitions.values():
            if isinstance(value, dict):
                value["$schema"] = "http://json-schema.org/draft-04/schema#"
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        draft = "draft-04/schema#" if key == "definitions" else "draft/2020-12/schema"
        extra["$schema"] = f"http://json-schema.org/{draft}"
    if draw(st.booleans()):
        extra["$id"] = "https://example.invalid/event.json"
    if definitions or draw(st.booleans()):
        extra[key] = definitions
    items = list(root.items()) + list(extra.items())
    order = draw(st.permutations(range(len(items))))
    return dict(items[i] for i in order)


def _seed_carries(schema: dict[str, Any]) -> dict[str, Any]:
    """What the seed format keeps of a schema: no $schema at the root or at the top of a
    definition, and the definitions keyword known only from the references."""
    root = {k: v for k, v in schema.items() if k not in ("$schema", "definitions", "$defs")}
    definitions = {
        name: {k: v for k, v in value.items() if k != "$schema"}
        if isinstance(value, dict)
        else value
        for name, value in definitions_of(schema).items()
    }
    if definitions:
        uses_defs = '"#/$defs/' in json.dumps(schema)
        root["$defs" if uses_defs else "definitions"] = definitions
    return root


@given(doc_schemas())
def test_hugo_round_trips_generated_schemas(schema: dict[str, Any]) -> None:
    original = copy.deepcopy(schema)
    page = formats.write(schema, "hugo")
    rebuilt = formats.read(page, "p.md")
    assert json.dumps(rebuilt) == json.dumps(original)  # the same value, in the same order
    assert hugo.first_difference(rebuilt, original) is None  # 1, 1.0 and true kept apart
    assert formats.write(rebuilt, "hugo") == page


@given(doc_schemas())
def test_seed_round_trips_generated_schemas(schema: dict[str, Any]) -> None:
    text = formats.write(schema, "seed")
    rebuilt = formats.read(text, "s.md")
    assert hugo.first_difference(rebuilt, _seed_carries(schema)) is None
    assert formats.write(rebuilt, "seed") == text


@pytest.mark.parametrize("style", formats.STYLES)
@pytest.mark.parametrize("name", Store.open(STORE).names)
def test_stored_versions_round_trip_in_both_styles(style: str, name: str) -> None:
    document = Store.open(STORE).load(name).document
    text = formats.write(document, style)
    assert formats.detect(text) == style
    rebuilt = formats.read(text, "d.md", draft="4")  # the stored versions are draft-04
    assert rebuilt == document
    assert formats.write(rebuilt, style) == text


def test_the_seed_document_is_read_and_written_back_byte_for_byte() -> None:
    assert formats.write(formats.read(SEED, "backend.md"), "seed") == SEED


def test_seed_style_is_the_seed_writer() -> None:
    assert formats.write(Store.open(STORE).load("v1").document) == SEED


# -- detection ----------------------------------------------------------------------------------


def test_formats_are_detected_from_the_schema_block() -> None:
    assert formats.detect(SEED) == "seed"
    assert formats.detect(HAND_WRITTEN) == "hugo"


def test_a_document_in_neither_format_is_refused() -> None:
    with pytest.raises(CompatError) as caught:
        formats.read("# Notes\n\nNothing | here\n", "notes.md")
    message = str(caught.value)
    assert message.startswith("notes.md: not schema documentation in either format")
    assert "no root schema block" in message
    assert 'filename="BACKEND_EVENT_JSON_SCHEMA"' in message
    assert "\n" not in message


def test_a_document_in_both_formats_is_refused() -> None:
    both = HAND_WRITTEN + "\n" + SEED
    with pytest.raises(CompatError, match=r"^b.md: holds both .* a document has one$"):
        formats.read(both, "b.md")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: x\n---\n\nNo schema.\n", r"^h.md: no whole-schema block"),
        ('{{< code-block lang="json" >}}\n{}\n{{< /code-block >}}\n', r"^h.md: no whole-schema"),
        ("```\nOTHER = {}\n```\n", r"^h.md:2: expected the root schema"),
    ],
)
def test_a_document_that_looks_like_one_format_says_what_it_lacks(text: str, message: str) -> None:
    with pytest.raises(CompatError, match=message):
        formats.read(text, "h.md")


# -- tables against the schema -------------------------------------------------------------------


def _line(text: str, needle: str, after: str = "") -> int:
    return text[: text.index(needle, text.index(after) if after else 0)].count("\n") + 1


@pytest.mark.parametrize("document", [SEED, HAND_WRITTEN], ids=["seed", "hugo"])
def test_a_field_description_changed_only_in_the_table_is_refused(document: str) -> None:
    row = "| `pid` | Process ID |"
    line = _line(document, row)
    changed = document.replace(row, "| `pid` | Process identifier |", 1)
    message = (
        rf'^d.md:{line}: the Field table of "\w+" gives `pid` the Description "Process '
        r'identifier"; the schema says "Process ID"$'
    )
    with pytest.raises(CompatError, match=message):
        formats.read(changed, "d.md")


@pytest.mark.parametrize("document", [SEED, HAND_WRITTEN], ids=["seed", "hugo"])
def test_a_root_property_missing_from_the_table_is_refused(document: str) -> None:
    row = "| `date` | string |  |\n"
    changed = document.replace(row, "", 1)
    line = _line(changed, "| Parameter |")
    message = rf"^d.md:{line}: the Parameter table does not list `date`, a root property"
    with pytest.raises(CompatError, match=message):
        formats.read(changed, "d.md")


def test_a_row_for_nothing_in_the_schema_is_refused() -> None:
    row = "| `pid` | Process ID |\n"
    changed = HAND_WRITTEN.replace(row, row + "| `tid` | Thread ID |\n", 1)
    line = _line(changed, "| `tid` |")
    message = rf'^d.md:{line}: the Field table of "Process" lists `tid`, which is not a property'
    with pytest.raises(CompatError, match=message):
        formats.read(changed, "d.md")


def test_a_link_to_the_wrong_anchor_is_refused() -> None:
    changed = HAND_WRITTEN.replace("(#processcredentials)", "(#credentials)", 1)
    line = _line(changed, "(#credentials)")
    message = rf"^d.md:{line}: the References table of \"Process\" lists \[ProcessCredentials\]"
    with pytest.raises(CompatError, match=message):
        formats.read(changed, "d.md")


def test_a_wrong_type_in_the_parameter_table_is_refused() -> None:
    changed = SEED.replace("| `date` | string |", "| `date` | integer |")
    with pytest.raises(CompatError, match=r'gives `date` the Type "integer"; the schema says "st'):
        formats.read(changed, "d.md")


def test_a_row_listed_twice_is_refused() -> None:
    row = "| `pid` | Process ID |\n"
    changed = HAND_WRITTEN.replace(row, row + row, 1)
    with pytest.raises(CompatError, match=r"lists `pid` 2 times; the schema has it 1 times"):
        formats.read(changed, "d.md")


def test_a_table_without_a_known_column_is_refused() -> None:
    changed = SEED.replace("| Field | Description |", "| Field | Meaning |", 1)
    with pytest.raises(CompatError, match=r'the Field table of "\w+" has no Description column'):
        formats.read(changed, "d.md")


def test_row_order_padding_and_extra_columns_are_not_contradictions() -> None:
    rows = "| `rule_id` | Identifier of the rule whose expression matched |\n"
    rows += "| `version` | Version of the agent that sent the event |\n"
    reordered = (
        "| Field | Since | Description |\n| :---- | --- | ----------- |\n"
        "|   `version`   | 7.50 | Version of the agent that sent the event |\n"
        "| `rule_id` | 7.27 |    Identifier of the rule whose expression matched |\n"
    )
    header = "| Field | Description |\n| ----- | ----------- |\n"
    changed = HAND_WRITTEN.replace(header + rows, reordered, 1)
    assert changed != HAND_WRITTEN
    assert formats.read(changed, "d.md") == formats.read(HAND_WRITTEN, "d.md")


def test_tables_in_the_pages_own_sections_are_not_checked() -> None:
    notes = "\n## Notes\n\n| Field | Description |\n| --- | --- |\n| `anything` | at all |\n"
    assert formats.read(HAND_WRITTEN + notes, "d.md") == formats.read(HAND_WRITTEN, "d.md")


# -- drafts and what cannot be documented ---------------------------------------------------------


def test_draft_is_declared_where_the_document_has_none() -> None:
    schema = formats.read(SEED, "s.md", draft="4")
    assert next(iter(schema.items())) == ("$schema", "http://json-schema.org/draft-04/schema#")


def test_draft_that_agrees_with_the_page_changes_nothing() -> None:
    assert formats.read(HAND_WRITTEN, draft="2020-12") == formats.read(HAND_WRITTEN)


def test_draft_that_contradicts_the_page_is_refused() -> None:
    message = r"^p.md: the schema declares \$schema 'https://json-schema.org/draft/2020-12/sche"
    with pytest.raises(CompatError, match=message):
        formats.read(HAND_WRITTEN, "p.md", draft="7")


def test_boolean_schema_cannot_be_documented() -> None:
    with pytest.raises(CompatError, match=r"^t.json: a boolean schema has no properties"):
        formats.write(True, "hugo", "t.json")


@pytest.mark.parametrize("name", ["", "two\nlines", "cr\r"])
@pytest.mark.parametrize("style", formats.STYLES)
def test_definition_names_that_cannot_be_headings_are_refused(name: str, style: str) -> None:
    with pytest.raises(CompatError, match=r"cannot be written as a section heading"):
        formats.write({"$defs": {name: {}}}, style, "s.json")


def test_unknown_style_is_refused() -> None:
    with pytest.raises(CompatError, match=r"unknown documentation style 'html'"):
        formats.write({}, "html")
