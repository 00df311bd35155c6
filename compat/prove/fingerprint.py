"""Structural fingerprints: one number per subschema, equal only when two subschemas are built
the same way keyword by keyword, references followed (so they accept the same values).

The fingerprint of a node is the interned pair (its own keywords, its children's fingerprints):
linear in the size of the schema graph, and the comparison of two unchanged subtrees of a large
schema costs one integer comparison. Nodes on a reference cycle (recursive schemas) get none:
the prover compares them with its coinductive check instead.
"""

from __future__ import annotations

from typing import Any

from compat.prove.evaluate import kinds_of_types
from compat.schema.model import Bound, Node, Ref, canonical, deref

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


def local(node: Node, assert_formats: bool) -> Any:
    """Everything a node asserts by itself (annotations left out)."""
    if node.boolean is not None:
        return ("boolean", node.boolean)
    return (
        # the draft too: some keywords (unevaluated*) read their neighbours per draft
        node.draft,
        tuple(sorted(kinds_of_types(node.types, node.draft))),
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
        tuple(sorted(node.required)),
        node.min_properties,
        node.max_properties,
        tuple(sorted((k, tuple(sorted(v))) for k, v in node.dependent_required.items())),
        tuple(sorted(node.unsupported)),
    )


class Fingerprints:
    def __init__(self, assert_formats: bool) -> None:
        self.assert_formats = assert_formats
        self._interned: dict[Any, int] = {}
        self._of: dict[int, int | None] = {}
        self._alive: list[Node] = []  # ids are only unique while their nodes live

    def of(self, site: Node | Ref | None) -> int | None:
        node = deref(site)
        if node is None:
            return self._intern(("absent",))
        if id(node) not in self._of:
            self._compute(node)
        return self._of[id(node)]

    def _intern(self, key: Any) -> int:
        found = self._interned.get(key)
        if found is None:
            found = self._interned[key] = len(self._interned)
        return found

    def _compute(self, root: Node) -> None:
        """Tarjan's strongly connected components, iteratively; a component of one node with
        no edge to itself gets a fingerprint, built from its children's."""
        index: dict[int, int] = {}
        low: dict[int, int] = {}
        on_stack: set[int] = set()
        stack: list[Node] = []
        counter = 0
        work: list[tuple[Node, list[Node], int]] = []
        edges: dict[int, list[tuple[Any, Node | None]]] = {}

        def enter(node: Node) -> None:
            nonlocal counter
            index[id(node)] = low[id(node)] = counter
            counter += 1
            stack.append(node)
            on_stack.add(id(node))
            labelled = [(label, deref(child)) for label, child in children(node)]
            edges[id(node)] = labelled
            work.append((node, [t for _, t in labelled if t is not None], 0))

        enter(root)
        while work:
            node, kids, position = work[-1]
            if position < len(kids):
                work[-1] = (node, kids, position + 1)
                child = kids[position]
                if id(child) in self._of:
                    continue  # settled in an earlier run
                if id(child) not in index:
                    enter(child)
                elif id(child) in on_stack:
                    low[id(node)] = min(low[id(node)], index[id(child)])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[id(parent)] = min(low[id(parent)], low[id(node)])
            if low[id(node)] != index[id(node)]:
                continue
            component: list[Node] = []
            while True:
                member = stack.pop()
                on_stack.discard(id(member))
                component.append(member)
                if member is node:
                    break
            labelled = edges[id(node)]
            cyclic = len(component) > 1 or any(t is node for _, t in labelled)
            for member in component:
                self._alive.append(member)
                self._of[id(member)] = None if cyclic else self._key(member, labelled)

    def _key(self, node: Node, labelled: list[tuple[Any, Node | None]]) -> int | None:
        if any(keyword in node.unsupported for keyword in _DYNAMIC):
            return None  # resolved at run time: never known to be the same
        parts = []
        for label, target in labelled:
            if target is None:
                parts.append((label, _ABSENT))
                continue
            number = self._of.get(id(target))
            if number is None:
                return None  # reaches a cycle or a node with no fingerprint
            parts.append((label, number))
        return self._intern((local(node, self.assert_formats), tuple(parts)))
