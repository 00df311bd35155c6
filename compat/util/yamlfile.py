"""YAML schema files: safe loading into the JSON values a schema is made of, with the same
one-line errors as JSON input, and the line of a JSON pointer for annotations.

Loading is safe (PyYAML's SafeLoader: no Python objects) and refuses, rather than guesses:

- what JSON cannot hold: non-string keys, timestamps, binary, sets, NaN and infinities,
  duplicate keys (YAML forbids them; a JSON parser would keep the last one silently);
- plain scalars that YAML 1.1 (PyYAML) and YAML 1.2 (most other tools, Go's yaml.v3) read
  differently: `yes`/`no`/`on`/`off`, `0777`, `1_000`, `1e3`, `0o17`, `2021-01-12`, `<<`;
  quoting them says which is meant;
- aliases (`*name`): a schema reuses parts with `$ref`, and aliases can expand without end.
"""

from __future__ import annotations

import math
import re
from typing import Any

from compat.errors import CompatError
from compat.util.files import decode_utf8

YAML_SUFFIXES = (".yaml", ".yml")

# the YAML 1.2 core schema's plain scalars (https://yaml.org/spec/1.2.2/#1023-core-schema)
_CORE = [
    ("null", re.compile(r"^(?:~|null|Null|NULL|)$")),
    ("bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")),
    ("int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")),
    (
        "float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
        ),
    ),
]
_TAG = "tag:yaml.org,2002:"
_WORDS = {
    "null": "null",
    "bool": "boolean",
    "int": "integer",
    "float": "number",
    "str": "string",
    "timestamp": "date",
    "merge": "merge key",
    "value": "value key",
}
_AMBIGUOUS = "tag:cws-compat,2024:ambiguous"
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]")


def is_yaml(name: str) -> bool:
    return name.lower().endswith(YAML_SUFFIXES)


def _core_tag(value: str) -> str:
    for name, pattern in _CORE:
        if pattern.match(value):
            return _TAG + name
    return _TAG + "str"


def _loader_class() -> Any:
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor
    from yaml.nodes import MappingNode, ScalarNode

    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        yaml_constructors: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's registry

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            tag = super().resolve(kind, value, implicit)
            if kind is ScalarNode and implicit[0] and tag != _core_tag(value):
                return _AMBIGUOUS
            return tag

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise ConstructorError(
                    None,
                    None,
                    f"alias *{event.anchor} (YAML aliases are not read: reuse schemas with $ref)",
                    event.start_mark,
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if not isinstance(node, MappingNode):
                raise ConstructorError(None, None, "expected a mapping", node.start_mark)
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise ConstructorError(
                        None,
                        None,
                        f"the key {key_node.value!r} is not a string (JSON object keys are "
                        "strings): quote it",
                        key_node.start_mark,
                    )
                if key in mapping:
                    raise ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                mapping[key] = self.construct_object(value_node, deep=deep)
            return mapping

    def ambiguous(loader: Any, node: Any) -> Any:
        read = yaml.SafeLoader.resolve(loader, ScalarNode, node.value, (True, False))
        as_11 = _WORDS.get(read.removeprefix(_TAG), read)
        as_12 = _WORDS[_core_tag(node.value).removeprefix(_TAG)]
        raise ConstructorError(
            None,
            None,
            f"{node.value!r} reads as a {as_11} in YAML 1.1 and as a {as_12} in YAML 1.2: "
            "quote it (or write it the one way both read alike)",
            node.start_mark,
        )

    def integer(loader: Any, node: Any) -> Any:
        if _LEADING_ZERO.match(node.value):
            raise ConstructorError(
                None,
                None,
                f"{node.value!r} is octal in YAML 1.1 and decimal in YAML 1.2: quote it or "
                "drop the leading zero",
                node.start_mark,
            )
        from compat.util.files import check_int_digits

        try:
            check_int_digits(node.value)
        except ValueError as exc:
            raise ConstructorError(None, None, str(exc), node.start_mark) from None
        return SafeConstructor.construct_yaml_int(loader, node)

    def number(loader: Any, node: Any) -> Any:
        value = SafeConstructor.construct_yaml_float(loader, node)
        if not math.isfinite(value):
            raise ConstructorError(
                None, None, f"{node.value} is not a JSON number", node.start_mark
            )
        return value

    def sequence(loader: Any, node: Any) -> Any:
        return loader.construct_sequence(node, deep=True)

    def mapping(loader: Any, node: Any) -> Any:
        return loader.construct_mapping(node, deep=True)

    def other(loader: Any, node: Any) -> Any:
        raise ConstructorError(
            None, None, f"{node.tag} has no JSON value (JSON has no such type)", node.start_mark
        )

    Loader.add_constructor(_TAG + "null", SafeConstructor.construct_yaml_null)
    Loader.add_constructor(_TAG + "bool", SafeConstructor.construct_yaml_bool)
    Loader.add_constructor(_TAG + "int", integer)
    Loader.add_constructor(_TAG + "float", number)
    Loader.add_constructor(_TAG + "str", SafeConstructor.construct_yaml_str)
    Loader.add_constructor(_TAG + "seq", sequence)
    Loader.add_constructor(_TAG + "map", mapping)
    Loader.add_constructor(_AMBIGUOUS, ambiguous)
    Loader.add_constructor(None, other)
    return Loader


_LOADER: Any = None


def _loader() -> Any:
    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    return _LOADER


def _error(label: str, exc: Any) -> CompatError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context:
        problem = f"{context}, {problem}"
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return CompatError(f"{label}: invalid YAML{where}: {problem}")


def parse_yaml(text: str, label: str) -> Any:
    """One YAML document as a JSON value."""
    import yaml

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        value = None if node is None else loader.construct_document(node)
        if "\\u" in text or "\\U" in text:  # only an escape can make a lone surrogate
            from compat.util.files import refuse_lone_surrogates

            refuse_lone_surrogates(value, label, "YAML")
        return value
    except yaml.YAMLError as exc:
        raise _error(label, exc) from None
    except RecursionError:
        raise CompatError(f"{label}: invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def load_yaml_schema(data: bytes, label: str) -> Any:
    """A schema document from YAML: an object, or `true`/`false`."""
    from compat.util.files import json_type

    value = parse_yaml(decode_utf8(data, label), label)
    if not isinstance(value, (dict, bool)):
        raise CompatError(
            f"{label}: a schema must be a JSON object (or true/false), found {json_type(value)}"
        )
    return value


def locate(text: str, pointer: str | None) -> tuple[int, int]:
    """(line, column) of the pointer's member in a YAML text, or of its nearest existing
    ancestor (as util/jsonpos.locate does for JSON)."""
    import yaml
    from yaml.nodes import MappingNode, SequenceNode

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return 1, 1
    finally:
        loader.dispose()
    if node is None:
        return 1, 1
    mark = node.start_mark
    parts = [p.replace("~1", "/").replace("~0", "~") for p in (pointer or "").split("/")[1:]]
    for part in parts:
        found = None
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if getattr(key, "value", None) == part:
                    found, mark = value, key.start_mark
                    break
        elif isinstance(node, SequenceNode) and part.isdigit() and int(part) < len(node.value):
            found = node.value[int(part)]
            mark = found.start_mark
        if found is None:
            break
        node = found
    return mark.line + 1, mark.column + 1
