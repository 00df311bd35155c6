"""Structural fingerprints: one number per subschema, equal only when two subschemas are built
the same way keyword by keyword, references followed (so they accept the same values). The
branches of `allOf`, `anyOf` and `oneOf` count as a multiset: their order never changes which
values are accepted.

The fingerprint of a node is the interned pair (its own keywords, its children's fingerprints):
linear in the size of the schema graph, and the comparison of two unchanged subtrees of a large
schema costs one integer comparison. Nodes on a reference cycle (recursive schemas) get none:
the prover compares them with its coinductive check instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compat.prove.evaluate import kinds_of_types
from compat.schema.model import Bound, Node, Ref, canonical

_SINGLES = (
    "items",
    "contains",
    "additional_properties",
    "property_names",
    "not_",
    "if_",
    "then",
    "else_",
    "ref",
)
_MAPS = ("properties", "pattern_properties", "dependent_schemas")
_LISTS = ("prefix_items", "all_of", "any_of", "one_of")
_DYNAMIC = ("$dynamicRef", "$recursiveRef")
_ABSENT = -1
_NO_SINGLES = (_ABSENT,) * len(_SINGLES)
# the children's part of a key for a node without subschemas (see Fingerprints._key), by
# whether its allOf, anyOf and oneOf are absent (else empty)
_LEAF_PARTS = {
    (a, b, c): (_NO_SINGLES, (), (), (), (), *(None if x else () for x in (a, b, c)))
    for a in (False, True)
    for b in (False, True)
    for c in (False, True)
}
_UNSEEN = object()


def children(node: Node) -> list[tuple[Any, Node | Ref | None]]:
    """Every subschema of `node` with a label saying where it hangs."""
    out: list[tuple[Any, Node | Ref | None]] = [(name, getattr(node, name)) for name in _SINGLES]
    for name in _MAPS:
        mapping = getattr(node, name)
        # patternProperties keep their order: python-jsonschema joins them into one regex for
        # additionalProperties, where a backreference's number depends on it
        keys = list(mapping) if name == "pattern_properties" else sorted(mapping)
        out += [((name, key), mapping[key]) for key in keys]
    for name in _LISTS:
        items = getattr(node, name)
        if items is not None:
            out.append(((name, "count"), None))
            out += [((name, index), item) for index, item in enumerate(items)]
    for keyword in ("unevaluatedProperties", "unevaluatedItems"):
        value = node.unsupported.get(keyword)
        if isinstance(value, (Node, Ref)):
            out.append((keyword, value))
    return out


def _bound(bound: Bound | None) -> Any:
    return None if bound is None else (bound.value, bound.exclusive)


# sorted value kinds per (`type`, draft): a handful of distinct ones in any document
_KINDS: dict[tuple[frozenset[str] | None, str], tuple[str, ...]] = {}


def local(node: Node, assert_formats: bool) -> Any:
    """Everything a node asserts by itself (annotations left out)."""
    if node.boolean is not None:
        return ("boolean", node.boolean)
    kinds = _KINDS.get((node.types, node.draft))
    if kinds is None:
        kinds = _KINDS[(node.types, node.draft)] = tuple(
            sorted(kinds_of_types(node.types, node.draft))
        )
    return (
        # the draft too: some keywords (unevaluated*) read their neighbours per draft
        node.draft,
        kinds,
        None if node.enum is None else frozenset(canonical(v) for v in node.enum),
        _bound(node.lower),
        _bound(node.upper),
        None if node.multiple_of is None else (type(node.multiple_of).__name__, node.multiple_of),
        node.min_length,
        node.max_length,
        node.pattern,
        node.format if assert_formats else None,
        node.min_items,
        node.max_items,
        node.unique_items,
        node.min_contains,
        node.max_contains,
        tuple(sorted(node.required)) if node.required else (),
        node.min_properties,
        node.max_properties,
        tuple(sorted((k, tuple(sorted(v))) for k, v in node.dependent_required.items()))
        if node.dependent_required
        else (),
        tuple(sorted(node.unsupported)) if node.unsupported else (),
    )


def successors(node: Node) -> list[Node]:
    """The nodes `node` hangs subschemas on (references followed), in no particular order."""
    out: list[Node] = []
    for site in (
        node.items,
        node.contains,
        node.additional_properties,
        node.property_names,
        node.not_,
        node.if_,
        node.then,
        node.else_,
        node.ref,
    ):
        if site is not None:
            out.append(site.resolved() if isinstance(site, Ref) else site)
    for mapping in (node.properties, node.pattern_properties, node.dependent_schemas):
        if mapping:
            out += [s.resolved() if isinstance(s, Ref) else s for s in mapping.values()]
    for items in (node.prefix_items, node.all_of, node.any_of, node.one_of):
        if items:
            out += [s.resolved() if isinstance(s, Ref) else s for s in items]
    if node.unsupported:
        for keyword in ("unevaluatedProperties", "unevaluatedItems"):
            value = node.unsupported.get(keyword)
            if isinstance(value, (Node, Ref)):
                out.append(value.resolved() if isinstance(value, Ref) else value)
    return out


class Fingerprints:
    def __init__(self, assert_formats: bool) -> None:
        self.assert_formats = assert_formats
        self._interned: dict[Any, int] = {}
        self._of: dict[int, int | None] = {}
        self._alive: list[Node] = []  # ids are only unique while their nodes live

    def of(self, site: Node | Ref | None) -> int | None:
        node = site.resolved() if isinstance(site, Ref) else site
        if node is None:
            return self._intern(("absent",))
        found = self._of.get(id(node), _UNSEEN)
        if found is _UNSEEN:
            self._compute(node)
            found = self._of[id(node)]
        return found  # type: ignore[return-value]

    def _intern(self, key: Any) -> int:
        found = self._interned.get(key)
        if found is None:
            found = self._interned[key] = len(self._interned)
        return found

    def _compute(self, root: Node) -> None:
        """Tarjan's strongly connected components, iteratively; a component of one node with
        no edge to itself gets a fingerprint, built from its children's. A node's successors
        are listed only while it is on the path: its fingerprint is read from its fields again
        once its children are settled. A node with no successors is settled on sight."""
        of = self._of
        alive = self._alive
        number: dict[int, int] = {}  # preorder numbers of the nodes entered in this run
        low: dict[int, int] = {}
        stack: list[Node] = []  # a node is on it while entered here and not yet settled
        work: list[tuple[Node, Iterator[Node]]] = []

        def enter(node: Node, successors: list[Node]) -> None:
            number[id(node)] = low[id(node)] = len(number)
            stack.append(node)
            work.append((node, iter(successors)))

        after = successors(root)
        if not after:
            alive.append(root)
            of[id(root)] = self._leaf_key(root)
            return
        enter(root, after)
        while work:
            node, kids = work[-1]
            for child in kids:
                key = id(child)
                if key in of:
                    continue  # settled, in this run or an earlier one
                if key not in number:
                    below = successors(child)
                    if below:
                        enter(child, below)
                        break
                    alive.append(child)
                    of[key] = self._leaf_key(child)
                    continue
                if number[key] < low[id(node)]:  # on the stack: in the same component
                    low[id(node)] = number[key]
            else:
                work.pop()
                key = id(node)
                if work:
                    parent = id(work[-1][0])
                    if low[key] < low[parent]:
                        low[parent] = low[key]
                if low[key] != number[key]:
                    continue
                if stack[-1] is node:
                    stack.pop()
                    alive.append(node)
                    # alone in its component: cyclic only through an edge to itself, which
                    # `_key` meets as a child with no fingerprint yet
                    of[key] = self._key(node)
                    continue
                position = len(stack) - 1
                while stack[position] is not node:
                    position -= 1
                for member in stack[position:]:
                    alive.append(member)
                    of[id(member)] = None
                del stack[position:]

    def _leaf_key(self, node: Node) -> int | None:
        """`_key` of a node with no subschema: its children's part depends only on which of
        allOf/anyOf/oneOf are there (empty) and which absent."""
        if node.unsupported and any(keyword in node.unsupported for keyword in _DYNAMIC):
            return None
        parts = _LEAF_PARTS[(node.all_of is None, node.any_of is None, node.one_of is None)]
        return self._intern((local(node, self.assert_formats), parts))

    def _key(self, node: Node) -> int | None:
        """The interned number of (what the node asserts, its labelled children's numbers):
        None when a child has none (a cycle, a dynamic reference) or is the node itself."""
        if node.unsupported and any(keyword in node.unsupported for keyword in _DYNAMIC):
            return None  # resolved at run time: never known to be the same
        get = self._of.get
        singles: Any = (
            node.items,
            node.contains,
            node.additional_properties,
            node.property_names,
            node.not_,
            node.if_,
            node.then,
            node.else_,
            node.ref,
        )
        if any(singles):
            numbers: list[int | None] = []
            for site in singles:
                if site is None:
                    numbers.append(_ABSENT)
                    continue
                found = get(id(site.resolved() if isinstance(site, Ref) else site))
                if found is None:
                    return None
                numbers.append(found)
            singles = tuple(numbers)
        else:
            singles = _NO_SINGLES
        parts: list[Any] = [singles]
        for name, mapping in (
            ("properties", node.properties),
            ("pattern_properties", node.pattern_properties),
            ("dependent_schemas", node.dependent_schemas),
        ):
            if not mapping:
                parts.append(())
                continue
            # patternProperties keep their order: python-jsonschema joins them into one regex
            # for additionalProperties, where a backreference's number depends on it
            keys = list(mapping) if name == "pattern_properties" else sorted(mapping)
            entries = []
            for key in keys:
                site = mapping[key]
                found = get(id(site.resolved() if isinstance(site, Ref) else site))
                if found is None:
                    return None
                entries.append((key, found))
            parts.append(tuple(entries))
        for ordered, items in (
            (True, node.prefix_items),
            (False, node.all_of),
            (False, node.any_of),
            (False, node.one_of),
        ):
            if not items:
                parts.append(None if items is None else ())
                continue
            numbers = []
            for site in items:
                found = get(id(site.resolved() if isinstance(site, Ref) else site))
                if found is None:
                    return None
                numbers.append(found)
            # allOf/anyOf/oneOf are order-free (validity counts the branches a value matches:
            # all, one at least, exactly one), so their branches are a multiset; a repeated
            # branch stays repeated (`oneOf` of a branch twice accepts nothing)
            parts.append(tuple(numbers) if ordered else tuple(sorted(numbers)))
        if node.unsupported:
            for keyword in ("unevaluatedProperties", "unevaluatedItems"):
                value = node.unsupported.get(keyword)
                if isinstance(value, (Node, Ref)):
                    found = get(id(value.resolved() if isinstance(value, Ref) else value))
                    if found is None:
                        return None
                    parts.append((keyword, found))
        return self._intern((local(node, self.assert_formats), tuple(parts)))
