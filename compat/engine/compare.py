"""The verdict engine: load two schemas, diff them, judge every fact, find counterexamples,
and sum it all up per direction. Formatters render the `Report` and judge nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compat.diff.facts import DiffResult, Fact, render_path
from compat.diff.walk import ABSENT, diff
from compat.engine.strategies import candidates
from compat.engine.witness import Counterexample, Validators, enriched, find
from compat.modes import Mode
from compat.prove import Failure, Prover
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN, Classified, classify, worst
from compat.schema.load import LoadedSchema
from compat.schema.model import Node, Ref
from compat.util.gcpause import collector_paused


@dataclass
class Change:
    rule: str
    backward: str
    forward: str
    message: str
    schema_path: str
    old_schema_path: str | None
    new_schema_path: str | None
    instance_paths: list[str]
    instance_paths_truncated: bool
    old: Any
    new: Any
    counterexamples: list[Counterexample] = field(default_factory=list)
    # the schema nodes the change sits in (pointers), for tracing validation errors to it
    old_node: str | None = None
    new_node: str | None = None
    # where the prover stopped, for `compatibility-unproven` (not rendered)
    failures: list[tuple[str, Failure]] = field(default_factory=list, repr=False)

    def verdict(self, direction: str) -> str:
        return self.backward if direction == "backward" else self.forward


@dataclass
class Report:
    old: str
    new: str
    old_draft: str
    new_draft: str
    mode: str
    assert_formats: bool
    allow_unknown: bool
    changes: list[Change]

    @property
    def backward(self) -> str:
        return worst(*(c.backward for c in self.changes))

    @property
    def forward(self) -> str:
        return worst(*(c.forward for c in self.changes))

    def verdict(self, direction: str) -> str:
        return self.backward if direction == "backward" else self.forward

    @property
    def compatible(self) -> bool:
        """Passes under the mode (unknown passes only when allowed)."""
        passing = {COMPATIBLE, UNKNOWN} if self.allow_unknown else {COMPATIBLE}
        return all(self.verdict(d) in passing for d in Mode(self.mode).directions)

    @property
    def bump(self) -> str:
        """major: not backward compatible; minor: the accepted set grows; patch: nothing a
        validator sees changes; none: no change at all."""
        if not self.changes:
            return "none"
        if self.backward != COMPATIBLE:
            return "major"
        if self.forward != COMPATIBLE:
            return "minor"
        return "patch"

    def failing(self, change: Change) -> bool:
        """Does this change fail the mode?"""
        bad = {BREAKING} if self.allow_unknown else {BREAKING, UNKNOWN}
        return any(change.verdict(d) in bad for d in Mode(self.mode).directions)


def compare(
    old: LoadedSchema,
    new: LoadedSchema,
    mode: str = "backward",
    assert_formats: bool = False,
    allow_unknown: bool = False,
) -> Report:
    """Compare two loaded schemas by meaning: every change with its rule and verdicts, each
    direction held to a proof (see `_settle`)."""
    with collector_paused():
        return _compare(old, new, mode, assert_formats, allow_unknown)


def _compare(
    old: LoadedSchema,
    new: LoadedSchema,
    mode: str = "backward",
    assert_formats: bool = False,
    allow_unknown: bool = False,
) -> Report:
    prover = Prover(assert_formats)  # one for the walk and the proof: shared memos
    result = diff(old.document, new.document, assert_formats, prover)
    classified = [c for c in (classify(f) for f in result.facts) if c is not None]
    validators = Validators(old, new, assert_formats)
    roots = (old.document.root, new.document.root)
    labels = (old.label, new.label)
    merged: dict[tuple[Any, ...], Change] = {}
    order: list[tuple[Any, ...]] = []
    for item in classified:
        fact = item.fact
        key = (item.rule, fact.old_path, fact.new_path, item.message)
        paths = result.paths_of(fact)
        change = merged.get(key)
        if change is None:
            change = Change(
                rule=item.rule,
                backward=item.backward,
                forward=item.forward,
                message=item.message,
                schema_path=fact.new_path or fact.old_path or "",
                old_schema_path=fact.old_path,
                new_schema_path=fact.new_path,
                instance_paths=[],
                instance_paths_truncated=fact.pair in result.truncated_paths,
                old=fact.old,
                new=fact.new,
                old_node=_node_pointer(result, fact, 0),
                new_node=_node_pointer(result, fact, 1),
            )
            merged[key] = change
            order.append(key)
        else:
            change.backward = worst(change.backward, item.backward)
            change.forward = worst(change.forward, item.forward)
        for path in paths:
            text = render_path(path)
            if text not in change.instance_paths:
                change.instance_paths.append(text)
        _evidence(change, item, result, validators, roots, labels)
    changes = [merged[k] for k in order]
    changes += _settle(changes, prover, validators, roots, labels)
    changes.sort(key=lambda c: (-_severity(c), c.schema_path, c.rule))
    return Report(
        old.label, new.label, old.draft, new.draft, mode, assert_formats, allow_unknown, changes
    )


def _settle(
    changes: list[Change],
    prover: Prover,
    validators: Validators,
    roots: tuple[Node | Ref, Node | Ref],
    labels: tuple[str, str],
) -> list[Change]:
    """Hold every direction to a proof: `compatible` only where the prover shows that every
    document one side accepts, the other accepts too.

    Where the whole direction is proven, the changes' `unknown`s in it become `compatible`.
    Where it is not, every place the proof stopped must be explained by a change that is
    already breaking or unknown in that direction; any other place becomes a change of its own
    (`compatibility-unproven`, unknown, or breaking once a counterexample is found there), so a
    rule that wrongly calls a change compatible can never make the report say so.
    """
    extra: dict[tuple[str, str], Change] = {}
    for direction in ("backward", "forward"):
        accept, reject = roots if direction == "backward" else roots[::-1]
        proven, failures = prover.diagnose(accept, reject)
        if proven:
            for change in changes:
                if change.verdict(direction) == UNKNOWN:
                    _set(change, direction, COMPATIBLE)
            continue
        blamed = [c for c in changes if c.verdict(direction) != COMPATIBLE]
        if not failures and not blamed:
            # the proof was cut short (size or case budget) before it found a keyword
            failures = [Failure((), "", "(size budget)", ())]
        for failure in failures:
            if any(_explains(c, failure, direction) for c in blamed):
                continue
            _unproven(extra, failure, direction, labels)
            if len(extra) >= MAX_UNPROVEN:
                break
    for change in extra.values():
        _unproven_evidence(change, validators, roots, labels)
    return list(extra.values())


MAX_UNPROVEN = 16


# Which keywords can explain one another: a failure on `minimum` is explained by a change to
# `exclusiveMinimum` of the same node, never by one to `required`.
_FAMILIES = {
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "string": {"minLength", "maxLength", "pattern", "format"},
    "array": {
        "items",
        "prefixItems",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
        "unevaluatedItems",
    },
    "object": {
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "unevaluatedProperties",
    },
    "value": {"type", "enum", "const"},
    "applicator": {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref"},
}


def _family(keyword: str) -> str | None:
    token = keyword.split("/", 1)[0]
    return next((name for name, members in _FAMILIES.items() if token in members), None)


def _within(pointer: str, path: str | None) -> bool:
    return path is not None and (pointer == path or pointer.startswith(path + "/"))


# Checks the prover makes as a whole (their inner steps are not reported): a failure there is
# accounted for by any breaking or unknown change inside the keyword's subschemas.
_WHOLE = {"anyOf", "oneOf", "not", "if", "contains", "propertyNames"}


def _explains(change: Change, failure: Failure, direction: str) -> bool:
    """Does a breaking or unknown change account for a place where the proof stopped?

    It does where it changed a keyword of the same family on the same node; where the failing
    schema lies inside what it changed (on either side); inside a union, `not`, `if`,
    `contains` or `propertyNames` that failed as a whole; and, for a closed object that
    rejects a property, where it changed that object's properties.
    """
    if direction == "backward":
        mine = (change.new_node, change.new_schema_path)
        theirs = (change.old_node, change.old_schema_path)
    else:
        mine = (change.old_node, change.old_schema_path)
        theirs = (change.new_node, change.new_schema_path)
    # "false" and "values" (a finite set checked value by value) fail for any keyword's change
    wanted = None if failure.keyword in ("false", "values") else _family(failure.keyword)
    whole = failure.keyword in _WHOLE
    inside = [f"{failure.b_pointer}/{failure.keyword}"]
    if failure.keyword == "if":
        inside += [f"{failure.b_pointer}/then", f"{failure.b_pointer}/else"]

    def token(node: str | None, path: str | None) -> str | None:
        if node is None or path is None or not path.startswith(node):
            return None
        return path[len(node) :].lstrip("/").split("/", 1)[0]

    def same_family(node: str | None, path: str | None) -> bool:
        found = token(node, path)
        return found is not None and (wanted is None or not found or _family(found) == wanted)

    for side, (node, path) in enumerate((mine, theirs)):
        if node is None:
            continue
        if side == 0:
            if node == failure.b_pointer and (path is None or same_family(node, path)):
                return True
            if _within(failure.b_pointer, path):
                return True
            if whole and any(_within(node, where) for where in inside):
                return True
        elif any(
            _within(p, path) or (p == node and (whole or path is None or same_family(node, path)))
            for p in failure.a_pointers
        ):
            return True
        # a closed object rejecting a property: the change to its properties explains it
        changed = token(node, path) or token(*(theirs if side == 0 else mine))
        if (
            failure.keyword == "false"
            and failure.b_pointer == f"{node}/additionalProperties"
            and changed in ("properties", "patternProperties")
        ):
            return True
    return False


def _unproven(
    extra: dict[tuple[str, str], Change], failure: Failure, direction: str, labels: tuple[str, str]
) -> None:
    where = failure.b_pointer + "/" + failure.keyword
    key = (where, render_path(failure.path))
    change = extra.get(key)
    accepting, other = labels if direction == "backward" else labels[::-1]
    if change is None:
        change = Change(
            rule="compatibility-unproven",
            backward=COMPATIBLE,
            forward=COMPATIBLE,
            message=f"not proven that `{failure.keyword}` here holds for every value "
            f"{accepting} accepts",
            schema_path=where,
            old_schema_path=where if direction == "forward" else None,
            new_schema_path=where if direction == "backward" else None,
            instance_paths=[render_path(failure.path)],
            instance_paths_truncated=False,
            old=None,
            new=None,
            old_node=failure.b_pointer if direction == "forward" else None,
            new_node=failure.b_pointer if direction == "backward" else None,
        )
        extra[key] = change
    _set(change, direction, UNKNOWN)
    change.failures.append((direction, failure))
    if other not in change.message:
        change.message += f" ({other} may reject some)"


def _unproven_evidence(
    change: Change,
    validators: Validators,
    roots: tuple[Node | Ref, Node | Ref],
    labels: tuple[str, str],
) -> None:
    """Search a counterexample where the proof stopped; found, the direction is breaking."""
    for direction, failure in change.failures:
        if failure.b_node is None:
            continue
        accept = failure.a_nodes[0] if failure.a_nodes else failure.b_node
        values = candidates(change.rule, {}, accept, failure.b_node, None, None)
        found = find(validators, direction, roots, [failure.path], values, labels)
        if found is not None:
            change.counterexamples.append(found)
            _set(change, direction, BREAKING)


def _node_pointer(result: DiffResult, fact: Fact, side: int) -> str | None:
    nodes = result.nodes.get(fact.pair)
    if nodes is None or nodes[side].pointer == ABSENT:
        return None
    return str(nodes[side].pointer)


def _set(change: Change, direction: str, verdict: str) -> None:
    if direction == "backward":
        change.backward = verdict
    else:
        change.forward = verdict


def _severity(change: Change) -> int:
    rank = {COMPATIBLE: 0, UNKNOWN: 1, BREAKING: 2}
    return max(rank[change.backward], rank[change.forward])


def _evidence(
    change: Change,
    item: Classified,
    result: DiffResult,
    validators: Validators,
    roots: tuple[Node | Ref, Node | Ref],
    labels: tuple[str, str],
) -> None:
    """Look for a checked counterexample in each direction that is not compatible."""
    fact = item.fact
    nodes = result.nodes.get(fact.pair)
    if nodes is None:
        return
    locations = result.locations(fact)[:3]
    for direction in ("backward", "forward"):
        verdict = item.backward if direction == "backward" else item.forward
        if verdict == COMPATIBLE or any(c.direction == direction for c in change.counterexamples):
            continue
        accept, reject = nodes if direction == "backward" else nodes[::-1]
        values = candidates(item.rule, fact.args, accept, reject, fact.old, fact.new)
        if fact.negated:
            # under `not` the values that separate the versions are those of the inner schemas
            values += candidates(item.rule, fact.args, reject, accept, fact.new, fact.old)
        values += enriched(values, result.hints.get(fact.pair), direction)
        found = find(validators, direction, roots, locations, values, labels)
        if found is None:
            if verdict == BREAKING:
                # a break is claimed only with a checked counterexample; without one the
                # engine cannot tell (other keywords may exclude the values in question)
                _set(change, direction, UNKNOWN)
            continue
        change.counterexamples.append(found)
        _set(change, direction, BREAKING)  # a checked counterexample is a proof
