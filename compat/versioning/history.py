"""Field history: every field of the events, across the store's versions, and what happened to
it from one version to the next.

A field is an **instance path** (`process.credentials.auid`), what an event looks like, not a
schema pointer: `$ref`s are followed, so a field reached through a definition is named by where
it sits in an event, and a definition moved (`definitions` -> `$defs`) or renamed with its
references changes no path: its fields' history goes on. Paths are written as the diff writes
them (`compat.diff.facts.render_path`):

- `a.b`: property `b` of object `a`; a name that is not plain is quoted (`a["x y"]`);
- `a[]`: every item of array `a` (`items`, or `additionalItems` before 2020-12, when it
  constrains something: `items: {}` is no field, as its absence is), `a[2]` the item at index 2
  (`prefixItems`, or array-form `items` before 2020-12);
- `a.*`: the values of `a`'s properties not declared by name (`additionalProperties`, when it is
  a schema that constrains something; `false` is a constraint of `a` itself);
- `a.{^x_}`: the values of `a`'s properties whose names match a `patternProperties` regex;
- `(root)`: the event itself.

Subschemas that apply at the same place in an event add no step to a path: `allOf`, `anyOf`
and `oneOf` branches, `if/then/else`, `dependentSchemas` and a `$ref` beside other keywords
describe the same field. What they say is merged: the types are those written anywhere at the
path (the union), each constraint keyword keeps every distinct value written there, and a field
required only inside an `anyOf`/`oneOf` branch (unless every branch requires it), a `then` or
`else`, a dependency or `dependentSchemas` is `conditional`. `not`, `if`, `contains` and
`propertyNames` say what values are excluded or looked for, not where fields are: they add no
field. A property whose schema is `false` can never be present, so it is no field.

A property an object does not declare by name is a field still where the version describes it:
required (any value, declared at that `required`), or, for a name another version declares,
matched by a `patternProperties` regex or under an `additionalProperties` schema (that schema is
its state). A field is `removed` in a version that no longer describes it in any of these ways
(its object may still be open to any value under that name: the version says nothing of it).

Recursive schemas (a definition that contains itself) end where the schema repeats: a path all
of whose subschemas already apply at an enclosing path is listed, with `repeats` naming that
path, and nothing below it is (`children[]` repeats `(root)` in a tree). The rule depends only
on the structure of the schema, so every version of a recursive schema stops at the same place.

Fields are compared between consecutive versions of the store, oldest first; the states are
read from the normalised model (`compat.schema.normalize`), so equivalent rewrites that the diff
ignores are no events here either (`type` or `required` reordered, `const` as a one-value
`enum`, draft-04 boolean exclusive bounds, an integer's `exclusiveMinimum: 0` as `minimum: 1`).
Beyond the model, a state leaves out what cannot restrict the field, as the diff does: `integer`
beside `number` (every integer is a number: `[integer, number]` is `number`), a keyword of a
type the field cannot have (`minLength` where `type` is `integer`, here or in an `allOf` that
always applies) and `multipleOf: 1` where the only numbers are integers.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compat.diff.facts import Path, Segment, prop, render_path
from compat.errors import CompatError
from compat.prove.evaluate import search
from compat.schema.model import Node, Ref, canonical, deref
from compat.schema.refs import join

if TYPE_CHECKING:
    from compat.schema.normalize import SchemaDocument
    from compat.versioning.store import Store

REQUIRED = "required"
OPTIONAL = "optional"
CONDITIONAL = "conditional"

# the kinds of events, in the order events of one version are listed
ADDED = "added"
REMOVED = "removed"
BECAME_REQUIRED = "became-required"
BECAME_OPTIONAL = "became-optional"
BECAME_CONDITIONAL = "became-conditional"
TYPE_CHANGED = "type-changed"
CONSTRAINT_CHANGED = "constraint-changed"
DESCRIPTION_CHANGED = "description-changed"
KINDS = (
    ADDED,
    REMOVED,
    BECAME_REQUIRED,
    BECAME_OPTIONAL,
    BECAME_CONDITIONAL,
    TYPE_CHANGED,
    CONSTRAINT_CHANGED,
    DESCRIPTION_CHANGED,
)
_BECAME = {REQUIRED: BECAME_REQUIRED, OPTIONAL: BECAME_OPTIONAL, CONDITIONAL: BECAME_CONDITIONAL}

# The constraint keywords a field's state records, in this order (as the engine reads them:
# bounds in their inclusive or exclusive form, `const` as a one-value `enum`).
CONSTRAINTS = (
    "enum",
    "format",
    "pattern",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "additionalProperties",
    "dependentRequired",
)

# Shared definitions multiply paths (a definition used twice under one used twice...): a
# version with more paths than this is refused rather than read for minutes.
MAX_FIELDS = 100_000

# segment kinds in the order siblings are listed: properties, then patterns, then the rest
_SEGMENT_ORDER = {"prop": 0, "pattern": 1, "additional": 2, "index": 3, "item": 4}


@dataclass(frozen=True)
class FieldState:
    """What one version says about a field."""

    types: tuple[str, ...] | None  # sorted; None: no `type` written (any type)
    requirement: str  # REQUIRED, OPTIONAL or CONDITIONAL
    # keyword -> the distinct values written at the path (usually one), in CONSTRAINTS order
    constraints: tuple[tuple[str, tuple[Any, ...]], ...]
    description: str | None
    declared_at: tuple[str, ...]  # JSON pointers of the subschemas that declare the field
    repeats: str | None = None  # recursive: the enclosing path whose subschemas this repeats

    def constraint(self, keyword: str) -> tuple[Any, ...] | None:
        for name, values in self.constraints:
            if name == keyword:
                return values
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "types": None if self.types is None else list(self.types),
            "requirement": self.requirement,
            "constraints": {name: list(values) for name, values in self.constraints},
            "description": self.description,
            "declared_at": list(self.declared_at),
            "repeats": self.repeats,
        }


@dataclass(frozen=True)
class VersionInfo:
    name: str
    released: str


@dataclass(frozen=True)
class Event:
    """Something that happened to a field in a version (compared with the one before it)."""

    version: str
    released: str
    kind: str
    keyword: str | None = None  # the constraint keyword of a constraint-changed event
    old: Any = None  # types, values or description before (None: absent)
    new: Any = None  # the same, after
    state: FieldState | None = None  # the field's state as added

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.version, "released": self.released}
        data["kind"] = self.kind
        if self.kind == ADDED:
            assert self.state is not None
            data["state"] = self.state.to_json()
        elif self.kind in (TYPE_CHANGED, DESCRIPTION_CHANGED):
            data["old"] = self.old
            data["new"] = self.new
        elif self.kind == CONSTRAINT_CHANGED:
            data["keyword"] = self.keyword
            data["old"] = self.old
            data["new"] = self.new
            added, removed = enum_delta(self.keyword, self.old, self.new)
            if added is not None and removed is not None:
                data["added_values"] = added
                data["removed_values"] = removed
        return data


@dataclass
class FieldHistory:
    path: Path
    name: str  # the rendered path
    events: list[Event] = field(default_factory=list)
    states: dict[str, FieldState] = field(default_factory=dict)  # version name -> state

    @property
    def first(self) -> str:
        """The version the field first appeared in."""
        return self.events[0].version

    def last_state(self) -> tuple[str, FieldState]:
        """The last version holding the field, and its state there."""
        name = next(reversed(self.states))
        return name, self.states[name]

    def changed(self) -> bool:
        """Has anything happened to the field since it first appeared?"""
        return len(self.events) > 1


@dataclass
class History:
    versions: list[VersionInfo]
    fields: list[FieldHistory]

    def __post_init__(self) -> None:
        self._by_name = {item.name: item for item in self.fields}

    @property
    def latest(self) -> str:
        return self.versions[-1].name

    def present(self, item: FieldHistory) -> bool:
        """Is the field in the latest version?"""
        return self.latest in item.states

    def get(self, name: str) -> FieldHistory | None:
        return self._by_name.get(name)

    def find(self, name: str) -> FieldHistory:
        """The field named `name`, or a one-line error naming close matches."""
        found = self.get(name)
        if found is not None:
            return found
        names = list(self._by_name)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        span = _span(self.versions)
        raise CompatError(
            f"no field {name!r} in any version of the store ({span}){hint} "
            "(`cws-compat history` lists every field)"
        )


def _span(versions: Sequence[VersionInfo]) -> str:
    if len(versions) == 1:
        return versions[0].name
    return f"{versions[0].name} to {versions[-1].name}"


# -- one version: its fields -----------------------------------------------------------------


Site = Node | Ref


# parent path -> names of properties (declared in some version) to look for under it
Names = dict[Path, set[str]]


def fields_of(
    document: SchemaDocument, limit: int = MAX_FIELDS, names: Names | None = None
) -> dict[Path, FieldState]:
    """Every field (instance path) of a normalised schema and its state, parents before their
    children (depth first, properties in document order, then the names it does not declare).

    A property the schema does not declare by name is a field still when the schema describes
    it: required (any value, or what a matching `patternProperties` or the `additionalProperties`
    schema says), or, among `names` (those other versions declare), matched by a
    `patternProperties` regex or under an `additionalProperties` schema."""
    return _FieldWalk(document.label, limit, names or {}).run(document.root)


def _declared_names(snapshots: Iterable[dict[Path, FieldState]]) -> Names:
    found: Names = {}
    for fields in snapshots:
        for path in fields:
            if path and path[-1][0] == "prop":
                found.setdefault(path[:-1], set()).add(path[-1][1])
    return found


def documents_history(
    versions: Sequence[tuple[VersionInfo, SchemaDocument]], limit: int = MAX_FIELDS
) -> History:
    """The history of every field across normalised schemas (oldest first). A version that no
    longer declares a property another version declares still holds it as a field where it
    describes it (`fields_of`): the walk is repeated with every declared name until no new
    one appears (one more walk, usually; none when no version has a property catch-all)."""
    walks = [_FieldWalk(document.label, limit, {}) for _, document in versions]
    snapshots = [
        walk.run(document.root) for walk, (_, document) in zip(walks, versions, strict=True)
    ]
    names = _declared_names(snapshots)
    while any(walk.catch_all for walk in walks):
        for index, (_, document) in enumerate(versions):
            if walks[index].catch_all:
                walks[index] = _FieldWalk(document.label, limit, names)
                snapshots[index] = walks[index].run(document.root)
        # a walk with more names finds more fields, never fewer: the names only grow
        more = _declared_names(snapshots)
        if more == names:
            break
        names = more
    infos = [info for info, _ in versions]
    return build(list(zip(infos, snapshots, strict=True)))


class _View:
    """The subschemas that apply at one path: those that always do, and those that apply in
    some events only (branches of a union, `then`/`else`, `dependentSchemas`)."""

    __slots__ = ("always", "ids", "sometimes")

    def __init__(self, always: list[Node], sometimes: list[Node]) -> None:
        self.always = always
        self.sometimes = sometimes
        self.ids = {id(node) for node in always} | {id(node) for node in sometimes}

    def nodes(self) -> Iterator[tuple[Node, bool]]:
        for node in self.always:
            yield node, False
        for node in self.sometimes:
            yield node, True


def _always(node: Node) -> list[Site]:
    """Subschemas that apply wherever `node` does."""
    out: list[Site] = []
    if node.ref is not None:
        out.append(node.ref)
    if node.all_of:
        out += node.all_of
    for branches in (node.any_of, node.one_of):
        if branches and len(branches) == 1:
            out += branches
    return out


def _sometimes(node: Node) -> list[Site]:
    """Subschemas that apply where `node` does, in some events only."""
    out: list[Site] = []
    for branches in (node.any_of, node.one_of):
        if branches and len(branches) > 1:
            out += branches
    for site in (node.then, node.else_):
        if site is not None:
            out.append(site)
    if node.dependent_schemas:
        out += node.dependent_schemas.values()
    return out


def _view(always: Iterable[Site], sometimes: Iterable[Site]) -> _View:
    firm = _closure(always, set())
    seen = {id(node) for node in firm}
    loose_starts = list(sometimes)
    for node in firm:
        loose_starts += _sometimes(node)
    loose = _closure(loose_starts, seen, also=_sometimes)
    return _View(firm, loose)


def _closure(
    starts: Iterable[Site], seen: set[int], also: Callable[[Node], list[Site]] | None = None
) -> list[Node]:
    """The nodes reached from `starts` through `_always` (and `also`), in document order,
    skipping those in `seen` (which grows)."""
    out: list[Node] = []
    stack = [deref(site) for site in reversed(list(starts))]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        more = _always(node) + (also(node) if also is not None else [])
        stack += [deref(site) for site in reversed(more)]
    return out


def _required_by(node: Node) -> set[str]:
    """The names every event an `always`-closure of `node` accepts must carry (a union
    requires what each of its branches requires)."""
    names: set[str] = set()
    for member in _closure([node], set()):
        names |= member.required
        for branches in (member.any_of, member.one_of):
            if branches and len(branches) > 1:
                common: set[str] | None = None
                for branch in branches:
                    target = deref(branch)
                    if target is None or target.is_false:
                        continue  # a branch nothing passes requires nothing of anything
                    mine = set().union(*(m.required for m in _closure([target], set())))
                    common = mine if common is None else common & mine
                names |= common or set()
    return names


def _requirements(view: _View) -> tuple[set[str], set[str]]:
    """(names always required, names required in some events only) at a view."""
    firm: set[str] = set()
    for node in view.always:
        firm |= _required_by(node)
    loose: set[str] = set()
    for node, _ in view.nodes():
        if node.dependent_required:
            for names in node.dependent_required.values():
                loose |= names
    for node in view.sometimes:
        loose |= node.required
    return firm, loose - firm


def _description(sites: Sequence[Site], view: _View) -> str | None:
    for site in sites:
        current: Site | None = site
        while isinstance(current, Ref):
            text = current.annotations.get("description")
            if isinstance(text, str):
                return text
            current = current.target
    for node, _ in view.nodes():
        text = node.annotations.get("description")
        if isinstance(text, str):
            return text
    return None


# The type family whose values a keyword restricts (`enum` restricts every value): written
# where no value of that family can be, a keyword means nothing, as the diff reads it.
_FAMILY = {
    "format": "string",
    "pattern": "string",
    "minLength": "string",
    "maxLength": "string",
    "minimum": "number",
    "exclusiveMinimum": "number",
    "maximum": "number",
    "exclusiveMaximum": "number",
    "multipleOf": "number",
    "minItems": "array",
    "maxItems": "array",
    "uniqueItems": "array",
    "minProperties": "object",
    "maxProperties": "object",
    "additionalProperties": "object",
    "dependentRequired": "object",
}
_NUMBERS = frozenset({"integer", "number"})


def _numbers(types: frozenset[str] | None) -> frozenset[str]:
    """The numeric types a `type` lets through (`number` holds every integer)."""
    if types is None or "number" in types:
        return _NUMBERS
    return _NUMBERS & types


def _constraints(view: _View) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    found: dict[str, dict[Any, Any]] = {}
    # the subschemas every value at the path passes: a type they all exclude is no value there
    typed = [node for node in view.always if node.boolean is None and node.types is not None]

    checks: list[Node] = []

    def add(keyword: str, value: Any) -> None:
        if _restricts(keyword, value, checks):
            found.setdefault(keyword, {}).setdefault(canonical(value), value)

    for node, _ in view.nodes():
        if node.boolean is not None:
            continue
        checks[:] = [node, *typed]
        if node.enum is not None:
            add("enum", sorted(node.enum, key=_order))
        if node.format is not None:
            add("format", node.format)
        if node.pattern is not None:
            add("pattern", node.pattern)
        if node.lower is not None:
            add("exclusiveMinimum" if node.lower.exclusive else "minimum", node.lower.value)
        if node.upper is not None:
            add("exclusiveMaximum" if node.upper.exclusive else "maximum", node.upper.value)
        for keyword, value in (
            ("multipleOf", node.multiple_of),
            ("minLength", node.min_length),
            ("maxLength", node.max_length),
            ("minItems", node.min_items),
            ("maxItems", node.max_items),
            ("minProperties", node.min_properties),
            ("maxProperties", node.max_properties),
        ):
            if value is not None:
                add(keyword, value)
        if node.unique_items:
            add("uniqueItems", True)
        extra = deref(node.additional_properties)
        if extra is not None and extra.is_false:
            add("additionalProperties", False)
        if node.dependent_required:
            add(
                "dependentRequired",
                {name: sorted(names) for name, names in sorted(node.dependent_required.items())},
            )
    return tuple(
        (keyword, tuple(sorted(found[keyword].values(), key=_order)))
        for keyword in CONSTRAINTS
        if keyword in found
    )


def _restricts(keyword: str, value: Any, checks: list[Node]) -> bool:
    """Can `keyword: value`, written in `checks[0]`, reject a value that passes every type in
    `checks` (its own and those of the subschemas that always apply at the path)?"""
    family = _FAMILY.get(keyword)
    if family is not None and not all(check.admits(family) for check in checks):
        return False  # e.g. `minLength` on an integer: no string is there to restrict
    if keyword == "multipleOf" and _is_one(value):
        kinds = _NUMBERS.intersection(*(_numbers(check.types) for check in checks))
        return kinds != {"integer"}  # every integer is a multiple of 1
    return True


def _is_one(value: Any) -> bool:
    """The integer 1 (a float `1.0` is divided as a float by the validator: not the same)."""
    return type(value) is int and value == 1


def _order(value: Any) -> str:
    """A total order of JSON values (for sorting enums and distinct values)."""
    return repr(canonical(value))


def _types(view: _View) -> tuple[str, ...] | None:
    kinds: set[str] = set()
    written = False
    for node, _ in view.nodes():
        if node.types is not None:
            written = True
            kinds |= node.types
    if "number" in kinds:
        kinds.discard("integer")  # every integer is a number: `[integer, number]` is `number`
    return tuple(sorted(kinds)) if written else None


def _segment_key(segment: Segment) -> tuple[int, str]:
    kind, value = segment
    if isinstance(value, int):
        return _SEGMENT_ORDER.get(kind, 9), f"{value:020d}"  # [2] before [10]
    return _SEGMENT_ORDER.get(kind, 9), "" if value is None else f"{value}"


def path_key(path: Path) -> tuple[tuple[int, str], ...]:
    """Sort key of paths: a parent before its children, siblings by name."""
    return tuple(_segment_key(segment) for segment in path)


class _FieldWalk:
    def __init__(self, label: str, limit: int, names: Names) -> None:
        self.label = label
        self.limit = limit
        self.names = names
        # has an object a `patternProperties` or an `additionalProperties` schema (which may
        # describe names other versions declare)?
        self.catch_all = False
        self.out: dict[Path, FieldState] = {}
        # node id -> the paths on the current chain whose view holds it (recursion)
        self.on_chain: dict[int, list[Path]] = {}

    def run(self, root: Site) -> dict[Path, FieldState]:
        # (path, the sites declaring it: always / sometimes, requirement) to enter, or a view
        # to leave (its nodes taken off the chain)
        stack: list[Any] = [((), [root], [], REQUIRED, None)]
        while stack:
            item = stack.pop()
            if isinstance(item, _View):
                for node_id in item.ids:
                    paths = self.on_chain[node_id]
                    paths.pop()
                    if not paths:
                        del self.on_chain[node_id]
                continue
            path, always, sometimes, requirement, declared = item
            view = _view(always, sometimes)
            repeats = self._repeats(view)
            self._add(path, always + sometimes, view, requirement, repeats, declared)
            if repeats is not None:
                continue
            for node_id in view.ids:
                self.on_chain.setdefault(node_id, []).append(path)
            stack.append(view)
            stack += reversed(list(self._children(path, view)))
        return self.out

    def _repeats(self, view: _View) -> str | None:
        if not view.ids or any(node_id not in self.on_chain for node_id in view.ids):
            return None
        nearest = max((self.on_chain[node_id][-1] for node_id in view.ids), key=len)
        return render_path(nearest)

    def _add(
        self,
        path: Path,
        sites: list[Site],
        view: _View,
        requirement: str,
        repeats: str | None,
        declared: tuple[str, ...] | None,
    ) -> None:
        if len(self.out) >= self.limit:
            raise CompatError(
                f"{self.label}: more than {self.limit:,} instance paths (shared definitions "
                "multiply them); the field history cannot be listed"
            )
        self.out[path] = FieldState(
            types=_types(view),
            requirement=requirement,
            constraints=_constraints(view),
            description=_description(sites, view),
            declared_at=declared or tuple(sorted({site.pointer for site in sites})),
            repeats=repeats,
        )

    def _children(
        self, path: Path, view: _View
    ) -> Iterator[tuple[Path, list[Site], list[Site], str, tuple[str, ...] | None]]:
        firm, loose = _requirements(view)
        children: dict[Segment, tuple[list[Site], list[Site]]] = {}

        def declare(segment: Segment, site: Site | None, conditional: bool) -> None:
            if site is not None:
                entry = children.setdefault(segment, ([], []))
                entry[1 if conditional else 0].append(site)

        for node, conditional in view.nodes():
            if node.boolean is not None:
                continue
            for name, site in node.properties.items():
                declare(prop(name), site, conditional)
            for pattern, site in node.pattern_properties.items():
                declare(("pattern", pattern), site, conditional)
            # `additionalProperties` and `items` that accept anything mean what their absence
            # means: no field (`false` is a constraint of the parent, or no field at all)
            extra = deref(node.additional_properties)
            if extra is not None and not extra.is_trivially_true() and not extra.is_false:
                declare(("additional", None), node.additional_properties, conditional)
                self.catch_all = True
            if node.pattern_properties:
                self.catch_all = True
            for index, site in enumerate(node.prefix_items):
                declare(("index", index), site, conditional)
            items = deref(node.items)
            if items is not None and not items.is_trivially_true():
                declare(("item", None), node.items, conditional)
        undeclared = (firm | loose | self.names.get(path, set())) - {
            segment[1] for segment in children if segment[0] == "prop"
        }
        declared_by: dict[Segment, tuple[str, ...]] = {}
        for name in sorted(undeclared):
            found = _undeclared(view, name)
            if found is None or (found == ([], []) and name not in firm | loose):
                continue  # it can never be present, or this version says nothing of it
            children[prop(name)] = found
            if found == ([], []):
                # only required: any value, declared by the `required` that names it
                declared_by[prop(name)] = _requiring(view, name)
        for segment, (always, sometimes) in children.items():
            if any(_is_false(site) for site in always):
                continue  # `false` where it always applies: the field can never be present
            sometimes = [site for site in sometimes if not _is_false(site)]
            if not always and not sometimes and segment not in declared_by:
                continue
            if not always and len(sometimes) == 1:
                # declared once, in a branch: where the field is present, that is its schema
                always, sometimes = sometimes, []
            requirement = OPTIONAL
            if segment[0] == "prop":
                if segment[1] in firm:
                    requirement = REQUIRED
                elif segment[1] in loose:
                    requirement = CONDITIONAL
            yield (*path, segment), always, sometimes, requirement, declared_by.get(segment)


def _undeclared(view: _View, name: str) -> tuple[list[Site], list[Site]] | None:
    """The subschemas (always, sometimes) that describe property `name`, which no subschema at
    the view declares by name: the matching `patternProperties`, else the `additionalProperties`
    schema, of each; None when the name can never be present (`additionalProperties: false`
    with no pattern matching it, where it always applies)."""
    always: list[Site] = []
    sometimes: list[Site] = []
    for node, conditional in view.nodes():
        if node.boolean is not None:
            continue
        sites = [
            site for regex, site in node.pattern_properties.items() if search(regex, name) is True
        ]
        extra = deref(node.additional_properties)
        if not sites and extra is not None:
            if extra.is_false:
                if not conditional:
                    return None
                continue
            if not extra.is_trivially_true():
                sites = [node.additional_properties] if node.additional_properties else []
        (sometimes if conditional else always).extend(sites)
    return always, sometimes


def _requiring(view: _View, name: str) -> tuple[str, ...]:
    """Pointers of the `required` (or `dependentRequired`) keywords that name `name`."""
    found: set[str] = set()
    for node, _ in view.nodes():
        if name in node.required:
            found.add(join(node.pointer, "required"))
        if any(name in names for names in (node.dependent_required or {}).values()):
            found.add(join(node.pointer, "dependentRequired"))
    return tuple(sorted(found))


def _is_false(site: Site) -> bool:
    target = deref(site)
    return target is not None and target.is_false


# -- across versions: events -----------------------------------------------------------------


def changes(old: FieldState | None, new: FieldState | None) -> list[tuple[str, Any, Any, Any]]:
    """What happened to a field from one version to the next: (kind, keyword, old, new) in
    KINDS order (an added field's state is the new state itself)."""
    if old is None and new is None:
        return []
    if old is None:
        return [(ADDED, None, None, None)]
    if new is None:
        return [(REMOVED, None, None, None)]
    found: list[tuple[str, Any, Any, Any]] = []
    if old.requirement != new.requirement:
        found.append((_BECAME[new.requirement], None, old.requirement, new.requirement))
    if old.types != new.types:
        found.append((TYPE_CHANGED, None, _list(old.types), _list(new.types)))
    for keyword in CONSTRAINTS:
        before, after = old.constraint(keyword), new.constraint(keyword)
        if _canonical_values(before) != _canonical_values(after):
            found.append((CONSTRAINT_CHANGED, keyword, _list(before), _list(after)))
    if old.description != new.description:
        found.append((DESCRIPTION_CHANGED, None, old.description, new.description))
    return found


def _list(values: tuple[Any, ...] | None) -> list[Any] | None:
    return None if values is None else list(values)


def _canonical_values(values: tuple[Any, ...] | None) -> Any:
    return None if values is None else tuple(canonical(value) for value in values)


def enum_delta(
    keyword: str | None, old: Any, new: Any
) -> tuple[list[Any] | None, list[Any] | None]:
    """For an `enum` written once at the path before and after: (values added, values
    removed); (None, None) otherwise.

    Only `enum` is a set of values that can widen or narrow by values: every other keyword
    (a bound, a length, a `pattern`, `additionalProperties`...) is one value that changed, even
    when that value is a string or a list, and has no delta."""
    if keyword != "enum":
        return None, None
    if not (isinstance(old, list) and isinstance(new, list) and len(old) == len(new) == 1):
        return None, None
    if not (isinstance(old[0], list) and isinstance(new[0], list)):
        return None, None
    before = {canonical(v): v for v in old[0]}
    after = {canonical(v): v for v in new[0]}
    added = [value for key, value in after.items() if key not in before]
    removed = [value for key, value in before.items() if key not in after]
    return added, removed


def build(snapshots: Sequence[tuple[VersionInfo, dict[Path, FieldState]]]) -> History:
    """The history of every field, from each version's fields (oldest first)."""
    if not snapshots:
        raise CompatError("the store has no versions: there is no history to show")
    histories: dict[Path, FieldHistory] = {}
    previous: dict[Path, FieldState] = {}
    for info, current in snapshots:
        for path in {*previous, *current}:
            before, after = previous.get(path), current.get(path)
            found = changes(before, after)
            if not found and after is None:
                continue
            item = histories.get(path)
            if item is None:
                item = histories[path] = FieldHistory(path, render_path(path))
            for kind, keyword, old, new in found:
                item.events.append(
                    Event(
                        info.name,
                        info.released,
                        kind,
                        keyword,
                        old,
                        new,
                        after if kind == ADDED else None,
                    )
                )
            if after is not None:
                item.states[info.name] = after
        previous = current
    ordered = sorted(histories.values(), key=lambda item: path_key(item.path))
    return History([info for info, _ in snapshots], ordered)


def store_history(store: Store, default_draft: str | None = None) -> History:
    """The history of every field across the versions of a store (each checksum verified;
    `default_draft` for versions without `$schema`)."""
    from compat.schema.load import prepare
    from compat.versioning.sources import stored_source

    versions = []
    for name in store.names:
        loaded = prepare(stored_source(store, name), default_draft)
        versions.append((VersionInfo(name, store.entry(name).released), loaded.document))
    return documents_history(versions)


def declarations(history: History, version: str) -> dict[str, list[FieldHistory]]:
    """JSON pointer of a subschema declaring a field in `version` -> the fields (instance
    paths) it declares there, in path order: what `docs --history` annotates."""
    found: dict[str, list[FieldHistory]] = {}
    for item in history.fields:
        state = item.states.get(version)
        if state is not None:
            for pointer in state.declared_at:
                found.setdefault(pointer, []).append(item)
    return found


@dataclass
class Selection:
    """What `cws-compat history` shows: one field (`path`), or every field (`changed_only`:
    those with an event after the store's first version)."""

    history: History
    path: str | None = None
    changed_only: bool = False

    def fields(self) -> list[FieldHistory]:
        """The fields to show (a path unknown to the store: a one-line error)."""
        if self.path is not None:
            return [self.history.find(self.path)]
        if not self.changed_only:
            return list(self.history.fields)
        first = self.history.versions[0].name
        return [item for item in self.history.fields if item.events[-1].version != first]
