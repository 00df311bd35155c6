"""Holding each direction to a proof: the step after the rules and the counterexample search.

A direction is `compatible` only where `prove.Prover` shows that every document one side
accepts, the other accepts too. Where it cannot, every place the proof stopped must be
accounted for by a change already breaking or unknown there; any other place becomes a
`compatibility-unproven` change of its own (breaking once a counterexample is found there).
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

from compat.diff.facts import render_path
from compat.engine.model import Change, set_verdict
from compat.prove import Failure, Prover
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN

if TYPE_CHECKING:
    from collections.abc import Callable

    from compat.engine.witness import Validators
    from compat.schema.model import Node, Ref


def settle(
    changes: list[Change],
    prover: Prover,
    validators: Callable[[], Validators],
    roots: tuple[Node | Ref, Node | Ref],
    labels: tuple[str, str],
) -> list[Change]:
    """Hold every direction to a proof: `compatible` only where the prover shows that every
    document one side accepts, the other accepts too.

    Where the whole direction is proven, the changes' `unknown`s in it become `compatible`.
    Where it is not, every place the proof stopped must be explained by a change that is
    already breaking or unknown in that direction; any other place becomes a change of its own
    (`compatibility-unproven`, unknown, or breaking once a counterexample is found there), so a
    rule that wrongly calls a change compatible can never make the report say so.
    """
    extra: dict[tuple[str, str], Change] = {}
    for direction in ("backward", "forward"):
        accept, reject = roots if direction == "backward" else roots[::-1]
        proven, failures = prover.diagnose(accept, reject)
        if proven:
            for change in changes:
                if change.verdict(direction) == UNKNOWN:
                    set_verdict(change, direction, COMPATIBLE)
            continue
        blamed = [c for c in changes if c.verdict(direction) != COMPATIBLE]
        if not failures and not blamed:
            # the proof was cut short (size or case budget) before it found a keyword
            failures = [Failure((), "", "(size budget)", ())]
        for failure in failures:
            if any(_explains(c, failure, direction) for c in blamed):
                continue
            _unproven(extra, failure, direction, labels)
            if len(extra) >= MAX_UNPROVEN:
                break
    for change in extra.values():
        _unproven_evidence(change, validators, roots, labels)
    return list(extra.values())


MAX_UNPROVEN = 16


# Which keywords can explain one another: a failure on `minimum` is explained by a change to
# `exclusiveMinimum` of the same node, never by one to `required`.
_FAMILIES = {
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "string": {"minLength", "maxLength", "pattern", "format"},
    "array": {
        "items",
        "prefixItems",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
        "unevaluatedItems",
    },
    "object": {
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "unevaluatedProperties",
    },
    "value": {"type", "enum", "const"},
    "applicator": {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref"},
}


def _family(keyword: str) -> str | None:
    token = keyword.split("/", 1)[0]
    return next((name for name, members in _FAMILIES.items() if token in members), None)


def _within(pointer: str, path: str | None) -> bool:
    return path is not None and (pointer == path or pointer.startswith(path + "/"))


# Checks the prover makes as a whole (their inner steps are not reported): a failure there is
# accounted for by any breaking or unknown change inside the keyword's subschemas.
_WHOLE = {"anyOf", "oneOf", "not", "if", "contains", "propertyNames"}


def _explains(change: Change, failure: Failure, direction: str) -> bool:
    """Does a breaking or unknown change account for a place where the proof stopped?

    It does where it changed a keyword of the same family on the same node; where the failing
    schema lies inside what it changed (on either side); inside a union, `not`, `if`,
    `contains` or `propertyNames` that failed as a whole; and, for a closed object that
    rejects a property, where it changed that object's properties.
    """
    if direction == "backward":
        mine = (change.new_node, change.new_schema_path)
        theirs = (change.old_node, change.old_schema_path)
    else:
        mine = (change.old_node, change.old_schema_path)
        theirs = (change.new_node, change.new_schema_path)
    # "false" and "values" (a finite set checked value by value) fail for any keyword's change
    wanted = None if failure.keyword in ("false", "values") else _family(failure.keyword)
    whole = failure.keyword in _WHOLE
    inside = [f"{failure.b_pointer}/{failure.keyword}"]
    if failure.keyword == "if":
        inside += [f"{failure.b_pointer}/then", f"{failure.b_pointer}/else"]

    def token(node: str | None, path: str | None) -> str | None:
        if node is None or path is None or not path.startswith(node):
            return None
        return path[len(node) :].lstrip("/").split("/", 1)[0]

    def same_family(node: str | None, path: str | None) -> bool:
        found = token(node, path)
        return found is not None and (wanted is None or not found or _family(found) == wanted)

    for side, (node, path) in enumerate((mine, theirs)):
        if node is None:
            continue
        if side == 0:
            if node == failure.b_pointer and (path is None or same_family(node, path)):
                return True
            if _within(failure.b_pointer, path):
                return True
            if whole and any(_within(node, where) for where in inside):
                return True
        elif any(
            _within(p, path) or (p == node and (whole or path is None or same_family(node, path)))
            for p in failure.a_pointers
        ):
            return True
        # a closed object rejecting a property: the change to its properties explains it
        changed = token(node, path) or token(*(theirs if side == 0 else mine))
        if (
            failure.keyword == "false"
            and failure.b_pointer == f"{node}/additionalProperties"
            and changed in ("properties", "patternProperties")
        ):
            return True
    return False


def _unproven(
    extra: dict[tuple[str, str], Change], failure: Failure, direction: str, labels: tuple[str, str]
) -> None:
    where = failure.b_pointer + "/" + failure.keyword
    key = (where, render_path(failure.path))
    change = extra.get(key)
    accepting, other = labels if direction == "backward" else labels[::-1]
    if change is None:
        change = Change(
            rule="compatibility-unproven",
            backward=COMPATIBLE,
            forward=COMPATIBLE,
            message=f"not proven that `{failure.keyword}` here holds for every value "
            f"{accepting} accepts",
            schema_path=where,
            old_schema_path=where if direction == "forward" else None,
            new_schema_path=where if direction == "backward" else None,
            instance_paths=[render_path(failure.path)],
            instance_paths_truncated=False,
            places=[failure.path],
            old=None,
            new=None,
            old_node=failure.b_pointer if direction == "forward" else None,
            new_node=failure.b_pointer if direction == "backward" else None,
        )
        extra[key] = change
    set_verdict(change, direction, UNKNOWN)
    change.failures.append((direction, failure))
    if other not in change.message:
        change.message += f" ({other} may reject some)"


def _unproven_evidence(
    change: Change,
    validators: Callable[[], Validators],
    roots: tuple[Node | Ref, Node | Ref],
    labels: tuple[str, str],
) -> None:
    """Search a counterexample where the proof stopped; found, the direction is breaking.
    `validators` builds (once) the validators that check candidates."""
    from compat.engine.strategies import candidates
    from compat.engine.witness import find

    for direction, failure in change.failures:
        if failure.b_node is None:
            continue
        # the accepted values lie in every atom of the case: draw candidates from each in
        # turn (the order of atoms is arbitrary)
        pools = [
            candidates(change.rule, {}, accept, failure.b_node, None, None)
            for accept in failure.a_nodes or (failure.b_node,)
        ]
        values = _interleaved(pools)
        found = find(validators(), direction, roots, [failure.path], values, labels)
        if found is not None:
            change.counterexamples.append(found)
            set_verdict(change, direction, BREAKING)


def _interleaved(pools: list[list[Any]]) -> list[Any]:
    """One from each pool in turn, without repeats."""
    out: list[Any] = []
    seen: set[str] = set()
    for row in itertools.zip_longest(*pools, fillvalue=_NONE):
        for value in row:
            if value is _NONE:
                continue
            key = json.dumps(value, sort_keys=True, default=repr)
            if key not in seen:
                seen.add(key)
                out.append(value)
    return out


_NONE = object()
