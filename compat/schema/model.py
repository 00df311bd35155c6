"""The normalised schema model that the diff walks.

Every draft is read into the same shape: `type` as a set, `const` as a one-value enum, draft-04
boolean exclusive bounds as numeric bounds, array-form `items` as `prefix_items`, `dependencies`
split into `dependent_required` and `dependent_schemas`, and a `$ref` with no validation keywords
beside it (or any `$ref` before 2019-09, where siblings are ignored) as a `Ref` to the node it
points at. Missing subschemas are `None`, which means "accepts everything".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

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


class _SharedEmptyDict(dict[Any, Any]):
    """The one empty mapping every node without a keyword shares: read-only, so that no node
    can change what all the others see (a node that has the keyword gets a dict of its own)."""

    __slots__ = ()
    # hashable (by identity), as it never changes: dataclasses then take it as a plain default,
    # with no factory call per node
    __hash__ = object.__hash__  # type: ignore[assignment]

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the shared empty mapping of the schema model is read-only")

    def __setitem__(self, *args: Any) -> NoReturn:
        self._refuse()

    def __delitem__(self, *args: Any) -> NoReturn:
        self._refuse()

    def __ior__(self, *args: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def clear(self) -> NoReturn:
        self._refuse()

    def pop(self, *args: Any) -> NoReturn:
        self._refuse()

    def popitem(self) -> NoReturn:
        self._refuse()

    def setdefault(self, *args: Any) -> NoReturn:
        self._refuse()

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()


class _SharedEmptyList(list[Any]):
    """The one empty list every node without the keyword shares: read-only (see above)."""

    __slots__ = ()
    __hash__ = object.__hash__  # type: ignore[assignment]

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the shared empty list of the schema model is read-only")

    def __setitem__(self, *args: Any) -> NoReturn:
        self._refuse()

    def __delitem__(self, *args: Any) -> NoReturn:
        self._refuse()

    def __iadd__(self, *args: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def __imul__(self, *args: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def append(self, *args: Any) -> NoReturn:
        self._refuse()

    def extend(self, *args: Any) -> NoReturn:
        self._refuse()

    def insert(self, *args: Any) -> NoReturn:
        self._refuse()

    def pop(self, *args: Any) -> NoReturn:
        self._refuse()

    def remove(self, *args: Any) -> NoReturn:
        self._refuse()

    def clear(self) -> NoReturn:
        self._refuse()

    def sort(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()

    def reverse(self) -> NoReturn:
        self._refuse()


EMPTY_DICT: dict[Any, Any] = _SharedEmptyDict()
EMPTY_LIST: list[Any] = _SharedEmptyList()


@dataclass(frozen=True, slots=True)
class Bound:
    value: float | int
    exclusive: bool = False


@dataclass(eq=False, slots=True)
class Ref:
    """A `$ref` site: its own annotations, and the node it resolves to."""

    pointer: str
    ref: str
    annotations: dict[str, Any]
    target: Node | Ref | None = None

    def resolved(self) -> Node:
        target = self.target
        if isinstance(target, Node):  # one step: the common case, without the loop guard
            return target
        node: Node | Ref | None = self
        seen: set[int] = set()
        while isinstance(node, Ref):
            seen.add(id(node))
            node = node.target
            if isinstance(node, Ref) and id(node) in seen:
                raise AssertionError("ref loop slipped through normalisation")
        assert node is not None
        return node


# slots: a large schema has hundreds of thousands of nodes, and a per-instance __dict__ of ~40
# entries was most of their memory. Containers default to the shared read-only empties above.
@dataclass(eq=False, slots=True)
class Node:
    pointer: str
    raw: Any
    # the draft whose keywords and type semantics apply here: a subschema's own `$schema`, else
    # the draft of whatever reached it (python-jsonschema switches validators that way, also
    # across a `$ref`)
    draft: str = "2020-12"
    boolean: bool | None = None  # True / False for boolean schemas
    types: frozenset[str] | None = None
    enum: list[Any] | None = None
    is_const: bool = False
    lower: Bound | None = None
    upper: Bound | None = None
    multiple_of: float | int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    prefix_items: list[Node | Ref] = EMPTY_LIST
    items: Node | Ref | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    contains: Node | Ref | None = None
    min_contains: int | None = None
    max_contains: int | None = None
    properties: dict[str, Node | Ref] = EMPTY_DICT
    pattern_properties: dict[str, Node | Ref] = EMPTY_DICT
    additional_properties: Node | Ref | None = None
    required: frozenset[str] = frozenset()
    property_names: Node | Ref | None = None
    min_properties: int | None = None
    max_properties: int | None = None
    dependent_required: dict[str, frozenset[str]] = EMPTY_DICT
    dependent_schemas: dict[str, Node | Ref] = EMPTY_DICT
    all_of: list[Node | Ref] | None = None
    any_of: list[Node | Ref] | None = None
    one_of: list[Node | Ref] | None = None
    not_: Node | Ref | None = None
    if_: Node | Ref | None = None
    then: Node | Ref | None = None
    else_: Node | Ref | None = None
    ref: Node | Ref | None = None  # a $ref with validation siblings (2019-09 and later)
    annotations: dict[str, Any] = EMPTY_DICT
    unsupported: dict[str, Any] = EMPTY_DICT

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
            return "number" in self.types or "integer" in self.types
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
    if not (node.all_of or node.any_of or node.one_of):
        return None  # the common case, without building the list below
    found = [(a, b) for a in ("all_of", "any_of", "one_of") if (b := getattr(node, a))]
    if len(found) != 1 or len(found[0][1]) != 1 or node.boolean is not None:
        return None
    attr, branches = found[0]
    alone = not _has_assertions(node, ignore_branches=attr)
    return (attr, branches[0]) if alone else None


def only_types(node: Node) -> bool:
    """A node whose one assertion is `type` (annotations aside)."""
    return (
        node.boolean is None
        and node.types is not None
        and node.format is None  # an asserted format is no bare type
        and not _has_assertions(node, ignore_types=True)
    )


def _has_assertions(
    node: Node, ignore_types: bool = False, ignore_branches: str | None = None
) -> bool:
    """Whether the node asserts anything (annotations aside), leaving out `type` or one of
    allOf/anyOf/oneOf (by attribute name) when asked."""
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
        or (node.all_of is not None and ignore_branches != "all_of")
        or (node.any_of is not None and ignore_branches != "any_of")
        or (node.one_of is not None and ignore_branches != "one_of")
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
