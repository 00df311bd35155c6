"""Rules on objects: properties, required, additionalProperties and patternProperties, sizes,
and dependencies.

The content model decides the direction of a property change. In a closed object
(`additionalProperties: false`, as every CWS object is) old events cannot carry an undeclared
name, so declaring a new property breaks only forward: the old schema rejects events that use
it. In an open object old events may already carry that name with any value, so constraining it
breaks backward instead.
"""

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

CLOSED = {"type": "object", "additionalProperties": False}
TWO_PATTERNS = {
    **CLOSED,
    "patternProperties": {"^x_": {"type": "string"}, "_id$": {"maxLength": 8}},
}

RULES = [
    Rule(
        "property-added",
        "A property is declared in an object that rejected undeclared names.",
        COMPATIBLE,
        BREAKING,
        {**CLOSED, "properties": {"pid": {"type": "integer"}}},
        {**CLOSED, "properties": {"pid": {"type": "integer"}, "tid": {"type": "integer"}}},
        note="Old events never carry the name; new events that do are rejected by the old schema.",
        twin="property-removed",
        witness="property-value",
        section="Added",
    ),
    Rule(
        "property-removed",
        "A property is no longer declared in an object that rejects undeclared names.",
        BREAKING,
        COMPATIBLE,
        {**CLOSED, "properties": {"pid": {"type": "integer"}, "tid": {"type": "integer"}}},
        {**CLOSED, "properties": {"pid": {"type": "integer"}}},
        twin="property-added",
        witness="property-value",
        section="Removed",
    ),
    Rule(
        "property-added-to-open-object",
        "A property is declared, with constraints, in an object that accepted any extra name.",
        BREAKING,
        COMPATIBLE,
        {"type": "object", "properties": {"pid": {"type": "integer"}}},
        {"type": "object", "properties": {"pid": {"type": "integer"}, "tid": {"type": "integer"}}},
        note="Old events may already carry the name with any value.",
        twin="property-removed-from-open-object",
        witness="property-value",
        section="Changed",
    ),
    Rule(
        "property-removed-from-open-object",
        "A property's declaration is dropped from an object that accepts any extra name.",
        COMPATIBLE,
        BREAKING,
        {"type": "object", "properties": {"pid": {"type": "integer"}, "tid": {"type": "integer"}}},
        {"type": "object", "properties": {"pid": {"type": "integer"}}},
        twin="property-added-to-open-object",
        witness="property-value",
        section="Changed",
    ),
    Rule(
        "property-added-under-pattern",
        "A property is declared whose name patternProperties regexes govern in ways not "
        "compared one to one.",
        UNKNOWN,
        UNKNOWN,
        TWO_PATTERNS,
        {**TWO_PATTERNS, "properties": {"x_id": {"type": "string", "minLength": 2}}},
        note="When exactly one regex governs the name on both sides, the property is compared "
        "with that pattern's schema instead.",
        twin="property-removed-under-pattern",
        witness="property-value",
        section="Changed",
    ),
    Rule(
        "property-removed-under-pattern",
        "A property's declaration is dropped where patternProperties regexes govern the name "
        "in ways not compared one to one.",
        UNKNOWN,
        UNKNOWN,
        {**TWO_PATTERNS, "properties": {"x_id": {"type": "string", "minLength": 2}}},
        TWO_PATTERNS,
        twin="property-added-under-pattern",
        witness="property-value",
        section="Changed",
    ),
    Rule(
        "required-added",
        "A property becomes required.",
        BREAKING,
        COMPATIBLE,
        {"type": "object", "properties": {"auid": {"type": "integer"}}},
        {"type": "object", "properties": {"auid": {"type": "integer"}}, "required": ["auid"]},
        note="Old events may lack it; a `default` does not help, validators do not fill it in.",
        twin="required-removed",
        witness="required-missing",
        section="Added",
    ),
    Rule(
        "required-removed",
        "A property is no longer required.",
        COMPATIBLE,
        BREAKING,
        {"type": "object", "properties": {"auid": {"type": "integer"}}, "required": ["auid"]},
        {"type": "object", "properties": {"auid": {"type": "integer"}}},
        twin="required-added",
        witness="required-missing",
        section="Removed",
    ),
    Rule(
        "additional-properties-tightened",
        "additionalProperties accepts fewer undeclared properties (true -> schema -> false).",
        BREAKING,
        COMPATIBLE,
        {"type": "object", "properties": {"id": {"type": "string"}}},
        {**CLOSED, "properties": {"id": {"type": "string"}}},
        twin="additional-properties-loosened",
        witness="extra-property",
        section="Changed",
    ),
    Rule(
        "additional-properties-loosened",
        "additionalProperties accepts more undeclared properties (false -> schema -> true).",
        COMPATIBLE,
        BREAKING,
        {**CLOSED, "properties": {"id": {"type": "string"}}},
        {"type": "object", "properties": {"id": {"type": "string"}}},
        twin="additional-properties-tightened",
        witness="extra-property",
        section="Added",
    ),
    Rule(
        "pattern-property-added",
        "A patternProperties entry is added.",
        UNKNOWN,
        UNKNOWN,
        {"type": "object", "patternProperties": {"^y_": {"type": "string"}}},
        {
            "type": "object",
            "patternProperties": {"^y_": {"type": "string"}, "^x_": {"type": "string"}},
        },
        note="Decided when the names it matches were otherwise all rejected (compatible "
        "backward, breaking forward) or all accepted with any value (breaking backward, "
        "compatible forward); unknown otherwise.",
        twin="pattern-property-removed",
        witness="pattern-property",
        section="Added",
    ),
    Rule(
        "pattern-property-removed",
        "A patternProperties entry is removed.",
        UNKNOWN,
        UNKNOWN,
        {
            "type": "object",
            "patternProperties": {"^y_": {"type": "string"}, "^x_": {"type": "string"}},
        },
        {"type": "object", "patternProperties": {"^y_": {"type": "string"}}},
        note="The mirror of pattern-property-added.",
        twin="pattern-property-added",
        witness="pattern-property",
        section="Removed",
    ),
    Rule(
        "property-count-tightened",
        "minProperties raised or maxProperties lowered (or added).",
        BREAKING,
        COMPATIBLE,
        {"type": "object"},
        {"type": "object", "maxProperties": 8},
        twin="property-count-loosened",
        witness="property-count",
        section="Changed",
    ),
    Rule(
        "property-count-loosened",
        "minProperties lowered or maxProperties raised (or removed).",
        COMPATIBLE,
        BREAKING,
        {"type": "object", "maxProperties": 8},
        {"type": "object"},
        twin="property-count-tightened",
        witness="property-count",
        section="Added",
    ),
    Rule(
        "dependent-required-added",
        "A property now requires others when present (dependentRequired / dependencies).",
        BREAKING,
        COMPATIBLE,
        {"type": "object"},
        {"type": "object", "dependentRequired": {"user": ["uid"]}},
        twin="dependent-required-removed",
        witness="dependent-required",
        section="Added",
    ),
    Rule(
        "dependent-required-removed",
        "A property no longer requires others when present.",
        COMPATIBLE,
        BREAKING,
        {"type": "object", "dependentRequired": {"user": ["uid"]}},
        {"type": "object"},
        twin="dependent-required-added",
        witness="dependent-required",
        section="Removed",
    ),
]


def _property(fact: Fact) -> Judgement:
    name = code(fact.args["name"])
    added = fact.kind == "property-added"
    other = fact.args["other"]
    if other == "pattern":
        rule = "property-added-under-pattern" if added else "property-removed-under-pattern"
        verb = "declared" if added else "no longer declared"
        return Judgement(
            rule, f"property {name} is {verb}; a patternProperties regex also governs the name"
        )
    if other == "false":
        if added:
            forward = COMPATIBLE if fact.args["declared_false"] else None
            return Judgement(
                "property-added", f"property {name} added to a closed object", forward=forward
            )
        backward = COMPATIBLE if fact.args["declared_false"] else None
        return Judgement(
            "property-removed", f"property {name} removed from a closed object", backward=backward
        )
    if added:
        return Judgement(
            "property-added-to-open-object",
            f"property {name} declared with constraints in an open object "
            "(old events may carry it with any value)",
        )
    return Judgement(
        "property-removed-from-open-object",
        f"property {name} no longer declared; the object accepts it with any value",
    )


def _required(fact: Fact) -> Judgement:
    name = code(fact.args["name"])
    if fact.kind == "required-added":
        return Judgement("required-added", f"property {name} is now required")
    return Judgement("required-removed", f"property {name} is no longer required")


def _additional(fact: Fact) -> Judgement:
    old, new = fact.args["old_state"], fact.args["new_state"]
    words = {"true": "any value", "schema": "a schema", "false": "nothing"}
    rule = {
        "tightened": "additional-properties-tightened",
        "loosened": "additional-properties-loosened",
    }[fact.args["direction"]]
    return Judgement(rule, f"undeclared properties: {words[old]} -> {words[new]}")


def _pattern(fact: Fact) -> Judgement:
    pattern = code(fact.args["pattern"])
    closed, open_ = fact.args["other_closed"], fact.args["other_open"]
    if fact.kind == "pattern-property-added":
        message = f"patternProperties {pattern} added"
        if closed:
            return Judgement("pattern-property-added", message, COMPATIBLE, BREAKING)
        if open_:
            return Judgement("pattern-property-added", message, BREAKING, COMPATIBLE)
        return Judgement("pattern-property-added", message)
    message = f"patternProperties {pattern} removed"
    if closed:
        return Judgement("pattern-property-removed", message, BREAKING, COMPATIBLE)
    if open_:
        return Judgement("pattern-property-removed", message, COMPATIBLE, BREAKING)
    return Judgement("pattern-property-removed", message)


def _dependent(fact: Fact) -> Judgement:
    names = ", ".join(code(n) for n in fact.args["names"])
    trigger = code(fact.args["name"])
    if fact.kind == "dependent-required-added":
        return Judgement(
            "dependent-required-added", f"when {trigger} is present, {names} must be too"
        )
    return Judgement(
        "dependent-required-removed", f"when {trigger} is present, {names} no longer must be"
    )


def _property_count(fact: Fact) -> Judgement:
    rule = {"tightened": "property-count-tightened", "loosened": "property-count-loosened"}
    return Judgement(rule[fact.args["direction"]], bound_message(fact))


FAMILY = RuleFamily(
    RULES,
    {
        "property-count": _property_count,
        "property-added": _property,
        "property-removed": _property,
        "required-added": _required,
        "required-removed": _required,
        "additional-properties": _additional,
        "pattern-property-added": _pattern,
        "pattern-property-removed": _pattern,
        "dependent-required-added": _dependent,
        "dependent-required-removed": _dependent,
    },
)
