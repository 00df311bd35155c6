from __future__ import annotations

import json
import re
from typing import Any

import pytest

from compat import docs
from compat.errors import CompatError
from compat.versioning.store import Store
from tests.conftest import DATA, STORE

SEED = (DATA / "backend.md").read_text(encoding="utf-8")


def _without_schema_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_schema_keys(v) for k, v in value.items() if k != "$schema"}
    if isinstance(value, list):
        return [_without_schema_keys(v) for v in value]
    return value


def test_docs_of_v1_is_the_seed_byte_for_byte() -> None:
    assert docs.render(Store.open(STORE).load("v1").document) == SEED


@pytest.mark.parametrize("name", Store.open(STORE).names)
def test_import_of_docs_round_trips_every_stored_version(name: str) -> None:
    document = Store.open(STORE).load(name).document
    rebuilt = docs.parse(docs.render(document))
    assert rebuilt == _without_schema_keys(document)
    # key order is kept too, so the rebuilt file reads like the original
    assert json.dumps(rebuilt) == json.dumps(_without_schema_keys(document))


def test_empty_notes_change_nothing_and_a_note_follows_the_description() -> None:
    v2 = Store.open(STORE).load("v2").document
    assert docs.render(v2, {}) == docs.render(v2)
    notes = {
        "/properties/dd": "since v2",
        "/definitions/DDContext/properties/span_id": "since v2",
        "/definitions/File/properties/access_time": "since v1",
    }
    text = docs.render(v2, notes)
    assert "| `dd` | $ref | Please see [DDContext](#ddcontext) *(since v2)* |" in text
    assert "| `span_id` | Span ID used for APM correlation *(since v2)* |" in text
    # a property without a description gets a row for its note
    assert "| `access_time` | *(since v1)* |" in text
    assert docs.parse(text) == docs.parse(docs.render(v2))


def test_import_of_the_seed_is_v1_without_schema() -> None:
    v1 = Store.open(STORE).load("v1").document
    assert docs.with_draft(docs.parse(SEED), "4") == v1


def test_v2_docs_document_dd() -> None:
    text = docs.render(Store.open(STORE).load("v2").document)
    assert "| `dd` | $ref | Please see [DDContext](#ddcontext) |" in text
    assert "## `DDContext`" in text
    assert "| `span_id` | Span ID used for APM correlation |" in text
    # sections are in name order, DDContext right after ContainerContext
    sections = re.findall(r"^## `(\w+)`$", text, flags=re.M)
    assert sections == sorted(sections)
    assert sections[:2] == ["ContainerContext", "DDContext"]


def test_fields_without_description_are_left_out_of_the_field_table() -> None:
    text = docs.render(Store.open(STORE).load("v1").document)
    assert '"access_time"' in text
    assert "| `access_time` |" not in text


def test_defs_style_schema_round_trips_under_defs() -> None:
    schema = {
        "$id": "https://example.invalid/event.json",
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/A", "description": "an A"}},
        "$defs": {"A": {"type": "object", "properties": {"b": {"type": "string"}}}},
    }
    assert docs.parse(docs.render(schema)) == schema


def test_pipes_in_descriptions_are_escaped_in_tables() -> None:
    schema = {
        "properties": {"a": {"$ref": "#/definitions/A"}},
        "definitions": {"A": {"properties": {"x": {"type": "string", "description": "a | b"}}}},
    }
    text = docs.render(schema)
    assert "| `x` | a \\| b |" in text
    assert docs.parse(text) == schema


def test_invalid_json_block_reports_the_document_line() -> None:
    broken = SEED.replace('"Container ID"\n', '"Container ID" oops\n', 1)
    line = SEED[: SEED.index('"Container ID"')].count("\n") + 1
    with pytest.raises(CompatError, match=rf"^doc.md:{line}: invalid JSON in schema block"):
        docs.parse(broken, "doc.md")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# nothing here\n", "no root schema block"),
        ("```\nBACKEND_EVENT_SCHEMA = {}\n", "never closed"),
        ("```\nOTHER = {}\n```\n", "expected the root schema"),
        ("```\nBACKEND_EVENT_SCHEMA = []\n```\n", "must hold a JSON object"),
    ],
)
def test_documents_that_are_not_schema_docs_are_refused(text: str, message: str) -> None:
    with pytest.raises(CompatError, match=message):
        docs.parse(text, "doc.md")


# sha256 of the published backend.md (shared/seed/backend.md when the project was set up)
SEED_SHA256 = "97833795f3512f3122eba5ab3852519f1d9ce575daa3693b95c0b4cb271cf88d"


def test_the_reference_document_in_tests_data_is_the_published_seed() -> None:
    import hashlib

    assert hashlib.sha256((DATA / "backend.md").read_bytes()).hexdigest() == SEED_SHA256


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "NaN is not valid JSON"),
        ("-Infinity", "-Infinity is not valid JSON"),
        ("1e400", "beyond what a 64-bit float holds"),
    ],
)
def test_numbers_no_validator_compares_are_refused_in_blocks(value: str, message: str) -> None:
    # json.loads accepts them, and import-doc then wrote them out as invalid JSON
    text = f'```\nBACKEND_EVENT_SCHEMA = {{\n    "maximum": {value}\n}}\n```\n'
    with pytest.raises(CompatError, match=rf"^doc.md:2: invalid JSON in schema block: .*{message}"):
        docs.parse(text, "doc.md")


@pytest.mark.parametrize("char", ["\u2028", "\u0085"])
def test_descriptions_with_characters_splitlines_cuts_at_round_trip(char: str) -> None:
    # JSON written with ensure_ascii=False keeps these raw; str.splitlines cut blocks at them
    schema = {
        "properties": {"a": {"$ref": "#/definitions/A", "description": f"x{char}y"}},
        "definitions": {"A": {"properties": {"b": {"description": f"p{char}q"}}}},
    }
    assert docs.parse(docs.render(schema)) == schema


def test_boolean_definitions_round_trip() -> None:
    schema = {
        "properties": {"a": {"$ref": "#/$defs/Anything"}, "b": {"$ref": "#/$defs/Nothing"}},
        "$defs": {"Anything": True, "Nothing": False},
    }
    assert docs.parse(docs.render(schema)) == schema


def test_crlf_documents_are_read() -> None:
    assert docs.parse(SEED.replace("\n", "\r\n")) == docs.parse(SEED)


def test_a_reference_to_a_section_the_document_lacks_is_refused() -> None:
    """A section renamed or deleted by hand: the schema would hold a dangling $ref."""
    from compat import docs_formats

    document = {
        "type": "object",
        "properties": {"dd": {"$ref": "#/definitions/DDContext"}},
        "definitions": {"DDContext": {"type": "object"}, "Other": {"type": "string"}},
    }
    text = docs_formats.write(document)
    assert docs_formats.read(text) == document
    for edited in (
        text.replace("## `DDContext`", "## `DDCtx`"),
        text.replace("## `DDContext`", "## `Other2`"),
    ):
        with pytest.raises(CompatError, match=r"no section for \(## `DDContext`\)"):
            docs_formats.read(edited)


def test_definitions_go_where_their_references_say() -> None:
    """A schema using both `$defs` and `definitions` comes back with each definition under
    the keyword its references name (an unreferenced one where the others are)."""
    from compat import docs_formats

    document = {
        "properties": {"x": {"$ref": "#/$defs/X"}, "y": {"$ref": "#/definitions/Y"}},
        "$defs": {"X": {"type": "string"}, "Free": {"type": "null"}},
        "definitions": {"Y": {"type": "integer"}},
    }
    assert docs_formats.read(docs_formats.write(document)) == document
    both = {"properties": {"a": {"$ref": "#/$defs/Z"}, "b": {"$ref": "#/definitions/Z"}}}
    text = docs_formats.write({**both, "$defs": {"Z": {}}, "definitions": {"Z": {}}})
    with pytest.raises(CompatError, match="both as #/definitions/ and as #/\\$defs/"):
        docs_formats.read(text)


@pytest.mark.parametrize("style", ["seed", "hugo"])
@pytest.mark.parametrize(
    "ref", ["#/properties/nope", "#/definitions/Other/properties/nope", "other.json#/x", "#nope"]
)
def test_a_ref_the_documented_schema_cannot_resolve_is_refused(style: str, ref: str) -> None:
    """Edited in a block, with the tables left in step: never written with a dangling $ref."""
    from compat import docs_formats

    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": {"a": {"$ref": "#/definitions/Other"}, "b": {"type": "string"}},
        "definitions": {"Other": {"type": "string"}},
    }
    text = docs_formats.write(document, style)
    assert docs_formats.read(text)["properties"] == document["properties"]
    edited = text.replace('"$ref": "#/definitions/Other"', json.dumps({"$ref": ref})[1:-1], 1)
    edited = edited.replace("Please see [Other](#other)", "")
    with pytest.raises(CompatError, match="\\$ref"):
        docs_formats.read(edited)


@pytest.mark.parametrize("style", ["seed", "hugo"])
def test_a_percent_encoded_ref_links_its_section_and_round_trips(style: str) -> None:
    from compat import docs_formats

    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": {"h": {"$ref": "#/definitions/%25pct"}},
        "definitions": {"%pct": {"type": "string"}},
    }
    text = docs_formats.write(document, style)
    assert "Please see [%pct](#pct)" in text
    back = docs_formats.read(text)
    assert back["properties"] == document["properties"]
    assert back["definitions"] == document["definitions"]
