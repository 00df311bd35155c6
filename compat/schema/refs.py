"""Local `$ref` resolution: JSON pointers, `$id`-relative URIs and anchors within one file.

Nothing is ever fetched. A `$ref` that leaves the file (another file, an http URL, even one on
loopback) is refused with a clear error, and so is a dangling one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from compat.errors import CompatError

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


@dataclass
class RefIndex:
    """Where every resource (`$id`) and anchor of one document lives, by absolute URI."""

    label: str
    draft: str
    document: Any
    resources: dict[str, str] = field(default_factory=dict)  # base URI -> pointer
    anchors: dict[str, str] = field(default_factory=dict)  # URI#name -> pointer
    bases: dict[str, str] = field(default_factory=dict)  # pointer -> base URI in force

    @classmethod
    def build(cls, document: Any, draft: str, label: str) -> RefIndex:
        """Index resources and anchors with the keywords of the draft in force at each node.

        In drafts 04 to 07 every keyword beside a `$ref` is ignored, `$id` included, so it
        neither names a resource nor moves the base; `$anchor` and `$dynamicAnchor` exist only
        from 2019-09 (before that they are plain data). A subschema's own `$schema` switches the
        draft for its subtree.
        """
        from compat.schema.drafts import draft_of_uri

        index = cls(label=label, draft=draft, document=document)
        stack: list[tuple[str, Any, str, str]] = [("", document, DEFAULT_BASE, draft)]
        index.resources[DEFAULT_BASE] = ""
        while stack:
            pointer, node, base, in_force = stack.pop()
            if not isinstance(node, dict):
                continue
            declared_draft = draft_of_uri(node.get("$schema"))
            if declared_draft is not None:
                in_force = declared_draft
            legacy = in_force in ("draft-04", "draft-06", "draft-07")
            ref_beside = legacy and isinstance(node.get("$ref"), str)
            id_key = "id" if in_force == "draft-04" else "$id"
            declared = None if ref_beside else node.get(id_key)
            if isinstance(declared, str):
                uri, fragment = urldefrag(urljoin(base, declared))
                if uri and uri != base:
                    base = uri
                    index.resources.setdefault(uri, pointer)
                if pointer == "":
                    index.resources[uri or base] = ""
                if fragment and legacy:
                    index.anchors[f"{base}#{fragment}"] = pointer
            if not legacy and not ref_beside:
                anchor = node.get("$anchor")
                if isinstance(anchor, str):
                    index.anchors[f"{base}#{anchor}"] = pointer
                dynamic = node.get("$dynamicAnchor")
                if isinstance(dynamic, str) and in_force == "2020-12":
                    index.anchors.setdefault(f"{base}#{dynamic}", pointer)
            index.bases[pointer] = base
            for child_pointer, child in subschemas(node, pointer, in_force):
                stack.append((child_pointer, child, base, in_force))
        return index

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
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
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
