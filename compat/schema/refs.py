"""Local `$ref` resolution: JSON pointers, `$id`-relative URIs and anchors within one file.

Nothing is ever fetched. A `$ref` that leaves the file (another file, an http URL, even one on
loopback) is refused with a clear error, and so is a dangling one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from compat.errors import CompatError
from compat.util.records import Record

# The base of a document without `$id` is empty, as python-jsonschema has it: a relative `$id`
# inside (`schema.json`) then names a resource of its own, never the root.
DEFAULT_BASE = ""

# The keywords holding subschemas in each draft, as python-jsonschema's referencing library
# reads them (only these can declare resources with `$id`).
_LEGACY_VALUE = {"additionalItems", "additionalProperties", "contains", "not", "propertyNames"}
_IN_VALUE = {
    "draft-04": {"additionalItems", "additionalProperties", "not"},
    "draft-06": _LEGACY_VALUE,
    "draft-07": _LEGACY_VALUE | {"if", "then", "else"},
    "2019-09": _LEGACY_VALUE
    | {"contentSchema", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"},
    "2020-12": (_LEGACY_VALUE - {"additionalItems"})
    | {"contentSchema", "if", "then", "else", "items", "unevaluatedItems", "unevaluatedProperties"},
}
_IN_SUBARRAY = {"allOf", "anyOf", "oneOf"}
_IN_SUBVALUES = {"definitions", "patternProperties", "properties"}
_MODERN_SUBVALUES = _IN_SUBVALUES | {"$defs", "dependentSchemas"}


# Keywords whose subschema python-jsonschema evaluates with `evolve`, not `descend`: the
# subschema's own `$id` is not entered there (`oneOf` does both, for its second pass).
_EVOLVED = {"not", "if", "contains", "oneOf", "unevaluatedItems", "unevaluatedProperties"}
_IN_PLACE_KEYS = {"allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas"}


def _declared_uri(node: dict[str, Any], draft: str, base: str) -> str | None:
    """The resource URI a schema object declares under `draft`'s rules (`id` in draft-04,
    ignored beside `$ref` before 2019-09, a bare `#fragment` being an anchor)."""
    legacy = draft in ("draft-04", "draft-06", "draft-07")
    if legacy and isinstance(node.get("$ref"), str):
        return None
    declared = node.get("id" if draft == "draft-04" else "$id")
    if not isinstance(declared, str):
        return None
    uri = urldefrag(urljoin(base, declared))[0]
    return uri or None


def _has_ref(value: Any, depth: int = 0) -> bool:
    if depth > 10_000:
        return True
    if isinstance(value, dict):
        return "$ref" in value or any(_has_ref(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_has_ref(v, depth + 1) for v in value)
    return False


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape(str(token)) for token in tokens)


def subschemas(node: dict[str, Any], pointer: str, draft: str) -> list[tuple[str, Any]]:
    """(pointer, value) of every direct subschema of a schema object, in `draft`'s keywords."""
    found: list[tuple[str, Any]] = []
    for key in sorted(_IN_VALUE[draft]):
        if key in node:
            found.append((join(pointer, key), node[key]))
    modern = draft in ("2019-09", "2020-12")
    arrays = _IN_SUBARRAY | ({"prefixItems"} if draft == "2020-12" else set())
    for key in sorted(arrays):
        value = node.get(key)
        if isinstance(value, list):
            found += [(join(pointer, key, i), item) for i, item in enumerate(value)]
    for key in sorted(_MODERN_SUBVALUES if modern else _IN_SUBVALUES):
        value = node.get(key)
        if isinstance(value, dict):
            found += [(join(pointer, key, name), item) for name, item in value.items()]
    if draft != "2020-12":
        items = node.get("items")
        if isinstance(items, list):
            found += [(join(pointer, "items", i), item) for i, item in enumerate(items)]
        elif items is not None:
            found.append((join(pointer, "items"), items))
    dependencies = node.get("dependencies")
    if not modern and isinstance(dependencies, dict):
        for name, item in dependencies.items():
            if isinstance(item, dict):
                found.append((join(pointer, "dependencies", name), item))
    return found


class RefIndex(Record):
    """Where every resource (`$id`) and anchor of one document lives, by absolute URI."""

    _fields = ("label", "draft", "document", "resources", "anchors", "bases", "dynamic")

    def __init__(
        self,
        label: str,
        draft: str,
        document: Any,
        resources: dict[str, str] | None = None,
        anchors: dict[str, str] | None = None,
        bases: dict[str, str] | None = None,
        dynamic: set[str] | None = None,
    ) -> None:
        self.label = label
        self.draft = draft
        self.document = document
        # base URI -> pointer
        self.resources: dict[str, str] = {} if resources is None else resources
        # URI#name -> pointer
        self.anchors: dict[str, str] = {} if anchors is None else anchors
        # pointer -> base URI in force
        self.bases: dict[str, str] = {} if bases is None else bases
        # URI#name of every $dynamicAnchor
        self.dynamic: set[str] = set() if dynamic is None else dynamic

    @classmethod
    def build(cls, document: Any, draft: str, label: str) -> RefIndex:
        """Index resources and anchors with the keywords of the draft in force at each node.

        In drafts 04 to 07 every keyword beside a `$ref` is ignored, `$id` included, so it
        neither names a resource nor moves the base; `$anchor` and `$dynamicAnchor` exist only
        from 2019-09 (before that they are plain data). A subschema's own `$schema` switches the
        draft for its subtree.
        """
        from compat.schema.drafts import draft_of_uri, unsupported_draft

        index = cls(label=label, draft=draft, document=document)
        # (pointer, value, base in force, draft of the schema that reached it, reached by a
        # keyword python-jsonschema evaluates without entering the subschema's $id)
        stack: list[tuple[str, Any, str, str, bool]] = [("", document, DEFAULT_BASE, draft, False)]
        index.resources[DEFAULT_BASE] = ""
        while stack:
            pointer, node, base, incoming, evolved = stack.pop()
            if not isinstance(node, dict):
                continue
            old_draft = unsupported_draft(node.get("$schema"))
            if old_draft is not None:
                raise CompatError(
                    f"{label}: {pointer or '/'} declares {old_draft} ($schema), which validators "
                    "switch to and this tool does not support"
                )
            own = draft_of_uri(node.get("$schema")) or incoming
            # The base moves by the `$id` as the schema that reached this one reads it
            # (python-jsonschema enters a subresource with its parent's rules)...
            moved = _declared_uri(node, incoming, base)
            if moved is not None and moved != base:
                if evolved and _has_ref(node):
                    raise CompatError(
                        f"{label}: {pointer or '/'} declares $id {moved!r} where python-jsonschema "
                        "does not always enter it (under not, if, contains, oneOf, unevaluated*, "
                        "or a branch unevaluated* looks into), so its $refs resolve two ways; "
                        "write them against the outer base"
                    )
                base = moved
            # ...while resources and anchors are registered by the subschema's own draft
            registered = _declared_uri(node, own, base)
            if registered is not None:
                index._register(index.resources, registered, pointer, "resource")
            index._anchors(node, own, base, pointer)
            index.bases[pointer] = base
            # where a node has unevaluated*, python-jsonschema's bookkeeping also walks its
            # in-place branches without entering their $id
            bookkeeping = own in ("2019-09", "2020-12") and (
                "unevaluatedProperties" in node or "unevaluatedItems" in node
            )
            for child_pointer, child in subschemas(node, pointer, own):
                keyword = child_pointer[len(pointer) + 1 :].split("/", 1)[0]
                evolved_here = keyword in _EVOLVED or (bookkeeping and keyword in _IN_PLACE_KEYS)
                stack.append((child_pointer, child, base, own, evolved_here))
        return index

    def _register(self, table: dict[str, str], key: str, pointer: str, what: str) -> None:
        existing = table.get(key)
        if existing is not None and existing != pointer:
            raise CompatError(
                f"{self.label}: {what} {key!r} is declared twice ({existing or '/'} and "
                f"{pointer or '/'}); validators would pick one by document order"
            )
        table[key] = pointer

    def _anchors(self, node: dict[str, Any], draft: str, base: str, pointer: str) -> None:
        legacy = draft in ("draft-04", "draft-06", "draft-07")
        if legacy:
            declared = node.get("id" if draft == "draft-04" else "$id")
            if isinstance(declared, str) and not isinstance(node.get("$ref"), str):
                fragment = urldefrag(urljoin(base, declared))[1]
                if fragment:
                    self._register(self.anchors, f"{base}#{fragment}", pointer, "anchor")
            return
        anchor = node.get("$anchor")
        if isinstance(anchor, str):
            self._register(self.anchors, f"{base}#{anchor}", pointer, "anchor")
        dynamic = node.get("$dynamicAnchor")
        if isinstance(dynamic, str) and draft == "2020-12":
            self._register(self.anchors, f"{base}#{dynamic}", pointer, "anchor")
            self.dynamic.add(f"{base}#{dynamic}")

    def is_dynamic(self, ref: str, at: str) -> bool:
        """Does `ref` name a `$dynamicAnchor`? Then it resolves at run time, dynamically."""
        if not self.dynamic or "#" not in ref:
            return False
        uri, fragment = urldefrag(urljoin(self._base_at(at), ref))
        return f"{uri}#{unquote(fragment)}" in self.dynamic

    def resolve(self, ref: str, at: str) -> str:
        """The pointer that `ref`, written in the schema at pointer `at`, refers to."""
        base = self._base_at(at)
        if ref.startswith("#"):
            uri, fragment = base, ref[1:]  # the common case, without URL parsing
        else:
            uri, fragment = urldefrag(urljoin(base, ref))
        fragment = unquote(fragment)
        where = f"{self.label}: $ref {ref!r} at {at or '/'}"
        if uri not in self.resources:
            if "://" in ref or ref.split("#", 1)[0]:
                raise CompatError(
                    f"{where} points outside this file; only local references are supported "
                    "(remote references are never fetched)"
                )
            raise CompatError(f"{where} cannot be resolved")
        if fragment == "" or fragment.startswith("/"):
            pointer = self.resources[uri] + fragment
            if self._lookup(pointer) is _MISSING:
                raise CompatError(f"{where} is dangling: nothing at {pointer or '/'}")
            return pointer
        anchored = self.anchors.get(f"{uri}#{fragment}")
        if anchored is None:
            raise CompatError(f"{where} is dangling: no anchor {fragment!r}")
        return anchored

    def _base_at(self, pointer: str) -> str:
        """The base URI in force at `pointer`; a schema outside the draft's keywords (reached
        only by a JSON pointer) is read with the base of the nearest schema around it."""
        while True:
            base = self.bases.get(pointer)
            if base is not None:
                return base
            if not pointer:
                return DEFAULT_BASE
            pointer = pointer.rsplit("/", 1)[0]

    def _lookup(self, pointer: str) -> Any:
        node = self.document
        if pointer == "":
            return node
        for raw in pointer[1:].split("/"):
            token = unescape(raw)
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif (
                isinstance(node, list)
                and token.isascii()
                and token.isdigit()
                and int(token) < len(node)
            ):
                node = node[int(token)]
            else:
                return _MISSING
        return node

    def lookup(self, pointer: str) -> Any:
        value = self._lookup(pointer)
        if value is _MISSING:
            raise CompatError(f"{self.label}: nothing at {pointer or '/'}")
        return value


_MISSING = object()
