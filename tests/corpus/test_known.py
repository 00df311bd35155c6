"""Error groups read off rejected events (known.py) are exactly the ones jsonschema-rs builds."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from compat.corpus import validate
from compat.corpus.generate import generate_lines
from compat.corpus.known import ITEMS, KnownErrors
from compat.corpus.run import run
from compat.corpus.validate import Target, _compile, scan
from compat.schema.compiled import fast_validator
from compat.schema.load import prepare
from compat.schema.source import SchemaSource
from compat.versioning.sources import load
from tests.conftest import STORE


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    return {name: load(name, STORE) for name in ("v1", "v2")}


def _many_keywords(v1: dict[str, Any]) -> dict[str, Any]:
    """v1 with changes that reject its events for keywords of every kind the fast path reads,
    in definitions shared by many places."""
    document = copy.deepcopy(v1)
    definitions = document["definitions"]
    definitions["File"]["properties"]["mode"]["type"] = "string"
    credentials = definitions["ProcessCredentials"]
    credentials["properties"]["auid"] = {"type": "integer"}
    credentials["required"].append("auid")
    definitions["ContainerContext"]["properties"]["id"] = {"type": "string", "maxLength": 10}
    definitions["EventContext"]["properties"]["category"] = {"enum": ["process", "kernel"]}
    definitions["UserContext"]["minProperties"] = 2
    definitions["ProcessContext"]["properties"]["args"]["items"] = {
        "type": "string",
        "pattern": "^[a-z/.-]*$",
    }
    definitions["ProcessContext"]["properties"]["args"]["maxItems"] = 3
    document["required"] = ["process"]
    return document


def _combinators(v1: dict[str, Any]) -> dict[str, Any]:
    """v1 with keywords outside the fast path's fragment: combinators at the root, a
    condition, a recursive definition, pattern properties."""
    document = copy.deepcopy(v1)
    definitions = document["definitions"]
    document["anyOf"] = [{"required": ["file"]}, {"required": ["evt"]}]
    # File is also reached through allOf (at `file`), besides its plain places
    document["allOf"] = [{"properties": {"file": {"$ref": "#/definitions/File"}}}]
    definitions["File"]["properties"]["mode"]["type"] = "string"
    definitions["File"]["not"] = {"required": ["path_resolution_error"]}
    definitions["UserContext"]["properties"]["id"] = {"$ref": "#/definitions/UserContext"}
    definitions["EventContext"]["patternProperties"] = {"^x-": {"type": "integer"}}
    definitions["EventContext"]["properties"]["outcome"] = {
        "anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 5}]
    }
    return document


def _lines(stored: dict[str, Any]) -> list[bytes]:
    """Valid and rejected events, big integers, floats, 20-digit strings, malformed lines."""
    lines = [
        *generate_lines(stored["v2"], 1500, seed=21),
        *generate_lines(stored["v1"], 1000, seed=22),
    ]
    lines += [
        b'{"process": {"uid": 1180591620717411303424, "gid": 0}}',
        b'{"process": {"uid": 1180591620717411303424.5, "gid": 0}}',
        b'{"process": {"uid": 1.0, "gid": -9223372036854775809}, "dd": 1}',
        b'{"usr": {"id": "12345678901234567890123"}, "evt": {"category": 1}}',
        b'{"file": {"uid": 0, "gid": 0, "mode": 18446744073709551616}}',
        b'{"process": {"uid": 0, "gid": 0, "credentials": []}}',
        b'{"process": "not an object", "date": 5, "dd": {}}',
        b"{bad",
        b"",
        b"[]",
        b'{"evt": NaN}',
        b'{"container": {"id": "abc", "x": 1}}',
        b"{}",
    ]
    random.Random(5).shuffle(lines)
    return lines


def _summary(partial: Any) -> Any:
    return (
        partial.physical_lines,
        partial.blank,
        partial.malformed,
        partial.malformed_lines,
        partial.valid,
        partial.invalid,
        [
            [(key, g.count, g.first_line, g.message, g.first_event) for key, g in groups.items()]
            for groups in partial.groups
        ],
    )


def _targets(stored: dict[str, Any]) -> list[Target]:
    v1 = stored["v1"].source.document
    documents = {
        "v1": v1,
        "v2": stored["v2"].source.document,
        "many": _many_keywords(v1),
        "combinators": _combinators(v1),
    }
    return [Target(name, "draft-04", document, False) for name, document in documents.items()]


def test_fast_path_counts_exactly_what_building_every_error_counts(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = _targets(stored)
    lines = _lines(stored)
    used: list[int] = [0] * len(targets)
    checkers = _compile(targets)
    for index, checker in enumerate(checkers):
        real = checker.known.keys

        def counted(event: Any, real: Any = real, index: int = index) -> Any:
            keys = real(event)
            used[index] += keys is not None
            return keys

        monkeypatch.setattr(checker.known, "keys", counted)
    plain = [fast_validator(t.document, t.draft, False, t.name) for t in targets]
    # in one batch, and cut into small batches (as workers see a file)
    fast = scan([lines], checkers)
    assert _summary(fast) == _summary(scan([lines], plain))
    batches = [lines[i : i + 97] for i in range(0, len(lines), 97)]
    assert _summary(scan(batches, _compile(targets))) == _summary(fast)

    v1, v2, many, combinators = (checker.known for checker in checkers)
    assert not any(known.off for known in (v1, v2, many, combinators))
    # the fast path did the work: v1 rejects the events with dd, `many` nearly every event
    assert fast.invalid[0] > 500 and used[0] > fast.invalid[0] - 50
    assert fast.invalid[2] > 2000 and used[2] > fast.invalid[2] // 2
    learned = {path[-1] for path in many.known}
    assert {"type", "required", "maxLength", "enum", "minProperties", "pattern"} <= learned
    assert {"maxItems", "additionalProperties"} <= learned
    # nothing under a combinator, a condition, a pattern or a recursion is read off events
    places = combinators._places or {}
    assert "/definitions/ProcessContext" in places and "/definitions/EventContext" in places
    assert places["/definitions/ProcessCredentials"] == [
        ("process", "credentials"),
        ("process", "parent", "credentials"),
        ("process", "ancestors", ITEMS, "credentials"),
    ]
    for outside in (
        "/definitions/File",  # also reached through allOf
        "/definitions/File/properties/mode",
        "/definitions/UserContext",  # recursive
        "/definitions/EventContext/properties/outcome/anyOf/1",
        "/definitions/EventContext/patternProperties/^x-",
    ):
        assert outside not in places
    for path in combinators.known:
        assert path[:2] not in (("definitions", "File"), ("definitions", "UserContext"))
        assert "anyOf" not in path and path[:2] != ("definitions", "EventContext")
    assert fast.invalid[3] > 0 and any(
        key[0][-1] == "anyOf" for key in fast.groups[3]
    )  # rejected there, and counted by building the errors


def test_reports_are_the_same_with_and_without_the_fast_path(
    tmp_path: Path, stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(_lines(stored)) + b"\n")
    versions = {
        t.name: prepare(SchemaSource(t.name, t.document, orjson.dumps(t.document).decode()))
        for t in _targets(stored)
    }

    def report() -> Any:
        result = run([path], versions, {}, "v1", False, 1, known=versions)
        return [
            (r.version, r.valid, r.invalid, [vars(g) for g in r.errors])
            for r in result.corpora[0].results
        ]

    fast = report()
    monkeypatch.setattr(
        validate,
        "_compile",
        lambda targets: [fast_validator(t.document, t.draft, False, t.name) for t in targets],
    )
    assert report() == fast


def test_a_reading_that_disagrees_with_the_errors_is_switched_off(
    stored: dict[str, Any],
) -> None:
    document = stored["v2"].source.document
    known = KnownErrors(document, "draft-04", False, "v2")
    validator = fast_validator(document, "draft-04", False, "v2")

    def keys_of(event: Any) -> dict[Any, tuple[str, ...]]:
        found: dict[Any, set[str]] = {}
        for error in validator.iter_errors(event):
            pattern = tuple("[]" if isinstance(p, int) else p for p in error.instance_path)
            found.setdefault((tuple(error.schema_path), pattern), set()).update(
                validate.error_names(error)
            )
        return {key: tuple(sorted(names)) for key, names in found.items()}

    first = {"evt": {"name": 1}}
    known.learn(first, keys_of(first))
    assert known.keys({"evt": {"name": 2}}) == keys_of(first)
    assert known.keys({"evt": {"name": 2}, "usr": {"id": 3}}) is None  # fails elsewhere too
    keyword = next(iter(known.known.values()))
    keyword.fails = lambda value: False  # a reading gone wrong
    second = {"evt": {"name": 3}}
    known.learn(second, keys_of(second))
    assert known.off and known.keys(second) is None
