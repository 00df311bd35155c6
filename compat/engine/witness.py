"""Counterexamples: a small event valid under one version and rejected by the other.

Candidates are built from the normalised schemas (a minimal valid event, with a value at the
changed location chosen for the rule: the removed enum value, the old bound, a missing required
property...), and every candidate is checked with `jsonschema` against both whole documents
before it is shown. A counterexample is therefore a proof: it turns an unknown direction into
breaking, and it can never contradict a compatible verdict (the tests hold the engine to that).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.diff.facts import Path, render_path
from compat.schema.instances import (
    NoValue,
    branch_declaring,
    item_schema,
    minimal,
    minimal_of,
    names_matching,
    property_schema,
)
from compat.schema.model import Node, Ref, deref

if TYPE_CHECKING:
    from compat.schema.load import LoadedSchema

EXTRA_NAME = "cws_compat_extra"  # an undeclared property name, for counterexamples
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
        from compat.schema.compiled import TooDeep, fast_validator
        from compat.schema.drafts import validator_class
        from compat.schema.formats import reference_checker

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
            child = property_schema(target, name) if target is not None else None
            branch = branch_declaring(target, name) if target is not None else None
            if branch is not None:
                # the property lives in a combinator branch: build the object that branch
                # accepts (its discriminator, its required properties) around the value
                with contextlib.suppress(NoValue, RecursionError):
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
                items.append(minimal(item_schema(target, i)) if target is not None else None)
            child = item_schema(target, position) if target is not None else None
            items.append(build(child, index + 1))
            if target is not None:
                while len(items) < (target.min_items or 0):
                    items.append(minimal(item_schema(target, len(items))))
            return items
        if kind == "pattern" and target is not None:
            names = names_matching(str(arg))
            if not names:
                raise NoValue
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
            schema = property_schema(target, value) if target is not None else None
            container[value] = minimal(schema)
            return container
        raise NoValue

    return build(root, 0)


@dataclass
class Spot:
    """What a witness strategy knows about the change: the rule's arguments, the node that
    must accept the value and the one that should reject it, and the old and new keyword
    values, plus a minimal value the accepting node takes (None when none was built)."""

    args: dict[str, Any]
    accept: Node
    reject: Node
    old: Any
    new: Any
    base: Any


Strategy = Callable[[Spot], list[Any]]


def _attempt(factory: Callable[[], Any]) -> list[Any]:
    with contextlib.suppress(NoValue, RecursionError, TypeError, ValueError, OverflowError):
        return [factory()]
    return []


def _property_value(spot: Spot) -> list[Any]:
    name = spot.args.get("name")
    if name is None or not isinstance(spot.base, dict):
        return []
    schema = property_schema(spot.accept, name)
    return [{**spot.base, name: value} for value in [*_values(schema), *SCALARS]]


def _required_missing(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, dict):
        return []
    return [{k: v for k, v in spot.base.items() if k != spot.args.get("name")}]


def _extra_property(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, dict):
        return []
    values = [*_values(spot.accept.additional_properties), *SCALARS]
    return [{**spot.base, EXTRA_NAME: value} for value in values]


def _pattern_property(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, dict):
        return []
    names = names_matching(spot.args.get("pattern", ""))
    return [{**spot.base, name: value} for name in names for value in SCALARS]


def _enum_values(spot: Spot) -> list[Any]:
    return list(spot.args.get("values") or [])


def _const_value(spot: Spot) -> list[Any]:
    return [spot.old]


def _float_forms_near(spot: Spot) -> list[Any]:
    whole = [v for v in _near_numbers(spot.accept, spot.reject) if float(v).is_integer()]
    return [float(v) for v in whole] + [1.0, 0.0, -0.0, 2.0]


def _numbers(spot: Spot) -> list[Any]:
    return _near_numbers(spot.accept, spot.reject)


def _string_lengths(spot: Spot) -> list[Any]:
    return ["a" * n for n in _lengths(spot.accept, spot.reject)]


def _array_lengths(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, list):
        return []
    item = spot.base[0] if spot.base else _safe(lambda: minimal(item_schema(spot.accept, 0)))
    return [[item] * n for n in _lengths(spot.accept, spot.reject)]


def _unique_items(spot: Spot) -> list[Any]:
    if not isinstance(spot.base, list):
        return []
    return _attempt(lambda: [minimal(item_schema(spot.accept, 0))] * 2)


def _contains_count(spot: Spot) -> list[Any]:
    out: list[Any] = []
    for node in (spot.accept, spot.reject):
        matching = _safe(lambda node=node: minimal(node.contains))
        if matching is not None:
            out += [[matching] * n for n in _lengths(spot.accept, spot.reject)]
    return out


def _property_count(spot: Spot) -> list[Any]:
    base = spot.base
    if not isinstance(base, dict):
        return []
    out: list[Any] = []
    for count in _lengths(spot.accept, spot.reject):
        out += _attempt(functools.partial(_object_of_size, spot.accept, base, count))
    return out


def _dependent_required(spot: Spot) -> list[Any]:
    base, name = spot.base, spot.args.get("name")
    if not isinstance(base, dict) or name is None:
        return []
    out: list[Any] = []
    for node in (spot.accept, spot.reject):
        names = set(node.dependent_required.get(name, ()))
        out += _attempt(functools.partial(_trigger_without, spot.accept, base, name, names))
    return out


def _trigger_without(
    accept: Node, base: dict[str, Any], name: str, names: set[str]
) -> dict[str, Any]:
    """An object with the dependency's trigger `name` and none of the names it needs."""
    kept = {k: v for k, v in base.items() if k not in names}
    return {**kept, name: minimal(property_schema(accept, name))}


# The strategies rules name in their `witness` field; a test checks that each one exists.
STRATEGIES: dict[str, Strategy] = {
    "generic": lambda spot: [],
    "property-value": _property_value,
    "required-missing": _required_missing,
    "extra-property": _extra_property,
    "pattern-property": _pattern_property,
    "enum-values": _enum_values,
    "const-value": _const_value,
    "float-forms": _float_forms_near,
    "numbers": _numbers,
    "string-lengths": _string_lengths,
    "array-lengths": _array_lengths,
    "unique-items": _unique_items,
    "contains-count": _contains_count,
    "property-count": _property_count,
    "dependent-required": _dependent_required,
}


def candidates(
    rule: str, args: dict[str, Any], accept: Node, reject: Node, old: Any, new: Any
) -> list[Any]:
    """Values to try at the changed location, the most telling first: the rule's own
    strategy, then values of a branch added or removed, then generic ones."""
    from compat.rules import RULES

    out: list[Any] = []
    branch = deref(args.get("branch_node"))
    if branch is not None:
        # a combinator branch added or removed: values of that branch, and at its bounds
        out += _values(branch)
        out += _near_numbers(branch, branch)
        out += ["a" * n for n in _lengths(branch, branch)]
    base: Any = None
    with contextlib.suppress(NoValue):
        base = minimal(accept)
    out += STRATEGIES[RULES[rule].witness](Spot(args, accept, reject, old, new, base))
    if base is not None:
        out.append(base)
    for kind in sorted(
        accept.types or ("array", "boolean", "integer", "null", "number", "object", "string")
    ):
        out += _attempt(functools.partial(minimal_of, accept, kind, 0))
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
        out[name] = minimal(property_schema(node, name))
    while len(out) > count:
        out.pop(next(reversed(out)))
    return out


def _safe(factory: Any) -> Any:
    try:
        return factory()
    except NoValue:
        return None


def _values(schema: Node | Ref | None) -> list[Any]:
    target = deref(schema)
    if target is None:
        return []
    found = []
    with contextlib.suppress(NoValue):
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
            except (NoValue, RecursionError, TypeError, ValueError):
                continue
            error = validators.split(instance, direction)
            if error is not None:
                return Counterexample(
                    direction, instance, valid_under, rejected_by, error, render_path(location)
                )
    return None
