"""What a keyword family's comparison sees of the walk: a matched pair of nodes, and the walk's
calls to record a fact or compare two subschemas. The families (`values`, `arrays`, `objects`,
`combinators`) each compare one aspect of a pair; the walk matches pairs and schedules them."""

from __future__ import annotations

from typing import Any, Protocol

from compat.diff.facts import PairKey, Path, Segment
from compat.prove import Prover
from compat.schema.model import Bound, Node, Ref


class Walk(Protocol):
    """The walk, as the keyword families use it."""

    prover: Prover
    assert_formats: bool
    # what an event must also hold for a pair to matter (a dependency's trigger, an `if`)
    hints: dict[PairKey, dict[str, Any]]

    def fact(
        self,
        kind: str,
        key: PairKey,
        o: Node | Ref | None,
        n: Node | Ref | None,
        at: str | None,
        old: Any = None,
        new: Any = None,
        suffix: Path = (),
        **args: Any,
    ) -> None:
        """Record a fact about pair `key`; `at` is the keyword (or keyword/name) it is about."""

    def child(
        self,
        key: PairKey,
        o: Node | Ref | None,
        n: Node | Ref | None,
        segment: Segment | None,
        negate: bool = False,
        union: bool = False,
        only: str | None = None,
    ) -> PairKey | None:
        """Compare two subschemas of pair `key` (scheduled; each pair is compared once)."""

    def admits(self, o: Node, n: Node, family: str) -> dict[str, Any]:
        """Whether each side can hold values of a type family (the rules read it)."""


def raw(node: Node | Ref | None) -> Any:
    """A subschema as written (a reference as its `$ref`), for reports."""
    if node is None:
        return None
    if isinstance(node, Ref):
        return {"$ref": node.ref, **node.annotations}
    return node.raw


def raw_list(nodes: list[Node | Ref] | None) -> Any:
    return None if nodes is None else [raw(n) for n in nodes]


def as_bound(value: int | None) -> Bound | None:
    return None if value is None else Bound(value)


def present(o: Node, n: Node, *keywords: str) -> str:
    """The first of `keywords` either side writes (the new side first), for schema paths."""
    for keyword in keywords:
        if isinstance(n.raw, dict) and keyword in n.raw:
            return keyword
    for keyword in keywords:
        if isinstance(o.raw, dict) and keyword in o.raw:
            return keyword
    return keywords[-1]


def keys(o: Node, n: Node) -> set[str]:
    """Every keyword either side writes."""
    keys: set[str] = set()
    for node in (o, n):
        if isinstance(node.raw, dict):
            keys |= set(node.raw)
    return keys
