"""Counterexamples: built along a path once, confirmed by the reference validator."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from compat.engine import witness
from compat.engine.witness import Frame
from compat.schema.load import prepare
from compat.schema.source import SchemaSource
from compat.util.deep import run_deep
from tests.helpers import compare_docs


def chain(depth: int, draft: str = "http://json-schema.org/draft-07/schema#") -> dict[str, Any]:
    """D0 -> D1 -> ... each closed, with one optional scalar and a link to the next."""
    definitions: dict[str, Any] = {}
    for i in range(depth):
        properties: dict[str, Any] = {"a": {"type": "string"}}
        if i + 1 < depth:
            properties["next"] = {"$ref": f"#/definitions/D{i + 1}"}
        definitions[f"D{i}"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        }
    return {"$schema": draft, "$ref": "#/definitions/D0", "definitions": definitions}


def require_at(schema: dict[str, Any], index: int) -> dict[str, Any]:
    new = copy.deepcopy(schema)
    target = new["definitions"][f"D{index}"]
    target["properties"]["b"] = {"type": "integer"}
    target["required"] = ["b"]
    return new


def deep_compare(old: Any, new: Any) -> Any:
    def work() -> Any:
        return compare_docs(old, new, default_draft="draft-07")

    return run_deep(work)


def spy_on_scopes(monkeypatch: Any) -> list[Any]:
    """The scopes candidates are confirmed in: None for the whole event, else the subschemas."""
    scopes: list[Any] = []
    original = witness.Validators._evaluated

    def spy(self: Any, instance: Any, direction: str, local: Any) -> bool:
        scopes.append(local)
        return original(self, instance, direction, local)

    monkeypatch.setattr(witness.Validators, "_evaluated", spy)
    return scopes


def test_frame_puts_the_value_at_the_path_and_leaves_the_frame_alone() -> None:
    schema = {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"const": "x"},
            "list": {"type": "array", "minItems": 3, "items": {"type": "object"}},
        },
    }
    root = prepare(SchemaSource("s", schema, "")).document.root
    frame = Frame(root, (("prop", "list"), ("index", "1")))
    first = frame.plug(7)
    second = frame.plug("y")
    assert first == {"kind": "x", "list": [{}, 7, {}]}
    assert second == {"kind": "x", "list": [{}, "y", {}]}
    assert first["list"] is not second["list"]
    assert frame.keys == ("list", 1)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("depth", [40, 700])
def test_deep_counterexamples_are_real_and_point_at_the_change(
    monkeypatch: Any, depth: int, compiled: bool
) -> None:
    # 700 levels: beyond WHOLE_EVENT_LIMIT, confirmed at the changed subschema. Not compiled
    # (a document beyond COMPILE_LIMIT): the evaluator judges the whole event instead of
    # jsonschema-rs, and python-jsonschema the subschemas
    if not compiled:
        monkeypatch.setattr(witness, "COMPILE_LIMIT", 0)
    old = chain(depth)
    index = depth - 5
    new = require_at(old, index)
    report = deep_compare(old, new)
    (change,) = [c for c in report.changes if c.rule == "required-added"]
    assert change.backward == "breaking"
    (example,) = change.counterexamples

    def check() -> tuple[bool, bool]:
        instance = example.instance
        return (
            jsonschema.Draft7Validator(old).is_valid(instance),
            jsonschema.Draft7Validator(new).is_valid(instance),
        )

    assert run_deep(check) == (True, False)
    assert example.error == "/next" * index + ": 'b' is a required property"


def test_large_counterexamples_are_confirmed_at_the_subschema(monkeypatch: Any) -> None:
    scopes = spy_on_scopes(monkeypatch)
    old = chain(700)
    deep_compare(old, require_at(old, 695))
    assert any(scope is not None for scope in scopes)  # the deep one
    scopes.clear()
    deep_compare(old, require_at(old, 3))
    assert scopes
    assert all(scope is None for scope in scopes)  # a small event is confirmed whole


def test_the_whole_event_still_decides_a_large_counterexample() -> None:
    # The changed definition rejects the candidate only in the new version, but an ancestor
    # of both versions rejects every event carrying it: no counterexample exists, whatever
    # the subschemas say alone.
    old = chain(700)
    new = require_at(old, 695)
    for doc in (old, new):
        doc["definitions"]["D1"]["not"] = {"required": ["next"]}
    report = deep_compare(old, new)
    for change in report.changes:
        assert not change.counterexamples
        assert change.backward != "breaking"


DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema"


@pytest.mark.parametrize(
    ("draft", "mark"),
    [
        (DRAFT_07, {"$schema": "http://json-schema.org/draft-04/schema#"}),  # another draft
        (DRAFT_2019, {"r": {"$recursiveRef": "#"}}),
        ("https://json-schema.org/draft/2020-12/schema", {"$dynamicAnchor": "node"}),
    ],
)
def test_mixed_drafts_and_dynamic_references_are_confirmed_whole(
    monkeypatch: Any, draft: str, mark: dict[str, Any]
) -> None:
    scopes = spy_on_scopes(monkeypatch)
    old = chain(700, draft)
    if "r" in mark:
        old["definitions"]["D2"]["properties"].update(mark)  # a property using it
    else:
        old["definitions"]["D2"].update(mark)
    new = require_at(old, 695)
    report = deep_compare(old, new)
    assert all(scope is None for scope in scopes)
    (change,) = [c for c in report.changes if c.rule == "required-added"]
    assert change.backward == "breaking"  # confirmed on the whole event


def test_a_keyword_of_another_draft_is_no_reason_to_confirm_whole(monkeypatch: Any) -> None:
    scopes = spy_on_scopes(monkeypatch)
    old = chain(700)
    old["definitions"]["D2"]["properties"]["r"] = {"$recursiveRef": "#"}  # draft-07: no keyword
    deep_compare(old, require_at(old, 695))
    assert any(scope is not None for scope in scopes)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"maxLength": 2**64}, {"maxLength": 10}),
        ({"maxLength": 10}, {"maxLength": 2**64}),
        ({"minItems": 10**20}, {"minItems": 3}),
        ({"type": "object", "minProperties": 10**19}, {"type": "object"}),
        ({"type": "array", "minItems": 3, "maxItems": 10**30}, {"type": "array", "maxItems": 4}),
    ],
)
def test_bounds_beyond_any_buildable_event_give_verdicts_not_crashes(old: Any, new: Any) -> None:
    report = compare_docs(old, new)
    assert report.changes
    for change in report.changes:
        for example in change.counterexamples:
            accept, reject = (old, new) if example.direction == "backward" else (new, old)
            assert jsonschema.Draft202012Validator(accept).is_valid(example.instance)
            assert not jsonschema.Draft202012Validator(reject).is_valid(example.instance)
