"""Rules on arrays. Changes to `items` and tuple positions (`prefixItems`, or draft-04's array
form of `items`) are reported by the rules of the item schema at the item's instance path
(`args[]`, `pair[1]`); these rules cover the array's own keywords."""

from __future__ import annotations

from compat.diff.facts import Fact
from compat.rules.base import (
    BREAKING,
    COMPATIBLE,
    UNKNOWN,
    Judgement,
    Rule,
    RuleFamily,
    bound_message,
    code,
)

ARR = {"type": "array", "items": {"type": "string"}}

RULES = [
    Rule(
        "array-length-tightened",
        "minItems raised or maxItems lowered (or added).",
        BREAKING,
        COMPATIBLE,
        ARR,
        {**ARR, "maxItems": 64},
        twin="array-length-loosened",
        witness="array-lengths",
        section="Changed",
    ),
    Rule(
        "array-length-loosened",
        "minItems lowered or maxItems raised (or removed).",
        COMPATIBLE,
        BREAKING,
        {**ARR, "maxItems": 64},
        ARR,
        twin="array-length-tightened",
        witness="array-lengths",
        section="Added",
    ),
    Rule(
        "unique-items-added",
        "Items must now be unique.",
        BREAKING,
        COMPATIBLE,
        ARR,
        {**ARR, "uniqueItems": True},
        twin="unique-items-removed",
        witness="unique-items",
        section="Added",
    ),
    Rule(
        "unique-items-removed",
        "Items no longer need to be unique.",
        COMPATIBLE,
        BREAKING,
        {**ARR, "uniqueItems": True},
        ARR,
        twin="unique-items-added",
        witness="unique-items",
        section="Removed",
    ),
    Rule(
        "contains-added",
        "The array must now contain a matching item.",
        BREAKING,
        COMPATIBLE,
        ARR,
        {**ARR, "contains": {"const": "CAP_SYS_ADMIN"}},
        twin="contains-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "contains-removed",
        "The array no longer needs a matching item.",
        COMPATIBLE,
        BREAKING,
        {**ARR, "contains": {"const": "CAP_SYS_ADMIN"}},
        ARR,
        twin="contains-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "contains-changed",
        "contains changes while maxContains bounds the matches.",
        UNKNOWN,
        UNKNOWN,
        {"type": "array", "contains": {"type": "string"}, "maxContains": 1},
        {"type": "array", "contains": {"type": ["string", "null"]}, "maxContains": 1},
        witness="generic",
        section="Changed",
    ),
    Rule(
        "contains-count-tightened",
        "minContains raised or maxContains lowered (or added).",
        BREAKING,
        COMPATIBLE,
        {"type": "array", "contains": {"type": "string"}},
        {"type": "array", "contains": {"type": "string"}, "minContains": 2},
        twin="contains-count-loosened",
        witness="contains-count",
        section="Changed",
    ),
    Rule(
        "contains-count-loosened",
        "minContains lowered or maxContains raised (or removed).",
        COMPATIBLE,
        BREAKING,
        {"type": "array", "contains": {"type": "string"}, "minContains": 2},
        {"type": "array", "contains": {"type": "string"}},
        twin="contains-count-tightened",
        witness="contains-count",
        section="Added",
    ),
]


def _unique(fact: Fact) -> Judgement:
    if fact.new:
        return Judgement("unique-items-added", "items must be unique")
    return Judgement("unique-items-removed", "items no longer need to be unique")


def _contains(fact: Fact) -> Judgement:
    if fact.kind == "contains-added":
        return Judgement("contains-added", f"must contain an item matching {code(fact.new)}")
    if fact.kind == "contains-removed":
        return Judgement("contains-removed", "no longer needs a matching item")
    return Judgement(
        "contains-changed", f"contains {code(fact.old)} -> {code(fact.new)} with maxContains"
    )


def _array_length(fact: Fact) -> Judgement:
    rule = {"tightened": "array-length-tightened", "loosened": "array-length-loosened"}
    return Judgement(rule[fact.args["direction"]], bound_message(fact))


def _contains_count(fact: Fact) -> Judgement:
    rule = {"tightened": "contains-count-tightened", "loosened": "contains-count-loosened"}
    return Judgement(rule[fact.args["direction"]], bound_message(fact))


FAMILY = RuleFamily(
    RULES,
    {
        "array-length": _array_length,
        "contains-count": _contains_count,
        "unique-items": _unique,
        "contains-added": _contains,
        "contains-removed": _contains,
        "contains-changed": _contains,
    },
)
