"""Read a schema document of any supported draft into the normalised model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from compat.errors import CompatError
from compat.schema.model import ANNOTATIONS, UNSUPPORTED, Bound, Node, Ref, only_types
from compat.schema.refs import RefIndex, join

CORE = frozenset(
    {
        "$schema",
        "$id",
        "id",
        "$anchor",
        "$dynamicAnchor",
        "$defs",
        "definitions",
        "$vocabulary",
        "$ref",
    }
)
LEGACY = ("draft-04", "draft-06", "draft-07")

# The validation keywords each draft defines (read into the model); anything else is kept as an
# annotation, as validators ignore it.
_COMMON = CORE | {
    "type",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
}
_DRAFT6 = _COMMON | {"const", "contains", "propertyNames", "additionalItems", "dependencies"}
_DRAFT7 = _DRAFT6 | {"if", "then", "else"}
_DRAFT2019 = (_DRAFT7 - {"dependencies"}) | {
    "minContains",
    "maxContains",
    "dependentRequired",
    "dependentSchemas",
}
HANDLED = {
    "draft-04": _COMMON | {"additionalItems", "dependencies"},
    "draft-06": _DRAFT6,
    "draft-07": _DRAFT7,
    "2019-09": _DRAFT2019,
    "2020-12": (_DRAFT2019 - {"additionalItems"}) | {"prefixItems"},
}


@dataclass
class SchemaDocument:
    """A loaded, normalised schema: its draft, its root node and the pointer index."""

    label: str
    draft: str
    raw: Any
    root: Node | Ref
    index: RefIndex
    nodes: dict[str, Node | Ref]

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


def normalise(document: dict[str, Any], draft: str, label: str) -> SchemaDocument:
    index = RefIndex.build(document, draft, label)
    builder = _Builder(index, draft, label)
    root = builder.build("", document)
    builder.finish()
    return SchemaDocument(label, draft, document, root, index, builder.cache)


class _Builder:
    def __init__(self, index: RefIndex, draft: str, label: str) -> None:
        self.index = index
        self.draft = draft
        self.label = label
        self.cache: dict[str, Node | Ref] = {}
        self.refs: list[Ref] = []

    def build(self, pointer: str, raw: Any) -> Node | Ref:
        cached = self.cache.get(pointer)
        if cached is not None:
            return cached
        if isinstance(raw, bool):
            node: Node | Ref = Node(pointer=pointer, raw=raw, boolean=raw)
            self.cache[pointer] = node
            return node
        if not isinstance(raw, dict):
            raise CompatError(f"{self.label}: {pointer or '/'} is not a schema")
        ref = raw.get("$ref")
        if isinstance(ref, str):
            siblings = {k for k in raw if k not in CORE and k not in ANNOTATIONS}
            if self.draft in LEGACY or not siblings:
                # Before 2019-09 a $ref replaces its siblings; later, with only annotations
                # beside it, it means exactly its target.
                annotations = {k: v for k, v in raw.items() if k in ANNOTATIONS}
                site = Ref(pointer=pointer, ref=ref, annotations=annotations)
                self.cache[pointer] = site
                self.refs.append(site)
                target = self.index.resolve(ref, pointer)
                site.target = self.build(target, self.index.lookup(target))
                return site
        node = Node(pointer=pointer, raw=raw)
        self.cache[pointer] = node
        self._fill(node, raw)
        return node

    def finish(self) -> None:
        for site in self.refs:
            seen: list[Ref] = []
            current: Node | Ref | None = site
            while isinstance(current, Ref):
                if current in seen:
                    chain = " -> ".join(r.pointer or "/" for r in seen)
                    raise CompatError(f"{self.label}: $ref loop with no schema in between: {chain}")
                seen.append(current)
                current = current.target

    def _types_from_branches(self, node: Node) -> None:
        """`anyOf: [{type: a}, {type: b}]` is `type: [a, b]` (and so is oneOf when no value can
        have two of the types): read it so, so that the rewrite is no change."""
        if node.types is not None:
            return
        for attr in ("any_of", "one_of"):
            branches = getattr(node, attr)
            if not branches or any(isinstance(b, Ref) and b.target is None for b in branches):
                continue
            targets = [b.resolved() if isinstance(b, Ref) else b for b in branches]
            if not all(only_types(t) for t in targets):
                continue
            kinds = [t.types or frozenset() for t in targets]
            if attr == "one_of" and not _pairwise_disjoint(kinds):
                continue
            node.types = frozenset().union(*kinds)
            setattr(node, attr, None)
            return

    def _child(self, pointer: str, raw: dict[str, Any], key: str) -> Node | Ref | None:
        if key not in raw:
            return None
        return self.build(join(pointer, key), raw[key])

    def _fill(self, node: Node, raw: dict[str, Any]) -> None:
        p = node.pointer
        legacy = self.draft in LEGACY
        draft4 = self.draft == "draft-04"
        modern = self.draft == "2020-12"
        handled = HANDLED[self.draft]
        if "$ref" in raw and isinstance(raw["$ref"], str):
            target = self.index.resolve(raw["$ref"], p)
            node.ref = self.build(target, self.index.lookup(target))

        kind = raw.get("type")
        if isinstance(kind, str):
            node.types = frozenset([kind])
        elif isinstance(kind, list):
            node.types = frozenset(kind)

        if "enum" in raw:
            node.enum = _distinct(raw["enum"])
        if "const" in raw and not draft4:
            values = [raw["const"]]
            if node.enum is not None:
                values = [v for v in node.enum if _same(v, raw["const"])]
            node.enum = values
            node.is_const = True

        node.lower = _bound(raw, "minimum", "exclusiveMinimum", draft4, lower=True)
        node.upper = _bound(raw, "maximum", "exclusiveMaximum", draft4, lower=False)
        if node.types == frozenset(["integer"]):
            node.lower = _integer_bound(node.lower, lower=True)
            node.upper = _integer_bound(node.upper, lower=False)
        if isinstance(raw.get("multipleOf"), (int, float)):
            node.multiple_of = raw["multipleOf"]

        node.min_length = raw.get("minLength") or None
        node.max_length = raw.get("maxLength")
        node.pattern = raw.get("pattern")
        node.format = raw.get("format")

        items = raw.get("items")
        if modern:
            node.prefix_items = [
                self.build(join(p, "prefixItems", i), item)
                for i, item in enumerate(raw.get("prefixItems", []))
            ]
            node.items = self._child(p, raw, "items")
        elif isinstance(items, list):
            node.prefix_items = [
                self.build(join(p, "items", i), item) for i, item in enumerate(items)
            ]
            node.items = self._child(p, raw, "additionalItems")
        else:
            node.items = self._child(p, raw, "items")
        node.min_items = raw.get("minItems") or None
        node.max_items = raw.get("maxItems")
        node.unique_items = raw.get("uniqueItems") is True

        if not draft4:
            node.contains = self._child(p, raw, "contains")
            node.property_names = self._child(p, raw, "propertyNames")
        if not legacy and node.contains is not None:
            node.min_contains = raw.get("minContains", 1)
            node.max_contains = raw.get("maxContains")

        for keyword, found in (
            ("properties", node.properties),
            ("patternProperties", node.pattern_properties),
        ):
            declared = raw.get(keyword)
            if isinstance(declared, dict):
                for name, item in declared.items():
                    found[name] = self.build(join(p, keyword, name), item)
        node.additional_properties = self._child(p, raw, "additionalProperties")
        if isinstance(raw.get("required"), list):
            node.required = frozenset(raw["required"])
        node.min_properties = raw.get("minProperties") or None
        node.max_properties = raw.get("maxProperties")

        if legacy:
            for name, item in (raw.get("dependencies") or {}).items():
                if isinstance(item, list):
                    node.dependent_required[name] = frozenset(item)
                else:
                    node.dependent_schemas[name] = self.build(join(p, "dependencies", name), item)
        else:
            for name, names in (raw.get("dependentRequired") or {}).items():
                node.dependent_required[name] = frozenset(names)
            for name, item in (raw.get("dependentSchemas") or {}).items():
                node.dependent_schemas[name] = self.build(join(p, "dependentSchemas", name), item)
        node.dependent_required = {k: v for k, v in node.dependent_required.items() if v}

        for key, attr in (("allOf", "all_of"), ("anyOf", "any_of"), ("oneOf", "one_of")):
            if isinstance(raw.get(key), list):
                branches = [self.build(join(p, key, i), b) for i, b in enumerate(raw[key])]
                setattr(node, attr, branches)
        self._types_from_branches(node)
        node.not_ = self._child(p, raw, "not")
        if self.draft != "draft-04" and self.draft != "draft-06":
            node.if_ = self._child(p, raw, "if")
            if node.if_ is not None:
                node.then = self._child(p, raw, "then")
                node.else_ = self._child(p, raw, "else")

        for key, value in raw.items():
            if key in UNSUPPORTED and not legacy:
                node.unsupported[key] = value
            elif key not in handled:
                # annotations, and keywords this draft does not define (ignored by validators)
                node.annotations[key] = value


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
    if bound is None or math.isinf(bound.value) or math.isnan(bound.value):
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


def canonical(value: Any) -> Any:
    """A hashable key under JSON equality: 1 == 1.0, but true != 1 and key order is irrelevant."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, list):
        return ("a", tuple(canonical(v) for v in value))
    return ("o", tuple(sorted((k, canonical(v)) for k, v in value.items())))


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
