"""Facts about arrays: items (by position and past the prefix), sizes, `uniqueItems`,
`contains` and its counts."""

from __future__ import annotations

from compat.diff import values
from compat.diff.facts import ITEM, PairKey
from compat.diff.pair import Walk, as_bound, raw
from compat.schema.model import Node


def compare_arrays(w: Walk, o: Node, n: Node, key: PairKey) -> None:
    positions = max(len(o.prefix_items), len(n.prefix_items))
    for i in range(positions):
        oi = o.prefix_items[i] if i < len(o.prefix_items) else o.items
        ni = n.prefix_items[i] if i < len(n.prefix_items) else n.items
        w.child(key, oi, ni, ("index", i))
    if o.items is not None or n.items is not None:
        w.child(key, o.items, n.items, ITEM)

    values.bounds(
        w,
        o,
        n,
        key,
        "array",
        "length",
        (as_bound(o.min_items), as_bound(n.min_items), "minItems"),
        (as_bound(o.max_items), as_bound(n.max_items), "maxItems"),
    )
    admits = w.admits(o, n, "array")
    if o.unique_items != n.unique_items:
        w.fact("unique-items", key, o, n, "uniqueItems", o.unique_items, n.unique_items, **admits)
    if o.contains is None and n.contains is None:
        return
    if o.contains is None:
        w.fact("contains-added", key, o, n, "contains", None, raw(n.contains), **admits)
    elif n.contains is None:
        w.fact("contains-removed", key, o, n, "contains", raw(o.contains), None, **admits)
    else:
        if (o.max_contains is not None or n.max_contains is not None) and not w.prover.equivalent(
            o.contains, n.contains
        ):
            # "at most M items match A" does not follow from a wider A: cannot decide
            w.fact(
                "contains-changed",
                key,
                o,
                n,
                "contains",
                raw(o.contains),
                raw(n.contains),
                **admits,
            )
        w.child(key, o.contains, n.contains, ITEM)
        values.bounds(
            w,
            o,
            n,
            key,
            "contains",
            "matching items",
            (as_bound(o.min_contains), as_bound(n.min_contains), "minContains"),
            (as_bound(o.max_contains), as_bound(n.max_contains), "maxContains"),
        )
