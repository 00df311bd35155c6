"""The verdict engine: load two schemas, diff them, judge every fact, find counterexamples,
and sum it all up per direction. Formatters render the `Report` and judge nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compat.counterexample import Counterexample, Validators, candidates, enriched, find
from compat.diff.facts import render_path
from compat.diff.walk import ABSENT, diff
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN, Classified, classify, worst
from compat.schema.load import LoadedSchema, load

MODES = ("backward", "forward", "full")
STRICT_PROOF = True
DIRECTIONS = {"backward": ("backward",), "forward": ("forward",), "full": ("backward", "forward")}


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

    def verdict(self, direction: str) -> str:
        return self.backward if direction == "backward" else self.forward

    def is_annotation(self) -> bool:
        return self.backward == COMPATIBLE and self.forward == COMPATIBLE


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
        return all(self.verdict(d) in passing for d in DIRECTIONS[self.mode])

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
        return any(change.verdict(d) in bad for d in DIRECTIONS[self.mode])


def compare_specs(
    old_spec: str,
    new_spec: str,
    store_root: Path,
    mode: str = "backward",
    assert_formats: bool = False,
    allow_unknown: bool = False,
    default_draft: str | None = None,
) -> Report:
    old = load(old_spec, store_root, default_draft, assert_formats)
    new = load(new_spec, store_root, default_draft, assert_formats)
    return compare(old, new, mode, assert_formats, allow_unknown)


def compare(
    old: LoadedSchema,
    new: LoadedSchema,
    mode: str = "backward",
    assert_formats: bool = False,
    allow_unknown: bool = False,
) -> Report:
    result = diff(old.document, new.document, assert_formats)
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
    changes.sort(key=lambda c: (-_severity(c), c.schema_path, c.rule))
    return Report(
        old.label, new.label, old.draft, new.draft, mode, assert_formats, allow_unknown, changes
    )


def _node_pointer(result: Any, fact: Any, side: int) -> str | None:
    nodes = result.nodes.get(fact.pair)
    if nodes is None or nodes[side].pointer == ABSENT:
        return None
    return str(nodes[side].pointer)


def _restricted(node: Any) -> bool:
    return bool(
        node.all_of
        or node.any_of
        or node.one_of
        or node.not_ is not None
        or node.if_ is not None
        or node.ref is not None
    )


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
    result: Any,
    validators: Validators,
    roots: Any,
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
            if verdict == BREAKING and STRICT_PROOF:
                # a break is claimed only with a checked counterexample; without one the
                # engine cannot tell (other keywords may exclude the values in question)
                _set(change, direction, UNKNOWN)
            continue
        change.counterexamples.append(found)
        _set(change, direction, BREAKING)  # a checked counterexample is a proof
