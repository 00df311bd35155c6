"""The rule catalogue: stable kebab-case ids (a public contract: users acknowledge changes by
them), a verdict per direction, and the judgement of each diff fact.

Every rule lives in one of the family modules; this module gathers them and classifies facts.
"""

from __future__ import annotations

from compat.diff.facts import Fact
from compat.rules import arrays, combinators, general, objects, values
from compat.rules.base import BREAKING, COMPATIBLE, UNKNOWN, VERDICTS, Judge, Rule, worst
from compat.util.records import Record

FAMILIES = (objects.FAMILY, values.FAMILY, arrays.FAMILY, combinators.FAMILY, general.FAMILY)


def _registry() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for family in FAMILIES:
        for rule in family.rules:
            if rule.id in rules:
                raise AssertionError(f"rule id {rule.id} defined twice")
            rules[rule.id] = rule
    return rules


def _judges() -> dict[str, Judge]:
    judges: dict[str, Judge] = {}
    for family in FAMILIES:
        for kind, judge in family.judges.items():
            if kind in judges:
                raise AssertionError(f"fact kind {kind} judged twice")
            judges[kind] = judge
    return judges


RULES = _registry()
JUDGES = _judges()


class Classified(Record):
    _fields = ("rule", "backward", "forward", "message", "fact")

    def __init__(self, rule: str, backward: str, forward: str, message: str, fact: Fact) -> None:
        self.rule = rule
        self.backward = backward
        self.forward = forward
        self.message = message
        self.fact = fact


def classify(fact: Fact) -> Classified | None:
    """The rule and verdicts for one fact (None when the fact turns out to change nothing)."""
    judgement = JUDGES[fact.kind](fact)
    if judgement is None:
        return None
    rule = RULES[judgement.rule]
    backward = judgement.backward or rule.backward
    forward = judgement.forward or rule.forward
    # A keyword about objects cannot affect a node that accepts no objects, and so on: old
    # values never reach it (backward), or new values never do (forward).
    if fact.args.get("old_admits") is False:
        backward = COMPATIBLE
    if fact.args.get("new_admits") is False:
        forward = COMPATIBLE
    if fact.in_union:
        # Inside anyOf/oneOf branches or a conditional, one branch breaking does not prove the
        # whole breaks: only a checked counterexample can say breaking.
        backward = UNKNOWN if backward == BREAKING else backward
        forward = UNKNOWN if forward == BREAKING else forward
    if fact.negated:
        # not A accepts fewer values exactly when A accepts more
        backward, forward = forward, backward
    if fact.only == "backward":
        forward = COMPATIBLE  # proven by another comparison (see the walk)
    elif fact.only == "forward":
        backward = COMPATIBLE
    return Classified(judgement.rule, backward, forward, judgement.message, fact)


__all__ = [
    "BREAKING",
    "COMPATIBLE",
    "RULES",
    "UNKNOWN",
    "VERDICTS",
    "Classified",
    "Rule",
    "classify",
    "worst",
]
