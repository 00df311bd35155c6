from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import jsonschema
import orjson
import pytest

from compat.corpus.generate import generate_events
from compat.versioning.sources import load
from tests.conftest import STORE


@pytest.fixture(scope="module", params=["v1", "v2"])
def version(request: pytest.FixtureRequest) -> Any:
    return load(request.param, STORE)


def test_events_are_valid_under_their_version(version: Any) -> None:
    validator = jsonschema.Draft4Validator(
        version.source.document, format_checker=jsonschema.FormatChecker()
    )
    for event in generate_events(version, 60, seed=3):
        validator.validate(event)  # formats asserted too: timestamps are RFC 3339


def test_same_seed_same_events_other_seed_other_events(version: Any) -> None:
    first = [orjson.dumps(e) for e in generate_events(version, 20, seed=9)]
    again = [orjson.dumps(e) for e in generate_events(version, 20, seed=9)]
    other = [orjson.dumps(e) for e in generate_events(version, 20, seed=10)]
    assert first == again
    assert first != other


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
