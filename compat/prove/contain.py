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
from collections.abc import Iterable, Sequence
from typing import Any

from compat.prove.atoms import (
    Atoms,
    Site,
    max_of,
    min_of,
    name_schemas,
    tightest,
)
from compat.prove.evaluate import ALL_KINDS, NUMBER_KINDS, kinds_of_types, kinds_of_value
from compat.prove.fingerprint import children, local
from compat.prove.goals import MAX_CASES, Failure, OutOfBudget
from compat.prove.keywords import Within
from compat.schema.model import Node, canonical, deref

__all__ = ["Failure", "Prover"]


class Prover(Within):
    """Sound, incomplete reasoning over the normalised model of two (or more) documents."""

    # -- public -------------------------------------------------------------------------------

    def contains(self, a: Site, b: Site) -> bool:
        """Every value `a` accepts is accepted by `b` (False: not proven)."""
        return self._guarded(lambda: self._contains([a], b))

    def diagnose(self, a: Site, b: Site) -> tuple[bool, list[Failure]]:
        """`contains`, and where the proof stopped when it failed. Goals that failed before
        (with their failures recorded elsewhere, or not at all) are proven again so that every
        place the proof stops is in the list; proven goals are kept."""
        self._final = {key: value for key, value in self._final.items() if value}
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
            out.append(tuple(sorted(found, key=self._rank)))
            return
        first, rest = pending[0], pending[1:]
        for alternative in first:
            self._expand_into(tuple(found), rest, alternative, out)
            if len(out) > MAX_CASES:
                raise OutOfBudget

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
            # only objects have properties: the trigger makes the value an object
            found = Node(
                pointer="",
                raw={"type": "object", "required": sorted(names)},
                types=frozenset({"object"}),
                required=names,
            )
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
                return self._fail(atoms, b, "values")
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
            low = tightest((a.lower for a in atoms), lower=True)
            high = tightest((a.upper for a in atoms), lower=False)
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
            low_n = max_of(a.min_length for a in atoms)
            high_n = min_of(a.max_length for a in atoms)
            if low_n is not None and high_n is not None and low_n > high_n:
                kinds -= {"string"}
        if "array" in kinds:
            low_n = max_of(a.min_items for a in atoms)
            high_n = min_of(a.max_items for a in atoms)
            if low_n is not None and high_n is not None and low_n > high_n:
                kinds -= {"array"}
        if "object" in kinds:
            low_n = max_of(a.min_properties for a in atoms)
            high_n = min_of(a.max_properties for a in atoms)
            if (low_n is not None and high_n is not None and low_n > high_n) or any(
                self._never_has(atoms, name) for a in atoms for name in a.required
            ):
                kinds -= {"object"}
        return kinds

    def _never_has(self, atoms: Atoms, name: str) -> bool:
        """No object of `a` can carry property `name` (one atom's schema for it is false)."""
        for atom in atoms:
            schemas = name_schemas(atom, name)
            if schemas is None:
                continue
            if any((t := deref(s)) is not None and t.boolean is False for s in schemas):
                return True
        return False

    # -- disjointness ---------------------------------------------------------------------------

    def _disjoint(self, a_sites: Sequence[Site], b_sites: Sequence[Site]) -> bool:
        for left in self._expand(a_sites):
            for right in self._expand(b_sites):
                key = ("d", tuple(id(x) for x in left), tuple(id(x) for x in right))
                if not self._goal(key, functools.partial(self._apart, left, right)):
                    return False
        return True

    def _apart(self, left: Atoms, right: Atoms) -> bool:
        both_atoms = tuple(sorted({id(x): x for x in left + right}.values(), key=self._rank))
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
            schemas = name_schemas(atom, name)
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
        """The coinductive twin of the fingerprints (for nodes on reference cycles): the same
        own keywords, the same labelled subschemas, each pair the same in turn."""
        if any(k in n.unsupported for n in (a, b) for k in ("$dynamicRef", "$recursiveRef")):
            return False
        if local(a, self.assert_formats) != local(b, self.assert_formats):
            return False
        mine, theirs = children(a), children(b)
        if [label for label, _ in mine] != [label for label, _ in theirs]:
            return False
        return all(self._same(x, y) for (_, x), (_, y) in zip(mine, theirs, strict=True))
