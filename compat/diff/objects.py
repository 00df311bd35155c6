"""Facts about objects: properties by name (under the content model: closed, open, or
governed by patterns), `patternProperties`, `additionalProperties`, `required`, sizes,
`propertyNames` and dependencies.

The content model decides what a property declared on one side only means: in a closed object
old events cannot carry the name, in an open one they may carry it with any value, and where a
pattern governs the name the property is compared with the pattern's schema.
"""

from __future__ import annotations

from typing import Any

from compat.diff import values
from compat.diff.facts import EXTRA, NAMES, PairKey, Segment, prop
from compat.diff.pair import Walk, as_bound, keys, raw
from compat.prove.evaluate import search
from compat.schema.model import Node, Ref, deref


def _pattern_matches(pattern: str, name: str) -> bool:
    """May the regex match the name? (A regex Python cannot run may.)"""
    return search(pattern, name) is not False


def _state(node: Node | None, assert_formats: bool) -> str:
    if node is None or node.is_trivially_true(assert_formats):
        return "true"
    if node.is_false:
        return "false"
    return "schema"


def _pattern_isolated(other: Node, pattern: str, assert_formats: bool) -> tuple[bool, bool]:
    """How `other` (the side without the pattern) treats the names the pattern matches:
    (closed: it rejects them all, open: it accepts them with any value)."""
    state = _state(deref(other.additional_properties), assert_formats)
    declared = any(_pattern_matches(pattern, name) for name in other.properties)
    alone = not declared and not other.pattern_properties
    return state == "false" and alone, state == "true" and alone


def compare_objects(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    admits = w.admits(o, n, "object")
    _properties(w, o, n, key, admits)
    _pattern_properties(w, o, n, key, admits)
    _additional(w, o, n, key, admits)
    _required(w, o, n, key, admits)
    values.bounds(
        w,
        o,
        n,
        key,
        "object",
        "property count",
        (as_bound(o.min_properties), as_bound(n.min_properties), "minProperties"),
        (as_bound(o.max_properties), as_bound(n.max_properties), "maxProperties"),
    )
    if o.property_names is not None or n.property_names is not None:
        w.child(key, o.property_names, n.property_names, NAMES)
    _dependencies(w, o, n, key, admits)


def _properties(w: Walk, o: Node, n: Node, key: PairKey, admits: dict[str, Any]) -> None:
    """Properties by name: compared where both declare them, else judged by how the other
    side treats the name (closed, open, a schema for extras, or a pattern)."""
    names = list(o.properties) + [k for k in n.properties if k not in o.properties]
    for name in names:
        segment = prop(name)
        op, np_ = o.properties.get(name), n.properties.get(name)
        if op is not None and np_ is not None:
            w.child(key, op, np_, segment)
            continue
        if op is None:
            state, other = _undeclared(w, o, name)
            present = np_
        else:
            state, other = _undeclared(w, n, name)
            present = op
        assert present is not None
        target = deref(present)
        assert target is not None
        if state == "schema":
            w.child(key, other if op is None else op, np_ if op is None else other, segment)
            continue
        if state == "pattern" and _covered_by_pattern(w, key, o, n, name, op, np_, segment):
            continue
        if state == "true" and target.is_trivially_true(w.assert_formats):
            continue  # declaring a property that accepts anything changes nothing
        kind = "property-added" if op is None else "property-removed"
        w.fact(
            kind,
            key,
            o,
            n,
            f"properties/{name}",
            raw(op),
            raw(np_),
            suffix=(segment,),
            name=name,
            other=state,
            declared_false=target.is_false,
            **admits,
        )


def _pattern_properties(w: Walk, o: Node, n: Node, key: PairKey, admits: dict[str, Any]) -> None:
    patterns = list(o.pattern_properties) + [
        k for k in n.pattern_properties if k not in o.pattern_properties
    ]
    for pattern in patterns:
        op, np_ = o.pattern_properties.get(pattern), n.pattern_properties.get(pattern)
        if op is not None and np_ is not None:
            w.child(key, op, np_, ("pattern", pattern))
            continue
        other_closed, other_open = _pattern_isolated(
            o if op is None else n, pattern, w.assert_formats
        )
        kind = "pattern-property-added" if op is None else "pattern-property-removed"
        w.fact(
            kind,
            key,
            o,
            n,
            f"patternProperties/{pattern}",
            raw(op),
            raw(np_),
            suffix=(("pattern", pattern),),
            pattern=pattern,
            other_closed=other_closed,
            other_open=other_open,
            **admits,
        )


def _required(w: Walk, o: Node, n: Node, key: PairKey, admits: dict[str, Any]) -> None:
    for name in sorted(n.required - o.required):
        w.fact(
            "required-added",
            key,
            o,
            n,
            "required",
            sorted(o.required),
            sorted(n.required),
            suffix=(prop(name),),
            name=name,
            **admits,
        )
    for name in sorted(o.required - n.required):
        w.fact(
            "required-removed",
            key,
            o,
            n,
            "required",
            sorted(o.required),
            sorted(n.required),
            suffix=(prop(name),),
            name=name,
            **admits,
        )


def _dependencies(w: Walk, o: Node, n: Node, key: PairKey, admits: dict[str, Any]) -> None:
    dep_keyword = "dependentRequired" if "dependentRequired" in keys(o, n) else "dependencies"
    for name in sorted(set(o.dependent_required) | set(n.dependent_required)):
        before = o.dependent_required.get(name, frozenset())
        after = n.dependent_required.get(name, frozenset())
        if after - before:
            w.fact(
                "dependent-required-added",
                key,
                o,
                n,
                dep_keyword,
                sorted(before),
                sorted(after),
                name=name,
                names=sorted(after - before),
                **admits,
            )
        if before - after:
            w.fact(
                "dependent-required-removed",
                key,
                o,
                n,
                dep_keyword,
                sorted(before),
                sorted(after),
                name=name,
                names=sorted(before - after),
                **admits,
            )
    for name in sorted(set(o.dependent_schemas) | set(n.dependent_schemas)):
        child = w.child(
            key, o.dependent_schemas.get(name), n.dependent_schemas.get(name), None, union=True
        )
        if child is not None:
            w.hints.setdefault(child, {})["trigger"] = name


def _covered_by_pattern(
    w: Walk,
    key: PairKey,
    o: Node,
    n: Node,
    name: str,
    op: Node | Ref | None,
    np_: Node | Ref | None,
    segment: Segment,
) -> bool:
    """A property declared on one side only, whose name one patternProperties entry
    governs on both sides. Patterns apply to declared properties too, so the name is
    governed by P on one side and by P and the property on the other: the pattern
    comparison decides one direction, the property against P the other."""
    lacking = o if op is None else n
    matching = [p for p in lacking.pattern_properties if _pattern_matches(p, name)]
    if len(matching) != 1:
        return False
    pattern = matching[0]
    if op is None and pattern in n.pattern_properties:
        # old: P; new: property and P. Backward needs P within the property.
        w.child(key, o.pattern_properties[pattern], np_, segment, only="backward")
        return True
    if np_ is None and pattern in o.pattern_properties:
        # old: property and P; new: P. Forward needs P within the property.
        w.child(key, op, n.pattern_properties[pattern], segment, only="forward")
        return True
    return False


def _undeclared(w: Walk, node: Node, name: str) -> tuple[str, Node | Ref | None]:
    """How `node` treats a property `name` it does not declare."""
    if any(_pattern_matches(p, name) for p in node.pattern_properties):
        return "pattern", None
    extra = node.additional_properties
    target = deref(extra)
    if target is None or target.is_trivially_true(w.assert_formats):
        return "true", extra
    if target.is_false:
        return "false", extra
    return "schema", extra


def _additional(w: Walk, o: Node, n: Node, key: PairKey, admits: dict[str, Any]) -> None:
    oa, na = deref(o.additional_properties), deref(n.additional_properties)
    ostate = _state(oa, w.assert_formats)
    nstate = _state(na, w.assert_formats)
    if ostate == nstate == "schema":
        w.child(key, o.additional_properties, n.additional_properties, EXTRA)
        return
    if ostate == nstate:
        return
    order = {"false": 0, "schema": 1, "true": 2}
    direction = "tightened" if order[nstate] < order[ostate] else "loosened"
    w.fact(
        "additional-properties",
        key,
        o,
        n,
        "additionalProperties",
        raw(o.additional_properties),
        raw(n.additional_properties),
        direction=direction,
        old_state=ostate,
        new_state=nstate,
        **admits,
    )
