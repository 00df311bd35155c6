"""Small instances a schema node accepts: the building blocks of counterexamples.

Best effort and unverified: whatever is built here is checked against the real validators
before anyone sees it.
"""

from __future__ import annotations

import math
from typing import Any

from compat.schema.model import Node, Ref, deref

MAX_DEPTH = 48
MAX_SIZE = 100_000  # the longest string, array or object built for a counterexample
FORMAT_SAMPLES = {
    "date-time": "2021-01-01T00:00:00Z",
    "date": "2021-01-01",
    "time": "00:00:00Z",
    "email": "agent@example.invalid",
    "hostname": "example.invalid",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.invalid/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


class NoValue(Exception):
    """No instance could be built."""


def minimal(node: Node | Ref | None, depth: int = 0) -> Any:
    """A small value the node accepts (best effort; callers verify)."""
    target = deref(node)
    if depth > MAX_DEPTH:
        raise NoValue
    if target is None or target.boolean is True:
        return {}
    if target.boolean is False:
        raise NoValue
    if target.enum is not None:
        if not target.enum:
            raise NoValue
        return target.enum[0]
    if target.ref is not None:
        return minimal(target.ref, depth + 1)
    for kind in _preferred_types(target):
        try:
            return minimal_of(target, kind, depth)
        except NoValue:
            continue
    if target.all_of:
        return minimal(target.all_of[0], depth + 1)
    branches = target.any_of or target.one_of
    if branches:
        return minimal(branches[0], depth + 1)
    raise NoValue


def _preferred_types(node: Node) -> list[str]:
    if node.types is None:
        if node.properties or node.required or node.additional_properties is not None:
            return ["object"]
        if node.items is not None or node.prefix_items:
            return ["array"]
        return ["object", "string", "integer", "null"]
    raw = node.raw.get("type") if isinstance(node.raw, dict) else None
    order = [raw] if isinstance(raw, str) else list(raw or [])
    return [t for t in order if t in node.types] or sorted(node.types)


def minimal_of(node: Node, kind: str, depth: int) -> Any:
    if kind == "object":
        out: dict[str, Any] = {}
        for name in sorted(node.required):
            out[name] = minimal(property_schema(node, name), depth + 1)
        return out
    if kind == "array":
        count = node.min_items or 0
        if count > MAX_SIZE:
            raise NoValue
        return [minimal(item_schema(node, i), depth + 1) for i in range(count)]
    if kind == "string":
        if node.format in FORMAT_SAMPLES:
            return FORMAT_SAMPLES[node.format]
        length = node.min_length or 0
        if length > MAX_SIZE:
            raise NoValue
        text = "a" * length
        if node.pattern is not None:
            generated = regex_sample(node.pattern, length)
            for candidate in (generated, text, "", "a", "0", "A", "a" * max(length, 1)):
                if candidate is not None and matches(node.pattern, candidate):
                    return candidate
        return text
    if kind in ("integer", "number"):
        return _number(node, kind == "integer")
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    raise NoValue


def _number(node: Node, integer: bool) -> int | float:
    try:
        return _number_within(node, integer)
    except (OverflowError, ZeroDivisionError, ValueError):
        raise NoValue from None


def _number_within(node: Node, integer: bool) -> int | float:
    value: float = 0
    if node.lower is not None:
        value = node.lower.value + (1 if node.lower.exclusive else 0)
        if integer:
            value = math.ceil(value)
    if node.upper is not None and (
        value > node.upper.value or (value == node.upper.value and node.upper.exclusive)
    ):
        value = node.upper.value - (1 if node.upper.exclusive else 0)
        if integer:
            value = math.floor(value)
    if node.multiple_of:
        value = math.ceil(value / node.multiple_of) * node.multiple_of
    if integer or float(value).is_integer():
        return int(value)
    return value


def regex_sample(pattern: str, length: int = 0) -> str | None:
    """A string the regex matches, built from its parse tree (simple regexes; None when
    unsure). Padded towards `length` with the regex's own first character when it can."""
    try:
        try:
            from re import _parser as parser  # type: ignore[attr-defined]
        except ImportError:  # Python 3.10
            import sre_parse as parser

        text = _sample(parser.parse(pattern), parser)
    except Exception:  # any construct the sampler does not know
        return None
    if text is not None and len(text) < length and matches(pattern, text + "a" * length):
        text = text + "a" * (length - len(text))
    return text


def _sample(tokens: Any, parser: Any) -> str | None:
    out = []
    constants = parser
    for op, arg in tokens:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if arg != ord("a") else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "AT":
            continue
        elif name == "IN":
            char = _class_char(arg)
            if char is None:
                return None
            out.append(char)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            piece = _sample(sub, constants)
            if piece is None:
                return None
            out.append(piece * max(low, 0))
        elif name == "SUBPATTERN":
            piece = _sample(arg[-1], constants)
            if piece is None:
                return None
            out.append(piece)
        elif name == "BRANCH":
            piece = _sample(arg[1][0], constants)
            if piece is None:
                return None
            out.append(piece)
        else:
            return None
    return "".join(out)


def _class_char(items: Any) -> str | None:
    negated = any(str(op) == "NEGATE" for op, _ in items)
    if negated:
        banned: set[str] = set()
        for op, arg in items:
            if str(op) == "LITERAL":
                banned.add(chr(arg))
            elif str(op) == "RANGE":
                banned |= {chr(c) for c in range(arg[0], min(arg[1], arg[0] + 200) + 1)}
        return next((c for c in "aZ0_-x" if c not in banned), None)
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            category = str(arg)
            if "NOT" in category:
                return None
            return {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}.get(
                category
            )
    return None


def matches(pattern: str, text: str) -> bool:
    """re.search, False when Python cannot compile the regex."""
    import re

    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def property_schema(node: Node, name: str) -> Node | Ref | None:
    if name in node.properties:
        return node.properties[name]
    for pattern, schema in node.pattern_properties.items():
        if matches(pattern, name):
            return schema
    return node.additional_properties


def branch_declaring(node: Node, name: str) -> Node | None:
    """The first allOf/anyOf/oneOf branch of `node` that declares property `name`."""
    for branches in (node.all_of, node.any_of, node.one_of):
        for branch in branches or []:
            target = deref(branch)
            if target is not None and name in target.properties:
                return target
    return None


def item_schema(node: Node, index: int) -> Node | Ref | None:
    if index < len(node.prefix_items):
        return node.prefix_items[index]
    return node.items


def names_matching(pattern: str) -> list[str]:
    """A few property names the regex matches (literal prefixes only; callers verify)."""
    import re

    core = pattern.removeprefix("^").removesuffix("$")
    literal = re.sub(r"\\(.)", r"\1", core)
    guesses = [literal, literal + "a", "a" + literal, "a"]
    return [g for g in guesses if matches(pattern, g)][:2]
