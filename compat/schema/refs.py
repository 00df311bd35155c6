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


# How a keyword holds subschemas: one (`not`), an array (`allOf`), an object of them
# (`properties`), draft-04 to 2019-09 `items` (one or an array), `dependencies` (only its
# object members are schemas).
_ONE, _ARRAY, _MAP, _ITEMS, _DEPENDENCIES = range(5)


def _layout(draft: str) -> dict[str, tuple[int, int]]:
    """keyword -> (rank, how it holds subschemas), ranked in the order `subschemas` lists them."""
    modern = draft in ("2019-09", "2020-12")
    arrays = _IN_SUBARRAY | ({"prefixItems"} if draft == "2020-12" else set())
    order = [(key, _ONE) for key in sorted(_IN_VALUE[draft])]
    order += [(key, _ARRAY) for key in sorted(arrays)]
    order += [(key, _MAP) for key in sorted(_MODERN_SUBVALUES if modern else _IN_SUBVALUES)]
    if draft != "2020-12":
        order.append(("items", _ITEMS))
    if not modern:
        order.append(("dependencies", _DEPENDENCIES))
    return {key: (rank, how) for rank, (key, how) in enumerate(order)}


_LAYOUTS = {draft: _layout(draft) for draft in _IN_VALUE}
# keywords that name a resource or an anchor in some draft: a schema object with none of them
# declares nothing (the common case, checked first)
_DECLARING = frozenset({"$id", "id", "$anchor", "$dynamicAnchor"})
_UNEVALUATED = frozenset({"unevaluatedProperties", "unevaluatedItems"})

# A pointer while the index walks the document, built as a string only when needed (an error,
# a resource, an anchor, a moved base): "" for the root, else (parent, keyword, member), with
# `_SELF` as the member of a keyword holding one subschema.
_SELF = object()
_Lazy = Any


def _pointer(lazy: _Lazy) -> str:
    tokens: list[str] = []
    while not isinstance(lazy, str):
        lazy, keyword, member = lazy
        if member is not _SELF:
            tokens.append(escape(str(member)))
        tokens.append(escape(keyword))
    return lazy + "".join("/" + token for token in reversed(tokens))


def _children(node: dict[str, Any], draft: str) -> list[tuple[str, list[tuple[Any, Any]]]]:
    """(keyword, [(member, subschema)]) of a schema object, in `subschemas` order (members:
    `_SELF`, an array index or an object key)."""
    layout = _LAYOUTS[draft]
    held = [(layout[key][0], key, layout[key][1]) for key in node if key in layout]
    if len(held) > 1:
        held.sort()
    out: list[tuple[str, list[tuple[Any, Any]]]] = []
    for _, key, how in held:
        value = node[key]
        if how == _ONE:
            out.append((key, [(_SELF, value)]))
        elif how == _ARRAY:
            if isinstance(value, list):
                out.append((key, list(enumerate(value))))
        elif how == _MAP:
            if isinstance(value, dict):
                out.append((key, list(value.items())))
        elif how == _ITEMS:
            if isinstance(value, list):
                out.append((key, list(enumerate(value))))
            elif value is not None:
                out.append((key, [(_SELF, value)]))
        elif isinstance(value, dict):  # dependencies: only the object members are schemas
            out.append((key, [(n, item) for n, item in value.items() if isinstance(item, dict)]))
    return out


def subschemas(node: dict[str, Any], pointer: str, draft: str) -> list[tuple[str, Any]]:
    """(pointer, value) of every direct subschema of a schema object, in `draft`'s keywords."""
    return [
        (_pointer((pointer, key, member)), value)
        for key, members in _children(node, draft)
        for member, value in members
    ]


class RefIndex(Record):
    """Where every resource (`$id`) and anchor of one document lives, by absolute URI."""

    _fields = ("label", "draft", "document", "resources", "anchors", "dynamic", "root_base")

    def __init__(self, label: str, draft: str, document: Any) -> None:
        self.label = label
        self.draft = draft
        self.document = document
        self.resources: dict[str, str] = {}  # base URI -> pointer
        self.anchors: dict[str, str] = {}  # URI#name -> pointer
        self.dynamic: set[str] = set()  # URI#name of every $dynamicAnchor
        # The base URI in force: the root's, and where an `$id` moves it, a trie of pointer
        # tokens (token -> [base or None, deeper tokens]); None while nothing below the root
        # moves it.
        self.root_base: str = DEFAULT_BASE
        self.moves: dict[str, list[Any]] | None = None
        # what compiling the document would check beyond its meta-schema: every regex
        # (`pattern` values, `patternProperties` names) and every subschema declaring its own
        # `$schema` (pointer, value, draft), checked against its own draft's meta-schema
        self.regexes: set[str] = set()
        self.embedded: list[tuple[str, Any, str]] = []
        self._resolved: dict[tuple[str, str], str] = {}
        self._looked_up: dict[str, Any] = {}
        self._schemas: dict[str, bool] = {}

    @classmethod
    def build(cls, document: Any, draft: str, label: str) -> RefIndex:
        """Index resources and anchors with the keywords of the draft in force at each node.

        In drafts 04 to 07 every keyword beside a `$ref` is ignored, `$id` included, so it
        neither names a resource nor moves the base; `$anchor` and `$dynamicAnchor` exist only
        from 2019-09 (before that they are plain data). A subschema's own `$schema` switches the
        draft for its subtree.

        Pointers are built as strings only where something is declared: this walks every
        subschema of the document, most of which declare nothing.
        """
        from compat.schema.drafts import draft_of_uri, unsupported_draft

        index = cls(label=label, draft=draft, document=document)
        # (pointer, value, base in force, draft of the schema that reached it, reached by a
        # keyword python-jsonschema evaluates without entering the subschema's $id)
        stack: list[tuple[_Lazy, Any, str, str, bool]] = [
            ("", document, DEFAULT_BASE, draft, False)
        ]
        index.resources[DEFAULT_BASE] = ""
        while stack:
            lazy, node, base, incoming, evolved = stack.pop()
            if not isinstance(node, dict):
                continue
            own = incoming
            if "$schema" in node:
                old_draft = unsupported_draft(node["$schema"])
                if old_draft is not None:
                    raise CompatError(
                        f"{label}: {_pointer(lazy) or '/'} declares {old_draft} ($schema), which "
                        "validators switch to and this tool does not support"
                    )
                own = draft_of_uri(node["$schema"]) or incoming
                if lazy != "":
                    index.embedded.append((_pointer(lazy), node, own))
            pattern = node.get("pattern")
            if isinstance(pattern, str):
                index.regexes.add(pattern)
            named = node.get("patternProperties")
            if isinstance(named, dict):
                index.regexes.update(named)
            if not node.keys().isdisjoint(_DECLARING):
                pointer = _pointer(lazy)
                # The base moves by the `$id` as the schema that reached this one reads it
                # (python-jsonschema enters a subresource with its parent's rules)...
                moved = _declared_uri(node, incoming, base)
                if moved is not None and moved != base:
                    if evolved and _has_ref(node):
                        raise CompatError(
                            f"{label}: {pointer or '/'} declares $id {moved!r} where "
                            "python-jsonschema does not always enter it (under not, if, "
                            "contains, oneOf, unevaluated*, or a branch unevaluated* looks "
                            "into), so its $refs resolve two ways; write them against the "
                            "outer base"
                        )
                    base = moved
                    index._moved(pointer, base)
                # ...while resources and anchors are registered by the subschema's own draft
                registered = _declared_uri(node, own, base)
                if registered is not None:
                    index._register(index.resources, registered, pointer, "resource")
                index._anchors(node, own, base, pointer)
            # where a node has unevaluated*, python-jsonschema's bookkeeping also walks its
            # in-place branches without entering their $id
            bookkeeping = own in ("2019-09", "2020-12") and not node.keys().isdisjoint(_UNEVALUATED)
            for keyword, members in _children(node, own):
                evolved_here = keyword in _EVOLVED or (bookkeeping and keyword in _IN_PLACE_KEYS)
                for member, child in members:
                    if isinstance(child, dict):
                        stack.append(((lazy, keyword, member), child, base, own, evolved_here))
        return index

    def _moved(self, pointer: str, base: str) -> None:
        """Record that the base in force becomes `base` at `pointer` (and below)."""
        if not pointer:
            self.root_base = base
            return
        if self.moves is None:
            self.moves = {}
        level = self.moves
        entry: list[Any] = []
        for token in pointer[1:].split("/"):
            entry = level.setdefault(token, [None, {}])
            level = entry[1]
        entry[0] = base

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
        known = self._resolved.get((ref, base))
        if known is not None:
            return known
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
        else:
            anchored = self.anchors.get(f"{uri}#{fragment}")
            if anchored is None:
                raise CompatError(f"{where} is dangling: no anchor {fragment!r}")
            pointer = anchored
        self._resolved[(ref, base)] = pointer
        return pointer

    def _base_at(self, pointer: str) -> str:
        """The base URI in force at `pointer`; a schema outside the draft's keywords (reached
        only by a JSON pointer) is read with the base of the nearest schema around it."""
        base = self.root_base
        level = self.moves
        if level is None or not pointer:
            return base
        for token in pointer[1:].split("/"):
            entry = level.get(token)
            if entry is None:
                break
            if entry[0] is not None:
                base = entry[0]
            level = entry[1]
        return base

    def is_schema(self, pointer: str) -> bool:
        """Whether `pointer` is a schema object that `build` walked: reached from the root
        through the subschema keywords of the drafts in force, not only by a JSON pointer."""
        known = self._schemas.get(pointer)
        if known is None:
            known = self._schemas[pointer] = self._walk(pointer)
        return known

    def _walk(self, pointer: str) -> bool:
        from compat.schema.drafts import draft_of_uri

        if pointer and not pointer.startswith("/"):
            return False
        tokens = pointer[1:].split("/") if pointer else []
        node = self.document
        draft = self.draft
        at = 0
        while isinstance(node, dict):
            if at == len(tokens):
                return True
            if "$schema" in node:
                draft = draft_of_uri(node["$schema"]) or draft
            keyword = tokens[at]
            held = _LAYOUTS[draft].get(keyword)
            if held is None or keyword not in node:
                return False
            value = node[keyword]
            how = held[1]
            if how == _ONE or (how == _ITEMS and not isinstance(value, list)):
                if value is None:
                    return False
                node, at = value, at + 1
                continue
            if at + 1 == len(tokens):
                return False
            member = tokens[at + 1]
            if how in (_ARRAY, _ITEMS):
                if not (isinstance(value, list) and member.isascii() and member.isdigit()):
                    return False
                if (member != "0" and member.startswith("0")) or int(member) >= len(value):
                    return False
                node = value[int(member)]
            else:
                name = unescape(member)
                if not isinstance(value, dict) or escape(name) != member or name not in value:
                    return False
                node = value[name]
            at += 2
        return False

    def _lookup(self, pointer: str) -> Any:
        known = self._looked_up.get(pointer, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        node = self.document
        if pointer != "":
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
                    node = _MISSING
                    break
        self._looked_up[pointer] = node
        return node

    def lookup(self, pointer: str) -> Any:
        value = self._lookup(pointer)
        if value is _MISSING:
            raise CompatError(f"{self.label}: nothing at {pointer or '/'}")
        return value


_UNKNOWN = object()
_MISSING = object()
