"""Match the old and new schemas node by node and record every difference as a `Fact`.

The walk follows `$ref`s, so a definition moved to `$defs`, renamed with its references, or a
reference inlined is compared by content and yields no fact. Each pair of nodes is compared once
(which also makes recursive schemas terminate); the instance paths that reach a pair are worked
out afterwards, so a change inside a shared definition is one fact with every path it reaches.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from compat.diff.facts import (
    EXTRA,
    ITEM,
    NAMES,
    DiffResult,
    Fact,
    PairKey,
    Path,
    PathNode,
    Segment,
    prop,
)
from compat.prove import Prover
from compat.prove.evaluate import kinds_of_types
from compat.schema.model import Bound, Node, Ref, deref, single_branch
from compat.schema.normalize import SchemaDocument, canonical
from compat.schema.refs import join

MAX_PATHS = 32
# the fact kind of a bound change, per family (each judged by its family's rules)
BOUND_FACTS = {
    "number": "number-bounds",
    "string": "string-length",
    "array": "array-length",
    "object": "property-count",
    "contains": "contains-count",
}
ABSENT = "(absent)"
_ALL_TYPES = frozenset({"array", "boolean", "null", "number", "object", "string"})


def diff(
    old: SchemaDocument,
    new: SchemaDocument,
    assert_formats: bool = False,
    prover: Prover | None = None,
) -> DiffResult:
    return _Walker(old, new, assert_formats, prover or Prover(assert_formats)).run()


def _types(node: Node) -> frozenset[str]:
    types = _ALL_TYPES if node.types is None else node.types
    if "number" in types:
        types = types - {"integer"}
    return frozenset(types)


def _as_bound(value: int | None) -> Bound | None:
    return None if value is None else Bound(value)


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
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _pattern_matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return True  # cannot tell: assume it may apply


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
            self.nodes[key] = (o, n)
            self._stack.append((o, n, key, skip))
        return key

    def _site_annotations(self, site: Node | Ref | None, target: Node) -> dict[str, Any]:
        if isinstance(site, Ref):
            return {**target.annotations, **site.annotations}
        return dict(target.annotations) if site is not None else {}

    def _child(
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

    def _fact(
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
                self._fact(kind, key, o, n, None, o.raw, n.raw)
            return
        if (o.unsupported or n.unsupported) and not self.prover.equivalent(o, n):
            names = sorted(set(o.unsupported) | set(n.unsupported))
            self._fact("unsupported", key, o, n, names[0], o.raw, n.raw, keywords=names)
        if not skip_annotations:
            self._annotations(key, o.annotations, n.annotations, o, n, ())
        self._type(o, n, key)
        self._drafts(o, n, key)
        self._enum(o, n, key)
        if o.admits("number") or n.admits("number"):
            self._numbers(o, n, key)
        if o.admits("string") or n.admits("string"):
            self._strings(o, n, key)
        if o.admits("array") or n.admits("array"):
            self._arrays(o, n, key)
        if o.admits("object") or n.admits("object"):
            self._objects(o, n, key)
        self._combinators(o, n, key)
        if o.ref is not None or n.ref is not None:
            self._child(key, o.ref, n.ref, None)

    def _admits(self, o: Node, n: Node, family: str) -> dict[str, Any]:
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
            self._fact("annotation", key, o, n, name, a, b, suffix=suffix, annotation=name)

    def _type(self, o: Node, n: Node, key: PairKey) -> None:
        ot, nt = _types(o), _types(n)
        if ot == nt:
            return
        # Compare what each side can actually hold: with an enum, only its values' types.
        removed = sorted(t for t in _effective_types(o) if not _covered(t, nt))
        added = sorted(t for t in _effective_types(n) if not _covered(t, ot))
        if not removed and not added:
            return  # e.g. a type dropped beside an enum whose values all have the kept type
        self._fact(
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

    def _drafts(self, o: Node, n: Node, key: PairKey) -> None:
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
        self._fact(
            "integer-float-form",
            key,
            o,
            n,
            "type",
            o.draft,
            n.draft,
            accepted="intfloat" in new_kinds,
            **self._admits(o, n, "number"),
        )

    def _enum(self, o: Node, n: Node, key: PairKey) -> None:
        if o.enum is None and n.enum is None:
            return
        keyword = "const" if (o.is_const or n.is_const) else "enum"
        if o.enum is None:
            self._fact("enum-added", key, o, n, keyword, None, n.enum, const=n.is_const)
            return
        if n.enum is None:
            self._fact("enum-removed", key, o, n, keyword, o.enum, None, const=o.is_const)
            return
        old_keys = {canonical(v) for v in o.enum}
        new_keys = {canonical(v) for v in n.enum}
        removed = [v for v in o.enum if canonical(v) not in new_keys]
        added = [v for v in n.enum if canonical(v) not in old_keys]
        if not removed and not added:
            return
        if o.is_const and n.is_const:
            self._fact(
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
            self._fact("enum-values-removed", key, o, n, keyword, o.enum, n.enum, values=removed)
        if added:
            self._fact("enum-values-added", key, o, n, keyword, o.enum, n.enum, values=added)

    def _bounds(
        self,
        o: Node,
        n: Node,
        key: PairKey,
        family: str,
        what: str,
        lower: tuple[Bound | None, Bound | None, str],
        upper: tuple[Bound | None, Bound | None, str],
    ) -> None:
        admits = self._admits(o, n, "array" if family == "contains" else family)
        for side, (before, after, keyword), tighter in (
            ("lower", lower, _tighter_lower),
            ("upper", upper, _tighter_upper),
        ):
            if before == after:
                continue
            self._fact(
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

    def _numbers(self, o: Node, n: Node, key: PairKey) -> None:
        lower_kw = _present(o, n, "exclusiveMinimum", "minimum")
        upper_kw = _present(o, n, "exclusiveMaximum", "maximum")
        self._bounds(
            o, n, key, "number", "value", (o.lower, n.lower, lower_kw), (o.upper, n.upper, upper_kw)
        )
        if (type(o.multiple_of), o.multiple_of) != (type(n.multiple_of), n.multiple_of):
            if o.multiple_of is None:
                direction = "tightened"
            elif n.multiple_of is None:
                direction = "loosened"
            elif isinstance(o.multiple_of, float) or isinstance(n.multiple_of, float):
                # validators divide by a float divisor in binary floating point, where "a
                # multiple of 0.2 is a multiple of 0.1" (and even 2 against 2.0, for huge
                # integers) can fail: no direction is decided by arithmetic
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
            self._fact(
                "multiple-of",
                key,
                o,
                n,
                "multipleOf",
                o.multiple_of,
                n.multiple_of,
                direction=direction,
                **self._admits(o, n, "number"),
            )

    def _strings(self, o: Node, n: Node, key: PairKey) -> None:

        self._bounds(
            o,
            n,
            key,
            "string",
            "length",
            (_as_bound(o.min_length), _as_bound(n.min_length), "minLength"),
            (_as_bound(o.max_length), _as_bound(n.max_length), "maxLength"),
        )
        admits = self._admits(o, n, "string")
        if o.pattern != n.pattern:
            self._fact("pattern", key, o, n, "pattern", o.pattern, n.pattern, **admits)
        if o.format != n.format:
            self._fact(
                "format",
                key,
                o,
                n,
                "format",
                o.format,
                n.format,
                asserted=self.assert_formats,
                **admits,
            )

    def _arrays(self, o: Node, n: Node, key: PairKey) -> None:
        positions = max(len(o.prefix_items), len(n.prefix_items))
        for i in range(positions):
            oi = o.prefix_items[i] if i < len(o.prefix_items) else o.items
            ni = n.prefix_items[i] if i < len(n.prefix_items) else n.items
            self._child(key, oi, ni, ("index", i))
        if o.items is not None or n.items is not None:
            self._child(key, o.items, n.items, ITEM)

        self._bounds(
            o,
            n,
            key,
            "array",
            "length",
            (_as_bound(o.min_items), _as_bound(n.min_items), "minItems"),
            (_as_bound(o.max_items), _as_bound(n.max_items), "maxItems"),
        )
        admits = self._admits(o, n, "array")
        if o.unique_items != n.unique_items:
            self._fact(
                "unique-items", key, o, n, "uniqueItems", o.unique_items, n.unique_items, **admits
            )
        if o.contains is None and n.contains is None:
            return
        if o.contains is None:
            self._fact("contains-added", key, o, n, "contains", None, _raw(n.contains), **admits)
        elif n.contains is None:
            self._fact("contains-removed", key, o, n, "contains", _raw(o.contains), None, **admits)
        else:
            if (
                o.max_contains is not None or n.max_contains is not None
            ) and not self.prover.equivalent(o.contains, n.contains):
                # "at most M items match A" does not follow from a wider A: cannot decide
                self._fact(
                    "contains-changed",
                    key,
                    o,
                    n,
                    "contains",
                    _raw(o.contains),
                    _raw(n.contains),
                    **admits,
                )
            self._child(key, o.contains, n.contains, ITEM)
            self._bounds(
                o,
                n,
                key,
                "contains",
                "matching items",
                (_as_bound(o.min_contains), _as_bound(n.min_contains), "minContains"),
                (_as_bound(o.max_contains), _as_bound(n.max_contains), "maxContains"),
            )

    def _objects(self, o: Node, n: Node, key: PairKey) -> None:
        admits = self._admits(o, n, "object")
        names = list(o.properties) + [k for k in n.properties if k not in o.properties]
        for name in names:
            segment = prop(name)
            op, np_ = o.properties.get(name), n.properties.get(name)
            if op is not None and np_ is not None:
                self._child(key, op, np_, segment)
                continue
            if op is None:
                state, other = self._undeclared(o, name)
                present = np_
            else:
                state, other = self._undeclared(n, name)
                present = op
            assert present is not None
            target = deref(present)
            assert target is not None
            if state == "schema":
                self._child(key, other if op is None else op, np_ if op is None else other, segment)
                continue
            if state == "pattern" and self._covered_by_pattern(key, o, n, name, op, np_, segment):
                continue
            if state == "true" and target.is_trivially_true(self.assert_formats):
                continue  # declaring a property that accepts anything changes nothing
            kind = "property-added" if op is None else "property-removed"
            self._fact(
                kind,
                key,
                o,
                n,
                f"properties/{name}",
                _raw(op),
                _raw(np_),
                suffix=(segment,),
                name=name,
                other=state,
                declared_false=target.is_false,
                **admits,
            )
        patterns = list(o.pattern_properties) + [
            k for k in n.pattern_properties if k not in o.pattern_properties
        ]
        for pattern in patterns:
            op, np_ = o.pattern_properties.get(pattern), n.pattern_properties.get(pattern)
            if op is not None and np_ is not None:
                self._child(key, op, np_, ("pattern", pattern))
                continue
            other_closed, other_open = _pattern_isolated(
                o if op is None else n, pattern, self.assert_formats
            )
            kind = "pattern-property-added" if op is None else "pattern-property-removed"
            self._fact(
                kind,
                key,
                o,
                n,
                f"patternProperties/{pattern}",
                _raw(op),
                _raw(np_),
                suffix=(("pattern", pattern),),
                pattern=pattern,
                other_closed=other_closed,
                other_open=other_open,
                **admits,
            )
        self._additional(o, n, key, admits)
        for name in sorted(n.required - o.required):
            self._fact(
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
            self._fact(
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

        self._bounds(
            o,
            n,
            key,
            "object",
            "property count",
            (_as_bound(o.min_properties), _as_bound(n.min_properties), "minProperties"),
            (_as_bound(o.max_properties), _as_bound(n.max_properties), "maxProperties"),
        )
        if o.property_names is not None or n.property_names is not None:
            self._child(key, o.property_names, n.property_names, NAMES)
        dep_keyword = "dependentRequired" if "dependentRequired" in _keys(o, n) else "dependencies"
        for name in sorted(set(o.dependent_required) | set(n.dependent_required)):
            before = o.dependent_required.get(name, frozenset())
            after = n.dependent_required.get(name, frozenset())
            if after - before:
                self._fact(
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
                self._fact(
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
            child = self._child(
                key, o.dependent_schemas.get(name), n.dependent_schemas.get(name), None, union=True
            )
            if child is not None:
                self.hints.setdefault(child, {})["trigger"] = name

    def _covered_by_pattern(
        self,
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
            self._child(key, o.pattern_properties[pattern], np_, segment, only="backward")
            return True
        if np_ is None and pattern in o.pattern_properties:
            # old: property and P; new: P. Forward needs P within the property.
            self._child(key, op, n.pattern_properties[pattern], segment, only="forward")
            return True
        return False

    def _undeclared(self, node: Node, name: str) -> tuple[str, Node | Ref | None]:
        """How `node` treats a property `name` it does not declare."""
        if any(_pattern_matches(p, name) for p in node.pattern_properties):
            return "pattern", None
        extra = node.additional_properties
        target = deref(extra)
        if target is None or target.is_trivially_true(self.assert_formats):
            return "true", extra
        if target.is_false:
            return "false", extra
        return "schema", extra

    def _additional(self, o: Node, n: Node, key: PairKey, admits: dict[str, Any]) -> None:
        oa, na = deref(o.additional_properties), deref(n.additional_properties)
        ostate = _state(oa, self.assert_formats)
        nstate = _state(na, self.assert_formats)
        if ostate == nstate == "schema":
            self._child(key, o.additional_properties, n.additional_properties, EXTRA)
            return
        if ostate == nstate:
            return
        order = {"false": 0, "schema": 1, "true": 2}
        direction = "tightened" if order[nstate] < order[ostate] else "loosened"
        self._fact(
            "additional-properties",
            key,
            o,
            n,
            "additionalProperties",
            _raw(o.additional_properties),
            _raw(n.additional_properties),
            direction=direction,
            old_state=ostate,
            new_state=nstate,
            **admits,
        )

    def _combinators(self, o: Node, n: Node, key: PairKey) -> None:
        switched = self._switched_union(o, n, key)
        for attr, keyword in (("all_of", "allOf"), ("any_of", "anyOf"), ("one_of", "oneOf")):
            ob: list[Node | Ref] | None = getattr(o, attr)
            nb: list[Node | Ref] | None = getattr(n, attr)
            if (ob is None and nb is None) or (switched and attr != "all_of"):
                continue
            union = attr != "all_of"
            if ob is None or nb is None:
                self._fact(
                    "combinator",
                    key,
                    o,
                    n,
                    keyword,
                    _raw_list(ob),
                    _raw_list(nb),
                    keyword=keyword,
                    change="added" if ob is None else "removed",
                )
                continue
            pairs, only_old, only_new = self._match_branches(ob, nb)
            for a, b in pairs:
                self._child(key, a, b, None, union=union)
            for branch in only_old:
                self._fact(
                    "branch",
                    key,
                    o,
                    n,
                    keyword,
                    _raw(branch),
                    None,
                    keyword=keyword,
                    change="removed",
                    disjoint=self._disjoint(ob),
                    branch_node=branch,
                )
            for branch in only_new:
                self._fact(
                    "branch",
                    key,
                    o,
                    n,
                    keyword,
                    None,
                    _raw(branch),
                    keyword=keyword,
                    change="added",
                    disjoint=self._disjoint(nb),
                    branch_node=branch,
                )
            if (
                attr == "one_of"
                and pairs
                and any(not self.prover.equivalent(a, b) for a, b in pairs)
            ):
                self._fact(
                    "one-of-changed",
                    key,
                    o,
                    n,
                    keyword,
                    _raw_list(ob),
                    _raw_list(nb),
                    old_disjoint=self._disjoint(ob),
                    new_disjoint=self._disjoint(nb),
                )
        if o.not_ is not None and n.not_ is not None:
            self._child(key, o.not_, n.not_, None, negate=True)
        elif o.not_ is not None or n.not_ is not None:
            self._fact(
                "not",
                key,
                o,
                n,
                "not",
                _raw(o.not_),
                _raw(n.not_),
                change="added" if o.not_ is None else "removed",
            )
        if o.if_ is None and n.if_ is None:
            return
        if o.if_ is None or n.if_ is None:
            self._fact(
                "conditional",
                key,
                o,
                n,
                "if",
                _raw(o.if_),
                _raw(n.if_),
                change="added" if o.if_ is None else "removed",
            )
        elif self.prover.equivalent(o.if_, n.if_):
            child = self._child(key, o.then, n.then, None, union=True)
            if child is not None:
                self.hints.setdefault(child, {})["when"] = (deref(o.if_), deref(n.if_))
            self._child(key, o.else_, n.else_, None, union=True)
        else:
            self._fact("conditional", key, o, n, "if", _raw(o.if_), _raw(n.if_), change="changed")

    def _switched_union(self, o: Node, n: Node, key: PairKey) -> bool:
        """oneOf became anyOf (or the reverse) over as many branches: compared pairwise."""
        if o.one_of and n.any_of and not o.any_of and not n.one_of:
            before, after, kind = o.one_of, n.any_of, "one-of-to-any-of"
        elif o.any_of and n.one_of and not o.one_of and not n.any_of:
            before, after, kind = o.any_of, n.one_of, "any-of-to-one-of"
        else:
            return False
        if len(before) != len(after):
            return False
        for a, b in zip(before, after, strict=True):
            self._child(key, a, b, None, union=True)
        keyword = "anyOf" if kind == "one-of-to-any-of" else "oneOf"
        self._fact(
            kind,
            key,
            o,
            n,
            keyword,
            _raw_list(before),
            _raw_list(after),
            old_disjoint=self._disjoint(before),
            new_disjoint=self._disjoint(after),
        )
        return True

    def _match_branches(
        self, old: list[Node | Ref], new: list[Node | Ref]
    ) -> tuple[list[tuple[Node | Ref, Node | Ref]], list[Node | Ref], list[Node | Ref]]:
        """Pair branches by position when the counts agree, else by meaning (a branch and the
        one it is proven equivalent to)."""
        if len(old) == len(new):
            return list(zip(old, new, strict=True)), [], []
        pairs = []
        remaining = list(new)
        only_old = []
        for branch in old:
            match = next((b for b in remaining if self.prover.equivalent(branch, b)), None)
            if match is None:
                only_old.append(branch)
            else:
                remaining.remove(match)
                pairs.append((branch, match))
        return pairs, only_old, remaining

    def _disjoint(self, branches: list[Node | Ref]) -> bool:
        """Can no value match two of the branches? Only a proof says yes: a discriminating
        property separates objects only, so a branch that admits other types overlaps."""
        return all(
            self.prover.disjoint(a, b) for i, a in enumerate(branches) for b in branches[i + 1 :]
        )

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


def _covered(kind: str, types: frozenset[str]) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _admits(node: Node, family: str) -> bool:
    if not node.admits(family):
        return False
    if node.enum is None:
        return True
    from compat.util.files import json_type

    kinds = {json_type(v) for v in node.enum}
    return family in kinds


def _present(o: Node, n: Node, *keywords: str) -> str:
    for keyword in keywords:
        if isinstance(n.raw, dict) and keyword in n.raw:
            return keyword
    for keyword in keywords:
        if isinstance(o.raw, dict) and keyword in o.raw:
            return keyword
    return keywords[-1]


def _keys(o: Node, n: Node) -> set[str]:
    keys: set[str] = set()
    for node in (o, n):
        if isinstance(node.raw, dict):
            keys |= set(node.raw)
    return keys


def _state(node: Node | None, assert_formats: bool) -> str:
    if node is None or node.is_trivially_true(assert_formats):
        return "true"
    if node.is_false:
        return "false"
    return "schema"


def _raw(node: Node | Ref | None) -> Any:
    if node is None:
        return None
    if isinstance(node, Ref):
        return {"$ref": node.ref, **node.annotations}
    return node.raw


def _raw_list(nodes: list[Node | Ref] | None) -> Any:
    return None if nodes is None else [_raw(n) for n in nodes]


def _pattern_isolated(other: Node, pattern: str, assert_formats: bool) -> tuple[bool, bool]:
    """How `other` (the side without the pattern) treats the names the pattern matches:
    (closed: it rejects them all, open: it accepts them with any value)."""
    state = _state(deref(other.additional_properties), assert_formats)
    declared = any(_pattern_matches(pattern, name) for name in other.properties)
    alone = not declared and not other.pattern_properties
    return state == "false" and alone, state == "true" and alone
