"""Schemas that apply themselves to the same instance without end (`allOf: [{$ref: "#"}]`):
every validator recurses forever on some instance, so they are refused when loaded. The prover
relies on it: with no such loop, a proof goal can only recur on a smaller part of a value."""

from __future__ import annotations

from compat.errors import CompatError
from compat.schema.model import Node, Ref, deref

# Subschemas applied to the same instance as the schema holding them: a loop made only of these
# never reaches a smaller part of the instance.
_IN_PLACE = ("all_of", "any_of", "one_of")


def refuse_in_place_loops(built: list[Node], label: str) -> None:
    """A schema that reaches itself without descending into the instance (`allOf: [{$ref:
    "#"}]`) makes every validator recurse forever on some instance: refuse it cleanly.

    Most nodes apply nothing in place (no `$ref` beside keywords, no combinator, no
    conditional): they can be on no loop, and are never entered."""
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    for start in built:
        if id(start) in state or not _applies_in_place(start):
            continue
        stack: list[tuple[Node, list[Node]]] = [(start, _in_place_children(start))]
        state[id(start)] = 1
        while stack:
            node, pending = stack[-1]
            if not pending:
                state[id(node)] = 2
                stack.pop()
                continue
            child = pending.pop()
            mark = state.get(id(child))
            if mark == 1:
                loop = [n.pointer or "/" for n, _ in stack]
                raise CompatError(
                    f"{label}: schema {child.pointer or '/'} applies itself to the same "
                    f"instance without end ({' -> '.join(loop)}); validators would recurse "
                    "forever"
                )
            if mark is None and _applies_in_place(child):
                state[id(child)] = 1
                stack.append((child, _in_place_children(child)))


def _applies_in_place(node: Node) -> bool:
    return bool(
        node.ref is not None
        or node.not_ is not None
        or node.if_ is not None
        or node.then is not None
        or node.else_ is not None
        or node.all_of
        or node.any_of
        or node.one_of
        or node.dependent_schemas
    )


def _in_place_children(node: Node) -> list[Node]:
    """The nodes a validator applies to the same instance as `node`."""
    found: list[Node | Ref | None] = [node.ref, node.not_, node.if_, node.then, node.else_]
    for attr in _IN_PLACE:
        found += getattr(node, attr) or []
    found += list(node.dependent_schemas.values())
    out = []
    for item in found:
        target = deref(item)
        if target is not None and target.boolean is None:
            out.append(target)
    return out
