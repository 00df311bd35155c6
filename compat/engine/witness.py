"""Counterexamples: a small event valid under one version and rejected by the other.

Candidates are built from the normalised schemas (a minimal valid event, with a value at the
changed location chosen for the rule: the removed enum value, the old bound, a missing required
property...), and every candidate is checked by two validators before it is shown: jsonschema-rs,
and the engine's own evaluator (`prove.evaluate`, which follows python-jsonschema, the reference,
wherever validators differ); where the evaluator cannot tell, or numbers only the reference reads
right are involved, python-jsonschema decides. A counterexample is therefore a proof: it turns an
unknown direction into breaking, and it can never contradict a compatible verdict (the tests and
the soundness harness hold the engine to that, the harness with python-jsonschema itself).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from compat.diff.facts import Path, Segment, render_path
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


class Counterexample:
    """An event valid under one version and rejected by the other, with the rejecting
    validator's message (worked out by python-jsonschema when first asked for: the text
    report never shows it, and importing python-jsonschema costs more than most diffs)."""

    __slots__ = ("_error", "direction", "instance", "instance_path", "rejected_by", "valid_under")

    def __init__(
        self,
        direction: str,  # "backward": valid under old, rejected by new; "forward": the reverse
        instance: Any,
        valid_under: str,
        rejected_by: str,
        error: str | Callable[[], str],
        instance_path: str,
    ) -> None:
        self.direction = direction
        self.instance = instance
        self.valid_under = valid_under
        self.rejected_by = rejected_by
        self.instance_path = instance_path
        self._error = error

    @property
    def error(self) -> str:
        if not isinstance(self._error, str):
            self._error = self._error()
        return self._error

    def __repr__(self) -> str:
        return (
            f"Counterexample({self.direction!r}, {self.instance!r}, {self.valid_under!r}, "
            f"{self.rejected_by!r}, {self.instance_path!r})"
        )


# A counterexample with more JSON values than this is confirmed by python-jsonschema at the
# changed subschema rather than on the whole event (and by jsonschema-rs on the whole event):
# python-jsonschema takes 20-120 us a value, so an event 8,000 levels deep would cost a
# second a walk (see docs/soundness.md, "Counterexamples").
WHOLE_EVENT_LIMIT = 500

# Documents with more normalised subschemas than this are not compiled with jsonschema-rs for
# counterexamples: a compiled validator takes about 2 KB a subschema (200 MiB for a schema of
# 10,000 definitions), more than the few candidates it would screen are worth. There the
# evaluator screens and python-jsonschema confirms.
COMPILE_LIMIT = 20_000


@dataclass(frozen=True)
class Scope:
    """Where a candidate sits: its path of keys in the event, the value there, and the
    subschemas (JSON pointers) the accepting and the rejecting side apply to that value."""

    keys: tuple[str | int, ...]
    value: Any
    accept_pointer: str
    reject_pointer: str
    accept_site: Node
    reject_site: Node


class Validators:
    """What judges candidates, under the run's one format setting: both documents'
    jsonschema-rs validators (a quick screen), the engine's evaluator (the confirmation), and
    python-jsonschema's validators, imported and built only when the evaluator cannot tell."""

    def __init__(self, old: LoadedSchema, new: LoadedSchema, assert_formats: bool) -> None:
        from compat.prove.evaluate import Evaluator

        self._schemas = (old, new)
        self._assert_formats = assert_formats
        self._reference: tuple[Any, Any] | None = None
        self._local: bool | None = None
        self._fast: tuple[Any, Any] | None = None
        self.evaluator = Evaluator(assert_formats, exact=True)
        self.frames: dict[Any, Any] = {}  # the counterexample frames' levels, for the run

    @property
    def fast_old(self) -> Any:
        return self._compiled()[0]

    @property
    def fast_new(self) -> Any:
        return self._compiled()[1]

    def _compiled(self) -> tuple[Any, Any]:
        """jsonschema-rs validators for (old, new), compiled on first use; (None, None) for
        documents too large (see `COMPILE_LIMIT`) or too deep to compile."""
        if self._fast is None:
            from compat.schema.compiled import TooDeep, fast_validator

            def compile_(schema: LoadedSchema) -> Any:
                if len(schema.document.nodes) > COMPILE_LIMIT:
                    return None
                try:
                    return fast_validator(
                        schema.source.document, schema.draft, self._assert_formats, schema.label
                    )
                except TooDeep:
                    return None

            old, new = (compile_(s) for s in self._schemas)
            self._fast = (old, new) if old is not None and new is not None else (None, None)
        return self._fast

    def reference(self) -> tuple[Any, Any]:
        """python-jsonschema's validators for (old, new), built on first use."""
        if self._reference is None:
            from compat.schema.drafts import validator_class
            from compat.schema.formats import reference_checker

            def build(schema: LoadedSchema) -> Any:
                cls = validator_class(schema.draft)
                checker = reference_checker(schema.draft, self._assert_formats)
                return cls(schema.source.document, format_checker=checker)

            self._reference = (build(self._schemas[0]), build(self._schemas[1]))
        return self._reference

    def local_allowed(self, scope: Scope | None) -> bool:
        """Whether a candidate may be judged at its subschemas (with another validator judging
        the whole event): one draft throughout (what a `$ref` to the pointer means is what the
        path meant), and no dynamic references (whose meaning depends on the path taken)."""
        if scope is None:
            return False
        if self._local is None:
            self._local = all(
                s.document.draft == s.draft and not s.document.index.dynamic and _plain(s)
                for s in self._schemas
            )
        return self._local

    def split(
        self, instance: Any, direction: str, scope: Scope | None = None
    ) -> Callable[[], str] | None:
        """When `instance` separates the versions, a function giving the rejecting side's
        message; else None.

        Two validators must agree, one of them on the whole event: jsonschema-rs (whole) with
        the evaluator (whole, or at the subschemas for a large event); without jsonschema-rs
        (a document too large to compile), the evaluator (whole) with python-jsonschema (at the
        subschemas) for a large event; else python-jsonschema alone, the reference.
        """
        edge = _numeric_edge(instance)
        fast = None if edge else self._compiled()
        rs = fast is not None and fast[0] is not None
        big = not edge and _larger_than(instance, WHOLE_EVENT_LIMIT)
        local = scope if big and self.local_allowed(scope) else None
        try:
            # the cheap screen first: most candidates separate nothing
            if rs:
                assert fast is not None
                accept, reject = fast if direction == "backward" else fast[::-1]
                if not accept.is_valid(instance) or reject.is_valid(instance):
                    return None
            elif local is not None:
                if self._evaluated(instance, direction, local) is False:
                    return None
            elif not big and not edge and self._evaluated(instance, direction, None) is False:
                return None
            if not edge:
                judged = self._evaluated(instance, direction, local if rs else None)
                if rs and judged:
                    return functools.partial(self._explain, instance, direction, local)
                if not rs and judged is False:
                    return None
                if not rs and local is not None and judged:
                    message = self._reference_split(instance, direction, local)
                    return None if message is None else functools.partial(str, message)
        except Exception:
            return None  # a validator cannot judge this candidate: it proves nothing
        # the reference decides (with jsonschema-rs judging the whole event, for a large one)
        message = self._reference_split(instance, direction, local if rs else None)
        return None if message is None else functools.partial(str, message)

    def _reference_split(self, instance: Any, direction: str, local: Scope | None) -> str | None:
        """python-jsonschema's message when it finds the candidate a split (at the subschemas
        when `local`), else None."""
        try:
            old, new = self.reference()
            accept, reject = (old, new) if direction == "backward" else (new, old)
            if local is not None:
                return _local_split(accept, reject, local)
            if not accept.is_valid(instance):
                return None
            return _message(list(reject.iter_errors(instance)), ())
        except Exception:
            # the reference validator cannot judge this candidate (a regex Python's `re` does
            # not compile, a recursion limit...): it proves nothing, try the next one
            return None

    def _evaluated(self, instance: Any, direction: str, local: Scope | None) -> bool | None:
        """The evaluator's judgement: True when the accepting side takes the candidate and the
        rejecting side refuses it (at the subschemas, for `local`), False when it is sure they
        do not, None when it cannot tell."""
        if local is not None:
            sites: tuple[Node | Ref, Node | Ref] = (local.accept_site, local.reject_site)
            value = local.value
        else:
            old, new = (s.document.root for s in self._schemas)
            sites = (old, new) if direction == "backward" else (new, old)
            value = instance
        try:
            taken = self.evaluator.accepts(sites[0], value)
            if taken is False:
                return False
            refused = self.evaluator.accepts(sites[1], value)
        except RecursionError:
            return None
        if refused is True:
            return False
        if taken is True and refused is False:
            return True
        return None

    def _explain(self, instance: Any, direction: str, local: Scope | None) -> str:
        """python-jsonschema's message for a confirmed counterexample (jsonschema-rs's when
        python-jsonschema cannot give one)."""
        old, new = self.reference()
        accept, reject = (old, new) if direction == "backward" else (new, old)
        try:
            if local is not None:
                message = _local_split(accept, reject, local)
            else:
                message = _message(list(reject.iter_errors(instance)), ())
        except Exception:
            message = None
        if message is not None:
            return message
        fast = self.fast_new if direction == "backward" else self.fast_old
        for error in fast.iter_errors(instance) if fast is not None else ():
            where = "".join(f"/{part}" for part in error.instance_path) or "/"
            return f"{where}: {error.message}"
        return "/: rejected"


def _local_split(accept: Any, reject: Any, scope: Scope) -> str | None:
    """python-jsonschema's verdict on the value at its subschemas: the accepting side's
    subschema takes it and the rejecting side's refuses it (jsonschema-rs has judged the
    whole event the same way)."""
    taker = accept.evolve(schema={"$ref": "#" + _fragment(scope.accept_pointer)})
    if not taker.is_valid(scope.value):
        return None
    refuser = reject.evolve(schema={"$ref": "#" + _fragment(scope.reject_pointer)})
    return _message(list(refuser.iter_errors(scope.value)), scope.keys)


def _fragment(pointer: str) -> str:
    from urllib.parse import quote

    return quote(pointer, safe="/~!$&'()*+,;=:@")


def _message(errors: list[Any], prefix: tuple[str | int, ...]) -> str | None:
    if not errors:
        return None
    from jsonschema.exceptions import best_match

    error = best_match(errors)
    assert error is not None
    where = "".join(f"/{part}" for part in (*prefix, *error.absolute_path)) or "/"
    return f"{where}: {error.message}"


def _plain(schema: LoadedSchema) -> bool:
    """One draft in every node, and no dynamic or recursive reference anywhere."""
    for node in schema.document.nodes.values():
        if isinstance(node, Node) and (
            node.draft != schema.draft
            or (node.unsupported and any(k in node.unsupported for k in _DYNAMIC_KEYWORDS))
        ):
            return False
    return True


_DYNAMIC_KEYWORDS = ("$dynamicRef", "$recursiveRef")


def _larger_than(value: Any, limit: int) -> bool:
    """Whether `value` holds more than `limit` JSON values (stops counting there)."""
    stack = [value]
    count = 0
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _numeric_edge(value: Any) -> bool:
    """Numbers on which validators' arithmetic may differ (huge integers, fractions): there the
    reference validator alone decides, as it is the one the verdicts are held to."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > 2**53:
                return True
        elif isinstance(item, float):
            return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return False


Level = tuple[str, Any, Any, "str | int"]  # shape, the container around the hole, its key
_FAILED = object()


class Frame:
    """An event valid (as far as built) down to a path, with a hole at the path's end.

    Built once per path; `plug(value)` puts a candidate in the hole by copying only the
    containers along the path, so trying many candidates deep in a schema costs the path's
    length each, not the event's size. The levels are kept in `cache` (one per run: a level
    depends only on the node and the step), so paths sharing a prefix build it once.
    """

    def __init__(self, root: Node | Ref, path: Path, cache: dict[Any, Any] | None = None) -> None:
        # per level: the container without the child (a dict, or the items before and after
        # it), and the key the child sits at
        self.levels: list[Level] = []
        self.names_target: Node | None = None
        self.edge = False
        cache = {} if cache is None else cache
        node: Node | Ref | None = root
        for index, step in enumerate(path):
            target = deref(node)
            if step[0] == "names":
                if index + 1 != len(path):
                    raise NoValue
                # the value is a property name: an object that has it
                self.names_target = target
                container = minimal(target) if target is not None else {}
                if not isinstance(container, dict):
                    container = {}
                self.levels.append(("names", container, None, ""))
                break
            key = (id(target), step)
            found = cache.get(key)
            if found is None:
                try:
                    found = _level(target, step)
                except (NoValue, RecursionError, TypeError, ValueError):
                    found = _FAILED
                cache[key] = found
                cache[(key, "alive")] = target  # ids are only unique while their nodes live
            if found is _FAILED:
                raise NoValue
            level, node, edge = cast(tuple[Level, "Node | Ref | None", bool], found)
            self.levels.append(level)
            self.edge = self.edge or edge
        self.keys: tuple[str | int, ...] = tuple(
            level[3] for level in self.levels if level[0] != "names"
        )
        # the whole subschema at the hole (the changed pair may be one `allOf` branch of it)
        self.hole: Node | Ref | None = None if self.names_target is not None else node

    def plug(self, value: Any) -> Any:
        out = value
        for shape, first, second, key in reversed(self.levels):
            if shape == "dict":
                out = {**first, key: out}
            elif shape == "list":
                out = [*first, out, *second]
            else:
                if not isinstance(out, str):
                    raise NoValue
                target = self.names_target
                schema = property_schema(target, out) if target is not None else None
                out = {**first, out: minimal(schema)}
        return out


def _level(target: Node | None, step: Segment) -> tuple[Level, Node | Ref | None, bool]:
    """One step of a frame: the container at `target` around the child the step leads to,
    that child's schema, and whether the container holds numbers only python-jsonschema can
    judge (the value it had at the hole's key is replaced, so it does not count)."""
    kind, arg = step
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
        edge = _numeric_edge([v for k, v in container.items() if k != name])
        return ("dict", container, None, name), child, edge
    if kind in ("item", "index"):
        # `item` is any position past the tuple (prefixItems) part
        prefix = len(target.prefix_items) if target is not None else 0
        position = prefix if kind == "item" else int(arg)
        before = [
            minimal(item_schema(target, i)) if target is not None else None for i in range(position)
        ]
        after: list[Any] = []
        if target is not None:
            while position + 1 + len(after) < (target.min_items or 0):
                after.append(minimal(item_schema(target, position + 1 + len(after))))
        child = item_schema(target, position) if target is not None else None
        return ("list", before, after, position), child, _numeric_edge([before, after])
    if kind == "pattern" and target is not None:
        names = names_matching(str(arg))
        if not names:
            raise NoValue
        container = minimal(target)
        if not isinstance(container, dict):
            container = {}
        edge = _numeric_edge([v for k, v in container.items() if k != names[0]])
        return ("dict", container, None, names[0]), target.pattern_properties.get(str(arg)), edge
    raise NoValue


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
    sites: tuple[Node | Ref | None, Node | Ref | None] | None = None,
    limit: int = 60,
) -> Counterexample | None:
    """The first candidate that the accepting side takes and the other rejects.

    `sites` are the (old, new) subschemas at the end of every location, when known: for
    counterexamples too large to confirm whole (see `WHOLE_EVENT_LIMIT`)."""
    root = roots[0] if direction == "backward" else roots[1]
    valid_under, rejected_by = labels if direction == "backward" else labels[::-1]
    pointers = _pointers(sites, direction)
    tried = 0
    for location in locations[:3]:
        batch = values[: max(0, limit - tried)]
        tried += len(batch)
        try:
            frame = Frame(root, location, validators.frames)
        except (NoValue, RecursionError, TypeError, ValueError):
            continue
        # Candidates whose numbers both validators read alike are screened by the fast one;
        # the others (huge integers, fractions) only python-jsonschema can judge, which costs
        # a walk of the whole event each: they go last. Only the value (and a property name's
        # value) can hold such numbers when the frame does not.
        if frame.edge:
            ordered = batch
        else:
            whole = frame.names_target is not None
            edges = [_numeric_edge(_try_plug(frame, v) if whole else v) for v in batch]
            ordered = [v for v, e in zip(batch, edges, strict=True) if not e]
            ordered += [v for v, e in zip(batch, edges, strict=True) if e]
        for value in [*ordered, *_completed(frame, ordered)]:
            instance = _try_plug(frame, value)  # plugged only when tried: deep frames cost
            if instance is _FAILED:
                continue
            scope = None
            if pointers is not None and location[-1:] != (("names", None),):
                scope = Scope(frame.keys, value, *pointers)
            explain = validators.split(instance, direction, scope)
            if explain is not None:
                return Counterexample(
                    direction, instance, valid_under, rejected_by, explain, render_path(location)
                )
        if tried >= limit:
            break
    return None


def _completed(frame: Frame, values: list[Any], count: int = 12) -> list[Any]:
    """Object candidates completed with what the whole subschema at the hole requires: a
    candidate built from one `allOf` branch lacks what the sibling branches require (tried
    after the candidates as they are; the validators judge each)."""
    target = deref(frame.hole)
    if target is None or not (target.all_of or target.ref is not None):
        return []
    base = _conjoined(target)
    if not base:
        return []
    out = []
    for value in values:
        if isinstance(value, dict) and not base.keys() <= value.keys():
            out.append({**base, **value})
            if len(out) >= count:
                break
    return out


def _conjoined(target: Node, depth: int = 0) -> dict[str, Any]:
    """An object meant to meet `target` and each of its `allOf` branches and `$ref` at once:
    their small objects merged (best effort, a few levels; the validators judge it)."""
    out: dict[str, Any] = {}
    with contextlib.suppress(NoValue, RecursionError, TypeError, ValueError):
        value = minimal(target)
        if isinstance(value, dict):
            out.update(value)
    if depth < 4:
        for site in [*(target.all_of or []), *([target.ref] if target.ref is not None else [])]:
            branch = deref(site)
            if branch is not None:
                out.update({k: v for k, v in _conjoined(branch, depth + 1).items() if k not in out})
    return out


def _try_plug(frame: Frame, value: Any) -> Any:
    try:
        return frame.plug(value)
    except (NoValue, RecursionError, TypeError, ValueError):
        return _FAILED


def _pointers(
    sites: tuple[Node | Ref | None, Node | Ref | None] | None, direction: str
) -> tuple[str, str, Node, Node] | None:
    """The JSON pointers of the accepting and the rejecting subschema, when both are real, and
    the subschemas."""
    if sites is None:
        return None
    accept, reject = sites if direction == "backward" else sites[::-1]
    found = []
    for site in (accept, reject):
        node = deref(site)
        if node is None or not (node.pointer == "" or node.pointer.startswith("/")):
            return None  # an absent subschema's stand-in: nothing to point at
        found.append(node)
    return found[0].pointer, found[1].pointer, found[0], found[1]
