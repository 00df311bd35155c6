"""The normalised schema model that the diff walks.

Every draft is read into the same shape: `type` as a set, `const` as a one-value enum, draft-04
boolean exclusive bounds as numeric bounds, array-form `items` as `prefix_items`, `dependencies`
split into `dependent_required` and `dependent_schemas`, and a `$ref` with no validation keywords
beside it (or any `$ref` before 2019-09, where siblings are ignored) as a `Ref` to the node it
points at. Missing subschemas are `None`, which means "accepts everything".
"""

from __future__ import annotations

from typing import Any

from compat.util.records import FrozenRecord

ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
    }
)
# Keywords whose meaning depends on what other subschemas evaluated; the engine does not reason
# about them and answers unknown when anything near them changes.
UNSUPPORTED = frozenset(
    {"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"}
)


class Bound(FrozenRecord):
    _fields = ("value", "exclusive")
    value: float | int
    exclusive: bool

    def __init__(self, value: float | int, exclusive: bool = False) -> None:
        self._set(value=value, exclusive=exclusive)


# Ref and Node are plain classes rather than dataclasses (see util/records.py): they compare by
# identity, and generating the methods of a class with forty fields took a noticeable part of
# every run's start-up.


class Ref:
    """A `$ref` site: its own annotations, and the node it resolves to."""

    pointer: str
    ref: str
    annotations: dict[str, Any]
    target: Node | Ref | None

    def __init__(
        self,
        pointer: str,
        ref: str,
        annotations: dict[str, Any],
        target: Node | Ref | None = None,
    ) -> None:
        self.pointer = pointer
        self.ref = ref
        self.annotations = annotations
        self.target = target

    def __repr__(self) -> str:
        return f"Ref(pointer={self.pointer!r}, ref={self.ref!r})"

    def resolved(self) -> Node:
        node: Node | Ref | None = self
        seen: set[int] = set()
        while isinstance(node, Ref):
            seen.add(id(node))
            node = node.target
            if isinstance(node, Ref) and id(node) in seen:
                raise AssertionError("ref loop slipped through normalisation")
        assert node is not None
        return node


class Node:
    """One subschema under the draft in force there. Missing subschemas are None ("accepts
    everything"); a keyword absent leaves its attribute at the default below."""

    pointer: str
    raw: Any
    # the draft whose keywords and type semantics apply here: a subschema's own `$schema`, else
    # the draft of whatever reached it (python-jsonschema switches validators that way, also
    # across a `$ref`)
    draft: str
    boolean: bool | None  # True / False for boolean schemas
    types: frozenset[str] | None
    enum: list[Any] | None
    is_const: bool
    lower: Bound | None
    upper: Bound | None
    multiple_of: float | int | None
    min_length: int | None
    max_length: int | None
    pattern: str | None
    format: str | None
    prefix_items: list[Node | Ref]
    items: Node | Ref | None
    min_items: int | None
    max_items: int | None
    unique_items: bool
    contains: Node | Ref | None
    min_contains: int | None
    max_contains: int | None
    properties: dict[str, Node | Ref]
    pattern_properties: dict[str, Node | Ref]
    additional_properties: Node | Ref | None
    required: frozenset[str]
    property_names: Node | Ref | None
    min_properties: int | None
    max_properties: int | None
    dependent_required: dict[str, frozenset[str]]
    dependent_schemas: dict[str, Node | Ref]
    all_of: list[Node | Ref] | None
    any_of: list[Node | Ref] | None
    one_of: list[Node | Ref] | None
    not_: Node | Ref | None
    if_: Node | Ref | None
    then: Node | Ref | None
    else_: Node | Ref | None
    ref: Node | Ref | None  # a $ref with validation siblings (2019-09 and later)
    annotations: dict[str, Any]
    unsupported: dict[str, Any]

    def __init__(
        self,
        pointer: str,
        raw: Any,
        draft: str = "2020-12",
        boolean: bool | None = None,
        types: frozenset[str] | None = None,
        enum: list[Any] | None = None,
        is_const: bool = False,
        lower: Bound | None = None,
        upper: Bound | None = None,
        multiple_of: float | int | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        format: str | None = None,
        prefix_items: list[Node | Ref] | None = None,
        items: Node | Ref | None = None,
        min_items: int | None = None,
        max_items: int | None = None,
        unique_items: bool = False,
        contains: Node | Ref | None = None,
        min_contains: int | None = None,
        max_contains: int | None = None,
        properties: dict[str, Node | Ref] | None = None,
        pattern_properties: dict[str, Node | Ref] | None = None,
        additional_properties: Node | Ref | None = None,
        required: frozenset[str] = frozenset(),
        property_names: Node | Ref | None = None,
        min_properties: int | None = None,
        max_properties: int | None = None,
        dependent_required: dict[str, frozenset[str]] | None = None,
        dependent_schemas: dict[str, Node | Ref] | None = None,
        all_of: list[Node | Ref] | None = None,
        any_of: list[Node | Ref] | None = None,
        one_of: list[Node | Ref] | None = None,
        not_: Node | Ref | None = None,
        if_: Node | Ref | None = None,
        then: Node | Ref | None = None,
        else_: Node | Ref | None = None,
        ref: Node | Ref | None = None,
        annotations: dict[str, Any] | None = None,
        unsupported: dict[str, Any] | None = None,
    ) -> None:
        self.pointer = pointer
        self.raw = raw
        self.draft = draft
        self.boolean = boolean
        self.types = types
        self.enum = enum
        self.is_const = is_const
        self.lower = lower
        self.upper = upper
        self.multiple_of = multiple_of
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.format = format
        self.prefix_items = [] if prefix_items is None else prefix_items
        self.items = items
        self.min_items = min_items
        self.max_items = max_items
        self.unique_items = unique_items
        self.contains = contains
        self.min_contains = min_contains
        self.max_contains = max_contains
        self.properties = {} if properties is None else properties
        self.pattern_properties = {} if pattern_properties is None else pattern_properties
        self.additional_properties = additional_properties
        self.required = required
        self.property_names = property_names
        self.min_properties = min_properties
        self.max_properties = max_properties
        self.dependent_required = {} if dependent_required is None else dependent_required
        self.dependent_schemas = {} if dependent_schemas is None else dependent_schemas
        self.all_of = all_of
        self.any_of = any_of
        self.one_of = one_of
        self.not_ = not_
        self.if_ = if_
        self.then = then
        self.else_ = else_
        self.ref = ref
        self.annotations = {} if annotations is None else annotations
        self.unsupported = {} if unsupported is None else unsupported

    def __repr__(self) -> str:
        return f"Node(pointer={self.pointer!r}, draft={self.draft!r})"

    @property
    def is_false(self) -> bool:
        return self.boolean is False

    def admits(self, family: str) -> bool:
        """Whether values of a type family can pass `type` (enum is checked separately)."""
        if self.boolean is False:
            return False
        if self.types is None:
            return True
        if family == "number":
            return bool(self.types & {"number", "integer"})
        return family in self.types

    def is_trivially_true(self, assert_formats: bool = False) -> bool:
        """Accepts every JSON value: `true`, `{}`, or only annotations."""
        if self.boolean is not None:
            return self.boolean
        if self.format is not None and assert_formats:
            return False
        return not _has_assertions(self)


def single_branch(node: Node) -> tuple[str, Node | Ref] | None:
    """(keyword, branch) when the node's one assertion is allOf/anyOf/oneOf of one schema,
    which means exactly that schema."""
    found = [(a, b) for a in ("all_of", "any_of", "one_of") if (b := getattr(node, a))]
    if len(found) != 1 or len(found[0][1]) != 1 or node.boolean is not None:
        return None
    attr, branches = found[0]
    setattr(node, attr, None)
    try:
        alone = not _has_assertions(node)
    finally:
        setattr(node, attr, branches)
    return (attr, branches[0]) if alone else None


def only_types(node: Node) -> bool:
    """A node whose one assertion is `type` (annotations aside)."""
    return (
        node.boolean is None
        and node.types is not None
        and node.format is None  # an asserted format is no bare type
        and not _has_assertions(node, ignore_types=True)
    )


def _has_assertions(node: Node, ignore_types: bool = False) -> bool:
    return bool(
        (node.types is not None and not ignore_types)
        or node.enum is not None
        or node.lower
        or node.upper
        or node.multiple_of is not None
        or node.min_length
        or node.max_length is not None
        or node.pattern is not None
        or node.prefix_items
        or node.items is not None
        or node.min_items
        or node.max_items is not None
        or node.unique_items
        or node.contains is not None
        or node.properties
        or node.pattern_properties
        or node.additional_properties is not None
        or node.required
        or node.property_names is not None
        or node.min_properties
        or node.max_properties is not None
        or node.dependent_required
        or node.dependent_schemas
        or node.all_of is not None
        or node.any_of is not None
        or node.one_of is not None
        or node.not_ is not None
        or node.if_ is not None
        or node.ref is not None
        or node.unsupported
    )


def deref(node: Node | Ref | None) -> Node | None:
    if isinstance(node, Ref):
        return node.resolved()
    return node


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
