"""Loading refuses what jsonschema-rs would refuse to compile, without compiling."""

from __future__ import annotations

import re
from typing import Any

import pytest

from compat.errors import CompatError
from compat.schema import compiled
from compat.schema.load import prepare
from compat.schema.source import SchemaSource

DRAFT_04 = "http://json-schema.org/draft-04/schema#"


def load(document: Any) -> Any:
    return prepare(SchemaSource("s", document, ""))


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    original = compiled.fast_validator

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(compiled, "fast_validator", spy)
    return calls


def test_a_valid_schema_is_loaded_without_compiling(compiles: list[Any]) -> None:
    load({"properties": {"a": {"pattern": "^(?<x>a)\\k<x>$"}}, "patternProperties": {"^b": {}}})
    assert compiles == []


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"properties": {"a": {"pattern": "("}}}, "/properties/a/pattern"),
        # draft-04's meta-schema does not say patternProperties names are regexes
        ({"$schema": DRAFT_04, "patternProperties": {"[a-": {}}}, "/patternProperties"),
        (
            # an embedded resource is checked against its own draft's meta-schema
            {
                "$defs": {"E": {"$schema": DRAFT_04, "id": "e.json", "minLength": 2.0}},
                "properties": {"e": {"$ref": "#/$defs/E"}},
            },
            "/$defs/E/minLength",
        ),
    ],
)
def test_what_would_not_compile_is_refused_as_the_compiler_says(
    compiles: list[Any], document: Any, where: str
) -> None:
    with pytest.raises(CompatError, match=f"invalid [-0-9a-z]+ schema at {re.escape(where)}"):
        load(document)
    assert len(compiles) == 1  # the compiler gives the message


def test_an_ecma_regex_python_cannot_compile_is_not_refused() -> None:
    load({"properties": {"a": {"pattern": "^\\p{Lu}"}}})


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_root_is_no_draft_04_schema(value: bool) -> None:
    """Draft-04 has no boolean schemas, at the root as inside (draft-06 brought them)."""
    with pytest.raises(CompatError, match=r"invalid draft-04 schema at /: (true|false) is not"):
        prepare(SchemaSource("b", value, ""), "4")
    assert prepare(SchemaSource("b", value, ""), "6").document.root.boolean is value
