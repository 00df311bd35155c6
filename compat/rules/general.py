"""Rules that never change validity (annotations, unreferenced definitions), and the catch-all
for keywords the engine does not reason about."""

from __future__ import annotations

from compat.diff.facts import Fact
from compat.rules.base import COMPATIBLE, UNKNOWN, Judgement, Rule, RuleFamily, code

RULES = [
    Rule(
        "annotation-changed",
        "description, title, examples, default, $comment or another annotation changes.",
        COMPATIBLE,
        COMPATIBLE,
        {"type": "integer"},
        {"type": "integer", "description": "Process ID"},
        note="A `default` is an annotation too: validators never fill it in.",
    ),
    Rule(
        "definition-added",
        "A definition is added that no event can reach yet (or only as "
        "the target of a property reported by its own rule).",
        COMPATIBLE,
        COMPATIBLE,
        {"definitions": {}},
        {"definitions": {"DDContext": {"type": "object"}}},
        twin="definition-removed",
    ),
    Rule(
        "definition-removed",
        "A definition that no event reached is removed.",
        COMPATIBLE,
        COMPATIBLE,
        {"definitions": {"Old": {"type": "object"}}},
        {"definitions": {}},
        twin="definition-added",
    ),
    Rule(
        "unsupported-keyword-changed",
        "A schema using unevaluatedProperties/Items, $dynamicRef or $recursiveRef changed.",
        UNKNOWN,
        UNKNOWN,
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "unevaluatedProperties": False,
        },
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "unevaluatedProperties": {"type": "string"},
        },
    ),
]


def _annotation(fact: Fact) -> Judgement:
    keyword = fact.args["annotation"]
    if fact.old is None:
        return Judgement("annotation-changed", f"{keyword} added: {code(fact.new)}")
    if fact.new is None:
        return Judgement("annotation-changed", f"{keyword} removed")
    return Judgement("annotation-changed", f"{keyword}: {code(fact.old)} -> {code(fact.new)}")


def _definition(fact: Fact) -> Judgement:
    name = code(fact.args["name"])
    if fact.kind == "definition-added":
        return Judgement("definition-added", f"definition {name} added")
    return Judgement("definition-removed", f"definition {name} removed")


def _unsupported(fact: Fact) -> Judgement:
    names = ", ".join(fact.args["keywords"])
    return Judgement(
        "unsupported-keyword-changed",
        f"a schema using {names} changed; the engine does not reason about it",
    )


FAMILY = RuleFamily(
    RULES,
    {
        "annotation": _annotation,
        "definition-added": _definition,
        "definition-removed": _definition,
        "unsupported": _unsupported,
    },
)
