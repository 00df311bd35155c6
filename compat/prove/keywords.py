"""What each keyword of the containing schema needs of the contained one: one method per
keyword family, each sound on its own (a keyword it cannot show to hold is a failure, never a
guess)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from compat.prove.atoms import (
    Atoms,
    Site,
    additional,
    is_false,
    item_schema,
    max_of,
    min_of,
    name_schemas,
    plain_unevaluated,
    same_undeclared_names,
    tail,
    tighter_or_equal_lower,
    tighter_or_equal_upper,
    tightest,
)
from compat.prove.evaluate import NUMBER_KINDS, kinds_of_types
from compat.prove.goals import Goals
from compat.schema.formats import asserted_formats
from compat.schema.model import Node, deref


class Within(Goals):
    """Keyword checks: does every value of `atoms` satisfy this keyword of `b`? The proof
    steps they call (`_contains`, `_disjoint`, ...) are the `Prover`'s."""

    def _contains(self, a_sites: Sequence[Site], b: Site) -> bool:
        raise NotImplementedError

    def _disjoint(self, a_sites: Sequence[Site], b_sites: Sequence[Site]) -> bool:
        raise NotImplementedError

    def _never_has(self, atoms: Atoms, name: str) -> bool:
        raise NotImplementedError

    def _same(self, a: Site, b: Site) -> bool:
        raise NotImplementedError

    def _presence(self, name: str, atoms: Atoms) -> Node:
        raise NotImplementedError

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
        low = tightest((a.lower for a in atoms), lower=True)
        high = tightest((a.upper for a in atoms), lower=False)
        if not tighter_or_equal_lower(low, b.lower):
            ok = self._fail(atoms, b, "minimum")
        if not tighter_or_equal_upper(high, b.upper):
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
                # exact arithmetic on both sides: a multiple of `mine` is one of `divisor`. A
                # float instance is divided by the divisor made a float, which is exact only
                # up to 2**53: beyond, `mine` and `divisor` stand for other numbers there
                if (
                    isinstance(mine, int)
                    and not isinstance(mine, bool)
                    and mine % divisor == 0
                    and (not kinds & {"intfloat", "frac"} or max(mine, divisor) <= 2**53)
                ):
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
            low = max_of(a.min_length for a in atoms)
            if low is None or low < b.min_length:
                ok = self._fail(atoms, b, "minLength")
        if b.max_length is not None:
            high = min_of(a.max_length for a in atoms)
            if high is None or high > b.max_length:
                ok = self._fail(atoms, b, "maxLength")
        if b.pattern is not None and not any(a.pattern == b.pattern for a in atoms):
            ok = self._fail(atoms, b, "pattern")
        if (
            self.assert_formats
            and b.format is not None
            and b.format in asserted_formats(b.draft)
            and not any(
                a.format == b.format and a.format in asserted_formats(a.draft) for a in atoms
            )
        ):
            # a format constrains only where the node's own draft checks it
            ok = self._fail(atoms, b, "format")
        return ok

    def _arrays_within(self, atoms: Atoms, kinds: frozenset[str], b: Node) -> bool:
        if "array" not in kinds:
            return True
        ok = True
        low = max_of(a.min_items for a in atoms)
        high = min_of(a.max_items for a in atoms)
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
        tail_schema = tail(b)
        longest = max((len(a.prefix_items) for a in atoms), default=0)
        positions = max(longest, len(b.prefix_items))
        ok = True
        for index in range(positions):
            if high is not None and index >= high:
                return ok
            schema = item_schema(b, index) if index < len(b.prefix_items) else tail_schema
            if schema is None:
                continue
            self._path.append(("index", index))
            try:
                found = self._contains([item_schema(a, index) for a in atoms], schema)
            finally:
                self._path.pop()
            if not found:
                ok = False
        if tail_schema is not None and (high is None or high > positions):
            self._path.append(("item", None))
            try:
                if not self._contains([tail(a) for a in atoms], tail_schema):
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
        extra = additional(b)
        for name in declared:
            ok = self._property_within(atoms, name, b) and ok
        for pattern, schema in b.pattern_properties.items():
            rest: list[Site] = [
                a.pattern_properties[pattern] for a in atoms if pattern in a.pattern_properties
            ]
            rest += [
                additional(a)
                for a in atoms
                if not a.pattern_properties and additional(a) is not None
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
                additional(a)
                for a in atoms
                if same_undeclared_names(a, b) and additional(a) is not None
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
        wanted_here = b.properties.get(name)
        if wanted_here is not None and not b.pattern_properties:
            # `b` asks only its declared schema of the name: an atom that declares the same
            # (the usual unchanged property of a large object) settles it
            for atom in atoms:
                mine_here = atom.properties.get(name)
                if mine_here is not None and self._same(mine_here, wanted_here):
                    return True
        wanted = name_schemas(b, name)
        if wanted is None:
            return self._fail(atoms, b, f"properties/{name}")
        if self._never_has(atoms, name):
            return True
        mine: list[Site] = []
        for atom in atoms:
            schemas = name_schemas(atom, name)
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
            low = max_of(a.min_properties for a in atoms) or 0
            if max(low, len(required)) < b.min_properties:
                ok = self._fail(atoms, b, "minProperties")
        if b.max_properties is not None:
            high = min_of(a.max_properties for a in atoms)
            closed = [
                len(a.properties)
                for a in atoms
                if not a.pattern_properties and is_false(additional(a))
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
            if not atom.pattern_properties and is_false(additional(atom)):
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
        if keyword == "oneOf" and self._same_one_of(atoms, branches):
            return True
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

    def _same_one_of(self, atoms: Atoms, branches: Sequence[Site]) -> bool:
        """Every value of `a` matches exactly one of some atom's `oneOf` branches; when those
        are `branches` in some order (equal fingerprints, as a multiset), it matches exactly
        one of `branches`. (The expansion of `a` reads `oneOf` as `anyOf`, and cannot see it.)"""
        wanted = self._multiset(branches)
        if wanted is None:
            return False
        return any(
            atom.one_of is not None and self._multiset(atom.one_of) == wanted for atom in atoms
        )

    def _multiset(self, branches: Sequence[Site]) -> tuple[int, ...] | None:
        numbers = [self.fingerprints.of(branch) for branch in branches]
        if any(number is None for number in numbers):
            return None
        return tuple(sorted(n for n in numbers if n is not None))

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
            if keyword == "unevaluatedProperties" and plain_unevaluated(b):
                continue
            if keyword == "unevaluatedItems" and plain_unevaluated(b) and b.contains is None:
                continue
            return False
        return True
