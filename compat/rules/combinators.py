"""Rules on allOf, anyOf, oneOf, not and if/then/else.

Branches are matched by position when their counts agree (each pair is then compared like any
other schema), otherwise by identical text. What cannot be matched is judged here, and soundly:
without a proof either way the verdict is unknown, never compatible.
"""

from __future__ import annotations

from compat.diff.facts import Fact
from compat.rules.base import COMPATIBLE, UNKNOWN, Judgement, Rule, RuleFamily

# branches with more than a type: a union of bare types reads as a `type` list instead
S = {"type": "string", "maxLength": 64}
INT = {"type": "integer", "minimum": 0}
ARR = {"type": "array", "maxItems": 4}

RULES = [
    Rule(
        "all-of-branch-added",
        "A schema is added to allOf: a new conjunct to satisfy.",
        UNKNOWN,
        COMPATIBLE,
        {"allOf": [S]},
        {"allOf": [S, {"minLength": 1}]},
        twin="all-of-branch-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "all-of-branch-removed",
        "A schema is removed from allOf.",
        COMPATIBLE,
        UNKNOWN,
        {"allOf": [S, {"minLength": 1}]},
        {"allOf": [S]},
        twin="all-of-branch-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "any-of-branch-added",
        "A branch is added to anyOf: more values accepted.",
        COMPATIBLE,
        UNKNOWN,
        {"anyOf": [S, INT]},
        {"anyOf": [S, INT, ARR]},
        twin="any-of-branch-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "any-of-branch-removed",
        "A branch is removed from anyOf.",
        UNKNOWN,
        COMPATIBLE,
        {"anyOf": [S, INT, ARR]},
        {"anyOf": [S, INT]},
        twin="any-of-branch-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "one-of-branch-added",
        "A branch is added to oneOf.",
        UNKNOWN,
        UNKNOWN,
        {"oneOf": [S, INT]},
        {"oneOf": [S, INT, {"minimum": 0}]},
        note="Backward compatible when the branches are provably disjoint (by type, or by a "
        "required property with distinct const/enum values): no old value can now match two.",
        twin="one-of-branch-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "one-of-branch-removed",
        "A branch is removed from oneOf.",
        UNKNOWN,
        UNKNOWN,
        {"oneOf": [S, INT, {"minimum": 0}]},
        {"oneOf": [S, INT]},
        note="Forward compatible when the old branches are provably disjoint.",
        twin="one-of-branch-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "one-of-branches-overlap",
        "oneOf branches change while they may overlap.",
        UNKNOWN,
        UNKNOWN,
        {"oneOf": [{"type": "integer"}, {"minimum": 10}]},
        {"oneOf": [{"type": "integer"}, {"minimum": 5}]},
        note="A value may match two branches and so fail oneOf; unknown where not disjoint.",
        witness="generic",
        section="Changed",
    ),
    Rule(
        "one-of-to-any-of",
        "oneOf becomes anyOf over the same number of branches.",
        COMPATIBLE,
        UNKNOWN,
        {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 5}]},
        {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 5}]},
        note="Exactly one matching branch is at least one. Forward compatible when the old "
        "branches are provably disjoint.",
        twin="any-of-to-one-of",
        witness="generic",
        section="Changed",
    ),
    Rule(
        "any-of-to-one-of",
        "anyOf becomes oneOf over the same number of branches.",
        UNKNOWN,
        COMPATIBLE,
        {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 5}]},
        {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 5}]},
        note="Backward compatible when the new branches are provably disjoint.",
        twin="one-of-to-any-of",
        witness="generic",
        section="Changed",
    ),
    Rule(
        "combinator-added",
        "allOf, anyOf or oneOf appears where there was none.",
        UNKNOWN,
        COMPATIBLE,
        S,
        {"type": "string", "anyOf": [{"minLength": 1}, {"const": ""}]},
        twin="combinator-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "combinator-removed",
        "allOf, anyOf or oneOf disappears.",
        COMPATIBLE,
        UNKNOWN,
        {"type": "string", "anyOf": [{"minLength": 1}, {"const": ""}]},
        S,
        twin="combinator-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "not-added",
        "A `not` is added: some values are excluded.",
        UNKNOWN,
        COMPATIBLE,
        S,
        {"type": "string", "not": {"const": ""}},
        twin="not-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "not-removed",
        "The `not` is dropped.",
        COMPATIBLE,
        UNKNOWN,
        {"type": "string", "not": {"const": ""}},
        S,
        twin="not-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "conditional-added",
        "An if/then/else is added.",
        UNKNOWN,
        COMPATIBLE,
        {"type": "object"},
        {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}},
        twin="conditional-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "conditional-removed",
        "The if/then/else is dropped.",
        COMPATIBLE,
        UNKNOWN,
        {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}},
        {"type": "object"},
        twin="conditional-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "conditional-changed",
        "The `if` condition changes.",
        UNKNOWN,
        UNKNOWN,
        {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}},
        {"type": "object", "if": {"required": ["c"]}, "then": {"required": ["b"]}},
        witness="generic",
        section="Changed",
    ),
]


def _combinator(fact: Fact) -> Judgement:
    keyword = fact.args["keyword"]
    if fact.args["change"] == "added":
        return Judgement("combinator-added", f"{keyword} added")
    return Judgement("combinator-removed", f"{keyword} removed")


def _branch(fact: Fact) -> Judgement:
    keyword, change = fact.args["keyword"], fact.args["change"]
    message = f"{keyword} branch {change}"
    rule = {
        ("allOf", "added"): "all-of-branch-added",
        ("allOf", "removed"): "all-of-branch-removed",
        ("anyOf", "added"): "any-of-branch-added",
        ("anyOf", "removed"): "any-of-branch-removed",
        ("oneOf", "added"): "one-of-branch-added",
        ("oneOf", "removed"): "one-of-branch-removed",
    }[(keyword, change)]
    if keyword == "oneOf" and fact.args["disjoint"]:
        message += " (branches disjoint)"
        if change == "added":
            return Judgement(rule, message, backward=COMPATIBLE)
        return Judgement(rule, message, forward=COMPATIBLE)
    return Judgement(rule, message)


def _one_of(fact: Fact) -> Judgement | None:
    backward = COMPATIBLE if fact.args["new_disjoint"] else UNKNOWN
    forward = COMPATIBLE if fact.args["old_disjoint"] else UNKNOWN
    if backward == forward == COMPATIBLE:
        return None  # disjoint branches: oneOf acts as anyOf, the branch changes decide
    return Judgement(
        "one-of-branches-overlap", "oneOf branches changed and may overlap", backward, forward
    )


def _switched(fact: Fact) -> Judgement:
    if fact.kind == "one-of-to-any-of":
        forward = COMPATIBLE if fact.args["old_disjoint"] else UNKNOWN
        return Judgement("one-of-to-any-of", "oneOf became anyOf", forward=forward)
    backward = COMPATIBLE if fact.args["new_disjoint"] else UNKNOWN
    return Judgement("any-of-to-one-of", "anyOf became oneOf", backward=backward)


def _not(fact: Fact) -> Judgement:
    rule = {"added": "not-added", "removed": "not-removed"}[fact.args["change"]]
    return Judgement(rule, f"not {fact.args['change']}")


def _conditional(fact: Fact) -> Judgement:
    change = fact.args["change"]
    rule = {
        "added": "conditional-added",
        "removed": "conditional-removed",
        "changed": "conditional-changed",
    }[change]
    return Judgement(rule, f"if/then/else {change}")


FAMILY = RuleFamily(
    RULES,
    {
        "combinator": _combinator,
        "branch": _branch,
        "one-of-changed": _one_of,
        "one-of-to-any-of": _switched,
        "any-of-to-one-of": _switched,
        "not": _not,
        "conditional": _conditional,
    },
)
