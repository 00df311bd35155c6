"""Witness strategies: the values most likely to tell two versions apart at a changed
place, one strategy per kind of change (rules name theirs in their `witness` field). The values
are candidates only: engine/witness.py builds events around them and checks them."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from compat.schema.instances import (
    MAX_SIZE,
    NoValue,
    item_schema,
    minimal,
    minimal_of,
    names_matching,
    property_schema,
)
from compat.schema.model import Node, Ref, deref
from compat.util.records import Record

EXTRA_NAME = "cws_compat_extra"  # an undeclared property name, for counterexamples
SCALARS: list[Any] = [
    None,
    False,
    True,
    0,
    -1,
    1,
    0.5,
    "",
    "a",
    "0",
    " ",
    [],
    {},
    [None],
    {"a": 0},
    {"z": 0},
]


class Spot(Record):
    """What a witness strategy knows about the change: the rule's arguments, the node that
    must accept the value and the one that should reject it, and the old and new keyword
    values, plus a minimal value the accepting node takes (None when none was built)."""

    _fields = ("args", "accept", "reject", "old", "new", "base")

    def __init__(
        self, args: dict[str, Any], accept: Node, reject: Node, old: Any, new: Any, base: Any
    ) -> None:
        self.args = args
        self.accept = accept
        self.reject = reject
        self.old = old
        self.new = new
        self.base = base


Strategy = Callable[[Spot], list[Any]]


def _attempt(factory: Callable[[], Any]) -> list[Any]:
    with contextlib.suppress(NoValue, RecursionError, TypeError, ValueError, OverflowError):
        return [factory()]
    return []


def _property_value(spot: Spot) -> list[Any]:
    name = spot.args.get("name")
    if name is None or not isinstance(spot.base, dict):
        return []
    schema = property_schema(spot.accept, name)
    return [{**spot.base, name: value} for value in [*_values(schema), *SCALARS]]


def _required_missing(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, dict):
        return []
    return [{k: v for k, v in spot.base.items() if k != spot.args.get("name")}]


def _extra_property(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, dict):
        return []
    values = [*_values(spot.accept.additional_properties), *SCALARS]
    return [{**spot.base, EXTRA_NAME: value} for value in values]


def _pattern_property(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, dict):
        return []
    names = names_matching(spot.args.get("pattern", ""))
    return [{**spot.base, name: value} for name in names for value in SCALARS]


def _enum_values(spot: Spot) -> list[Any]:
    return list(spot.args.get("values") or [])


def _const_value(spot: Spot) -> list[Any]:
    return [spot.old]


def _float_forms_near(spot: Spot) -> list[Any]:
    whole = [v for v in _near_numbers(spot.accept, spot.reject) if float(v).is_integer()]
    return [float(v) for v in whole] + [1.0, 0.0, -0.0, 2.0]


def _numbers(spot: Spot) -> list[Any]:
    return _near_numbers(spot.accept, spot.reject)


def _string_lengths(spot: Spot) -> list[Any]:
    return ["a" * n for n in _lengths(spot.accept, spot.reject)]


def _array_lengths(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, list):
        return []
    item = spot.base[0] if spot.base else _safe(lambda: minimal(item_schema(spot.accept, 0)))
    return [[item] * n for n in _lengths(spot.accept, spot.reject)]


def _unique_items(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, list):
        return []
    return _attempt(lambda: [minimal(item_schema(spot.accept, 0))] * 2)


def _contains_count(spot: Spot) -> list[Any]:
    out: list[Any] = []
    for node in (spot.accept, spot.reject):
        matching = _safe(functools.partial(minimal, node.contains))
        if matching is not None:
            out += [[matching] * n for n in _lengths(spot.accept, spot.reject)]
    return out


def _property_count(spot: Spot) -> list[Any]:
    base = spot.base
    if not isinstance(base, dict):
        return []
    out: list[Any] = []
    for count in _lengths(spot.accept, spot.reject):
        out += _attempt(functools.partial(_object_of_size, spot.accept, base, count))
    return out


def _dependent_required(spot: Spot) -> list[Any]:
    base, name = spot.base, spot.args.get("name")
    if not isinstance(base, dict) or name is None:
        return []
    out: list[Any] = []
    for node in (spot.accept, spot.reject):
        names = set(node.dependent_required.get(name, ()))
        out += _attempt(functools.partial(_trigger_without, spot.accept, base, name, names))
    return out


def _trigger_without(
    accept: Node, base: dict[str, Any], name: str, names: set[str]
) -> dict[str, Any]:
    """An object with the dependency's trigger `name` and none of the names it needs."""
    kept = {k: v for k, v in base.items() if k not in names}
    return {**kept, name: minimal(property_schema(accept, name))}


# The strategies rules name in their `witness` field; a test checks that each one exists.
STRATEGIES: dict[str, Strategy] = {
    "generic": lambda spot: [],
    "property-value": _property_value,
    "required-missing": _required_missing,
    "extra-property": _extra_property,
    "pattern-property": _pattern_property,
    "enum-values": _enum_values,
    "const-value": _const_value,
    "float-forms": _float_forms_near,
    "numbers": _numbers,
    "string-lengths": _string_lengths,
    "array-lengths": _array_lengths,
    "unique-items": _unique_items,
    "contains-count": _contains_count,
    "property-count": _property_count,
    "dependent-required": _dependent_required,
}


def candidates(
    rule: str, args: dict[str, Any], accept: Node, reject: Node, old: Any, new: Any
) -> list[Any]:
    """Values to try at the changed location, the most telling first: the rule's own
    strategy, then values of a branch added or removed, then generic ones."""
    from compat.rules import RULES

    out: list[Any] = []
    branch = deref(args.get("branch_node"))
    if branch is not None:
        # a combinator branch added or removed: values of that branch, and at its bounds
        out += _values(branch)
        out += _near_numbers(branch, branch)
        out += ["a" * n for n in _lengths(branch, branch)]
    base: Any = None
    with contextlib.suppress(NoValue):
        base = minimal(accept)
    out += STRATEGIES[RULES[rule].witness](Spot(args, accept, reject, old, new, base))
    if base is not None:
        out.append(base)
    for kind in sorted(
        accept.types or ("array", "boolean", "integer", "null", "number", "object", "string")
    ):
        out += _attempt(functools.partial(minimal_of, accept, kind, 0))
    out += SCALARS
    out += _near_numbers(accept, reject)
    return out + _float_forms(out)


def _float_forms(values: list[Any]) -> list[Any]:
    """Whole numbers written with a fraction (`1.0`, `-0.0`): draft-04's `integer` rejects
    them where later drafts accept them."""
    found: list[Any] = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
            found.append(float(value))
            if value == 0:
                found.append(-0.0)
    return found


def _object_of_size(node: Node, base: dict[str, Any], count: int) -> dict[str, Any]:
    """An object with `count` properties, declared ones first, keeping the required ones."""
    out = dict(base)
    names = [n for n in node.properties if n not in out]
    extra = 0
    while len(out) < count:
        if names:
            name = names.pop(0)
        else:
            name, extra = f"{EXTRA_NAME}_{extra}", extra + 1
        out[name] = minimal(property_schema(node, name))
    while len(out) > count:
        out.pop(next(reversed(out)))
    return out


def _safe(factory: Callable[[], Any]) -> Any:
    try:
        return factory()
    except NoValue:
        return None


def _values(schema: Node | Ref | None) -> list[Any]:
    target = deref(schema)
    if target is None:
        return []
    found = []
    with contextlib.suppress(NoValue):
        found.append(minimal(target))
    if target.enum:
        found += target.enum
    return found


def _near_numbers(accept: Node, reject: Node) -> list[Any]:
    values: list[Any] = []
    for node in (accept, reject):
        for bound in (node.lower, node.upper):
            if bound is not None and not isinstance(bound.value, bool):
                v = bound.value
                values += [v, v - 1, v + 1]
                if abs(v) < 2**53:  # beyond, v +- 0.5 is no number a float can hold
                    values += [v - 0.5, v + 0.5]
        if node.multiple_of:
            values += [node.multiple_of * k for k in (1, 2, 3, 5, 7, 11, 17, 23)]
            # integers beyond a float's precision: exact and float division disagree there
            values += [2**53 + 1, 10**20 + 1, 2**64 + 2, 1e308]
            if isinstance(node.multiple_of, int) and 2**53 < abs(node.multiple_of) < 2**1023:
                values.append(float(node.multiple_of))  # the divisor as a float instance sees it
    # whole floats read better as integers, except where the float is another number
    return [
        int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2**53 else v for v in values
    ]


def _lengths(accept: Node, reject: Node) -> list[int]:
    found: set[int] = set()
    for node in {id(accept): accept, id(reject): reject}.values():
        for value in (
            node.min_length,
            node.max_length,
            node.min_items,
            node.max_items,
            node.min_properties,
            node.max_properties,
            node.min_contains,
            node.max_contains,
        ):
            if value is not None:
                found |= {max(value - 1, 0), value, value + 1}
    # a bound of 2**64 characters or items is no event anyone can build or check
    return sorted(n for n in found if n <= MAX_SIZE)
