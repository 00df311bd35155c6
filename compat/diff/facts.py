"""The facts the diff records."""

from __future__ import annotations

import json
import re
from typing import Any

from compat.util.records import Record

# (old node id, new node id, under an odd number of `not`, inside a union, the one direction that
# still matters or None for both)
PairKey = tuple[int, int, bool, bool, str | None]
Segment = tuple[str, Any]  # ("prop", name), ("item", None), ("index", 2), ("additional", None)...
Path = tuple[Segment, ...]


class Fact(Record):
    """One difference between the old and the new schema at a matched pair of nodes.

    `kind` names what happened (`property-added`, `bound`, `type`, ...); `args` carries the
    details the rules need to judge it (values, names, and whether each side's node admits the
    values the keyword constrains). `suffix` extends the pair's instance paths (a property name).
    """

    _fields = (
        "kind",
        "pair",
        "old_path",
        "new_path",
        "old",
        "new",
        "suffix",
        "args",
        "negated",
        "in_union",
        "only",
    )

    def __init__(
        self,
        kind: str,
        pair: PairKey,
        old_path: str | None,
        new_path: str | None,
        old: Any = None,
        new: Any = None,
        suffix: Path = (),
        args: dict[str, Any] | None = None,
        negated: bool = False,
        in_union: bool = False,
        only: str | None = None,
    ) -> None:
        self.kind = kind
        self.pair = pair
        self.old_path = old_path
        self.new_path = new_path
        self.old = old
        self.new = new
        self.suffix = suffix
        self.args: dict[str, Any] = {} if args is None else args
        self.negated = negated  # under an odd number of `not`: directions swap
        # inside anyOf/oneOf branches: a branch-level break may not be one
        self.in_union = in_union
        # "backward"/"forward": the other direction is proven elsewhere
        self.only = only


class PathNode:
    """An instance path as a shared trie node: extending a path is O(1), however deep."""

    __slots__ = ("_children", "parent", "segment")

    def __init__(self, parent: PathNode | None, segment: Segment | None) -> None:
        self.parent = parent
        self.segment = segment
        self._children: dict[Segment, PathNode] = {}

    def child(self, segment: Segment | None) -> PathNode:
        if segment is None:
            return self
        found = self._children.get(segment)
        if found is None:
            found = self._children[segment] = PathNode(self, segment)
        return found

    def as_tuple(self) -> Path:
        segments: list[Segment] = []
        node: PathNode | None = self
        while node is not None and node.segment is not None:
            segments.append(node.segment)
            node = node.parent
        return tuple(reversed(segments))


class DiffResult(Record):
    _fields = ("facts", "instance_paths", "truncated_paths", "nodes", "hints")

    def __init__(
        self,
        facts: list[Fact],
        instance_paths: dict[PairKey, list[PathNode]],
        truncated_paths: set[PairKey],
        nodes: dict[PairKey, tuple[Any, Any]],
        hints: dict[PairKey, dict[str, Any]] | None = None,
    ) -> None:
        self.facts = facts
        self.instance_paths = instance_paths
        self.truncated_paths = truncated_paths
        self.nodes = nodes
        self.hints: dict[PairKey, dict[str, Any]] = {} if hints is None else hints

    def locations(self, fact: Fact) -> list[Path]:
        """The instance paths of the fact's pair (where its nodes sit in an event)."""
        return [node.as_tuple() for node in self.instance_paths.get(fact.pair, [])]

    def paths_of(self, fact: Fact) -> list[Path]:
        return [path + fact.suffix for path in self.locations(fact)]


def prop(name: str) -> Segment:
    return ("prop", name)


ITEM: Segment = ("item", None)
EXTRA: Segment = ("additional", None)
NAMES: Segment = ("names", None)


def render_path(path: Path) -> str:
    """`process.ancestors[].credentials.uid`; the root is `(root)`."""
    parts: list[str] = []  # joined once: paths thousands of steps deep stay linear
    for kind, value in path:
        if kind == "prop":
            name = str(value)
            if _PLAIN_NAME.fullmatch(name):
                parts.append(("." if parts else "") + name)
            else:
                parts.append("[" + json.dumps(name, ensure_ascii=False).translate(_BREAKS) + "]")
        elif kind == "item":
            parts.append("[]")
        elif kind == "index":
            parts.append(f"[{value}]")
        elif kind == "additional":
            parts.append(("." if parts else "") + "*")
        elif kind == "pattern":
            regex = str(value)
            if _BREAKING.search(regex):  # a path is one line: escape what would break it
                regex = json.dumps(regex, ensure_ascii=False)[1:-1].translate(_BREAKS)
            parts.append(("." if parts else "") + "{" + regex + "}")
        elif kind == "names":
            parts.append(("." if parts else "") + "{names}")
    return "".join(parts) or "(root)"


# characters json.dumps leaves raw that end a line for some readers (C1 controls, U+2028/9)
_BREAKS = {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)}
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# str.isalnum() letters and digits (any script), or one of _-$@
_PLAIN_NAME = re.compile(r"(?:[^\W_]|[_\-$@])+")
