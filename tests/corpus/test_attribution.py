"""Every rejection is traced to the diff change that explains it, or reported unexplained."""

from __future__ import annotations

import copy
import gzip
import json
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
