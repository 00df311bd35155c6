"""Facts about values: `type` (and what `integer` means per draft), `enum`/`const`, numeric
bounds and `multipleOf`, string lengths, `pattern` and `format`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compat.diff.facts import PairKey
from compat.diff.pair import Walk, as_bound, present
from compat.prove.evaluate import kinds_of_types
from compat.schema.model import Bound, Node, canonical

if TYPE_CHECKING:
    from fractions import Fraction

# the fact kind of a bound change, per family (each judged by its family's rules)
BOUND_FACTS = {
    "number": "number-bounds",
    "string": "string-length",
    "array": "array-length",
    "object": "property-count",
    "contains": "contains-count",
}
_ALL_TYPES = frozenset({"array", "boolean", "null", "number", "object", "string"})


def _types(node: Node) -> frozenset[str]:
    types = _ALL_TYPES if node.types is None else node.types
    if "number" in types:
        types = types - {"integer"}
    return frozenset(types)


def _bound_json(bound: Bound | None) -> Any:
    if bound is None:
        return None
    return {"value": bound.value, "exclusive": bound.exclusive}


def _tighter_lower(a: Bound | None, b: Bound | None) -> bool:
    """Is lower bound `a` stricter than `b` (None = no bound)?"""
    if a is None:
        return False
    if b is None:
        return True
    return a.value > b.value or (a.value == b.value and a.exclusive and not b.exclusive)


def _tighter_upper(a: Bound | None, b: Bound | None) -> bool:
    if a is None:
        return False
    if b is None:
        return True
    return a.value < b.value or (a.value == b.value and a.exclusive and not b.exclusive)


def _fraction(value: float | int) -> Fraction:
    from fractions import Fraction  # here: only multipleOf changes need exact ratios

    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    from compat.util.files import json_type

    return json_type(value)


def _effective_types(node: Node) -> frozenset[str]:
    """The types a node's values can have, narrowed by its enum when it has one."""
    types = _types(node)
    if node.enum is None:
        return types
    return frozenset(k for k in map(_value_type, node.enum) if _covered(k, types))


def _covered(kind: str, types: frozenset[str]) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def compare_type(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    ot, nt = _types(o), _types(n)
    if ot == nt:
        return
    # Compare what each side can actually hold: with an enum, only its values' types.
    removed = sorted(t for t in _effective_types(o) if not _covered(t, nt))
    added = sorted(t for t in _effective_types(n) if not _covered(t, ot))
    if not removed and not added:
        return  # e.g. a type dropped beside an enum whose values all have the kept type
    w.fact(
        "type",
        key,
        o,
        n,
        "type",
        None if o.types is None else sorted(o.types),
        None if n.types is None else sorted(n.types),
        removed=removed,
        added=added,
    )


def compare_drafts(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    """The draft is part of the meaning. Keywords are read per draft when normalising, so
    a keyword that exists in one draft only shows up as a change of its own; what is left
    is `integer`, which accepts `1.0` from draft-06 on but not in draft-04."""
    if o.draft == n.draft:
        return
    old_kinds = kinds_of_types(o.types, o.draft)
    new_kinds = kinds_of_types(n.types, n.draft)
    if _types(o) != _types(n) or "int" not in old_kinds or "int" not in new_kinds:
        return  # a type change of its own, or no integers on one side
    if ("intfloat" in old_kinds) == ("intfloat" in new_kinds):
        return
    w.fact(
        "integer-float-form",
        key,
        o,
        n,
        "type",
        o.draft,
        n.draft,
        accepted="intfloat" in new_kinds,
        **w.admits(o, n, "number"),
    )


def compare_enum(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    if o.enum is None and n.enum is None:
        return
    keyword = "const" if (o.is_const or n.is_const) else "enum"
    if o.enum is None:
        w.fact("enum-added", key, o, n, keyword, None, n.enum, const=n.is_const)
        return
    if n.enum is None:
        w.fact("enum-removed", key, o, n, keyword, o.enum, None, const=o.is_const)
        return
    old_keys = {canonical(v) for v in o.enum}
    new_keys = {canonical(v) for v in n.enum}
    removed = [v for v in o.enum if canonical(v) not in new_keys]
    added = [v for v in n.enum if canonical(v) not in old_keys]
    if not removed and not added:
        return
    if o.is_const and n.is_const:
        w.fact(
            "const-changed",
            key,
            o,
            n,
            "const",
            o.enum[0] if o.enum else None,
            n.enum[0] if n.enum else None,
        )
        return
    if removed:
        w.fact("enum-values-removed", key, o, n, keyword, o.enum, n.enum, values=removed)
    if added:
        w.fact("enum-values-added", key, o, n, keyword, o.enum, n.enum, values=added)


def bounds(
    w: Walk,
    o: Node,
    n: Node,
    key: PairKey,
    family: str,
    what: str,
    lower: tuple[Bound | None, Bound | None, str],
    upper: tuple[Bound | None, Bound | None, str],
) -> None:
    admits = w.admits(o, n, "array" if family == "contains" else family)
    for side, (before, after, keyword), tighter in (
        ("lower", lower, _tighter_lower),
        ("upper", upper, _tighter_upper),
    ):
        if before == after:
            continue
        w.fact(
            BOUND_FACTS[family],
            key,
            o,
            n,
            keyword,
            _bound_json(before),
            _bound_json(after),
            family=family,
            what=what,
            side=side,
            direction="tightened" if tighter(after, before) else "loosened",
            **admits,
        )


def compare_numbers(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    lower_kw = present(o, n, "exclusiveMinimum", "minimum")
    upper_kw = present(o, n, "exclusiveMaximum", "maximum")
    bounds(
        w, o, n, key, "number", "value", (o.lower, n.lower, lower_kw), (o.upper, n.upper, upper_kw)
    )
    if (type(o.multiple_of), o.multiple_of) != (type(n.multiple_of), n.multiple_of):
        if o.multiple_of is None:
            direction = "tightened"
        elif n.multiple_of is None:
            direction = "loosened"
        elif (
            isinstance(o.multiple_of, float)
            or isinstance(n.multiple_of, float)
            or max(abs(o.multiple_of), abs(n.multiple_of)) > 2**53
        ):
            # validators divide by a float divisor in binary floating point, where "a
            # multiple of 0.2 is a multiple of 0.1" (and even 2 against 2.0, for huge
            # integers) can fail, and a float instance turns an integer divisor past 2**53
            # into another number: no direction is decided by arithmetic
            direction = "changed"
        else:
            ratio = _fraction(o.multiple_of) / _fraction(n.multiple_of)
            inverse = _fraction(n.multiple_of) / _fraction(o.multiple_of)
            if ratio.denominator == 1:
                direction = "loosened"
            elif inverse.denominator == 1:
                direction = "tightened"
            else:
                direction = "changed"
        w.fact(
            "multiple-of",
            key,
            o,
            n,
            "multipleOf",
            o.multiple_of,
            n.multiple_of,
            direction=direction,
            **w.admits(o, n, "number"),
        )


def compare_strings(w: Walk, o: Node, n: Node, key: PairKey) -> None:

    bounds(
        w,
        o,
        n,
        key,
        "string",
        "length",
        (as_bound(o.min_length), as_bound(n.min_length), "minLength"),
        (as_bound(o.max_length), as_bound(n.max_length), "maxLength"),
    )
    admits = w.admits(o, n, "string")
    if o.pattern != n.pattern:
        w.fact("pattern", key, o, n, "pattern", o.pattern, n.pattern, **admits)
    if o.format != n.format:
        w.fact(
            "format",
            key,
            o,
            n,
            "format",
            o.format,
            n.format,
            asserted=w.assert_formats,
            **admits,
        )
