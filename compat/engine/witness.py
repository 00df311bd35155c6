"""Counterexamples: a small event valid under one version and rejected by the other.

Candidates are built from the normalised schemas (a minimal valid event, with a value at the
changed location chosen for the rule: the removed enum value, the old bound, a missing required
property...), and every candidate is checked with `jsonschema` against both whole documents
before it is shown. A counterexample is therefore a proof: it turns an unknown direction into
breaking, and it can never contradict a compatible verdict (the tests hold the engine to that).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.diff.facts import Path, render_path
from compat.engine.strategies import EXTRA_NAME
from compat.schema.instances import (
    NoValue,
    branch_declaring,
    item_schema,
    minimal,
    names_matching,
    property_schema,
)
from compat.schema.model import Node, Ref, deref

if TYPE_CHECKING:
    from compat.schema.load import LoadedSchema


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
            if not accept.is_valid(instance) or reject.is_valid(instance):
                return None
            errors = list(reject.iter_errors(instance))  # the message, once it is a split
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
        required = None
        with contextlib.suppress(NoValue):
            required = minimal(condition)
        if isinstance(required, dict):
            out += [{**required, **value} for value in objects]
    return out


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
        built: list[Any] = []
        for value in values:
            if tried >= limit:
                break
            tried += 1
            try:
                built.append(place(root, location, value))
            except (NoValue, RecursionError, TypeError, ValueError):
                continue
        # Candidates whose numbers both validators read alike are screened by the fast one;
        # the others (huge integers, fractions) only python-jsonschema can judge, which costs
        # a walk of the whole event each: they go last.
        plain = [i for i in built if not _numeric_edge(i)]
        edge = [i for i in built if _numeric_edge(i)]
        for instance in plain + edge:
            error = validators.split(instance, direction)
            if error is not None:
                return Counterexample(
                    direction, instance, valid_under, rejected_by, error, render_path(location)
                )
        if tried >= limit:
            break
    return None
