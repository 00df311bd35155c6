from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from typing import Any

import jsonschema
import orjson
import pytest

from compat.corpus import generate
from compat.corpus.generate import generate_events, generate_lines
from compat.errors import CompatError
from compat.schema.load import prepare
from compat.schema.source import SchemaSource
from compat.versioning.sources import load
from tests.conftest import STORE

# enough events for templates to be reused many times over, not only made
MANY = 3 * generate.MIN_POOL * generate.FRESH // 4


@pytest.fixture(scope="module", params=["v1", "v2"])
def version(request: pytest.FixtureRequest) -> Any:
    return load(request.param, STORE)


def _version(document: Any) -> Any:
    return prepare(SchemaSource("edited", document, json.dumps(document)))


def test_events_are_valid_under_their_version(version: Any) -> None:
    validator = jsonschema.Draft4Validator(
        version.source.document, format_checker=jsonschema.FormatChecker()
    )
    events = list(generate_events(version, MANY, seed=3))
    for event in events[:40] + events[40::11]:  # new templates, then reused ones
        validator.validate(event)  # formats asserted too: timestamps are RFC 3339


def test_same_seed_same_bytes_other_seed_other_events(version: Any) -> None:
    first = list(generate_lines(version, MANY, seed=9))
    assert first == list(generate_lines(version, MANY, seed=9))
    assert first != list(generate_lines(version, MANY, seed=10))
    assert len(set(first)) == len(first)  # a reused template still makes new events
    assert [orjson.loads(line) for line in first[:50]] == list(generate_events(version, 50, 9))
    assert all(orjson.dumps(orjson.loads(line)) == line for line in first[:50])


def test_time_goes_forward_and_each_event_happened_after_its_processes(version: Any) -> None:
    events = list(generate_events(version, MANY, seed=8))
    dates = [event["date"] for event in events]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    stamp = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"')
    earlier = 0
    for event in events:
        rest = orjson.dumps({k: v for k, v in event.items() if k != "date"}).decode()
        others = stamp.findall(rest)
        assert all(other < event["date"] for other in others)
        earlier += len(others)
    assert earlier > 10 * len(events)


def test_values_with_constraints_are_kept_within_them(version: Any) -> None:
    document = copy.deepcopy(version.source.document)
    process = document["definitions"]["ProcessContext"]["properties"]
    process["pid"] = {"type": "integer", "minimum": 1, "maximum": 400}
    document["properties"]["date"] = {"type": "string", "format": "date-time", "maxLength": 20}
    edited = _version(document)
    validator = jsonschema.Draft4Validator(document)
    events = list(generate_events(edited, MANY, seed=2))
    for event in events[::7]:
        validator.validate(event)
    assert all(event["process"].get("pid", 1) <= 400 for event in events if "process" in event)


def test_a_schema_the_generator_cannot_satisfy_is_refused(version: Any) -> None:
    document = copy.deepcopy(version.source.document)
    document["properties"]["date"] = {"type": "string", "pattern": "^never$"}
    with pytest.raises(CompatError, match="could not generate a valid event"):
        list(generate_lines(_version(document), 5, seed=1))


def test_events_look_like_the_agents(version: Any) -> None:
    events = list(generate_events(version, 200, seed=4))
    sizes = sorted(len(orjson.dumps(e)) for e in events)
    assert 3_000 < sizes[len(sizes) // 2] < 8_000  # about 5 KB, like real events
    processes = [e["process"] for e in events if "process" in e]
    assert len(processes) > 180
    assert any(len(p.get("ancestors", [])) >= 3 for p in processes)
    assert any("parent" in p for p in processes)
    credentials = [p["credentials"] for p in processes if "credentials" in p]
    assert any("CAP_SYS_ADMIN" in c["cap_effective"] for c in credentials)
    ids = [e["container"]["id"] for e in events if "container" in e]
    assert ids and all(re.fullmatch(r"[0-9a-f]{64}", i) for i in ids)
    paths = [p["executable"]["path"] for p in processes if "path" in p.get("executable", {})]
    assert paths and all(p.startswith("/") for p in paths)
    for event in events:
        datetime.fromisoformat(event["date"].replace("Z", "+00:00"))


def test_v2_events_use_dd_and_v1_events_never_do() -> None:
    v1 = list(generate_events(load("v1", STORE), 50, seed=1))
    v2 = list(generate_events(load("v2", STORE), 50, seed=1))
    assert not any("dd" in e for e in v1)
    assert any(isinstance(e.get("dd", {}).get("trace_id"), int) for e in v2)


def test_each_event_draws_its_top_level_properties() -> None:
    # templates are reused, but how often `dd` (or `file`) is in an event follows its own
    # chance in a corpus of any size, not the draws of a few templates
    v2 = load("v2", STORE)
    for seed in (1, 2, 3):
        events = list(generate_events(v2, 1500, seed=seed))
        for name in ("dd", "file", "usr"):
            share = sum(name in event for event in events) / len(events)
            assert abs(share - generate.PRESENCE[name]) < 0.05, (seed, name, share)
