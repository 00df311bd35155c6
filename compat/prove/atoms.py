"""The vocabulary of proofs: bounds, what a node asks of a property or an item, and which
names `additionalProperties` sees (as python-jsonschema decides it)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from compat.prove.evaluate import search
from compat.schema.model import Bound, Node, Ref, deref

Site = Node | Ref | None
Atoms = tuple[Node, ...]


def tighter_or_equal_lower(a: Bound | None, b: Bound | None) -> bool:
    if b is None:
        return True
    if a is None:
        return False
    return a.value > b.value or (a.value == b.value and (a.exclusive or not b.exclusive))


def tighter_or_equal_upper(a: Bound | None, b: Bound | None) -> bool:
    if b is None:
        return True
    if a is None:
        return False
    return a.value < b.value or (a.value == b.value and (a.exclusive or not b.exclusive))


def tightest(bounds: Iterable[Bound | None], lower: bool) -> Bound | None:
    best: Bound | None = None
    for bound in bounds:
        if bound is None:
            continue
        if (
            best is None
            or (lower and tighter_or_equal_lower(bound, best))
            or (not lower and tighter_or_equal_upper(bound, best))
        ):
            best = bound
    return best


def max_of(values: Iterable[int | None]) -> int | None:
    found = [v for v in values if v is not None]
    return max(found) if found else None


def min_of(values: Iterable[int | None]) -> int | None:
    found = [v for v in values if v is not None]
    return min(found) if found else None


def additional(node: Node) -> Site:
    """What undeclared properties must satisfy. `unevaluatedProperties` on a node with no
    in-place applicator sees exactly the names `additionalProperties` would."""
    if node.additional_properties is not None:
        return node.additional_properties
    unevaluated = node.unsupported.get("unevaluatedProperties")
    if isinstance(unevaluated, (Node, Ref)) and plain_unevaluated(node):
        return unevaluated
    return None


def tail(node: Node) -> Site:
    """What items past the prefix must satisfy (`unevaluatedItems` likewise, when neither an
    in-place applicator nor `contains` evaluates items)."""
    if node.items is not None:
        return node.items
    unevaluated = node.unsupported.get("unevaluatedItems")
    if isinstance(unevaluated, (Node, Ref)) and plain_unevaluated(node) and node.contains is None:
        return unevaluated
    return None


def item_schema(node: Node, index: int) -> Site:
    return node.prefix_items[index] if index < len(node.prefix_items) else tail(node)


def name_schemas(node: Node, name: str) -> list[Site] | None:
    """What one atom requires of property `name`'s value (None: a regex cannot be run)."""
    found: list[Site] = []
    declared = name in node.properties
    if declared:
        found.append(node.properties[name])
    for pattern, schema in node.pattern_properties.items():
        hit = search(pattern, name)
        if hit is None:
            return None
        if hit:
            found.append(schema)
    extra = additional(node)
    if not declared and extra is not None:
        seen = undeclared(node, name)
        if seen is None:
            return None
        if seen:
            found.append(extra)
    return found


def undeclared(node: Node, name: str) -> bool | None:
    """Does `additionalProperties` (or `unevaluatedProperties` read as it) see this name?
    python-jsonschema decides `additionalProperties` with one regex, every pattern joined by
    `|` (so a backreference or an inline flag can change meaning there), and the evaluated
    names of `unevaluatedProperties` pattern by pattern."""
    if not node.pattern_properties:
        return True
    if node.additional_properties is not None:
        joined = "|".join(node.pattern_properties)
        if not joined:
            return True  # patterns that join to "" are skipped: every undeclared name is extra
        hit = search(joined, name)
        return None if hit is None else not hit
    hits = [search(p, name) for p in node.pattern_properties]
    if any(h is True for h in hits):
        return False
    return None if any(h is None for h in hits) else True


@functools.cache
def _entangled() -> re.Pattern[str]:
    """Backreferences and inline flags (compiled at the first use, not at import)."""
    return re.compile(r"\\[1-9]|\(\?P=|\(\?[aiLmsux-]+[):]")


def same_undeclared_names(mine: Node, theirs: Node) -> bool:
    """Does `mine` leave to its additional schema every name `theirs` leaves to its own?
    True when `mine` has no patterns, when its patterns are among `theirs` and none of them
    depends on its neighbours when joined (backreferences, inline flags), or when both read
    the very same patterns the same way."""
    if not mine.pattern_properties:
        return True
    if list(mine.pattern_properties) == list(theirs.pattern_properties) and (
        mine.additional_properties is None
    ) == (theirs.additional_properties is None):
        return True
    patterns = [*mine.pattern_properties, *theirs.pattern_properties]
    if any(p == "" or _entangled().search(p) for p in patterns):
        return False  # ("" joins to nothing when alone: see `undeclared`)
    return set(mine.pattern_properties) <= set(theirs.pattern_properties)


def in_place_applicators(node: Node) -> bool:
    return bool(
        node.all_of
        or node.any_of
        or node.one_of
        or node.ref is not None
        or node.if_ is not None
        or node.dependent_schemas
        or "$dynamicRef" in node.unsupported
        or "$recursiveRef" in node.unsupported
    )


def plain_unevaluated(node: Node) -> bool:
    """`unevaluated*` reads like `additionalProperties`/`items` only where nothing else
    evaluates, and only in 2020-12 (python-jsonschema's 2019-09 keyword does otherwise)."""
    return node.draft == "2020-12" and not in_place_applicators(node)


def is_false(site: Site) -> bool:
    target = deref(site)
    return target is not None and target.boolean is False
