"""Rules on values: type, enum and const, numeric ranges, string lengths, patterns, formats,
and boolean schemas."""

# Over 400 lines, on purpose: most of it is the rule records (data), one per rule id.
from __future__ import annotations

from typing import Any

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

INT = {"type": "integer"}
STR = {"type": "string"}

RULES = [
    Rule(
        "type-narrowed",
        "The accepted types shrink (e.g. [string, null] -> string).",
        BREAKING,
        COMPATIBLE,
        {"type": ["string", "null"]},
        STR,
        twin="type-widened",
        witness="generic",
        section="Changed",
    ),
    Rule(
        "type-widened",
        "The accepted types grow (e.g. integer -> number).",
        COMPATIBLE,
        BREAKING,
        INT,
        {"type": "number"},
        twin="type-narrowed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "type-changed",
        "Types are both removed and added (e.g. integer -> string).",
        BREAKING,
        BREAKING,
        INT,
        STR,
        note="Upstream example: integer IDs changed to strings.",
        witness="generic",
        section="Changed",
    ),
    Rule(
        "enum-added",
        "An enum (a closed list of values) is imposed.",
        BREAKING,
        COMPATIBLE,
        STR,
        {"type": "string", "enum": ["on", "off"]},
        twin="enum-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "enum-removed",
        "The enum is dropped: any value of the type is accepted.",
        COMPATIBLE,
        BREAKING,
        {"type": "string", "enum": ["on", "off"]},
        STR,
        twin="enum-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "enum-value-added",
        "Values are added to the enum.",
        COMPATIBLE,
        BREAKING,
        {"enum": ["on", "off"]},
        {"enum": ["on", "off", "unknown"]},
        twin="enum-value-removed",
        witness="enum-values",
        section="Added",
    ),
    Rule(
        "enum-value-removed",
        "Values are removed from the enum.",
        BREAKING,
        COMPATIBLE,
        {"enum": ["on", "off", "unknown"]},
        {"enum": ["on", "off"]},
        twin="enum-value-added",
        witness="enum-values",
        section="Removed",
    ),
    Rule(
        "const-added",
        "A const pins the value.",
        BREAKING,
        COMPATIBLE,
        STR,
        {"type": "string", "const": "exec"},
        twin="const-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "const-removed",
        "The const is dropped.",
        COMPATIBLE,
        BREAKING,
        {"type": "string", "const": "exec"},
        STR,
        twin="const-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "const-changed",
        "The const value changes.",
        BREAKING,
        BREAKING,
        {"const": "exec"},
        {"const": "fork"},
        witness="const-value",
        section="Changed",
    ),
    Rule(
        "number-bounds-tightened",
        "minimum/exclusiveMinimum raised or maximum/exclusiveMaximum lowered (or added).",
        BREAKING,
        COMPATIBLE,
        INT,
        {"type": "integer", "minimum": 0},
        twin="number-bounds-loosened",
        witness="numbers",
        section="Changed",
    ),
    Rule(
        "number-bounds-loosened",
        "minimum/exclusiveMinimum lowered or maximum/exclusiveMaximum raised (or removed).",
        COMPATIBLE,
        BREAKING,
        {"type": "integer", "maximum": 65535},
        INT,
        twin="number-bounds-tightened",
        witness="numbers",
        section="Added",
    ),
    Rule(
        "multiple-of-tightened",
        "multipleOf becomes a multiple of the old one (or is added).",
        BREAKING,
        COMPATIBLE,
        {"type": "integer", "multipleOf": 2},
        {"type": "integer", "multipleOf": 4},
        twin="multiple-of-loosened",
        witness="numbers",
        section="Changed",
    ),
    Rule(
        "multiple-of-loosened",
        "multipleOf becomes a divisor of the old one (or is removed).",
        COMPATIBLE,
        BREAKING,
        {"type": "integer", "multipleOf": 4},
        {"type": "integer", "multipleOf": 2},
        twin="multiple-of-tightened",
        witness="numbers",
        section="Added",
    ),
    Rule(
        "multiple-of-changed",
        "multipleOf changes to a value neither multiple nor divisor.",
        BREAKING,
        BREAKING,
        {"type": "integer", "multipleOf": 2},
        {"type": "integer", "multipleOf": 3},
        witness="numbers",
        section="Changed",
    ),
    Rule(
        "string-length-tightened",
        "minLength raised or maxLength lowered (or added).",
        BREAKING,
        COMPATIBLE,
        STR,
        {"type": "string", "maxLength": 64},
        twin="string-length-loosened",
        witness="string-lengths",
        section="Changed",
    ),
    Rule(
        "string-length-loosened",
        "minLength lowered or maxLength raised (or removed).",
        COMPATIBLE,
        BREAKING,
        {"type": "string", "maxLength": 64},
        STR,
        twin="string-length-tightened",
        witness="string-lengths",
        section="Added",
    ),
    Rule(
        "pattern-added",
        "A regular expression now constrains the string.",
        BREAKING,
        COMPATIBLE,
        STR,
        {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        twin="pattern-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "pattern-removed",
        "The regular expression is dropped.",
        COMPATIBLE,
        BREAKING,
        {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        STR,
        twin="pattern-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "pattern-changed",
        "The regular expression changes; regex inclusion is not decided.",
        UNKNOWN,
        UNKNOWN,
        {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        {"type": "string", "pattern": "^[0-9a-f]{12,64}$"},
        note="A counterexample found by search turns a direction into breaking.",
        witness="generic",
        section="Changed",
    ),
    Rule(
        "format-annotation-changed",
        "format changes while formats are annotations (the default): validity is unchanged.",
        COMPATIBLE,
        COMPATIBLE,
        STR,
        {"type": "string", "format": "date-time"},
        note="With --assert-formats the format-added/removed/changed rules apply instead.",
        witness="generic",
        section="Documentation",
    ),
    Rule(
        "format-added",
        "A format is imposed, and formats are asserted (--assert-formats).",
        BREAKING,
        COMPATIBLE,
        STR,
        {"type": "string", "format": "date-time"},
        twin="format-removed",
        witness="generic",
        section="Added",
    ),
    Rule(
        "format-removed",
        "The format is dropped, and formats are asserted.",
        COMPATIBLE,
        BREAKING,
        {"type": "string", "format": "date-time"},
        STR,
        twin="format-added",
        witness="generic",
        section="Removed",
    ),
    Rule(
        "format-changed",
        "The format changes, and formats are asserted.",
        UNKNOWN,
        UNKNOWN,
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date"},
        witness="generic",
        section="Changed",
    ),
    Rule(
        "schema-became-false",
        "A schema becomes `false`: nothing is accepted there any more.",
        BREAKING,
        COMPATIBLE,
        {"type": "array", "items": STR},
        {"type": "array", "items": False},
        twin="schema-no-longer-false",
        witness="generic",
        section="Changed",
    ),
    Rule(
        "schema-no-longer-false",
        "A `false` schema becomes one that accepts values.",
        COMPATIBLE,
        BREAKING,
        {"type": "array", "items": False},
        {"type": "array", "items": STR},
        twin="schema-became-false",
        witness="generic",
        section="Added",
    ),
]


def _types(value: Any) -> str:
    return "any" if value is None else " | ".join(value)


def _type(fact: Fact) -> Judgement:
    removed, added = fact.args["removed"], fact.args["added"]
    message = f"type {_types(fact.old)} -> {_types(fact.new)}"
    if removed and added:
        return Judgement("type-changed", message)
    if removed:
        return Judgement("type-narrowed", message)
    return Judgement("type-widened", message)


def _values(values: list[Any]) -> str:
    return ", ".join(code(v) for v in values)


def _enum(fact: Fact) -> Judgement:
    kind = fact.kind
    if kind == "enum-added":
        if fact.args["const"]:
            return Judgement(
                "const-added", f"const {code(fact.new[0] if fact.new else None)} imposed"
            )
        return Judgement("enum-added", f"enum imposed: {_values(fact.new)}")
    if kind == "enum-removed":
        if fact.args["const"]:
            return Judgement("const-removed", "const dropped")
        return Judgement("enum-removed", "enum dropped")
    if kind == "const-changed":
        return Judgement("const-changed", f"const {code(fact.old)} -> {code(fact.new)}")
    if kind == "enum-values-removed":
        return Judgement(
            "enum-value-removed", f"enum values removed: {_values(fact.args['values'])}"
        )
    return Judgement("enum-value-added", f"enum values added: {_values(fact.args['values'])}")


def _number_bounds(fact: Fact) -> Judgement:
    rule = {"tightened": "number-bounds-tightened", "loosened": "number-bounds-loosened"}
    return Judgement(rule[fact.args["direction"]], bound_message(fact))


def _string_length(fact: Fact) -> Judgement:
    rule = {"tightened": "string-length-tightened", "loosened": "string-length-loosened"}
    return Judgement(rule[fact.args["direction"]], bound_message(fact))


def _multiple(fact: Fact) -> Judgement:
    rule = {
        "tightened": "multiple-of-tightened",
        "loosened": "multiple-of-loosened",
        "changed": "multiple-of-changed",
    }
    return Judgement(
        rule[fact.args["direction"]], f"multipleOf {code(fact.old)} -> {code(fact.new)}"
    )


def _pattern(fact: Fact) -> Judgement:
    if fact.old is None:
        return Judgement("pattern-added", f"pattern {code(fact.new)} imposed")
    if fact.new is None:
        return Judgement("pattern-removed", f"pattern {code(fact.old)} dropped")
    return Judgement("pattern-changed", f"pattern {code(fact.old)} -> {code(fact.new)}")


def _format(fact: Fact) -> Judgement:
    message = f"format {code(fact.old)} -> {code(fact.new)}"
    if not fact.args["asserted"]:
        return Judgement("format-annotation-changed", message + " (formats are annotations)")
    if fact.old is None:
        return Judgement("format-added", message)
    if fact.new is None:
        return Judgement("format-removed", message)
    return Judgement("format-changed", message)


def _false(fact: Fact) -> Judgement:
    if fact.kind == "became-false":
        return Judgement("schema-became-false", "the schema became false: nothing is accepted")
    return Judgement("schema-no-longer-false", "the schema was false and now accepts values")


FAMILY = RuleFamily(
    RULES,
    {
        "type": _type,
        "enum-added": _enum,
        "enum-removed": _enum,
        "const-changed": _enum,
        "enum-values-removed": _enum,
        "enum-values-added": _enum,
        "number-bounds": _number_bounds,
        "string-length": _string_length,
        "multiple-of": _multiple,
        "pattern": _pattern,
        "format": _format,
        "became-false": _false,
        "was-false": _false,
    },
)
