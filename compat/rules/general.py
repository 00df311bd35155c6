"""Rules that never change validity (annotations, unreferenced definitions), and the catch-all
for keywords the engine does not reason about."""

from __future__ import annotations

from compat.diff.facts import Fact
from compat.rules.base import BREAKING, COMPATIBLE, UNKNOWN, Judgement, Rule, RuleFamily, code

RULES = [
    Rule(
        "annotation-changed",
        "description, title, examples, default, $comment or another annotation changes.",
        COMPATIBLE,
        COMPATIBLE,
        {"type": "integer"},
        {"type": "integer", "description": "Process ID"},
        note="A `default` is an annotation too: validators never fill it in.",
        witness="generic",
        section="Documentation",
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
        witness="generic",
        section="Added",
    ),
    Rule(
        "definition-removed",
        "A definition that no event reached is removed.",
        COMPATIBLE,
        COMPATIBLE,
        {"definitions": {"Old": {"type": "object"}}},
        {"definitions": {}},
        twin="definition-added",
        witness="generic",
        section="Removed",
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
        witness="generic",
        section="Changed",
    ),
]


D4 = "http://json-schema.org/draft-04/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"
RULES += [
    Rule(
        "integer-float-form-accepted",
        "`integer` now accepts whole numbers written with a fraction (`1.0`): draft-04 "
        "rejected them, later drafts take them.",
        COMPATIBLE,
        BREAKING,
        {"$schema": D4, "type": "integer"},
        {"$schema": D2020, "type": "integer"},
        twin="integer-float-form-rejected",
        witness="float-forms",
        section="Changed",
    ),
    Rule(
        "integer-float-form-rejected",
        "`integer` no longer accepts whole numbers written with a fraction (`1.0`), as the "
        "schema moved to draft-04.",
        BREAKING,
        COMPATIBLE,
        {"$schema": D2020, "type": "integer"},
        {"$schema": D4, "type": "integer"},
        twin="integer-float-form-accepted",
        witness="float-forms",
        section="Changed",
    ),
]


def _integer_form(fact: Fact) -> Judgement:
    if fact.args["accepted"]:
        return Judgement(
            "integer-float-form-accepted",
            f"integer accepts 1.0 under {fact.new}, not under {fact.old}",
        )
    return Judgement(
        "integer-float-form-rejected", f"integer rejects 1.0 under {fact.new}, not under {fact.old}"
    )


UNPROVEN = Rule(
    "compatibility-unproven",
    "The engine could not prove that a keyword holds for every value the other version "
    "accepts, and no other rule accounts for it.",
    UNKNOWN,
    UNKNOWN,
    {"type": "string", "pattern": "^[a-z]+$"},
    {"type": "string", "pattern": "^[a-z0-9]+$"},
    note="The safety net under every other rule: a direction is compatible only with a proof, "
    "and where the proof stops without a rule to blame, this change says where. A "
    "counterexample found there makes it breaking. (The example only shows such a place: "
    "there, pattern-changed accounts for it.)",
    witness="generic",
    section="Changed",
)
RULES.append(UNPROVEN)


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
        "integer-float-form": _integer_form,
    },
)
