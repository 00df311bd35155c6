"""Property-based soundness: when the engine says compatible, no document may prove otherwise.

Pairs of schemas are generated (random small schemas, mutations of them, and mutations of the
CWS v1 schema); documents are drawn from the accepting side with hypothesis-jsonschema and from a
pool of generic JSON values, and every one must validate on the other side whenever the engine
claims that direction compatible.
"""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from compat.rules import COMPATIBLE
from tests.conftest import STORE
from tests.helpers import compare_docs

NAMES = ["a", "b", "c"]
PATTERNS = ["^a", "^[0-9]+$", "b", "^x_"]
SCALAR_TYPES = ["null", "boolean", "integer", "number", "string"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from([0.5, -1.5, 2.0])
    | st.sampled_from(["", "a", "ab", "12", "x_1", "abc"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from([*NAMES, "x_1", "d"]), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def schemas(draw: st.DrawFn, depth: int = 2) -> Any:
    if depth <= 0 or draw(st.integers(0, 5)) == 0:
        return draw(
            st.sampled_from(
                [
                    True,
                    False,
                    {},
                    {"type": "string"},
                    {"type": "integer"},
                    {"type": "null"},
                    {"enum": [1, "a", None]},
                ]
            )
        )
    kind = draw(st.sampled_from(["scalar", "object", "array", "combinator"]))
    schema: dict[str, Any] = {}
    if kind == "scalar":
        types = draw(st.lists(st.sampled_from(SCALAR_TYPES), min_size=1, max_size=2, unique=True))
        schema["type"] = types[0] if len(types) == 1 else types
        if draw(st.booleans()):
            schema["minimum"] = draw(st.integers(-2, 2))
        if draw(st.booleans()):
            schema["exclusiveMaximum"] = draw(st.integers(0, 4))
        if draw(st.booleans()):
            schema["multipleOf"] = draw(st.sampled_from([1, 2, 3, 0.5]))
        if draw(st.booleans()):
            schema["maxLength"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            schema["pattern"] = draw(st.sampled_from(PATTERNS))
        if draw(st.integers(0, 3)) == 0:
            schema["enum"] = draw(
                st.lists(
                    st.sampled_from([0, 1, 2, "a", "ab", None, True]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
        if draw(st.integers(0, 4)) == 0:
            schema["const"] = draw(st.sampled_from([0, 1, "a"]))
    elif kind == "object":
        schema["type"] = "object"
        names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
        if names:
            schema["properties"] = {n: draw(schemas(depth - 1)) for n in names}
        required = draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True))
        if required:
            schema["required"] = required
        choice = draw(st.integers(0, 3))
        if choice == 1:
            schema["additionalProperties"] = False
        elif choice == 2:
            schema["additionalProperties"] = draw(schemas(depth - 1))
        if draw(st.integers(0, 4)) == 0:
            schema["patternProperties"] = {
                draw(st.sampled_from(PATTERNS)): draw(schemas(depth - 1))
            }
        if draw(st.integers(0, 4)) == 0:
            schema["maxProperties"] = draw(st.integers(0, 3))
        if draw(st.integers(0, 5)) == 0:
            schema["dependentRequired"] = {"a": ["b"]}
        if draw(st.integers(0, 5)) == 0:
            schema["propertyNames"] = {"maxLength": draw(st.integers(1, 3))}
    elif kind == "array":
        schema["type"] = "array"
        if draw(st.booleans()):
            schema["items"] = draw(schemas(depth - 1))
        if draw(st.integers(0, 3)) == 0:
            schema["prefixItems"] = [draw(schemas(depth - 1))]
        if draw(st.booleans()):
            schema["maxItems"] = draw(st.integers(0, 3))
        if draw(st.integers(0, 3)) == 0:
            schema["minItems"] = draw(st.integers(0, 2))
        if draw(st.integers(0, 3)) == 0:
            schema["uniqueItems"] = True
        if draw(st.integers(0, 4)) == 0:
            schema["contains"] = draw(schemas(depth - 1))
    else:
        keyword = draw(st.sampled_from(["anyOf", "oneOf", "allOf", "not", "if"]))
        if keyword == "not":
            schema["not"] = draw(schemas(depth - 1))
        elif keyword == "if":
            schema["if"] = draw(schemas(depth - 1))
            schema["then"] = draw(schemas(depth - 1))
            if draw(st.booleans()):
                schema["else"] = draw(schemas(depth - 1))
        else:
            schema[keyword] = draw(st.lists(schemas(depth - 1), min_size=1, max_size=3))
    return schema


def _paths(schema: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "$defs", "definitions"):
                for name, sub in value.items():
                    found += _paths(sub, (*at, key, name))
            elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
                for i, sub in enumerate(value):
                    found += _paths(sub, (*at, key, i))
            elif key in (
                "items",
                "additionalProperties",
                "not",
                "if",
                "then",
                "else",
                "contains",
                "propertyNames",
            ):
                found += _paths(value, (*at, key))
    return found


def _get(schema: Any, path: tuple[Any, ...]) -> Any:
    for token in path:
        schema = schema[token]
    return schema


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """A copy of `base` with one to three local edits at random subschemas."""
    result = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(result) if isinstance(_get(result, p), dict)]
        if not paths:
            return draw(schemas(1))
        path = draw(st.sampled_from(paths))
        node = _get(result, path)
        edit = draw(
            st.sampled_from(
                ["replace", "drop", "required", "closed", "type", "enum", "bound", "add-prop"]
            )
        )
        if edit == "replace" and path:
            parent = _get(result, path[:-1])
            parent[path[-1]] = draw(schemas(1))
        elif edit == "drop" and node:
            node.pop(draw(st.sampled_from(sorted(node))))
        elif edit == "required":
            node["required"] = draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True))
        elif edit == "closed":
            node["additionalProperties"] = draw(st.booleans())
        elif edit == "type":
            node["type"] = draw(st.sampled_from([*SCALAR_TYPES, "object", "array"]))
        elif edit == "enum":
            node["enum"] = draw(
                st.lists(st.sampled_from([0, 1, "a", None]), min_size=1, max_size=3, unique=True)
            )
        elif edit == "bound":
            node[draw(st.sampled_from(["minimum", "maximum", "maxLength", "maxItems"]))] = draw(
                st.integers(0, 3)
            )
        elif edit == "add-prop":
            node.setdefault("properties", {})[draw(st.sampled_from(NAMES))] = draw(schemas(1))
    return result


@st.composite
def schema_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    old = draw(schemas())
    if draw(st.integers(0, 3)) == 0:
        return old, draw(schemas())
    new = draw(mutated(old))
    return (old, new) if draw(st.booleans()) else (new, old)


def _valid(schema: Any, instance: Any) -> bool:
    return bool(jsonschema.Draft202012Validator(schema).is_valid(instance))


def _check(old: Any, new: Any, data: st.DataObject, draws: int = 6) -> None:
    report = compare_docs(old, new)
    for direction, accept, reject in (("backward", old, new), ("forward", new, old)):
        if report.verdict(direction) != COMPATIBLE:
            continue
        samples = [data.draw(json_values) for _ in range(draws)]
        # a schema the generator cannot handle (or that accepts nothing) gets generic values only
        with contextlib.suppress(Exception):
            for _ in range(draws):
                samples.append(data.draw(from_schema(accept)))
        for instance in samples:
            if _valid(accept, instance):
                assert _valid(reject, instance), (
                    f"engine says {direction} compatible, but {json.dumps(instance)} is valid "
                    f"under {json.dumps(accept)} and not under {json.dumps(reject)}"
                )


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(schema_pairs(), st.data())
def test_compatible_verdicts_hold_on_random_schemas(
    pair: tuple[Any, Any], data: st.DataObject
) -> None:
    old, new = pair
    _check(old, new, data)


def test_counterexamples_never_contradict_verdicts_on_random_schemas() -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(schema_pairs())
    def check(pair: tuple[Any, Any]) -> None:
        old, new = pair
        report = compare_docs(old, new)
        for change in report.changes:
            for example in change.counterexamples:
                accept, reject = (old, new) if example.direction == "backward" else (new, old)
                assert _valid(accept, example.instance)
                assert not _valid(reject, example.instance)
                assert report.verdict(example.direction) != COMPATIBLE

    check()


V1 = json.loads((STORE / "v1.json").read_text())
V1_DEFS = sorted(V1["definitions"])


@st.composite
def v1_mutation(draw: st.DrawFn) -> Any:
    schema = copy.deepcopy(V1)
    for _ in range(draw(st.integers(1, 2))):
        definition = schema["definitions"][draw(st.sampled_from(V1_DEFS))]
        props = definition["properties"]
        if not props:
            continue
        name = draw(st.sampled_from(sorted(props)))
        edit = draw(
            st.sampled_from(
                ["require", "unrequire", "remove", "add", "type", "enum", "open", "minimum"]
            )
        )
        if edit == "require":
            definition["required"] = sorted({*definition.get("required", []), name})
        elif edit == "unrequire" and definition.get("required"):
            definition["required"] = definition["required"][1:]
            if not definition["required"]:
                del definition["required"]  # draft-04 wants at least one name
        elif edit == "remove":
            props.pop(name)
            if name in definition.get("required", []):
                definition["required"].remove(name)
                if not definition["required"]:
                    del definition["required"]
        elif edit == "add":
            props["new_field"] = {"type": draw(st.sampled_from(["integer", "string"]))}
        elif edit == "type" and "type" in props[name]:
            props[name]["type"] = draw(st.sampled_from(["integer", "string", "boolean"]))
        elif edit == "enum" and props[name].get("type") == "string":
            props[name]["enum"] = ["a", "b"]
        elif edit == "open":
            definition["additionalProperties"] = True
        elif edit == "minimum" and props[name].get("type") == "integer":
            props[name]["minimum"] = 1
    return schema


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(v1_mutation(), st.booleans(), st.data())
def test_compatible_verdicts_hold_on_mutations_of_v1(
    mutant: Any, flip: bool, data: st.DataObject
) -> None:
    old, new = (V1, mutant) if flip else (mutant, V1)
    assume(old != new)
    _check(old, new, data, draws=3)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # oneOf: removing an overlapping branch lets values match only one branch... or not
        (
            {"oneOf": [{"type": "string"}, {"type": "integer"}, {"minimum": 0}]},
            {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        ),
    ],
)
def test_found_by_the_property_tests(old: Any, new: Any) -> None:
    """Cases the property tests caught once; each must stay sound."""
    report = compare_docs(old, new)
    assert report.forward != COMPATIBLE
    assert not _valid(old, 5) and _valid(new, 5)
