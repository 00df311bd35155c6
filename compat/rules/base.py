"""What a rule is, and the verdict vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compat.diff.facts import Fact
from compat.util.records import FrozenRecord, Record

COMPATIBLE = "compatible"
BREAKING = "breaking"
UNKNOWN = "unknown"
VERDICTS = (COMPATIBLE, UNKNOWN, BREAKING)  # in order of severity


# Changelog sections, in the order entries list them ("Breaking" is chosen by verdict).
SECTIONS = ("Breaking", "Added", "Changed", "Removed", "Documentation")


def worst(*verdicts: str) -> str:
    return max(verdicts, key=VERDICTS.index, default=COMPATIBLE)


class Rule(FrozenRecord):
    """One kind of change: a stable id (a public contract), its verdict per direction, its docs.

    `backward` and `forward` are the verdicts the rule gives in the plain case; `note` says when a
    fact's context changes them (for instance a keyword on a type the node does not accept).
    `before` and `after` are a minimal schema pair showing the change; a test runs the engine on
    them and checks that this rule fires with these verdicts. `witness` names the strategy the
    counterexample search uses for it (see engine/strategies.py), `section` the changelog section
    a compatible change goes to (a breaking or unknown one goes to "Breaking").
    """

    _fields = (
        "id",
        "summary",
        "backward",
        "forward",
        "before",
        "after",
        "note",
        "twin",
        "witness",
        "section",
    )
    id: str
    summary: str
    backward: str
    forward: str
    before: Any
    after: Any
    note: str
    twin: str | None  # the rule for the opposite change, if any
    witness: str
    section: str

    def __init__(
        self,
        id: str,
        summary: str,
        backward: str,
        forward: str,
        before: Any,
        after: Any,
        note: str = "",
        twin: str | None = None,
        witness: str = "generic",
        section: str = "Changed",
    ) -> None:
        if section not in SECTIONS:
            raise AssertionError(f"rule {id}: unknown changelog section {section!r}")
        self._set(
            id=id,
            summary=summary,
            backward=backward,
            forward=forward,
            before=before,
            after=after,
            note=note,
            twin=twin,
            witness=witness,
            section=section,
        )


class Judgement(FrozenRecord):
    _fields = ("rule", "message", "backward", "forward")
    rule: str
    message: str
    backward: str | None  # None: the rule's own verdict
    forward: str | None

    def __init__(
        self, rule: str, message: str, backward: str | None = None, forward: str | None = None
    ) -> None:
        self._set(rule=rule, message=message, backward=backward, forward=forward)


Judge = Callable[[Fact], Judgement | None]


class RuleFamily(Record):
    _fields = ("rules", "judges")
    rules: list[Rule]
    judges: dict[str, Judge]

    def __init__(self, rules: list[Rule], judges: dict[str, Judge] | None = None) -> None:
        self.rules = rules
        self.judges = {} if judges is None else judges


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
