"""prove/: containment, disjointness and equivalence. "True" must be a proof: every claim is
also checked against python-jsonschema on a pool of documents."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from compat.prove import Prover
from compat.schema.model import Node, Ref
from compat.schema.normalize import normalise
from tests.diff.test_soundness import json_values, schemas


def site(document: Any) -> Node | Ref:
    return normalise(copy.deepcopy(document), "2020-12", "t").root


def contains(a: Any, b: Any) -> bool:
    return Prover().contains(site(a), site(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"type": "integer"}, {"type": "number"}),
        ({"type": "integer"}, {"type": "number", "multipleOf": 1}),
        ({"type": "number", "multipleOf": 1}, {"type": "integer"}),
        ({"enum": ["a", "b"]}, {"type": "string", "maxLength": 1}),
        ({"allOf": [{"type": "string"}, {"type": "integer"}]}, False),
        ({"type": "object", "additionalProperties": False}, {"maxProperties": 0}),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, {"type": ["integer", "string"]}),
        (
            {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        ),
        (
            {"type": "object", "required": ["k"], "properties": {"k": {"const": 1}}},
            {
                "oneOf": [
                    {"type": "object", "required": ["k"], "properties": {"k": {"const": 1}}},
                    {"type": "object", "required": ["k"], "properties": {"k": {"const": 2}}},
                ]
            },
        ),
    ],
)
def test_containments_it_proves(a: Any, b: Any) -> None:
    assert contains(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"type": "number"}, {"type": "integer"}),
        ({"type": "string"}, {"type": "string", "pattern": "^a"}),
        ({"multipleOf": 0.5}, {"multipleOf": 0.1}),  # float division: not decided
        ({"multipleOf": 2}, {"multipleOf": 2.0}),
        ({"type": "object"}, {"type": "object", "required": ["a"]}),
        # a const discriminator separates objects only: "" matches both branches
        (
            {
                "anyOf": [
                    {"required": ["k"], "properties": {"k": {"const": 1}}},
                    {"required": ["k"], "properties": {"k": {"const": 2}}},
                ]
            },
            {
                "oneOf": [
                    {"required": ["k"], "properties": {"k": {"const": 1}}},
                    {"required": ["k"], "properties": {"k": {"const": 2}}},
                ]
            },
        ),
        (
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "integer"},
            {"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"},
        ),
    ],
)
def test_containments_it_does_not_claim(a: Any, b: Any) -> None:
    assert not contains(a, b)


def test_recursive_schemas_are_proven_by_induction_on_depth() -> None:
    def chain(minimum: int) -> Any:
        return {
            "$defs": {
                "P": {
                    "type": "object",
                    "properties": {
                        "parent": {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "null"}]},
                        "pid": {"type": "integer", "minimum": minimum},
                    },
                }
            },
            "$ref": "#/$defs/P",
        }

    assert contains(chain(1), chain(0))
    assert not contains(chain(0), chain(1))


def test_an_assumption_refuted_later_leaves_nothing_proven_behind() -> None:
    # proving A <= B assumes A <= B for `next`; the proof then fails on `v`, and a second
    # question about the same pair must not find a cached "proven"
    a = {"type": "object", "properties": {"next": {"$ref": "#"}, "v": {"type": "number"}}}
    b = {"type": "object", "properties": {"next": {"$ref": "#"}, "v": {"type": "integer"}}}
    prover = Prover()
    left, right = site(a), site(b)
    assert not prover.contains(left, right)
    assert not prover.contains(left, right)


def test_running_out_of_budget_is_not_a_proof() -> None:
    prover = Prover(budget=3)
    big = {
        "type": "object",
        "properties": {f"p{i}": {"type": "integer", "minimum": i} for i in range(20)},
    }
    loose = {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(20)}}
    assert not prover.contains(site(big), site(loose))
    assert Prover().contains(site(big), site(loose))


def test_disjointness_needs_the_type_that_makes_it_true() -> None:
    one = {"required": ["k"], "properties": {"k": {"const": 1}}}
    two = {"required": ["k"], "properties": {"k": {"const": 2}}}
    assert not Prover().disjoint(site(one), site(two))  # "" satisfies both
    assert Prover().disjoint(site({**one, "type": "object"}), site(two))


POOL: list[Any] = [
    None,
    True,
    0,
    1,
    1.0,
    -0.0,
    2,
    0.5,
    "",
    "a",
    "ab",
    [],
    [1],
    {},
    {"a": 0},
    {"b": "x"},
    {"a": 1, "b": 2},
    [None, "a"],
    10**20 + 1,
]


@settings(max_examples=150, deadline=None)
@given(schemas(), schemas())
def test_every_containment_it_claims_holds_on_the_pool(a: Any, b: Any) -> None:
    try:
        proven = contains(a, b)
    except Exception:  # a schema the loader refuses
        return
    if not proven:
        return
    accept = jsonschema.Draft202012Validator(a)
    reject = jsonschema.Draft202012Validator(b)
    for value in POOL:
        if accept.is_valid(value):
            assert reject.is_valid(value), value


@settings(max_examples=150, deadline=None)
@given(schemas(), json_values)
def test_the_evaluator_agrees_with_the_reference_validator_when_it_answers(
    schema: Any, value: Any
) -> None:
    answer = Prover().accepts(site(schema), value)
    if answer is not None:
        assert answer == jsonschema.Draft202012Validator(schema).is_valid(value)
