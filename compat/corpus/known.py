"""The error groups of a rejected event without building its errors, where that is exact.

jsonschema-rs builds every error of a rejected event, each carrying its instance converted back
to Python; in a corpus where most events are rejected for the same few reasons that is most of
the time spent. Yet the group keys (schema path, instance path pattern) of an event follow from
much less, for keywords of a simple kind:

- the keyword is *local*: whether it fails at a place depends on the value there only (`type`,
  `required`, `additionalProperties: false` beside `properties`, `enum`, `pattern`, lengths,
  bounds, ...), and
- its schema node is *plainly placed*: reached from the root only through `properties`, `items`
  (one schema for every item) and `$ref`, never through a combinator, a condition, a pattern
  or a recursion, so the places it applies to in an event are a fixed list of paths
  (`process.ancestors[].executable`) and removing the keyword changes nothing else.

A version's *known* keywords are such keywords, seen failing on earlier events. When the
version with its known keywords removed accepts an event, every error of the event comes from a
known keyword, and where each one fails is read off the event: a lookup for the structural
keywords, jsonschema-rs itself on the single value for the others. Every event whose errors
are built anyway (the first of a group, or one failing elsewhere) checks this reading against
the real errors; a difference switches it off for the version.

Schemas outside this fragment (a `$id` or anchor below the root, an embedded `$schema`,
unevaluated* or dynamic references) never use it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GroupKey = tuple[tuple[Any, ...], tuple[Any, ...]]  # (schema path, instance path pattern)

ITEMS = object()  # a step into every item of an array (a property could be named "[]")
MAX_PLACES = 256  # paths to one node beyond which it is not worth following
MAX_KNOWN = 64

STRUCTURAL = {"type", "required", "additionalProperties"} | {
    "minProperties",
    "maxProperties",
    "minItems",
    "maxItems",
}
# keywords that look at the value where they stand and at nothing else
VALUE = {
    "enum",
    "const",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "multipleOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "uniqueItems",
}


@dataclass
class _Keyword:
    schema_path: tuple[Any, ...]
    pointer: str  # of its node
    name: str
    places: list[tuple[Any, ...]]  # where its node applies: property names and ITEMS
    patterns: list[tuple[Any, ...]]  # the same as group keys write them
    fails: Callable[[Any], bool]
    # the property names a failure at a value is about (validate.error_names), if any
    names: Callable[[Any], list[str]] | None = None


class KnownErrors:
    """What is known of one version's errors (see the module)."""

    def __init__(self, document: Any, draft: str, assert_formats: bool, label: str) -> None:
        self.document = document
        self.draft = draft
        self.assert_formats = assert_formats
        self.label = label
        self.known: dict[tuple[Any, ...], _Keyword] = {}
        self.refused: set[tuple[Any, ...]] = set()
        self.without: Any = None  # the version without its known keywords
        self.off = False
        self._places: dict[str, list[tuple[Any, ...]]] | None = None  # pointer -> paths
        self._raw: dict[str, Any] = {}  # pointer -> the node's keywords

    # -- the fast path ---------------------------------------------------------------------

    def keys(self, event: Any) -> dict[GroupKey, tuple[str, ...]] | None:
        """The group keys of `event` (rejected by the version), each with the property names
        its errors are about (validate.error_names), or None when not known."""
        if self.without is None or self.off or not self.without.is_valid(event):
            return None
        found = self._predict(event, self.known.values())
        if not found:
            self.off = True  # never expected: rejected, yet no known keyword fails
            return None
        return found

    def _predict(self, event: Any, keywords: Any) -> dict[GroupKey, tuple[str, ...]]:
        found: dict[GroupKey, tuple[str, ...]] = {}
        for keyword in keywords:
            fails, names = keyword.fails, keyword.names
            for place, pattern in zip(keyword.places, keyword.patterns, strict=True):
                failing = [value for value in _at(event, place) if fails(value)]
                if not failing:
                    continue
                key = (keyword.schema_path, pattern)
                if names is None:
                    found[key] = ()
                else:
                    mine = set(found.get(key, ()))
                    for value in failing:
                        mine.update(names(value))
                    found[key] = tuple(sorted(mine))
        return found

    # -- learning from built errors --------------------------------------------------------

    def learn(self, event: Any, keys: dict[GroupKey, tuple[str, ...]]) -> None:
        """`keys`: the group keys of `event`'s errors, built by jsonschema-rs, each with the
        property names its errors are about."""
        if self.off:
            return
        if self._places is None and not self._analyse():
            self.off = True
            return
        known = self.known
        seen = {key: names for key, names in keys.items() if key[0] in known}
        if self._predict(event, known.values()) != seen or (
            len(seen) < len(keys) and self.without is not None and self.without.is_valid(event)
        ):
            # never expected: the reading of the known keywords does not match the errors, or
            # the version without them accepts an event that fails elsewhere
            self.off = True
            return
        added = False
        for schema_path, _ in keys:
            if schema_path in known or schema_path in self.refused or len(known) >= MAX_KNOWN:
                continue
            keyword = self._keyword(schema_path)
            mine = {key: names for key, names in keys.items() if key[0] == schema_path}
            if keyword is None or self._predict(event, [keyword]) != mine:
                self.refused.add(schema_path)
                continue
            known[schema_path] = keyword
            added = True
        if added and not self._recompile():
            self.off = True

    def _recompile(self) -> bool:
        from compat.schema.compiled import fast_validator

        document = copy.deepcopy(self.document)
        for keyword in self.known.values():
            node = _lookup(document, keyword.pointer)
            if not isinstance(node, dict) or keyword.name not in node:
                return False
            del node[keyword.name]
        try:
            self.without = fast_validator(document, self.draft, self.assert_formats, self.label)
        except Exception:
            return False
        return True

    def _keyword(self, schema_path: tuple[Any, ...]) -> _Keyword | None:
        if not schema_path or not all(isinstance(t, str) for t in schema_path):
            return None
        name = schema_path[-1]
        pointer = "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in schema_path[:-1])
        assert self._places is not None
        places = self._places.get(pointer)
        raw = self._raw.get(pointer)
        if places is None or not isinstance(raw, dict) or name not in raw:
            return None
        fails = self._test(name, raw)
        if fails is None:
            return None
        patterns = [tuple("[]" if step is ITEMS else step for step in place) for place in places]
        return _Keyword(schema_path, pointer, name, places, patterns, fails, _names(name, raw))

    def _test(self, name: str, raw: dict[str, Any]) -> Callable[[Any], bool] | None:
        """Whether the keyword fails on a value, exactly as the version's validator says."""
        value = raw[name]
        if name == "required" and isinstance(value, list):
            needed = list(value)
            return lambda v: type(v) is dict and any(n not in v for n in needed)
        if name == "additionalProperties":
            if value is not False or "patternProperties" in raw:
                return None
            declared = set(raw.get("properties") or ())
            return lambda v: type(v) is dict and any(k not in declared for k in v)
        if name in ("minProperties", "maxProperties", "minItems", "maxItems"):
            if type(value) is not int:
                return None
            kind = dict if name.endswith("Properties") else list
            if name.startswith("min"):
                return lambda v: type(v) is kind and len(v) < value
            return lambda v: type(v) is kind and len(v) > value
        if name not in VALUE and name != "type":
            return None
        if self.draft == "draft-04" and name in (
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
        ):
            return None  # draft-04 bounds read their boolean exclusive siblings
        single = self._single(name, value)
        if single is None:
            return None
        if name == "type":
            types = {value} if isinstance(value, str) else set(value)
            object_ok, array_ok = "object" in types, "array" in types

            def wrong_type(v: Any) -> bool:
                kind = type(v)
                if kind is dict:
                    return not object_ok
                if kind is list:
                    return not array_ok
                return not single(v)

            return wrong_type
        return lambda v: not single(v)

    def _single(self, name: str, value: Any) -> Callable[[Any], bool] | None:
        from compat.schema.compiled import fast_validator

        try:
            validator = fast_validator({name: value}, self.draft, self.assert_formats, self.label)
        except Exception:
            return None
        is_valid: Callable[[Any], bool] = validator.is_valid
        return is_valid

    # -- where each node applies -----------------------------------------------------------

    def _analyse(self) -> bool:
        """Index the plainly placed nodes and their places; False outside the fragment."""
        from compat.schema.model import Node, Ref
        from compat.schema.normalize import normalise

        try:
            model = normalise(self.document, self.draft, self.label)
        except Exception:
            return False
        index = model.index
        if set(index.resources.values()) != {""} or index.anchors or index.dynamic:
            return False
        nodes: list[Node] = []
        by_id: dict[int, Node] = {}

        def target(item: Node | Ref | None) -> Node | None:
            while isinstance(item, Ref):
                item = item.target
            return item

        # every node, and which ones some non-plain keyword reaches (tainted)
        tainted: set[int] = set()
        stack: list[tuple[Node, bool]] = []
        root = target(model.root)
        if root is None:
            return False
        stack.append((root, False))
        visited: set[tuple[int, bool]] = set()
        while stack:
            node, taint = stack.pop()
            if (id(node), taint) in visited:
                continue
            visited.add((id(node), taint))
            if id(node) not in by_id:
                by_id[id(node)] = node
                nodes.append(node)
            if node.unsupported or node.draft != self.draft:
                return False
            if taint:
                tainted.add(id(node))
            for child, step in _children(node):
                found = target(child)
                if found is not None:
                    stack.append((found, taint or step is False))
        # the places of each untainted node, following plain edges; a node on a cycle (and all
        # below it) has endless places and is left out
        places: dict[int, list[tuple[Any, ...]]] = {id(root): [()]}
        for node in _topological(root, target, tainted):
            mine = places.get(id(node))
            if mine is None or id(node) in tainted:
                continue
            for child, step in _children(node):
                found = target(child)
                if found is None or step is False or id(found) in tainted:
                    continue
                below = places.setdefault(id(found), [])
                below += [(*place, step) for place in mine]
                if len(below) > MAX_PLACES:
                    _taint_below(found, target, tainted)
        self._places = {}
        pointers: dict[str, int] = {}
        for node in nodes:
            if id(node) in tainted or id(node) not in places:
                continue
            if node.pointer in pointers and pointers[node.pointer] != id(node):
                self._places.pop(node.pointer, None)  # one body read two ways: left out
                continue
            pointers[node.pointer] = id(node)
            self._places[node.pointer] = places[id(node)]
            self._raw[node.pointer] = node.raw
        return True


def _names(name: str, raw: dict[str, Any]) -> Callable[[Any], list[str]] | None:
    """The property names a failure of `required` or `additionalProperties: false` is about,
    as jsonschema-rs names them (validate.error_names)."""
    if name == "required":
        needed = list(raw["required"])
        return lambda v: [n for n in needed if n not in v]
    if name == "additionalProperties":
        declared = set(raw.get("properties") or ())
        return lambda v: [k for k in v if k not in declared]
    return None


def _children(node: Any) -> list[tuple[Any, Any]]:
    """(subschema, how it is reached): a property name or ITEMS for a plain step, False for
    any other keyword; the subschemas are the prover's (fingerprint.children)."""
    from compat.prove.fingerprint import children

    found: list[tuple[Any, Any]] = []
    for label, sub in children(node):
        if sub is None:
            continue  # a list's count, not a subschema
        if isinstance(label, tuple) and label[0] == "properties":
            found.append((sub, label[1]))
        elif label == "items" and not node.prefix_items:
            found.append((sub, ITEMS))
        else:
            found.append((sub, False))
    return found


def _topological(root: Any, target: Any, tainted: set[int]) -> list[Any]:
    """The nodes reached by plain steps, each after every node with a plain step to it; the
    nodes on or below a cycle are added to `tainted`."""
    order: list[Any] = []
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, step = stack.pop()
        if step == 0:
            if id(node) in state:
                continue
            state[id(node)] = 1
        children = [target(child) for child, step in _children(node) if step is not False]
        children = [c for c in children if c is not None]
        if step < len(children):
            stack.append((node, step + 1))
            child = children[step]
            if state.get(id(child)) == 1:
                _taint_below(child, target, tainted)  # a cycle: endless places
            elif state.get(id(child)) != 2:
                stack.append((child, 0))
            continue
        state[id(node)] = 2
        order.append(node)
    order.reverse()
    return order


def _taint_below(node: Any, target: Any, tainted: set[int]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in tainted:
            continue
        tainted.add(id(current))
        for child, _ in _children(current):
            found = target(child)
            if found is not None:
                stack.append(found)


def _at(event: Any, place: tuple[Any, ...]) -> list[Any]:
    """The values at `place` in `event` (every item where it says ITEMS)."""
    values = [event]
    for step in place:
        if step is ITEMS:
            values = [item for value in values if type(value) is list for item in value]
        else:
            values = [value[step] for value in values if type(value) is dict and step in value]
        if not values:
            break
    return values


def _lookup(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node
