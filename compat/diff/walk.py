"""Match the old and new schemas node by node and record every difference as a `Fact`.

The walk pairs nodes and schedules the pairs; what a pair's keywords say is compared by one
module per keyword family (`values`, `arrays`, `objects`, `combinators`), each handed the walk
as a `pair.Walk`. The walk follows `$ref`s, so a definition moved to `$defs`, renamed with its
references, or a reference inlined is compared by content and yields no fact. Each pair of
nodes is compared once (which also makes recursive schemas terminate); the instance paths that
reach a pair are worked out afterwards, so a change inside a shared definition is one fact with
every path it reaches.
"""

from __future__ import annotations

import json
from typing import Any

from compat.diff import arrays, combinators, objects, values
from compat.diff.facts import (
    DiffResult,
    Fact,
    PairKey,
    Path,
    PathNode,
    Segment,
)
from compat.prove import Prover
from compat.prove.fingerprint import children as subschemas
from compat.prove.fingerprint import successors
from compat.schema.drafts import HANDLED, LEGACY
from compat.schema.model import UNSUPPORTED, Node, Ref, canonical, deref, single_branch
from compat.schema.normalize import SchemaDocument
from compat.schema.refs import join

MAX_PATHS = 32
ABSENT = "(absent)"


def diff(
    old: SchemaDocument,
    new: SchemaDocument,
    assert_formats: bool = False,
    prover: Prover | None = None,
) -> DiffResult:
    return _Walker(old, new, assert_formats, prover or Prover(assert_formats)).run()


class _Walker:
    def __init__(
        self, old: SchemaDocument, new: SchemaDocument, assert_formats: bool, prover: Prover
    ) -> None:
        self.old = old
        self.new = new
        self.assert_formats = assert_formats
        # every "are these the same / can these overlap" question goes to the prover, which
        # follows references: no subschema is ever compared by its text
        self.prover = prover
        self.facts: list[Fact] = []
        self.edges: dict[PairKey, list[tuple[PairKey, Segment | None]]] = {}
        self.nodes: dict[PairKey, tuple[Node, Node]] = {}
        # what an event must also hold for a pair to matter (a dependency's trigger, an `if`)
        self.hints: dict[PairKey, dict[str, Any]] = {}
        self.visited: set[PairKey] = set()
        self.reached_old: set[str] = set()
        self.reached_new: set[str] = set()
        # stand-ins for absent subschemas (which accept everything); not a JSON pointer
        self._true_old = Node(pointer=ABSENT, raw=True, boolean=True)
        self._true_new = Node(pointer=ABSENT, raw=True, boolean=True)
        self._stack: list[tuple[Node, Node, PairKey, bool]] = []
        self._identical = _Identical(prover)
        self._marked_old: set[int] = set()
        self._marked_new: set[int] = set()

    # -- driving -----------------------------------------------------------------------------

    def run(self) -> DiffResult:
        # the root pair's key as scheduled (one-branch combinators unwrapped): instance paths
        # are found from it
        root_key = self._schedule(self.old.root, self.new.root, False, False, None, None, None)
        while self._stack:
            o, n, key, skip_annotations = self._stack.pop()
            self._compare(o, n, key, skip_annotations)
        self._definitions()
        paths, truncated = self._instance_paths(root_key)
        return DiffResult(self.facts, paths, truncated, dict(self.nodes), self.hints)

    def _key(self, o: Node, n: Node, negated: bool, in_union: bool, only: str | None) -> PairKey:
        return (id(o), id(n), negated, in_union, only)

    def _schedule(
        self,
        o_site: Node | Ref | None,
        n_site: Node | Ref | None,
        negated: bool,
        in_union: bool,
        parent: PairKey | None,
        segment: Segment | None,
        only: str | None,
    ) -> PairKey:
        o = deref(o_site) or self._true_old
        n = deref(n_site) or self._true_new
        o, n = _unwrap(o, n)
        key = self._key(o, n, negated, in_union, only)
        skip = False
        if parent is not None:
            self.edges.setdefault(parent, []).append((key, segment))
            o_ref, n_ref = isinstance(o_site, Ref), isinstance(n_site, Ref)
            if o_ref or n_ref:
                # annotations written beside a $ref belong to this site, not to the shared target
                o_ann = self._site_annotations(o_site, o)
                n_ann = self._site_annotations(n_site, n)
                suffix: Path = () if segment is None else (segment,)
                self._annotations(parent, o_ann, n_ann, o_site, n_site, suffix)
                skip = o_ref != n_ref
        if key not in self.visited:
            self.visited.add(key)
            if self._identical(o, n):
                # nothing below can differ: only mark what it reaches (for the definitions)
                _mark(o, self.reached_old, self._marked_old)
                _mark(n, self.reached_new, self._marked_new)
            else:
                self.nodes[key] = (o, n)
                self._stack.append((o, n, key, skip))
        return key

    def _site_annotations(self, site: Node | Ref | None, target: Node) -> dict[str, Any]:
        if isinstance(site, Ref):
            return {**target.annotations, **site.annotations}
        return dict(target.annotations) if site is not None else {}

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
        """Compare two subschemas. `only`: the one direction, in this pair's own terms, that
        the subschemas can affect (the other is proven by another comparison)."""
        if only is not None and key[2]:
            only = "forward" if only == "backward" else "backward"  # into the root's terms
        if only is not None and key[4] is not None and only != key[4]:
            return None  # neither direction depends on this pair
        return self._schedule(o, n, key[2] != negate, key[3] or union, key, segment, only or key[4])

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
        """Record a fact; `at` is the keyword (or keyword/name) it is about, for schema paths."""
        old_path = self._path(o, at)
        new_path = self._path(n, at)
        self.facts.append(
            Fact(
                kind=kind,
                pair=key,
                old_path=old_path,
                new_path=new_path,
                old=old,
                new=new,
                suffix=suffix,
                args=args,
                negated=key[2],
                in_union=key[3],
                only=key[4],
            )
        )

    def _path(self, node: Node | Ref | None, keyword: str | None) -> str | None:
        if node is None or node is self._true_old or node is self._true_new:
            return None
        if isinstance(node, Ref) and keyword is not None:
            # an annotation at a $ref site: written beside the $ref, or else the target's own
            # (so that a change of the target's, reached from here too, is one change)
            if keyword in node.annotations:
                return join(node.pointer, keyword)
            return self._path(node.resolved(), keyword)
        if keyword is None:
            return node.pointer
        value: Any = node.raw if isinstance(node, Node) else {}
        tokens = keyword.split("/", 1)
        for token in tokens:
            if not isinstance(value, dict) or token not in value:
                return None
            value = value[token]
        return join(node.pointer, *tokens)

    # -- one pair ----------------------------------------------------------------------------

    def _compare(self, o: Node, n: Node, key: PairKey, skip_annotations: bool) -> None:
        if o is not self._true_old:
            self.reached_old.add(o.pointer)
        if n is not self._true_new:
            self.reached_new.add(n.pointer)
        if o.is_false or n.is_false:
            if not (o.is_false and n.is_false):
                kind = "became-false" if n.is_false else "was-false"
                self.fact(kind, key, o, n, None, o.raw, n.raw)
            return
        if (o.unsupported or n.unsupported) and not self.prover.equivalent(o, n):
            names = sorted(set(o.unsupported) | set(n.unsupported))
            self.fact("unsupported", key, o, n, names[0], o.raw, n.raw, keywords=names)
        if not skip_annotations:
            self._annotations(key, o.annotations, n.annotations, o, n, ())
        values.compare_type(self, o, n, key)
        values.compare_drafts(self, o, n, key)
        values.compare_enum(self, o, n, key)
        if o.admits("number") or n.admits("number"):
            values.compare_numbers(self, o, n, key)
        if o.admits("string") or n.admits("string"):
            values.compare_strings(self, o, n, key)
        if o.admits("array") or n.admits("array"):
            arrays.compare_arrays(self, o, n, key)
        if o.admits("object") or n.admits("object"):
            objects.compare_objects(self, o, n, key)
        combinators.compare_combinators(self, o, n, key)
        if o.ref is not None or n.ref is not None:
            self.child(key, o.ref, n.ref, None)

    def admits(self, o: Node, n: Node, family: str) -> dict[str, Any]:
        return {"old_admits": _admits(o, family), "new_admits": _admits(n, family)}

    def _annotations(
        self,
        key: PairKey,
        old: dict[str, Any],
        new: dict[str, Any],
        o: Node | Ref | None,
        n: Node | Ref | None,
        suffix: Path,
    ) -> None:
        for name in sorted(set(old) | set(new)):
            a, b = old.get(name), new.get(name)
            if name in old and name in new and canonical(a) == canonical(b):
                continue
            if (name not in new and _asserts(n, name)) or (name not in old and _asserts(o, name)):
                # ignored by one draft, a keyword of the other's (`const` from draft-04 to 06):
                # the keyword's own comparison reports it; no annotation came or went
                continue
            self.fact("annotation", key, o, n, name, a, b, suffix=suffix, annotation=name)

    # -- after the walk ----------------------------------------------------------------------

    def _definitions(self) -> None:
        old_defs = self.old.definitions()
        new_defs = self.new.definitions()
        root: PairKey = (0, 0, False, False, None)  # no pair: unreached definitions have no paths
        for name, pointer in old_defs.items():
            if name not in new_defs and not self._reached(pointer, self.reached_old):
                self.facts.append(
                    Fact("definition-removed", root, pointer, None, args={"name": name})
                )
        for name, pointer in new_defs.items():
            if name not in old_defs and not self._reached(pointer, self.reached_new):
                self.facts.append(
                    Fact("definition-added", root, None, pointer, args={"name": name})
                )

    @staticmethod
    def _reached(pointer: str, reached: set[str]) -> bool:
        return pointer in reached

    def _instance_paths(self, root: PairKey) -> tuple[dict[PairKey, list[PathNode]], set[PairKey]]:
        """The instance paths reaching each pair that has facts (up to MAX_PATHS each).

        Paths are found by walking from the pair up to the root, never through a pair twice
        (recursive schemas), within a step budget, then put in document order.
        """
        parents: dict[PairKey, list[tuple[PairKey, Segment | None, int]]] = {}
        for parent, children in self.edges.items():
            for index, (child, segment) in enumerate(children):
                parents.setdefault(child, []).append((parent, segment, index))
        top = PathNode(None, None)
        paths: dict[PairKey, list[PathNode]] = {}
        truncated: set[PairKey] = set()
        for pair in {fact.pair for fact in self.facts}:
            found, complete = _paths_to(pair, root, parents)
            if not complete:
                truncated.add(pair)
            nodes = []
            for _, segments in sorted(found, key=lambda item: item[0]):
                node = top
                for segment in segments:
                    node = node.child(segment)
                nodes.append(node)
            paths[pair] = nodes
        return paths, truncated


def _paths_to(
    target: PairKey,
    root: PairKey,
    parents: dict[PairKey, list[tuple[PairKey, Segment | None, int]]],
    limit: int = MAX_PATHS,
    budget: int = 200_000,
) -> tuple[list[tuple[tuple[int, ...], list[Segment | None]]], bool]:
    """Up to `limit` paths from `root` down to `target`, each with its edge indices (for
    document order); False when the limit or the step budget cut the search short."""
    if target == root:
        return [((), [])], True
    found: list[tuple[tuple[int, ...], list[Segment | None]]] = []
    chain: list[PairKey] = [target]
    edges: list[tuple[Segment | None, int]] = []  # edges[k] leads from chain[k + 1] to chain[k]
    on_chain = {target}
    iterators = [iter(parents.get(target, []))]
    steps = 0
    while iterators:
        steps += 1
        if steps > budget:
            return found, False
        step = next(iterators[-1], None)
        if step is None:
            iterators.pop()
            on_chain.discard(chain.pop())
            if edges:
                edges.pop()
            continue
        parent, segment, index = step
        if parent in on_chain:
            continue  # a recursive schema: do not go round the loop
        if parent == root:
            route = [(segment, index), *reversed(edges)]
            found.append((tuple(i for _, i in route), [seg for seg, _ in route]))
            if len(found) >= limit:
                return found, False
            continue
        chain.append(parent)
        on_chain.add(parent)
        edges.append((segment, index))
        iterators.append(iter(parents.get(parent, [])))
    return found, True


class _Identical:
    """Pairs that need no comparison: the same meaning (equal structural fingerprints) and,
    everywhere below, the same annotations and formats (which fingerprints leave out), the
    annotations written beside `$ref`s included. Such a pair can yield no fact."""

    def __init__(self, prover: Prover) -> None:
        self.fingerprints = prover.fingerprints
        self._digests: dict[int, int] = {}
        self._interned: dict[Any, int] = {}
        self._alive: list[Node] = []  # ids are only unique while their nodes live
        self._sites: dict[int, list[tuple[Any, Node | Ref | None]]] = {}

    def __call__(self, o: Node, n: Node) -> bool:
        if o is n:
            return True
        mine = self.fingerprints.of(o)
        if mine is None or mine != self.fingerprints.of(n):
            return False  # a different meaning, or on a reference cycle
        # the usual case, a subtree written the same on both sides with no $ref in it (whose
        # target's annotations the text would not show): its JSON text says it at C speed
        text = _text(o.raw)
        if b"$ref" not in text and text == _text(n.raw):
            return True
        return self._digest(o) == self._digest(n)

    def _digest(self, root: Node) -> int:
        """Interned (annotations, format, each child's site annotations and digest), bottom
        up and without recursion. Only for nodes with a fingerprint: those reach no cycle."""
        digests = self._digests
        stack: list[tuple[Node, list[tuple[Any, Node | Ref | None]] | None]] = [(root, None)]
        while stack:
            node, sites = stack.pop()
            if id(node) in digests:
                continue
            if sites is None:
                sites = self.sites(node)
                stack.append((node, sites))
                for _, site in sites:
                    target = deref(site)
                    if target is not None and id(target) not in digests:
                        stack.append((target, None))
                continue
            parts = []
            for label, site in sites:
                notes = []
                while isinstance(site, Ref):
                    notes.append(_annotations_key(site.annotations))
                    site = site.target
                parts.append((label, tuple(notes), -1 if site is None else digests[id(site)]))
            key = (_annotations_key(node.annotations), node.format, tuple(parts))
            found = self._interned.get(key)
            if found is None:
                found = self._interned[key] = len(self._interned)
            self._alive.append(node)
            digests[id(node)] = found
        return digests[id(root)]

    def sites(self, node: Node) -> list[tuple[Any, Node | Ref | None]]:
        """The node's subschemas (kept: marking reached nodes walks the same ones again)."""
        found = self._sites.get(id(node))
        if found is None:
            found = self._sites[id(node)] = [
                (label, site) for label, site in subschemas(node) if site is not None
            ]
        return found


def _text(raw: Any) -> bytes:
    """A subschema's JSON text, keys sorted (`true`, `1` and `1.0` stay apart)."""
    import orjson

    try:
        return orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(raw, sort_keys=True).encode()


def _annotations_key(annotations: dict[str, Any]) -> Any:
    return tuple(sorted((name, canonical(value)) for name, value in annotations.items()))


def _mark(root: Node, reached: set[str], marked: set[int]) -> None:
    """Every node reachable from `root`, as a walk of it would have reached them."""
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in marked:
            continue
        marked.add(id(node))
        reached.add(node.pointer)
        stack += [n for n in successors(node) if id(n) not in marked]


def _asserts(site: Node | Ref | None, name: str) -> bool:
    """`name` is written at `site` as a keyword its draft reads (no annotation there)."""
    if not isinstance(site, Node) or not isinstance(site.raw, dict) or name not in site.raw:
        return False
    return name in HANDLED[site.draft] or (name in UNSUPPORTED and site.draft not in LEGACY)


def _unwrap(o: Node, n: Node) -> tuple[Node, Node]:
    """allOf/anyOf/oneOf of one schema is that schema: compare what is inside when the other
    side does not use the same keyword (a branch list matched to a branch list stays)."""
    for _ in range(64):
        old, new = single_branch(o), single_branch(n)
        if old is not None and getattr(n, old[0]) is None:
            o = deref(old[1]) or o
        elif new is not None and getattr(o, new[0]) is None:
            n = deref(new[1]) or n
        else:
            break
    return o, n


def _admits(node: Node, family: str) -> bool:
    if not node.admits(family):
        return False
    if node.enum is None:
        return True
    from compat.util.files import json_type

    kinds = {json_type(v) for v in node.enum}
    return family in kinds
