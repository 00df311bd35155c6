"""Every rejection is traced to the diff change that explains it, or reported unexplained."""

from __future__ import annotations

import copy
import gzip
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from compat.corpus.generate import generate_events
from compat.corpus.manifest import read_manifest
from compat.corpus.run import failures, run
from compat.schema.load import prepare
from compat.schema.source import SchemaSource
from compat.versioning.sources import load
from tests.conftest import STORE


def _version(document: Any, label: str) -> Any:
    return prepare(SchemaSource(label, document, json.dumps(document)))


@pytest.fixture(scope="module")
def v1() -> Any:
    return load("v1", STORE)


def _corpus(tmp_path: Path, events: list[Any]) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path


def test_v2_events_rejected_by_v1_are_explained_by_dd(tmp_path: Path) -> None:
    v1, v2 = load("v1", STORE), load("v2", STORE)
    path = _corpus(tmp_path, list(generate_events(v2, 80, seed=6)))
    report = run([path], {"v1": v1}, {}, "v2", False, 1, known={"v2": v2})
    groups = report.corpora[0].results[0].errors
    assert groups and report.unexplained == 0
    assert [(e.rule, e.schema_path) for e in groups[0].explained_by or []] == [
        ("property-removed", "/properties/dd")
    ]


def test_required_added_in_a_shared_definition_is_traced(tmp_path: Path, v1: Any) -> None:
    document = copy.deepcopy(v1.source.document)
    credentials = document["definitions"]["ProcessCredentials"]
    credentials["properties"]["auid"] = {"type": "integer"}
    credentials["required"].append("auid")
    document["definitions"]["File"]["properties"]["mode"]["type"] = "string"
    new = _version(document, "v3")
    path = _corpus(tmp_path, list(generate_events(v1, 80, seed=7)))
    report = run([path], {"v3": new}, {}, "v1", False, 1, known={"v1": v1})
    result = report.corpora[0].results[0]
    assert result.invalid > 0 and report.unexplained == 0
    by_place = {(g.keyword, g.instance_path): g for g in result.errors}
    required = by_place[("required", "process.ancestors[].credentials")]
    assert [e.rule for e in required.explained_by or []] == ["required-added"]
    mode = next(g for g in result.errors if g.keyword == "type")
    assert [e.rule for e in mode.explained_by or []] == ["type-changed"]
    assert mode.schema_path == "/definitions/File/properties/mode/type"


def test_rejection_by_the_capture_version_is_a_defect_not_unexplained(
    tmp_path: Path, v1: Any
) -> None:
    # events that claim to be captured under v1 but are not valid under it: a bad capture or a
    # wrong manifest, which no change (and no verdict) is to blame for
    event = {"process": {"uid": "zero", "gid": 0}}
    report = run([_corpus(tmp_path, [event])], {"v1": v1}, {}, "v1", False, 1)
    result = report.corpora[0].results[0]
    group = result.errors[0]
    assert group.defect and not group.unexplained and group.explained_by is None
    assert result.role == "capture" and result.defects == 1
    assert report.unexplained == 0 and report.defects == 1
    assert [kind for kind, _ in failures(report, "malformed")] == ["defect"]
    assert failures(report, "unexplained") == []


def test_without_a_capture_version_nothing_is_attributed(tmp_path: Path, v1: Any) -> None:
    event = {"process": {"uid": "zero", "gid": 0}}
    report = run([_corpus(tmp_path, [event])], {"v1": v1}, {}, None, False, 1)
    group = report.corpora[0].results[0].errors[0]
    assert group.explained_by is None and not group.unexplained


def test_stored_corpora_are_what_the_manifest_says() -> None:
    corpora = read_manifest(STORE.parent / "corpora")
    assert {c.captured_under for c in corpora} == {"v1", "v2"}
    for corpus in corpora:
        entry = next(
            e
            for e in json.loads((STORE.parent / "corpora" / "manifest.json").read_text())["corpora"]
            if e["file"] == corpus.path.name
        )
        stored = gzip.decompress(corpus.path.read_bytes())
        fresh = b"".join(
            orjson.dumps(e) + b"\n"
            for e in generate_events(
                load(corpus.captured_under, STORE), entry["events"], seed=entry["generated"]["seed"]
            )
        )
        assert stored == fresh, f"{corpus.path.name} no longer matches its manifest entry"


DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def _07(document: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_07, **document}


def _traced(
    tmp_path: Path, old: dict[str, Any], new: dict[str, Any], events: list[Any], workers: int = 1
) -> Any:
    """A corpus of `events` captured under `old`, validated against both."""
    versions = {"old": _version(_07(old), "old"), "new": _version(_07(new), "new")}
    return run([_corpus(tmp_path, events)], versions, {}, "old", False, workers)


# the tester's cases: a breaking change whose failures sit under a combinator, a condition,
# items/additionalItems, patternProperties, or in a $ref'd definition
@pytest.mark.parametrize(
    ("old", "new", "event", "rule"),
    [
        (
            {"properties": {"l": {"type": "array"}}},
            {
                "properties": {
                    "l": {"type": "array", "items": [{"type": "string"}], "additionalItems": False}
                }
            },
            {"l": ["a", 2]},
            "schema-became-false",
        ),
        (
            {"type": "object"},
            {"type": "object", "allOf": [{"properties": {"a": {"type": "string"}}}]},
            {"a": 1},
            "combinator-added",
        ),
        (
            {"type": "object"},
            {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}},
            {"a": 1},
            "conditional-added",
        ),
        (
            {"type": "object"},
            {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
            {"xa": 1},
            "pattern-property-added",
        ),
        (
            {
                "properties": {"a": {"anyOf": [{"$ref": "#/definitions/A"}]}},
                "definitions": {"A": {}},
            },
            {
                "properties": {"a": {"anyOf": [{"$ref": "#/definitions/A"}]}},
                "definitions": {"A": {"required": ["z"]}},
            },
            {"a": {}},
            "required-added",
        ),
    ],
)
def test_failures_under_combinators_conditions_items_and_patterns_are_explained(
    tmp_path: Path, old: Any, new: Any, event: Any, rule: str
) -> None:
    report = _traced(tmp_path, old, new, [event])
    result = report.corpora[0].results[1]
    assert result.invalid == 1 and report.unexplained == 0
    assert all(rule in [e.rule for e in g.explained_by or []] for g in result.errors)


@pytest.mark.parametrize("name", ["a b", "a/b", "a~b", "a.b", "<a>", 'a"b', "0", "12", "-1"])
def test_a_property_of_any_name_is_traced_by_its_name(tmp_path: Path, name: str) -> None:
    """Names that need quoting, and names that read as numbers (jsonschema-rs gives "0" as an
    index): the group's instance path is the name, and the type change explains it."""
    old = {"type": "object", "properties": {name: {"type": "integer"}}}
    new = {"type": "object", "properties": {name: {"type": "string"}}}
    report = _traced(tmp_path, old, new, [{name: 1}, {name: 2}])
    [group] = report.corpora[0].results[1].errors
    assert group.count == 2 and report.unexplained == 0
    assert "[]" not in group.instance_path and name.strip('"') in group.instance_path
    assert [e.rule for e in group.explained_by or []] == ["type-changed"]


def test_an_unexpected_property_is_explained_only_by_a_change_about_it(tmp_path: Path) -> None:
    v1, v2 = load("v1", STORE), load("v2", STORE)
    events = [*generate_events(v2, 5, seed=3), {"zzz": 1}]
    # without v2 among the versions checked: the `dd` events are explained by its removal,
    # `zzz` by nothing
    report = run([_corpus(tmp_path, events)], {"v1": v1}, {}, "v2", False, 1, known={"v2": v2})
    result = report.corpora[0].results[0]
    group = next(g for g in result.errors if g.keyword == "additionalProperties")
    assert [e.rule for e in group.explained_by or []] == ["property-removed"]
    assert group.unexplained and group.unexplained_events == 1 and group.defects == 0
    assert report.unexplained == 1
    # with v2 checked too, the `zzz` event is v2's own defect, in v1's group as well
    report = run([_corpus(tmp_path, events)], {"v1": v1, "v2": v2}, {}, "v2", False, 1)
    v1_result, v2_result = report.corpora[0].results
    group = next(g for g in v1_result.errors if g.keyword == "additionalProperties")
    assert group.defects == 1 and not group.defect and group.unexplained_events == 0
    assert report.unexplained == 0 and v2_result.defects == 1


MIXED_OLD = {"type": "object", "properties": {"b": {"type": "integer"}}}
MIXED_NEW = {**MIXED_OLD, "allOf": [{"properties": {"a": {"type": "string"}}}]}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("workers", [1, 2])
def test_each_event_is_a_defect_explained_or_unexplained_whatever_the_order(
    tmp_path: Path, seed: int, workers: int
) -> None:
    # `a` fails the new allOf (explained), `b` a string fails both versions (a defect of the
    # corpus, also where the same event fails the allOf); counts per event, in any order
    events = [{"a": 1, "b": "x"}, {"a": 2}, {"a": 3}, {"b": "y"}, {"b": 4}] * 3
    random.Random(seed).shuffle(events)
    report = _traced(tmp_path, MIXED_OLD, MIXED_NEW, events, workers)
    old, new = report.corpora[0].results
    assert old.role == "capture" and old.defects == 6
    by_keyword = {g.schema_path: g for g in new.errors}
    a = by_keyword["/allOf/0/properties/a/type"]
    b = by_keyword["/properties/b/type"]
    assert (a.count, a.defects, a.unexplained_events) == (9, 3, 0)
    assert [e.rule for e in a.explained_by or []] == ["combinator-added"]
    assert (b.count, b.defects, b.defect, b.unexplained_events) == (6, 6, True, 0)
    assert report.unexplained == 0
    assert failures(report, "unexplained") == []


def _counterexample_pairs(count: int) -> Iterator[tuple[int, Any, Any, list[Any]]]:
    """Pairs of the soundness harness whose diff finds a breaking change with a backward
    counterexample (an event the old version accepts and the new one rejects)."""
    from bench.soundness import generate_pair
    from compat.engine.compare import compare
    from compat.errors import CompatError

    for index in range(count):
        pair = generate_pair(7, index)
        try:
            old, new = _version(pair.old, "old"), _version(pair.new, "new")
            changes = compare(old, new).changes
        except (CompatError, RecursionError):
            continue  # a pair the engine refuses
        events = [
            c.instance
            for change in changes
            if change.backward == "breaking"
            for c in change.counterexamples
            if c.direction == "backward" and type(c.instance) is dict
        ]
        if events:
            yield index, old, new, events


def test_every_counterexample_of_the_engine_is_explained(tmp_path: Path) -> None:
    """What the engine proves breaking with an event, the corpus traces to a change: a corpus
    of the engine's own counterexamples, captured under the old version, has no unexplained
    rejection."""
    seen = rejected = 0
    for index, old, new, events in _counterexample_pairs(400):
        seen += 1
        report = run(
            [_corpus(tmp_path, events)], {"new": new}, {}, "old", False, 1, known={"old": old}
        )
        result = report.corpora[0].results[0]
        rejected += result.invalid
        assert report.unexplained == 0, (
            index,
            [(g.schema_path, g.instance_path) for g in result.errors if g.unexplained],
        )
    assert seen >= 40 and rejected >= seen  # the harness keeps producing breaking pairs
