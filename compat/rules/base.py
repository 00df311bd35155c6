"""What a rule is, and the verdict vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from compat.diff.facts import Fact

COMPATIBLE = "compatible"
BREAKING = "breaking"
UNKNOWN = "unknown"
VERDICTS = (COMPATIBLE, UNKNOWN, BREAKING)  # in order of severity


# Changelog sections, in the order entries list them ("Breaking" is chosen by verdict).
SECTIONS = ("Breaking", "Added", "Changed", "Removed", "Documentation")


def worst(*verdicts: str) -> str:
    return max(verdicts, key=VERDICTS.index, default=COMPATIBLE)


@dataclass(frozen=True)
class Rule:
    """One kind of change: a stable id (a public contract), its verdict per direction, its docs.

    `backward` and `forward` are the verdicts the rule gives in the plain case; `note` says when a
    fact's context changes them (for instance a keyword on a type the node does not accept).
    `before` and `after` are a minimal schema pair showing the change; a test runs the engine on
    them and checks that this rule fires with these verdicts. `witness` names the strategy the
    counterexample search uses for it (see engine/strategies.py), `section` the changelog section
    a compatible change goes to (a breaking or unknown one goes to "Breaking").
    """

    id: str
    summary: str
    backward: str
    forward: str
    before: Any
    after: Any
    note: str = ""
    twin: str | None = None  # the rule for the opposite change, if any
    witness: str = "generic"
    section: str = "Changed"

    def __post_init__(self) -> None:
        if self.section not in SECTIONS:
            raise AssertionError(f"rule {self.id}: unknown changelog section {self.section!r}")


@dataclass(frozen=True)
class Judgement:
    rule: str
    message: str
    backward: str | None = None  # None: the rule's own verdict
    forward: str | None = None


Judge = Callable[[Fact], Judgement | None]


@dataclass
class RuleFamily:
    rules: list[Rule]
    judges: dict[str, Judge] = field(default_factory=dict)


def bound_message(fact: Fact) -> str:
    """`length >= 2 -> >= 3`: a bound fact in words."""
    side = fact.args["side"]

    def text(bound: Any) -> str:
        if bound is None:
            return "none"
        if side == "lower":
            return (">" if bound["exclusive"] else ">=") + " " + code(bound["value"])
        return ("<" if bound["exclusive"] else "<=") + " " + code(bound["value"])

    return f"{fact.args['what']} {text(fact.old)} -> {text(fact.new)}"


def code(value: Any) -> str:
    """A JSON value as it reads in a message."""
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)
