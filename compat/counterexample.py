"""Counterexamples: a small event valid under one version and rejected by the other.

Candidates are built from the normalised schemas (a minimal valid event, with a value at the
changed location chosen for the rule: the removed enum value, the old bound, a missing required
property...), and every candidate is checked with `jsonschema` against both whole documents
before it is shown. A counterexample is therefore a proof: it turns an unknown direction into
breaking, and it can never contradict a compatible verdict (the tests hold the engine to that).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.diff.facts import Path, render_path
from compat.schema.model import Node, Ref, deref

if TYPE_CHECKING:
    from compat.schema.load import LoadedSchema

MAX_DEPTH = 48
EXTRA_NAME = "cws_compat_extra"
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
SCALARS: list[Any] = [
    None,
    False,
    True,
    0,
    -1,
    1,
    0.5,
    "",
    "a",
    "0",
    " ",
    [],
    {},
    [None],
    {"a": 0},
    {"z": 0},
]


class _NoValue(Exception):
    pass


@dataclass(frozen=True)
class Counterexample:
    direction: str  # "backward": valid under old, rejected by new; "forward": the reverse
    instance: Any
    valid_under: str
    rejected_by: str
    error: str
    instance_path: str


class Validators:
    """Both documents' validators, under the run's one format setting.

    jsonschema-rs screens candidates quickly; a candidate that separates the versions is then
    confirmed with jsonschema, the reference implementation, and shown only if both agree.
    """

    def __init__(self, old: LoadedSchema, new: LoadedSchema, assert_formats: bool) -> None:
        from compat.formats import reference_checker
        from compat.schema.compiled import TooDeep, fast_validator
        from compat.schema.drafts import validator_class

        def reference(schema: LoadedSchema) -> Any:
            cls = validator_class(schema.draft)
            checker = reference_checker(schema.draft, assert_formats)
            return cls(schema.source.document, format_checker=checker)

        def fast(schema: LoadedSchema) -> Any:
            if schema.fast is not None and schema.asserts_formats == assert_formats:
                return schema.fast
            try:
                return fast_validator(
                    schema.source.document, schema.draft, assert_formats, schema.label
                )
            except TooDeep:
                return None

        self.old = reference(old)
        self.new = reference(new)
        self.fast_old = fast(old)
        self.fast_new = fast(new)

    def split(self, instance: Any, direction: str) -> str | None:
        """The rejecting side's error when `instance` separates the versions, else None."""
        backward = direction == "backward"
        fast_accept, fast_reject = (
            (self.fast_old, self.fast_new) if backward else (self.fast_new, self.fast_old)
        )
        accept, reject = (self.old, self.new) if backward else (self.new, self.old)
        try:
            if (
                fast_accept is not None
                and fast_reject is not None
                and not _numeric_edge(instance)
                and (not fast_accept.is_valid(instance) or fast_reject.is_valid(instance))
            ):
                return None
            if not accept.is_valid(instance):
                return None
            errors = list(reject.iter_errors(instance))
        except Exception:
            # the reference validator cannot judge this candidate (a regex Python's `re` does
            # not compile, a recursion limit...): it proves nothing, try the next one
            return None
        if not errors:
            return None
        from jsonschema.exceptions import best_match

        error = best_match(errors)
        assert error is not None
        where = "".join(f"/{part}" for part in error.absolute_path) or "/"
        return f"{where}: {error.message}"


def _numeric_edge(value: Any, depth: int = 0) -> bool:
    """Numbers on which validators' arithmetic may differ (huge integers, fractions): there the
    reference validator alone decides, as it is the one the verdicts are held to."""
    if depth > 64:
        return False
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > 2**53
    if isinstance(value, float):
        return True
    if isinstance(value, list):
        return any(_numeric_edge(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_numeric_edge(v, depth + 1) for v in value.values())
    return False


def minimal(node: Node | Ref | None, depth: int = 0) -> Any:
    """A small value the node accepts (best effort; callers verify)."""
    target = deref(node)
    if depth > MAX_DEPTH:
        raise _NoValue
    if target is None or target.boolean is True:
        return {}
    if target.boolean is False:
        raise _NoValue
    if target.enum is not None:
        if not target.enum:
            raise _NoValue
        return target.enum[0]
    if target.ref is not None:
        return minimal(target.ref, depth + 1)
    for kind in _preferred_types(target):
        try:
            return _minimal_of(target, kind, depth)
        except _NoValue:
            continue
    if target.all_of:
        return minimal(target.all_of[0], depth + 1)
    branches = target.any_of or target.one_of
    if branches:
        return minimal(branches[0], depth + 1)
    raise _NoValue


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


def _minimal_of(node: Node, kind: str, depth: int) -> Any:
    if kind == "object":
        out: dict[str, Any] = {}
        for name in sorted(node.required):
            out[name] = minimal(_property_schema(node, name), depth + 1)
        return out
    if kind == "array":
        count = node.min_items or 0
        return [minimal(_item_schema(node, i), depth + 1) for i in range(count)]
    if kind == "string":
        if node.format in FORMAT_SAMPLES:
            return FORMAT_SAMPLES[node.format]
        length = node.min_length or 0
        text = "a" * length
        if node.pattern is not None:
            generated = regex_sample(node.pattern, length)
            for candidate in (generated, text, "", "a", "0", "A", "a" * max(length, 1)):
                if candidate is not None and _matches(node.pattern, candidate):
                    return candidate
        return text
    if kind in ("integer", "number"):
        return _number(node, kind == "integer")
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    raise _NoValue


def _number(node: Node, integer: bool) -> int | float:
    try:
        return _number_within(node, integer)
    except (OverflowError, ZeroDivisionError, ValueError):
        raise _NoValue from None


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
    if text is not None and len(text) < length and _matches(pattern, text + "a" * length):
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


def _matches(pattern: str, text: str) -> bool:
    import re

    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _property_schema(node: Node, name: str) -> Node | Ref | None:
    if name in node.properties:
        return node.properties[name]
    for pattern, schema in node.pattern_properties.items():
        if _matches(pattern, name):
            return schema
    return node.additional_properties


def _branch_declaring(node: Node, name: str) -> Node | None:
    """The first allOf/anyOf/oneOf branch of `node` that declares property `name`."""
    for branches in (node.all_of, node.any_of, node.one_of):
        for branch in branches or []:
            target = deref(branch)
            if target is not None and name in target.properties:
                return target
    return None


def _item_schema(node: Node, index: int) -> Node | Ref | None:
    if index < len(node.prefix_items):
        return node.prefix_items[index]
    return node.items


def place(root: Node | Ref, path: Path, value: Any) -> Any:
    """An event valid (as far as built) down to `path`, with `value` at `path`."""

    def build(node: Node | Ref | None, index: int) -> Any:
        if index == len(path):
            return value
        target = deref(node)
        kind, arg = path[index]
        if kind in ("prop", "additional"):
            name = arg if kind == "prop" else EXTRA_NAME
            container = minimal(target) if target is not None else {}
            if not isinstance(container, dict):
                container = {}
            child = _property_schema(target, name) if target is not None else None
            branch = _branch_declaring(target, name) if target is not None else None
            if branch is not None:
                # the property lives in a combinator branch: build the object that branch
                # accepts (its discriminator, its required properties) around the value
                with contextlib.suppress(_NoValue, RecursionError):
                    base = minimal(branch)
                    if isinstance(base, dict):
                        container = {**container, **base}
                if target is not None and name not in target.properties:
                    child = branch.properties[name]
            container[name] = build(child, index + 1)
            return container
        if kind in ("item", "index"):
            # `item` is any position past the tuple (prefixItems) part
            prefix = len(target.prefix_items) if target is not None else 0
            position = prefix if kind == "item" else int(arg)
            items = []
            for i in range(position):
                items.append(minimal(_item_schema(target, i)) if target is not None else None)
            child = _item_schema(target, position) if target is not None else None
            items.append(build(child, index + 1))
            if target is not None:
                while len(items) < (target.min_items or 0):
                    items.append(minimal(_item_schema(target, len(items))))
            return items
        if kind == "pattern" and target is not None:
            names = _names_matching(str(arg))
            if not names:
                raise _NoValue
            container = minimal(target)
            if not isinstance(container, dict):
                container = {}
            container[names[0]] = build(target.pattern_properties.get(str(arg)), index + 1)
            return container
        if kind == "names" and index + 1 == len(path) and isinstance(value, str):
            # the value is a property name: an object that has it
            container = minimal(target) if target is not None else {}
            if not isinstance(container, dict):
                container = {}
            schema = _property_schema(target, value) if target is not None else None
            container[value] = minimal(schema)
            return container
        raise _NoValue

    return build(root, 0)


def candidates(
    rule: str, args: dict[str, Any], accept: Node, reject: Node, old: Any, new: Any
) -> list[Any]:
    """Values to try at the changed location, the most telling first."""
    out: list[Any] = []
    branch = deref(args.get("branch_node"))
    if branch is not None:
        # a combinator branch added or removed: values of that branch, and at its bounds
        out += _values(branch)
        out += _near_numbers(branch, branch)
        out += ["a" * n for n in _lengths(branch, branch)]

    def attempt(factory: Any) -> None:
        with contextlib.suppress(_NoValue, RecursionError, TypeError, ValueError, OverflowError):
            out.append(factory())

    base: Any = None
    with contextlib.suppress(_NoValue):
        base = minimal(accept)
    name = args.get("name")
    if rule.startswith("property-") and name is not None:
        schema = _property_schema(accept, name)
        for value in [*_values(schema), *SCALARS]:
            if isinstance(base, dict):
                out.append({**base, name: value})
    elif rule.startswith("required-") and isinstance(base, dict):
        out.append({k: v for k, v in base.items() if k != name})
    elif rule.startswith("additional-properties") and isinstance(base, dict):
        for value in [*_values(accept.additional_properties), *SCALARS]:
            out.append({**base, EXTRA_NAME: value})
    elif rule.startswith("pattern-property") and isinstance(base, dict):
        for name in _names_matching(args.get("pattern", "")):
            for value in SCALARS:
                out.append({**base, name: value})
    elif rule.startswith("enum-value") or rule == "const-changed":
        out += list(args.get("values") or ([old] if rule == "const-changed" else []))
    elif rule.startswith("integer-float-form"):
        whole = [v for v in _near_numbers(accept, reject) if float(v).is_integer()]
        out += [float(v) for v in whole] + [1.0, 0.0, -0.0, 2.0]
    elif rule.startswith(("number-bounds", "multiple-of")):
        out += _near_numbers(accept, reject)
    elif rule.startswith("string-length"):
        out += ["a" * n for n in _lengths(accept, reject)]
    elif rule.startswith("array-length") and isinstance(base, list):
        item = base[0] if base else _safe(lambda: minimal(_item_schema(accept, 0)))
        out += [[item] * n for n in _lengths(accept, reject)]
    elif rule.startswith("unique-items") and isinstance(base, list):
        attempt(lambda: [minimal(_item_schema(accept, 0))] * 2)
    elif rule.startswith("contains-count"):
        for node in (accept, reject):
            matching = _safe(lambda node=node: minimal(node.contains))
            if matching is not None:
                out += [[matching] * n for n in _lengths(accept, reject)]
    elif rule.startswith("property-count") and isinstance(base, dict):
        for count in _lengths(accept, reject):
            attempt(lambda count=count: _object_of_size(accept, base, count))
    elif rule.startswith("dependent-required") and isinstance(base, dict) and name is not None:
        for node in (accept, reject):
            names = set(node.dependent_required.get(name, ()))
            attempt(
                lambda names=names: {
                    **{k: v for k, v in base.items() if k not in names},
                    name: minimal(_property_schema(accept, name)),
                }
            )
    if base is not None:
        out.append(base)
    for kind in sorted(
        accept.types or ("array", "boolean", "integer", "null", "number", "object", "string")
    ):
        attempt(lambda kind=kind: _minimal_of(accept, kind, 0))
    out += SCALARS
    out += _near_numbers(accept, reject)
    return out + _float_forms(out)


def _float_forms(values: list[Any]) -> list[Any]:
    """Whole numbers written with a fraction (`1.0`, `-0.0`): draft-04's `integer` rejects
    them where later drafts accept them."""
    found: list[Any] = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
            found.append(float(value))
            if value == 0:
                found.append(-0.0)
    return found


def enriched(values: list[Any], hints: dict[str, Any] | None, direction: str) -> list[Any]:
    """Object candidates completed with what makes a conditional part apply: a dependency's
    trigger property, or the values an `if` requires."""
    if not hints:
        return []
    out: list[Any] = []
    objects = [v for v in values if isinstance(v, dict)][:12]
    trigger = hints.get("trigger")
    if trigger is not None:
        for value in objects:
            samples: tuple[Any, ...] = (0, "a", True, None, {})
            out += [{**value, trigger: x} for x in samples if trigger not in value]
    when = hints.get("when")
    if when is not None:
        condition = when[0] if direction == "backward" else when[1]
        required = _safe(lambda: minimal(condition))
        if isinstance(required, dict):
            out += [{**required, **value} for value in objects]
    return out


def _object_of_size(node: Node, base: dict[str, Any], count: int) -> dict[str, Any]:
    """An object with `count` properties, declared ones first, keeping the required ones."""
    out = dict(base)
    names = [n for n in node.properties if n not in out]
    extra = 0
    while len(out) < count:
        if names:
            name = names.pop(0)
        else:
            name, extra = f"{EXTRA_NAME}_{extra}", extra + 1
        out[name] = minimal(_property_schema(node, name))
    while len(out) > count:
        out.pop(next(reversed(out)))
    return out


def _names_matching(pattern: str) -> list[str]:
    """A few property names the regex matches (literal prefixes only; callers verify)."""
    import re

    core = pattern.removeprefix("^").removesuffix("$")
    literal = re.sub(r"\\(.)", r"\1", core)
    guesses = [literal, literal + "a", "a" + literal, "a"]
    return [g for g in guesses if _matches(pattern, g)][:2]


def _safe(factory: Any) -> Any:
    try:
        return factory()
    except _NoValue:
        return None


def _values(schema: Node | Ref | None) -> list[Any]:
    target = deref(schema)
    if target is None:
        return []
    found = []
    with contextlib.suppress(_NoValue):
        found.append(minimal(target))
    if target.enum:
        found += target.enum
    return found


def _near_numbers(accept: Node, reject: Node) -> list[Any]:
    values: list[Any] = []
    for node in (accept, reject):
        for bound in (node.lower, node.upper):
            if bound is not None and not isinstance(bound.value, bool):
                v = bound.value
                values += [v, v - 1, v + 1]
                if abs(v) < 2**53:  # beyond, v +- 0.5 is no number a float can hold
                    values += [v - 0.5, v + 0.5]
        if node.multiple_of:
            values += [node.multiple_of * k for k in (1, 2, 3, 5, 7, 11, 17, 23)]
            # integers beyond a float's precision: exact and float division disagree there
            values += [2**53 + 1, 10**20 + 1, 2**64 + 2, 1e308]
    return [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]


def _lengths(accept: Node, reject: Node) -> list[int]:
    found: set[int] = set()
    for node in {id(accept): accept, id(reject): reject}.values():
        for value in (
            node.min_length,
            node.max_length,
            node.min_items,
            node.max_items,
            node.min_properties,
            node.max_properties,
            node.min_contains,
            node.max_contains,
        ):
            if value is not None:
                found |= {max(value - 1, 0), value, value + 1}
    return sorted(found)


def find(
    validators: Validators,
    direction: str,
    roots: tuple[Node | Ref, Node | Ref],
    locations: list[Path],
    values: list[Any],
    labels: tuple[str, str],
    limit: int = 60,
) -> Counterexample | None:
    """The first candidate that the accepting side takes and the other rejects."""
    root = roots[0] if direction == "backward" else roots[1]
    valid_under, rejected_by = labels if direction == "backward" else labels[::-1]
    tried = 0
    for location in locations[:3]:
        for value in values:
            if tried >= limit:
                return None
            tried += 1
            try:
                instance = place(root, location, value)
            except (_NoValue, RecursionError, TypeError, ValueError):
                continue
            error = validators.split(instance, direction)
            if error is not None:
                return Counterexample(
                    direction, instance, valid_under, rejected_by, error, render_path(location)
                )
    return None
