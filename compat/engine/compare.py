"""The verdict engine: load two schemas, diff them, judge every fact, find counterexamples,
and sum it all up per direction. Formatters render the `Report` and judge nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compat.diff.facts import DiffResult, Fact, render_path
from compat.diff.walk import ABSENT, diff
from compat.engine.model import Change, Report, set_verdict
from compat.engine.settle import settle
from compat.prove import Prover
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN, Classified, classify, worst
from compat.schema.load import LoadedSchema
from compat.schema.model import Node, Ref, canonical
from compat.util.gcpause import collector_paused

if TYPE_CHECKING:
    from collections.abc import Callable

    from compat.engine.witness import Validators


def compare(
    old: LoadedSchema,
    new: LoadedSchema,
    mode: str = "backward",
    assert_formats: bool = False,
    allow_unknown: bool = False,
) -> Report:
    """Compare two loaded schemas by meaning: every change with its rule and verdicts, each
    direction held to a proof (see engine/settle.py)."""
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
    validators = _OnDemand(old, new, assert_formats)
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
                subject=render_path(fact.suffix) if fact.suffix else "",
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
                change.places.append(path)
        _evidence(change, item, result, validators, roots, labels)
    changes = _once([merged[k] for k in order])
    changes += settle(changes, prover, validators, roots, labels)
    changes.sort(key=lambda c: (-_severity(c), c.schema_path, c.rule))
    return Report(
        old.label, new.label, old.draft, new.draft, mode, assert_formats, allow_unknown, changes
    )


def _once(changes: list[Change]) -> list[Change]:
    """The changes with each neutral one (compatible both ways: an annotation, say) told once
    per instance path: the same edit written in two places that reach the same instance path
    (a description beside a $ref and the same one in the definition) is one change for the
    reader. The change that reaches more instance paths keeps them; another keeps only the
    paths it adds, and goes when it adds none. Verdicts are untouched: only neutral changes
    with the same rule and the same edit are merged."""
    groups: dict[tuple[Any, ...], list[Change]] = {}
    for change in changes:
        if (
            change.backward == COMPATIBLE
            and change.forward == COMPATIBLE
            and change.instance_paths
            and not change.instance_paths_truncated
        ):
            key = (change.rule, change.message, canonical(change.old), canonical(change.new))
            groups.setdefault(key, []).append(change)
    gone: set[int] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        told: set[str] = set()
        for change in sorted(group, key=lambda c: -len(c.instance_paths)):
            fresh = [path for path in change.instance_paths if path not in told]
            told.update(fresh)
            if fresh:
                change.instance_paths = fresh
            else:
                gone.add(id(change))
    return [change for change in changes if id(change) not in gone]


class _OnDemand:
    """Both documents' validators, built when the first candidate is checked: a diff whose
    changes are all compatible and proven never compiles them (nor imports the reference
    validator)."""

    def __init__(self, old: LoadedSchema, new: LoadedSchema, assert_formats: bool) -> None:
        self._args = (old, new, assert_formats)
        self._built: Validators | None = None

    def __call__(self) -> Validators:
        if self._built is None:
            from compat.engine.witness import Validators

            self._built = Validators(*self._args)
        return self._built


def _node_pointer(result: DiffResult, fact: Fact, side: int) -> str | None:
    nodes = result.nodes.get(fact.pair)
    if nodes is None or nodes[side].pointer == ABSENT:
        return None
    return str(nodes[side].pointer)


def _severity(change: Change) -> int:
    rank = {COMPATIBLE: 0, UNKNOWN: 1, BREAKING: 2}
    return max(rank[change.backward], rank[change.forward])


def _evidence(
    change: Change,
    item: Classified,
    result: DiffResult,
    validators: Callable[[], Validators],
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
        from compat.engine.strategies import candidates
        from compat.engine.witness import enriched, find

        accept, reject = nodes if direction == "backward" else nodes[::-1]
        values = candidates(item.rule, fact.args, accept, reject, fact.old, fact.new)
        if fact.negated:
            # under `not` the values that separate the versions are those of the inner schemas
            values += candidates(item.rule, fact.args, reject, accept, fact.new, fact.old)
        values += enriched(values, result.hints.get(fact.pair), direction)
        found = find(validators(), direction, roots, locations, values, labels, nodes)
        if found is None:
            if verdict == BREAKING:
                # a break is claimed only with a checked counterexample; without one the
                # engine cannot tell (other keywords may exclude the values in question)
                set_verdict(change, direction, UNKNOWN)
            continue
        change.counterexamples.append(found)
        set_verdict(change, direction, BREAKING)  # a checked counterexample is a proof
