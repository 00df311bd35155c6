"""Proofs about the sets of documents schemas accept: containment, disjointness, equivalence.

`Prover.contains(a, b)` is True only when every value `a` accepts, `b` accepts too; False means
"not proven" (never "not contained"). The verdict engine calls a direction compatible only with
such a proof, so every rule here must be sound on its own. The method:

- `a` is read as a conjunction of *atoms* (nodes whose plain keywords all hold): `allOf` and a
  sibling `$ref` add atoms; `anyOf`, `oneOf` and `if/then/else` split the proof into one case
  per branch (`oneOf` read as `anyOf`, and `if/then/else` as `(if and then) or else`, both
  supersets); `not`, `dependentSchemas` and unmodelled keywords of `a` are dropped. Each of
  these only makes `a` larger, so a proof for the larger set holds for `a`.
- `b` is taken keyword by keyword: every keyword of `b` must hold for every value of `a`.
- Subschemas are always followed through `$ref` (never compared by their text). Recursive
  schemas terminate: a goal met again while it is being proven is assumed, which is sound
  because validators cannot loop in place (the loader refuses such schemas), so a goal can only
  recur on a strictly smaller part of the value (induction on the value's depth).
- A proof that leaned on an assumption is cached only once the assumption is settled.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from compat.prove.evaluate import (
    ALL_KINDS,
    NUMBER_KINDS,
    Evaluator,
    kinds_of_types,
    kinds_of_value,
    search,
)
from compat.prove.fingerprint import Fingerprints
from compat.schema.model import Bound, Node, Ref, deref
from compat.schema.normalize import canonical

Site = Node | Ref | None
Atoms = tuple[Node, ...]

MAX_CASES = 256  # case splits per goal before giving up (unproven)
BUDGET = 2_000_000  # goals per prover before giving up


class _OutOfBudget(Exception):
    pass


@dataclass(frozen=True, eq=False)
class Failure:
    """Where a proof of containment stopped: the keyword of the containing schema (`b`) that
    could not be shown to hold for the values of `a`, and the instance path it applies at."""

    a_pointers: tuple[str, ...]
    b_pointer: str
    keyword: str
    path: tuple[Any, ...]
    a_nodes: tuple[Node, ...] = ()
    b_node: Node | None = None


def _tighter_or_equal_lower(a: Bound | None, b: Bound | None) -> bool:
    if b is None:
        return True
    if a is None:
        return False
    return a.value > b.value or (a.value == b.value and (a.exclusive or not b.exclusive))


def _tighter_or_equal_upper(a: Bound | None, b: Bound | None) -> bool:
    if b is None:
        return True
    if a is None:
        return False
    return a.value < b.value or (a.value == b.value and (a.exclusive or not b.exclusive))


def _tightest(bounds: Iterable[Bound | None], lower: bool) -> Bound | None:
    best: Bound | None = None
    for bound in bounds:
        if bound is None:
            continue
        if (
            best is None
            or (lower and _tighter_or_equal_lower(bound, best))
            or (not lower and _tighter_or_equal_upper(bound, best))
        ):
            best = bound
    return best


def _max_of(values: Iterable[int | None]) -> int | None:
    found = [v for v in values if v is not None]
    return max(found) if found else None


def _min_of(values: Iterable[int | None]) -> int | None:
    found = [v for v in values if v is not None]
    return min(found) if found else None


def _additional(node: Node) -> Site:
    """What undeclared properties must satisfy. `unevaluatedProperties` on a node with no
    in-place applicator sees exactly the names `additionalProperties` would."""
    if node.additional_properties is not None:
        return node.additional_properties
    unevaluated = node.unsupported.get("unevaluatedProperties")
    if isinstance(unevaluated, (Node, Ref)) and _plain_unevaluated(node):
        return unevaluated
    return None


def _tail(node: Node) -> Site:
    """What items past the prefix must satisfy (`unevaluatedItems` likewise, when neither an
    in-place applicator nor `contains` evaluates items)."""
    if node.items is not None:
        return node.items
    unevaluated = node.unsupported.get("unevaluatedItems")
    if isinstance(unevaluated, (Node, Ref)) and _plain_unevaluated(node) and node.contains is None:
        return unevaluated
    return None


def _item_schema(node: Node, index: int) -> Site:
    return node.prefix_items[index] if index < len(node.prefix_items) else _tail(node)


def _name_schemas(node: Node, name: str) -> list[Site] | None:
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
    extra = _additional(node)
    if not declared and extra is not None:
        undeclared = _undeclared(node, name)
        if undeclared is None:
            return None
        if undeclared:
            found.append(extra)
    return found


def _undeclared(node: Node, name: str) -> bool | None:
    """Does `additionalProperties` (or `unevaluatedProperties` read as it) see this name?
    python-jsonschema decides `additionalProperties` with one regex, every pattern joined by
    `|` (so a backreference or an inline flag can change meaning there), and the evaluated
    names of `unevaluatedProperties` pattern by pattern."""
    if not node.pattern_properties:
        return True
    if node.additional_properties is not None:
        hit = search("|".join(node.pattern_properties), name)
        return None if hit is None else not hit
    hits = [search(p, name) for p in node.pattern_properties]
    if any(h is True for h in hits):
        return False
    return None if any(h is None for h in hits) else True


_ENTANGLED = re.compile(r"\\[1-9]|\(\?P=|\(\?[aiLmsux-]+[):]")


def _same_undeclared_names(mine: Node, theirs: Node) -> bool:
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
    if any(_ENTANGLED.search(p) for p in patterns):
        return False
    return set(mine.pattern_properties) <= set(theirs.pattern_properties)


def _in_place_applicators(node: Node) -> bool:
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


def _plain_unevaluated(node: Node) -> bool:
    """`unevaluated*` reads like `additionalProperties`/`items` only where nothing else
    evaluates, and only in 2020-12 (python-jsonschema's 2019-09 keyword does otherwise)."""
    return node.draft == "2020-12" and not _in_place_applicators(node)


class Prover:
    """Sound, incomplete reasoning over the normalised model of two (or more) documents."""

    def __init__(self, assert_formats: bool = False, budget: int = BUDGET) -> None:
        self.assert_formats = assert_formats
        self.evaluator = Evaluator(assert_formats)
        self.fingerprints = Fingerprints(assert_formats)
        self.budget = budget
        self.steps = 0
        self._final: dict[Any, bool] = {}
        self._active: dict[Any, int] = {}
        self._provisional: dict[Any, int] = {}
        self._provisional_order: list[Any] = []
        self._low = 1 << 60
        self._stack_depth = 0
        self.failures: list[Failure] = []
        self._quiet = 0
        self._path: list[Any] = []
        self._negations: dict[int, Node] = {}
        self._keep: list[Site] = []  # keeps ids in _negations from being reused
        self._presences: dict[frozenset[str], Node] = {}

    # -- public -------------------------------------------------------------------------------

    def contains(self, a: Site, b: Site) -> bool:
        """Every value `a` accepts is accepted by `b` (False: not proven)."""
        return self._guarded(lambda: self._contains([a], b))

    def _guarded(self, proof: Callable[[], bool]) -> bool:
        """Run a top-level proof; when it is cut short, drop every unsettled assumption (a
        half-finished proof must never be reused) and answer "not proven"."""
        try:
            return proof()
        except (_OutOfBudget, RecursionError):
            self._active.clear()
            self._provisional.clear()
            self._provisional_order.clear()
            self._stack_depth = 0
            self._low = 1 << 60
            return False

    def diagnose(self, a: Site, b: Site) -> tuple[bool, list[Failure]]:
        """`contains`, and where the proof stopped when it failed."""
        self.failures = []
        proven = self.contains(a, b)
        return proven, list(self.failures)

    def equivalent(self, a: Site, b: Site) -> bool:
        """Both accept exactly the same values (False: not proven)."""
        if self._guarded(lambda: self._same(a, b)):
            return True
        return self.contains(a, b) and self.contains(b, a)

    def disjoint(self, a: Site, b: Site) -> bool:
        """No value is accepted by both (False: not proven)."""
        return self._guarded(lambda: self._disjoint([a], [b]))

    def accepts(self, site: Site, value: Any) -> bool | None:
        return self.evaluator.accepts(site, value)

    # -- the goal machinery ---------------------------------------------------------------------

    def _goal(self, key: Any, compute: Callable[[], bool]) -> bool:
        """Memoised, cycle-safe evaluation of one proof goal (see the module docstring)."""
        self.steps += 1
        if self.steps > self.budget:
            raise _OutOfBudget
        known = self._final.get(key)
        if known is not None:
            return known
        depth = self._active.get(key)
        if depth is not None:
            self._low = min(self._low, depth)
            return True
        depth = self._provisional.get(key)
        if depth is not None:
            self._low = min(self._low, depth)
            return True
        depth = self._stack_depth
        self._stack_depth += 1
        self._active[key] = depth
        mark = len(self._provisional_order)
        saved_low, self._low = self._low, 1 << 60
        try:
            result = compute()
        finally:
            self._stack_depth -= 1
            del self._active[key]
        low = self._low
        created = self._provisional_order[mark:]
        del self._provisional_order[mark:]
        if not result:
            # anything proven while assuming this goal is void
            for item in created:
                self._provisional.pop(item, None)
            self._final[key] = False
            self._low = saved_low
            return False
        if low >= depth:
            for item in created:
                self._provisional.pop(item, None)
                self._final[item] = True
            self._final[key] = True
            self._low = saved_low
            return True
        for item in created:
            if item in self._provisional:
                self._provisional[item] = min(self._provisional[item], low)
                self._provisional_order.append(item)
        self._provisional[key] = low
        self._provisional_order.append(key)
        self._low = min(saved_low, low)
        return True

    def _fail(self, atoms: Atoms, b: Node, keyword: str) -> bool:
        if not self._quiet:
            self.failures.append(
                Failure(
                    tuple(a.pointer for a in atoms),
                    b.pointer,
                    keyword,
                    tuple(self._path),
                    atoms,
                    b,
                )
            )
        return False

    # -- expansion of the contained side ----------------------------------------------------------

    def _expand(self, sites: Iterable[Site]) -> list[Atoms]:
        """The cases of a conjunction of subschemas: each a tuple of atoms (an empty list of
        cases: nothing is accepted)."""
        out: list[Atoms] = []
        self._expand_into((), [], list(sites), out)
        return out

    def _expand_into(
        self,
        atoms: Atoms,
        unions: list[list[list[Site]]],
        sites: list[Site],
        out: list[Atoms],
    ) -> None:
        found = list(atoms)
        seen = {id(a) for a in found}
        pending = list(unions)
        work = list(sites)
        while work:
            node = deref(work.pop())
            if node is None or node.boolean is True or id(node) in seen:
                continue
            if node.boolean is False:
                return  # this case accepts nothing
            seen.add(id(node))
            found.append(node)
            work += node.all_of or []
            if node.ref is not None:
                work.append(node.ref)
            if node.any_of is not None:
                pending.append([[branch] for branch in node.any_of])
            if node.one_of is not None:
                pending.append([[branch] for branch in node.one_of])
            if node.if_ is not None and (node.then is not None or node.else_ is not None):
                pending.append([[node.if_, node.then], [self._negation(node.if_), node.else_]])
        if not pending:
            out.append(tuple(sorted(found, key=id)))
            return
        first, rest = pending[0], pending[1:]
        for alternative in first:
            self._expand_into(tuple(found), rest, alternative, out)
            if len(out) > MAX_CASES:
                raise _OutOfBudget

    def _negation(self, site: Site) -> Node:
        """An atom for "not `site`" (the else case of a conditional). As an atom its `not` is
        never used to widen anything; disjointness proofs read it ("no value of `site`")."""
        key = id(site)
        found = self._negations.get(key)
        if found is None:
            pointer = site.pointer if site is not None else ""
            found = Node(pointer=pointer, raw={"not": None}, not_=site)
            self._negations[key] = found
            self._keep.append(site)
        return found

    def _presence(self, name: str, atoms: Atoms) -> Node:
        """An atom for "property `name` is present", with what `a` requires beside it."""
        names = frozenset({name}).union(*(a.dependent_required.get(name, ()) for a in atoms))
        found = self._presences.get(names)
        if found is None:
            found = Node(pointer="", raw={"required": sorted(names)}, required=names)
            self._presences[names] = found
        return found

    # -- containment --------------------------------------------------------------------------

    def _contains(self, a_sites: Sequence[Site], b: Site) -> bool:
        target = deref(b)
        if target is None or target.boolean is True:
            return True
        if len(a_sites) == 1 and self._same(a_sites[0], target):
            return True
        ok = True
        for atoms in self._expand(a_sites):
            if not self._contains_atoms(atoms, target):
                ok = False
                if self._quiet:
                    return False
        return ok

    def _contains_atoms(self, atoms: Atoms, b: Node) -> bool:
        key = ("c", tuple(id(a) for a in atoms), id(b))
        return self._goal(key, lambda: self._prove(atoms, b))

    def _prove(self, atoms: Atoms, b: Node) -> bool:
        if b.boolean is True:
            return True
        kinds = self._kinds(atoms)
        if not kinds:
            return True  # `a` accepts nothing here
        if b.boolean is False:
            return self._fail(atoms, b, "false")
        if len(atoms) == 1 and self._same(atoms[0], b):
            return True
        values = self._finite_values(atoms)
        if values is not None:
            return self._values_within(atoms, values, b)
        checks = [
            self._type_within(atoms, kinds, b),
            b.enum is None or self._fail(atoms, b, "enum"),
            self._numbers_within(atoms, kinds, b),
            self._strings_within(atoms, kinds, b),
            self._arrays_within(atoms, kinds, b),
            self._objects_within(atoms, kinds, b),
            self._in_place_within(atoms, b),
        ]
        return all(checks)

    def _values_within(self, atoms: Atoms, values: list[Any], b: Node) -> bool:
        """`a` is a finite set (an enum): check every value it may accept against `b`."""
        for value in values:
            if any(self.evaluator.accepts(a, value) is False for a in atoms):
                continue
            if self.evaluator.accepts(b, value) is not True:
                return self._fail(atoms, b, "enum")
        return True

    def _finite_values(self, atoms: Atoms) -> list[Any] | None:
        enums = [a.enum for a in atoms if a.enum is not None]
        if not enums:
            return None
        first, others = enums[0], enums[1:]
        keys = [{canonical(v) for v in other} for other in others]
        return [v for v in first if all(canonical(v) in k for k in keys)]

    def _kinds(self, atoms: Atoms) -> frozenset[str]:
        kinds = ALL_KINDS
        for atom in atoms:
            if atom.boolean is False:
                return frozenset()
            kinds &= kinds_of_types(atom.types, atom.draft)
            if atom.enum is not None:
                found: frozenset[str] = frozenset()
                for value in atom.enum:
                    found |= kinds_of_value(value)
                kinds &= found
            if isinstance(atom.multiple_of, int) and not isinstance(atom.multiple_of, bool):
                kinds -= {"frac"}  # a whole multiple of an integer is whole
        if kinds & NUMBER_KINDS:
            low = _tightest((a.lower for a in atoms), lower=True)
            high = _tightest((a.upper for a in atoms), lower=False)
            if (
                low is not None
                and high is not None
                and (
                    low.value > high.value
                    or (low.value == high.value and (low.exclusive or high.exclusive))
                )
            ):
                kinds -= NUMBER_KINDS
        if "string" in kinds:
            low_n = _max_of(a.min_length for a in atoms)
            high_n = _min_of(a.max_length for a in atoms)
            if low_n is not None and high_n is not None and low_n > high_n:
                kinds -= {"string"}
        if "array" in kinds:
            low_n = _max_of(a.min_items for a in atoms)
            high_n = _min_of(a.max_items for a in atoms)
            if low_n is not None and high_n is not None and low_n > high_n:
                kinds -= {"array"}
        if "object" in kinds:
            low_n = _max_of(a.min_properties for a in atoms)
            high_n = _min_of(a.max_properties for a in atoms)
            if (low_n is not None and high_n is not None and low_n > high_n) or any(
                self._never_has(atoms, name) for a in atoms for name in a.required
            ):
                kinds -= {"object"}
        return kinds

    def _never_has(self, atoms: Atoms, name: str) -> bool:
        """No object of `a` can carry property `name` (one atom's schema for it is false)."""
        for atom in atoms:
            schemas = _name_schemas(atom, name)
            if schemas is None:
                continue
            if any((t := deref(s)) is not None and t.boolean is False for s in schemas):
                return True
        return False

    def _type_within(self, atoms: Atoms, kinds: frozenset[str], b: Node) -> bool:
        if b.types is None:
            return True
        if kinds <= kinds_of_types(b.types, b.draft):
            return True
        return self._fail(atoms, b, "type")

    def _numbers_within(self, atoms: Atoms, kinds: frozenset[str], b: Node) -> bool:
        if not kinds & NUMBER_KINDS:
            return True
        ok = True
        low = _tightest((a.lower for a in atoms), lower=True)
        high = _tightest((a.upper for a in atoms), lower=False)
        if not _tighter_or_equal_lower(low, b.lower):
            ok = self._fail(atoms, b, "minimum")
        if not _tighter_or_equal_upper(high, b.upper):
            ok = self._fail(atoms, b, "maximum")
        divisor = b.multiple_of
        if divisor is not None and not self._multiple_within(atoms, kinds, divisor):
            ok = self._fail(atoms, b, "multipleOf")
        return ok

    @staticmethod
    def _multiple_within(atoms: Atoms, kinds: frozenset[str], divisor: int | float) -> bool:
        if isinstance(divisor, int):
            if divisor == 1 and not kinds & {"frac"}:
                return True  # every whole number, in either written form
            for atom in atoms:
                mine = atom.multiple_of
                # exact arithmetic on both sides: a multiple of `mine` is one of `divisor`
                if isinstance(mine, int) and not isinstance(mine, bool) and mine % divisor == 0:
                    return True
            return False
        # float divisors: validators divide in binary floating point, so only the very same
        # divisor (a float too) is known to accept the same numbers
        return any(isinstance(a.multiple_of, float) and a.multiple_of == divisor for a in atoms)

    def _strings_within(self, atoms: Atoms, kinds: frozenset[str], b: Node) -> bool:
        if "string" not in kinds:
            return True
        ok = True
        if b.min_length is not None:
            low = _max_of(a.min_length for a in atoms)
            if low is None or low < b.min_length:
                ok = self._fail(atoms, b, "minLength")
        if b.max_length is not None:
            high = _min_of(a.max_length for a in atoms)
            if high is None or high > b.max_length:
                ok = self._fail(atoms, b, "maxLength")
        if b.pattern is not None and not any(a.pattern == b.pattern for a in atoms):
            ok = self._fail(atoms, b, "pattern")
        if (
            self.assert_formats
            and b.format is not None
            and not any(a.format == b.format for a in atoms)
        ):
            ok = self._fail(atoms, b, "format")
        return ok

    def _arrays_within(self, atoms: Atoms, kinds: frozenset[str], b: Node) -> bool:
        if "array" not in kinds:
            return True
        ok = True
        low = _max_of(a.min_items for a in atoms)
        high = _min_of(a.max_items for a in atoms)
        if b.min_items is not None and (low is None or low < b.min_items):
            ok = self._fail(atoms, b, "minItems")
        if b.max_items is not None and (high is None or high > b.max_items):
            ok = self._fail(atoms, b, "maxItems")
        if b.unique_items and not (
            any(a.unique_items for a in atoms) or (high is not None and high <= 1)
        ):
            ok = self._fail(atoms, b, "uniqueItems")
        items = self._items_within(atoms, high, b)
        ok = items and ok
        if b.contains is not None and not self._contains_within(atoms, low, high, b):
            ok = self._fail(atoms, b, "contains")
        return ok

    def _items_within(self, atoms: Atoms, high: int | None, b: Node) -> bool:
        tail_schema = _tail(b)
        longest = max((len(a.prefix_items) for a in atoms), default=0)
        positions = max(longest, len(b.prefix_items))
        ok = True
        for index in range(positions):
            if high is not None and index >= high:
                return ok
            schema = _item_schema(b, index) if index < len(b.prefix_items) else tail_schema
            if schema is None:
                continue
            self._path.append(("index", index))
            try:
                found = self._contains([_item_schema(a, index) for a in atoms], schema)
            finally:
                self._path.pop()
            if not found:
                ok = False
        if tail_schema is not None and (high is None or high > positions):
            self._path.append(("item", None))
            try:
                if not self._contains([_tail(a) for a in atoms], tail_schema):
                    ok = False
            finally:
                self._path.pop()
        return ok

    def _contains_within(self, atoms: Atoms, low: int | None, high: int | None, b: Node) -> bool:
        assert b.contains is not None
        need = 1 if b.min_contains is None else b.min_contains
        limit = b.max_contains
        self._quiet += 1
        try:
            if need > 0 and not any(
                a.contains is not None
                and (1 if a.min_contains is None else a.min_contains) >= need
                and self._contains([a.contains], b.contains)
                for a in atoms
            ):
                return False
            if limit is None or (high is not None and high <= limit):
                return True
            return any(
                a.contains is not None
                and a.max_contains is not None
                and a.max_contains <= limit
                and self._contains([b.contains], a.contains)
                for a in atoms
            )
        finally:
            self._quiet -= 1

    def _objects_within(self, atoms: Atoms, kinds: frozenset[str], b: Node) -> bool:
        if "object" not in kinds:
            return True
        ok = True
        required = frozenset().union(*(a.required for a in atoms))
        for name in sorted(b.required - required):
            ok = self._fail(atoms, b, f"required/{name}")
        ok = self._counts_within(atoms, required, b) and ok
        declared = sorted({name for a in atoms for name in a.properties} | set(b.properties))
        extra = _additional(b)
        for name in declared:
            ok = self._property_within(atoms, name, b) and ok
        for pattern, schema in b.pattern_properties.items():
            rest: list[Site] = [
                a.pattern_properties[pattern] for a in atoms if pattern in a.pattern_properties
            ]
            rest += [
                _additional(a)
                for a in atoms
                if not a.pattern_properties and _additional(a) is not None
            ]
            self._path.append(("pattern", pattern))
            try:
                if not self._contains(rest, schema):
                    ok = False
            finally:
                self._path.pop()
        target = deref(extra)
        if target is not None and target.boolean is not True:
            rest = [
                _additional(a)
                for a in atoms
                if _same_undeclared_names(a, b) and _additional(a) is not None
            ]
            self._path.append(("additional", None))
            try:
                if not self._contains(rest, extra):
                    ok = False
            finally:
                self._path.pop()
        if b.property_names is not None and not self._names_within(atoms, b.property_names):
            ok = self._fail(atoms, b, "propertyNames")
        for name, names in b.dependent_required.items():
            implied = set(required)
            for atom in atoms:
                implied |= atom.dependent_required.get(name, frozenset())
                dependent = deref(atom.dependent_schemas.get(name))
                if dependent is not None:
                    implied |= dependent.required
            if not names <= implied and not self._never_has(atoms, name):
                ok = self._fail(atoms, b, f"dependentRequired/{name}")
        return ok

    def _property_within(self, atoms: Atoms, name: str, b: Node) -> bool:
        """Property `name`'s values under `a` against everything `b` asks of them."""
        wanted = _name_schemas(b, name)
        if wanted is None:
            return self._fail(atoms, b, f"properties/{name}")
        if self._never_has(atoms, name):
            return True
        mine: list[Site] = []
        for atom in atoms:
            schemas = _name_schemas(atom, name)
            if schemas is None:
                return self._fail(atoms, b, f"properties/{name}")
            mine += schemas
        ok = True
        self._path.append(("prop", name))
        try:
            for schema in wanted:
                if not self._contains(mine, schema):
                    ok = False
        finally:
            self._path.pop()
        return ok

    def _counts_within(self, atoms: Atoms, required: frozenset[str], b: Node) -> bool:
        ok = True
        if b.min_properties is not None:
            low = _max_of(a.min_properties for a in atoms) or 0
            if max(low, len(required)) < b.min_properties:
                ok = self._fail(atoms, b, "minProperties")
        if b.max_properties is not None:
            high = _min_of(a.max_properties for a in atoms)
            closed = [
                len(a.properties)
                for a in atoms
                if not a.pattern_properties and _is_false(_additional(a))
            ]
            if closed:
                high = min([*closed, *([high] if high is not None else [])])
            if high is None or high > b.max_properties:
                ok = self._fail(atoms, b, "maxProperties")
        return ok

    def _names_within(self, atoms: Atoms, names_schema: Site) -> bool:
        mine = [a.property_names for a in atoms if a.property_names is not None]
        self._quiet += 1
        try:
            if mine and self._contains(mine, names_schema):
                return True
        finally:
            self._quiet -= 1
        for atom in atoms:
            if not atom.pattern_properties and _is_false(_additional(atom)):
                return all(
                    self.evaluator.accepts(names_schema, name) is True
                    for name in atom.properties
                    if not self._never_has(atoms, name)
                )
        return False

    def _in_place_within(self, atoms: Atoms, b: Node) -> bool:
        ok = True
        for branch in b.all_of or []:
            if not self._contains(list(atoms), branch):
                ok = False
        if b.ref is not None and not self._contains(list(atoms), b.ref):
            ok = False
        for keyword, branches in (("anyOf", b.any_of), ("oneOf", b.one_of)):
            if branches is not None and not self._union_within(atoms, b, keyword, branches):
                ok = False
        if b.not_ is not None and not self._quietly(lambda: self._disjoint(list(atoms), [b.not_])):
            ok = self._fail(atoms, b, "not")
        if b.if_ is not None and not self._quietly(lambda: self._conditional_within(atoms, b)):
            ok = self._fail(atoms, b, "if")
        for name, schema in b.dependent_schemas.items():
            if self._never_has(atoms, name):
                continue
            # values of `a` that have the property: they also meet `a`'s own dependencies on it
            present: list[Site] = [*atoms, self._presence(name, atoms)]
            present += [a.dependent_schemas[name] for a in atoms if name in a.dependent_schemas]
            if not self._contains(present, schema):
                ok = False
        if not self._unsupported_within(atoms, b):
            ok = self._fail(atoms, b, next(iter(b.unsupported)))
        return ok

    def _union_within(self, atoms: Atoms, b: Node, keyword: str, branches: Sequence[Site]) -> bool:
        # Values of `a` can only match branches that overlap it: when one is left, `a` must fit
        # that branch, and the proof goes on inside it (so a failure deep in a nullable `$ref`
        # is reported where it is, not at the union)
        overlapping = [
            x for x in branches if not self._quietly(functools.partial(self._disjoint, atoms, [x]))
        ]
        if len(overlapping) == 1:
            return self._contains(list(atoms), overlapping[0])
        if keyword == "anyOf":
            proven = self._quietly(lambda: any(self._contains(list(atoms), x) for x in overlapping))
        else:
            proven = self._quietly(lambda: self._one_of_within(atoms, b))
        return proven or self._fail(atoms, b, keyword)

    def _quietly(self, check: Callable[[], bool]) -> bool:
        self._quiet += 1
        try:
            return check()
        finally:
            self._quiet -= 1

    def _one_of_within(self, atoms: Atoms, b: Node) -> bool:
        branches = b.one_of or []
        for index, branch in enumerate(branches):
            if not self._contains(list(atoms), branch):
                continue
            if all(
                self._disjoint(list(atoms), [other])
                for j, other in enumerate(branches)
                if j != index
            ):
                return True
        return False

    def _conditional_within(self, atoms: Atoms, b: Node) -> bool:
        sites = list(atoms)
        then_ok = self._contains(sites, b.then)
        else_ok = self._contains(sites, b.else_)
        if then_ok and else_ok:
            return True
        if then_ok and self._contains(sites, b.if_):
            return True
        return else_ok and self._disjoint(sites, [b.if_])

    def _unsupported_within(self, atoms: Atoms, b: Node) -> bool:
        """`unevaluatedProperties`/`unevaluatedItems` on a node with no in-place applicator
        act as `additionalProperties`/`items` (checked there); anything else is not
        modelled."""
        for keyword in b.unsupported:
            if keyword == "unevaluatedProperties" and _plain_unevaluated(b):
                continue
            if keyword == "unevaluatedItems" and _plain_unevaluated(b) and b.contains is None:
                continue
            return False
        return True

    # -- disjointness ---------------------------------------------------------------------------

    def _disjoint(self, a_sites: Sequence[Site], b_sites: Sequence[Site]) -> bool:
        for left in self._expand(a_sites):
            for right in self._expand(b_sites):
                key = ("d", tuple(id(x) for x in left), tuple(id(x) for x in right))
                if not self._goal(key, functools.partial(self._apart, left, right)):
                    return False
        return True

    def _apart(self, left: Atoms, right: Atoms) -> bool:
        both_atoms = tuple(sorted({id(x): x for x in left + right}.values(), key=id))
        kinds = self._kinds(both_atoms)
        if not kinds:
            return True
        for side, other in ((left, right), (right, left)):
            values = self._finite_values(side)
            if values is not None and all(
                any(self.evaluator.accepts(a, v) is False for a in side)
                or any(self.evaluator.accepts(a, v) is False for a in other)
                for v in values
            ):
                return True
            for atom in other:
                if atom.not_ is not None and self._quietly(
                    functools.partial(self._contains, side, atom.not_)
                ):
                    return True
        if kinds <= {"object"}:
            names = sorted({n for a in left + right for n in a.required})
            for name in names:
                mine = self._names_of(left, name)
                theirs = self._names_of(right, name)
                if mine is None or theirs is None:
                    continue
                self._path.append(("prop", name))
                try:
                    if self._disjoint(mine, theirs):
                        return True
                finally:
                    self._path.pop()
        return False

    def _names_of(self, atoms: Atoms, name: str) -> list[Site] | None:
        out: list[Site] = []
        for atom in atoms:
            schemas = _name_schemas(atom, name)
            if schemas is None:
                return None
            out += schemas
        return out

    # -- equality of meaning by structure ---------------------------------------------------------

    def _same(self, a: Site, b: Site) -> bool:
        """The two subschemas are built the same way, keyword by keyword, following `$ref`s on
        both sides (a bisimulation of the two graphs): then they accept the same values."""
        left, right = deref(a), deref(b)
        if left is right:
            return True
        if left is None or right is None:
            other = right if left is None else left
            return other is not None and other.boolean is True
        mine, theirs = self.fingerprints.of(left), self.fingerprints.of(right)
        if mine is not None or theirs is not None:
            return mine == theirs  # acyclic on one side at least: the numbers decide
        return self._goal(("s", id(left), id(right)), lambda: self._same_nodes(left, right))

    def _same_nodes(self, a: Node, b: Node) -> bool:
        if a.boolean is not None or b.boolean is not None:
            return a.boolean == b.boolean
        if ("$dynamicRef" in a.unsupported or "$recursiveRef" in a.unsupported) or (
            "$dynamicRef" in b.unsupported or "$recursiveRef" in b.unsupported
        ):
            return False
        if kinds_of_types(a.types, a.draft) != kinds_of_types(b.types, b.draft):
            return False
        if set(a.unsupported) != set(b.unsupported):
            return False
        if (a.enum is None) != (b.enum is None) or (
            a.enum is not None
            and b.enum is not None
            and {canonical(v) for v in a.enum} != {canonical(v) for v in b.enum}
        ):
            return False
        scalars = (
            "lower",
            "upper",
            "min_length",
            "max_length",
            "pattern",
            "min_items",
            "max_items",
            "unique_items",
            "min_contains",
            "max_contains",
            "required",
            "min_properties",
            "max_properties",
            "dependent_required",
        )
        if any(getattr(a, name) != getattr(b, name) for name in scalars):
            return False
        if (type(a.multiple_of), a.multiple_of) != (type(b.multiple_of), b.multiple_of):
            return False
        if self.assert_formats and a.format != b.format:
            return False
        singles = (
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
        for name in singles:
            if (getattr(a, name) is None) != (getattr(b, name) is None):
                return False
        for name in ("properties", "dependent_schemas"):
            if set(getattr(a, name)) != set(getattr(b, name)):
                return False
        if list(a.pattern_properties) != list(b.pattern_properties):
            return False  # joined in order for additionalProperties (see fingerprint.py)
        for name in ("prefix_items", "all_of", "any_of", "one_of"):
            left, right = getattr(a, name), getattr(b, name)
            if (left is None) != (right is None) or len(left or []) != len(right or []):
                return False
        pairs: list[tuple[Site, Site]] = [(getattr(a, n), getattr(b, n)) for n in singles]
        for name in ("properties", "pattern_properties", "dependent_schemas"):
            mine, theirs = getattr(a, name), getattr(b, name)
            pairs += [(mine[k], theirs[k]) for k in mine]
        for name in ("prefix_items", "all_of", "any_of", "one_of"):
            pairs += list(zip(getattr(a, name) or [], getattr(b, name) or [], strict=True))
        for keyword in ("unevaluatedProperties", "unevaluatedItems"):
            if keyword in a.unsupported:
                left, right = a.unsupported[keyword], b.unsupported[keyword]
                if not isinstance(left, (Node, Ref)) or not isinstance(right, (Node, Ref)):
                    return False
                pairs.append((left, right))
        return all(self._same(x, y) for x, y in pairs)


def _is_false(site: Site) -> bool:
    target = deref(site)
    return target is not None and target.boolean is False
