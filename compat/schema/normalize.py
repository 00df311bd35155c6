"""Read a schema document of any supported draft into the normalised model."""

from __future__ import annotations

import math
from typing import Any

from compat.errors import CompatError
from compat.schema.drafts import CORE, HANDLED, LEGACY, check_against_metaschema, draft_of_uri
from compat.schema.loops import refuse_in_place_loops
from compat.schema.model import (
    ANNOTATIONS,
    EMPTY_DICT,
    EMPTY_LIST,
    UNSUPPORTED,
    Bound,
    Node,
    Ref,
    canonical,
    only_types,
)
from compat.schema.refs import RefIndex, escape, join
from compat.util.records import Record


class SchemaDocument(Record):
    """A loaded, normalised schema: its draft, its root node and the pointer index."""

    _fields = ("label", "draft", "raw", "root", "index", "nodes")

    def __init__(
        self,
        label: str,
        draft: str,
        raw: Any,
        root: Node | Ref,
        index: RefIndex,
        nodes: dict[str, Node | Ref],
    ) -> None:
        self.label = label
        self.draft = draft
        self.raw = raw
        self.root = root
        self.index = index
        self.nodes = nodes

    def definitions(self) -> dict[str, str]:
        """Definition name -> pointer, from `definitions` and `$defs`."""
        found: dict[str, str] = {}
        if not isinstance(self.raw, dict):
            return found
        for key in ("definitions", "$defs"):
            value = self.raw.get(key)
            if isinstance(value, dict):
                for name in value:
                    found[name] = join("", key, name)
        return found


def normalise(document: Any, draft: str, label: str) -> SchemaDocument:
    index = RefIndex.build(document, draft, label)
    builder = _Builder(index, label)
    root = builder.build("", document, draft)
    builder.finish()
    return SchemaDocument(label, draft, document, root, index, builder.nodes)


# The keywords each part of `_Builder._fill` reads: a schema object with none of a part's
# keywords leaves that part of its node at the defaults (most subschemas use two or three
# keywords, and each part probes a dozen).
_VALUE_KEYS = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
    }
)
_SCALAR_KEYS = _VALUE_KEYS - {"$ref", "type"}
_ARRAY_KEYS = frozenset(
    {
        "prefixItems",
        "items",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "propertyNames",
        "minContains",
        "maxContains",
    }
)
_OBJECT_KEYS = frozenset(
    {
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
    }
)
_APPLICATOR_KEYS = frozenset({"allOf", "anyOf", "oneOf", "not", "if"})
_INTEGER = frozenset(["integer"])


class _Builder:
    def __init__(self, index: RefIndex, label: str) -> None:
        self.index = index
        self.label = label
        # keyed by the draft that reached a pointer, then the pointer: one body can mean two
        # things (two levels, so that no key tuple is made per node)
        self.cache: dict[str, dict[str, Node | Ref]] = {}
        # pointer -> node, the last built for a pointer read under two drafts
        self.nodes: dict[str, Node | Ref] = {}
        self.refs: list[Ref] = []
        self.built: list[Node] = []
        self.vetted: set[str] = set()
        # one frozenset per distinct `type` and `required` of the document: most subschemas
        # repeat a few of them
        self.sets: dict[frozenset[Any], frozenset[Any]] = {}
        self.types: dict[str, frozenset[str]] = {}  # the same, by a `type` written as a string

    def _shared(self, values: frozenset[Any]) -> frozenset[Any]:
        return self.sets.setdefault(values, values)

    def build(
        self, pointer: str, raw: Any, incoming: str, evolved: bool = False, both: bool = False
    ) -> Node | Ref:
        """The node at `pointer`, as reached by a schema of draft `incoming`.

        Its own `$schema` decides what its keywords mean, but whether keywords beside a `$ref`
        count is decided by the draft that reached it: python-jsonschema picks the keywords to
        apply with the parent validator's rules and runs them with the subschema's own. Under
        `not`, `if`, `contains` and unevaluated* (`evolved`) it picks them with the subschema's
        own rules; a `oneOf` branch is read both ways (`both`), so where the two disagree the
        schema is refused.
        """
        draft = incoming
        is_object = isinstance(raw, dict)
        if is_object and "$schema" in raw:
            draft = draft_of_uri(raw["$schema"]) or incoming
        rules = draft if evolved else incoming
        if (
            both
            and is_object
            and isinstance(raw.get("$ref"), str)
            and (draft in LEGACY) != (incoming in LEGACY)
            and any(k not in CORE and k not in ANNOTATIONS for k in raw)
        ):
            raise CompatError(
                f"{self.label}: {pointer or '/'} declares its own $schema beside a $ref with "
                "other keywords in a oneOf branch, which python-jsonschema reads two ways"
            )
        cache = self.cache.get(rules)
        if cache is None:
            cache = self.cache[rules] = {}
        cached = cache.get(pointer)
        if cached is not None:
            return cached
        if isinstance(raw, bool):
            node: Node | Ref = Node(pointer=pointer, raw=raw, boolean=raw, draft=draft)
            cache[pointer] = self.nodes[pointer] = node
            return node
        if not is_object:
            raise CompatError(f"{self.label}: {pointer or '/'} is not a schema")
        ref = raw.get("$ref")
        if (
            isinstance(ref, str)
            and not (self.index.dynamic and self.index.is_dynamic(ref, pointer))
            # Before 2019-09 a $ref replaces its siblings; later, with only annotations beside
            # it, it means exactly its target.
            and (rules in LEGACY or all(k in CORE or k in ANNOTATIONS for k in raw))
        ):
            annotations = (
                EMPTY_DICT
                if len(raw) == 1
                else {k: v for k, v in raw.items() if k in ANNOTATIONS} or EMPTY_DICT
            )
            site = Ref(pointer=pointer, ref=ref, annotations=annotations)
            cache[pointer] = self.nodes[pointer] = site
            self.refs.append(site)
            target = self.index.resolve(ref, pointer)
            site.target = self.build(target, self._vetted(target, draft), draft)
            return site
        node = Node(pointer=pointer, raw=raw, draft=draft)
        cache[pointer] = self.nodes[pointer] = node
        self.built.append(node)
        self._fill(node, raw)
        return node

    def _vetted(self, pointer: str, draft: str) -> Any:
        """The value a `$ref` points at, checked against the meta-schema when it lies outside
        the draft's schema keywords (`#/default`, `$defs` in draft-07): the file's own check
        never saw it, and validators read whatever is there as a schema."""
        value = self.index.lookup(pointer)
        if pointer not in self.vetted:
            self.vetted.add(pointer)
            if not self.index.is_schema(pointer):
                if not isinstance(value, (dict, bool)):
                    raise CompatError(f"{self.label}: {pointer or '/'} is not a schema")
                check_against_metaschema(value, draft, f"{self.label} ({pointer})")
        return value

    def finish(self) -> None:
        # every chain of $refs ends at a schema: walk each once (a site already known to end
        # at one stops the walk), so that a long chain of references costs its length
        ends: set[int] = set()
        for site in self.refs:
            seen: list[Ref] = []
            on_walk: set[int] = set()
            current: Node | Ref | None = site
            while isinstance(current, Ref) and id(current) not in ends:
                if id(current) in on_walk:
                    chain = " -> ".join(r.pointer or "/" for r in seen)
                    raise CompatError(f"{self.label}: $ref loop with no schema in between: {chain}")
                seen.append(current)
                on_walk.add(id(current))
                current = current.target
            ends |= on_walk
        refuse_in_place_loops(self.built, self.label)
        # Only now is every node complete: facts about branches must never be read from a node
        # still being built (a recursive branch would look like a bare type). Children were
        # built before their parents, so the reverse order rewrites inner unions first.
        for node in reversed(self.built):
            if node.any_of is not None or node.one_of is not None:
                _types_from_branches(node)

    def _child(self, node: Node, raw: dict[str, Any], key: str) -> Node | Ref | None:
        if key not in raw:
            return None
        evolved = key in ("not", "if", "contains")
        return self.build(node.pointer + "/" + key, raw[key], node.draft, evolved=evolved)

    def _fill(self, node: Node, raw: dict[str, Any]) -> None:
        """Read a schema object's keywords, as the node's draft defines them (in this order:
        the order children are built in is the order of `built`)."""
        keys = raw.keys()
        if not keys.isdisjoint(_VALUE_KEYS):
            self._fill_values(node, raw)
        if not keys.isdisjoint(_ARRAY_KEYS):
            self._fill_arrays(node, raw)
        if not keys.isdisjoint(_OBJECT_KEYS):
            self._fill_objects(node, raw)
        if not keys.isdisjoint(_APPLICATOR_KEYS):
            self._fill_applicators(node, raw)
        self._fill_rest(node, raw)

    def _fill_values(self, node: Node, raw: dict[str, Any]) -> None:
        """`$ref` beside keywords, `type`, `enum`/`const`, numbers and strings."""
        p = node.pointer
        draft = node.draft
        draft4 = draft == "draft-04"

        if "$ref" in raw and isinstance(raw["$ref"], str):
            if self.index.is_dynamic(raw["$ref"], p):
                # a plain $ref to a $dynamicAnchor resolves dynamically: not modelled
                node.unsupported = {"$dynamicRef": raw["$ref"]}
            else:
                target = self.index.resolve(raw["$ref"], p)
                node.ref = self.build(target, self._vetted(target, draft), draft)

        kind = raw.get("type")
        if isinstance(kind, str):
            types = self.types.get(kind)
            if types is None:
                types = self.types[kind] = self._shared(frozenset([kind]))
            node.types = types
        elif isinstance(kind, list):
            node.types = self._shared(frozenset(kind))
        if raw.keys().isdisjoint(_SCALAR_KEYS):
            return

        if "enum" in raw:
            node.enum = _distinct(raw["enum"])
        if "const" in raw and not draft4:
            values = [raw["const"]]
            if node.enum is not None:
                values = [v for v in node.enum if _same(v, raw["const"])]
            node.enum = values
            node.is_const = True

        if "minimum" in raw or "exclusiveMinimum" in raw:
            node.lower = _bound(raw, "minimum", "exclusiveMinimum", draft4, lower=True)
        if "maximum" in raw or "exclusiveMaximum" in raw:
            node.upper = _bound(raw, "maximum", "exclusiveMaximum", draft4, lower=False)
        if node.types == _INTEGER:
            node.lower = _integer_bound(node.lower, lower=True)
            node.upper = _integer_bound(node.upper, lower=False)
        if isinstance(raw.get("multipleOf"), (int, float)):
            node.multiple_of = raw["multipleOf"]

        if "minLength" in raw:
            node.min_length = _count(raw["minLength"]) or None
        if "maxLength" in raw:
            node.max_length = _count(raw["maxLength"])
        node.pattern = raw.get("pattern")
        node.format = raw.get("format")

    def _fill_arrays(self, node: Node, raw: dict[str, Any]) -> None:
        """Items (array-form `items` and `additionalItems`, or `prefixItems`), sizes, `contains`."""
        p = node.pointer
        draft = node.draft
        legacy = draft in LEGACY
        draft4 = draft == "draft-04"
        modern = draft == "2020-12"

        items = raw.get("items")
        if modern:
            prefix = raw.get("prefixItems", EMPTY_LIST)
            if prefix:
                node.prefix_items = [
                    self.build(f"{p}/prefixItems/{i}", item, draft) for i, item in enumerate(prefix)
                ]
            node.items = self._child(node, raw, "items")
        elif isinstance(items, list):
            if items:
                node.prefix_items = [
                    self.build(f"{p}/items/{i}", item, draft) for i, item in enumerate(items)
                ]
            node.items = self._child(node, raw, "additionalItems")
        else:
            node.items = self._child(node, raw, "items")
        node.min_items = _count(raw.get("minItems")) or None
        node.max_items = _count(raw.get("maxItems"))
        node.unique_items = raw.get("uniqueItems") is True

        if not draft4:
            node.contains = self._child(node, raw, "contains")
            node.property_names = self._child(node, raw, "propertyNames")
        if not legacy and node.contains is not None:
            node.min_contains = _count(raw.get("minContains", 1))
            node.max_contains = _count(raw.get("maxContains"))

    def _fill_objects(self, node: Node, raw: dict[str, Any]) -> None:
        """Properties, patterns, extras, `required`, sizes, dependencies."""
        p = node.pointer
        draft = node.draft
        build = self.build

        declared = raw.get("properties")
        if isinstance(declared, dict) and declared:
            at = p + "/properties/"
            node.properties = {
                name: build(at + _token(name), item, draft) for name, item in declared.items()
            }
        declared = raw.get("patternProperties")
        if isinstance(declared, dict) and declared:
            at = p + "/patternProperties/"
            node.pattern_properties = {
                name: build(at + _token(name), item, draft) for name, item in declared.items()
            }
        node.additional_properties = self._child(node, raw, "additionalProperties")
        if isinstance(raw.get("required"), list):
            node.required = self._shared(frozenset(raw["required"]))
        node.min_properties = _count(raw.get("minProperties")) or None
        node.max_properties = _count(raw.get("maxProperties"))

        required: dict[str, frozenset[str]] = {}
        schemas: dict[str, Node | Ref] = {}
        if draft in LEGACY:
            for name, item in (raw.get("dependencies") or {}).items():
                if isinstance(item, list):
                    required[name] = frozenset(item)
                else:
                    schemas[name] = build(join(p, "dependencies", name), item, draft)
        else:
            for name, names in (raw.get("dependentRequired") or {}).items():
                required[name] = frozenset(names)
            for name, item in (raw.get("dependentSchemas") or {}).items():
                schemas[name] = build(join(p, "dependentSchemas", name), item, draft)
        required = {k: v for k, v in required.items() if v}
        if required:
            node.dependent_required = required
        if schemas:
            node.dependent_schemas = schemas

    def _fill_applicators(self, node: Node, raw: dict[str, Any]) -> None:
        """`allOf`/`anyOf`/`oneOf`, `not`, `if`/`then`/`else`."""
        p = node.pointer
        draft = node.draft

        for key, attr in (("allOf", "all_of"), ("anyOf", "any_of"), ("oneOf", "one_of")):
            if isinstance(raw.get(key), list):
                branches = [
                    self.build(f"{p}/{key}/{i}", b, node.draft, both=key == "oneOf")
                    for i, b in enumerate(raw[key])
                ]
                setattr(node, attr, branches)
        node.not_ = self._child(node, raw, "not")
        if draft != "draft-04" and draft != "draft-06":
            node.if_ = self._child(node, raw, "if")
            if node.if_ is not None:
                node.then = self._child(node, raw, "then")
                node.else_ = self._child(node, raw, "else")

    def _fill_rest(self, node: Node, raw: dict[str, Any]) -> None:
        """`unevaluated*` and dynamic references (not reasoned about), annotations."""
        draft = node.draft
        handled = HANDLED[draft]
        if raw.keys() <= handled:
            return
        p = node.pointer
        legacy = draft in LEGACY
        unsupported: dict[str, Any] = {}
        annotations: dict[str, Any] = {}

        for key, value in raw.items():
            if key in handled:
                continue
            if key in ("unevaluatedProperties", "unevaluatedItems") and not legacy:
                unsupported[key] = self.build(join(p, key), value, draft, evolved=True)
            elif key in UNSUPPORTED and not legacy:
                unsupported[key] = value
            else:
                # annotations, and keywords this draft does not define (ignored by validators)
                annotations[key] = value
        if unsupported:
            # after a `$dynamicRef` read from a plain `$ref` (`_fill_values`), in raw's order
            node.unsupported = {**node.unsupported, **unsupported}
        if annotations:
            node.annotations = annotations


def _token(name: Any) -> str:
    """A member name as a JSON pointer token (as `join` spells it)."""
    if name.__class__ is str and "~" not in name and "/" not in name:
        return name
    return escape(str(name))


def _types_from_branches(node: Node) -> None:
    """`anyOf: [{type: a}, {type: b}]` is `type: [a, b]` (and so is oneOf when no value can have
    two of the types): read it so, so that the rewrite is no change. Branches read under another
    draft keep their own meaning of `integer` and are left alone."""
    if node.types is not None:
        return
    for attr in ("any_of", "one_of"):
        branches = getattr(node, attr)
        if not branches or any(isinstance(b, Ref) and b.target is None for b in branches):
            continue
        targets = [b.resolved() if isinstance(b, Ref) else b for b in branches]
        if not all(only_types(t) and t.draft == node.draft for t in targets):
            continue
        kinds = [t.types or frozenset() for t in targets]
        if attr == "one_of" and not _pairwise_disjoint(kinds):
            continue
        node.types = frozenset().union(*kinds)
        setattr(node, attr, None)
        return


def _count(value: Any) -> int | None:
    """A non-negative integer keyword; drafts 06 and later allow it written as `2.0`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bound(
    raw: dict[str, Any], inclusive_key: str, exclusive_key: str, draft4: bool, lower: bool
) -> Bound | None:
    candidates: list[Bound] = []
    value = raw.get(inclusive_key)
    exclusive = raw.get(exclusive_key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        candidates.append(Bound(value, draft4 and exclusive is True))
    if not draft4 and isinstance(exclusive, (int, float)) and not isinstance(exclusive, bool):
        candidates.append(Bound(exclusive, True))
    if not candidates:
        return None
    # the tighter bound wins; at equal values the exclusive one is tighter
    if lower:
        return max(candidates, key=lambda b: (b.value, b.exclusive))
    return min(candidates, key=lambda b: (b.value, not b.exclusive))


def _integer_bound(bound: Bound | None, lower: bool) -> Bound | None:
    """For integers, `exclusiveMinimum: 0` is `minimum: 1`: compare the inclusive form."""
    if bound is None or (
        isinstance(bound.value, float) and (math.isinf(bound.value) or math.isnan(bound.value))
    ):
        return bound
    value = bound.value
    if lower:
        result = math.floor(value) + 1 if bound.exclusive else math.ceil(value)
    else:
        result = math.ceil(value) - 1 if bound.exclusive else math.floor(value)
    return Bound(int(result), False)


def _pairwise_disjoint(kinds: list[frozenset[str]]) -> bool:
    seen: set[str] = set()
    for group in kinds:
        expanded = set(group) | ({"integer"} if "number" in group else set())
        if (
            expanded & seen
            or ("number" in group and seen & {"integer", "number"})
            or ("integer" in group and "number" in seen)
        ):
            return False
        seen |= expanded
    return True


def _same(a: Any, b: Any) -> bool:
    return bool(canonical(a) == canonical(b))


def _distinct(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for value in values:
        key = canonical(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out
