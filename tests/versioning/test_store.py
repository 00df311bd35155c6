from __future__ import annotations

import json
from pathlib import Path

import pytest

from compat.errors import CompatError
from compat.versioning.store import Store, sha256_hex
from tests.conftest import STORE


def test_shipped_store_lists_versions_in_release_order() -> None:
    store = Store.open(STORE)
    assert store.names == ["v1", "v2"]
    dates = [entry.released for entry in store.entries]
    assert dates == sorted(dates)


def test_checksums_match_the_bytes_on_disk() -> None:
    store = Store.open(STORE)
    for entry in store.entries:
        assert sha256_hex((STORE / entry.file).read_bytes()) == entry.sha256


def test_v1_declares_draft04_and_v2_adds_the_closed_dd_context() -> None:
    store = Store.open(STORE)
    v1 = store.load("v1").document
    v2 = store.load("v2").document
    assert v1["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert v1["additionalProperties"] is False
    assert len(v1["definitions"]) == 12
    assert "dd" not in v1["properties"]
    assert v2["properties"]["dd"] == {"$ref": "#/definitions/DDContext"}
    assert "dd" not in v2.get("required", [])
    assert v2["definitions"]["DDContext"] == {
        "properties": {
            "span_id": {"type": "integer", "description": "Span ID used for APM correlation"},
            "trace_id": {"type": "integer", "description": "Trace ID used for APM correlation"},
        },
        "additionalProperties": False,
        "type": "object",
    }
    rest = {k: v for k, v in v2["definitions"].items() if k != "DDContext"}
    assert rest == v1["definitions"]


def test_tampered_version_is_refused_naming_it(store_copy: Path) -> None:
    path = store_copy / "v1.json"
    path.write_bytes(path.read_bytes().replace(b"Container ID", b"Container id"))
    with pytest.raises(CompatError, match=r"version v1 .* has been modified"):
        Store.open(store_copy).load("v1")
    Store.open(store_copy).load("v2")  # the others still load


def test_unknown_version_lists_the_known_ones() -> None:
    with pytest.raises(CompatError, match=r"unknown version 'v9' \(known versions: v1, v2\)"):
        Store.open(STORE).load("v9")


def test_missing_store_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(CompatError, match="no schema store at"):
        Store.open(tmp_path)


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ("[]", "must be a JSON object"),
        ('{"versions": {}}', "'versions' must be a list"),
        ('{"versions": [{"name": "v1"}]}', "'file' must be a string"),
        (
            '{"versions": [{"name": "v1", "file": "../x.json", "sha256": "'
            + "0" * 64
            + '", "released": "2021-01-01"}]}',
            "plain file name",
        ),
        (
            '{"versions": [{"name": "v1", "file": "v1.json", "sha256": "abc", '
            '"released": "2021-01-01"}]}',
            "64 lowercase hex",
        ),
        ("{", "invalid JSON at line 1"),
    ],
)
def test_malformed_index_is_a_clear_error(tmp_path: Path, index: str, message: str) -> None:
    (tmp_path / "index.json").write_text(index)
    with pytest.raises(CompatError, match=message):
        Store.open(tmp_path)


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    entry = {"name": "v1", "file": "v1.json", "sha256": "0" * 64, "released": "2021-01-01"}
    (tmp_path / "index.json").write_text(json.dumps({"versions": [entry, entry]}))
    with pytest.raises(CompatError, match="listed twice"):
        Store.open(tmp_path)


def _entry(**extra: object) -> dict[str, object]:
    return {"name": "v1", "file": "v1.json", "sha256": "0" * 64, "released": "2021-01-01", **extra}


@pytest.mark.parametrize("commit", ["a" * 40, "0123456789abcdef" * 4])  # SHA-1, SHA-256
def test_an_imported_entry_keeps_its_commit_through_a_round_trip(
    tmp_path: Path, commit: str
) -> None:
    from compat.versioning.store import index_json

    (tmp_path / "index.json").write_text(json.dumps({"versions": [_entry(commit=commit)]}))
    store = Store.open(tmp_path)
    assert store.entry("v1").commit == commit
    assert json.loads(index_json(store.entries))["versions"][0]["commit"] == commit


def test_an_entry_without_a_commit_is_written_as_before(tmp_path: Path) -> None:
    """Entries released with `release` have no commit: their index text is unchanged, so a
    store written by an older cws-compat reads and writes back byte for byte."""
    from compat.versioning.store import index_json

    index = (STORE / "index.json").read_text()
    store = Store.open(STORE)
    assert all(entry.commit is None for entry in store.entries)
    assert index_json(store.entries) == index


@pytest.mark.parametrize("commit", ["abc", "A" * 40, 12, "g" * 40, "a" * 41])
def test_a_malformed_commit_is_a_clear_error(tmp_path: Path, commit: object) -> None:
    (tmp_path / "index.json").write_text(json.dumps({"versions": [_entry(commit=commit)]}))
    with pytest.raises(CompatError, match=r"versions\[0\]: 'commit' must be a full git commit"):
        Store.open(tmp_path)


@pytest.mark.parametrize("schema", ["true", "false"])
@pytest.mark.parametrize("released", [0, 1])
def test_a_boolean_schema_is_never_released(tmp_path: Path, schema: str, released: int) -> None:
    """The store reads versions as JSON objects: a release of `true` or `false`, into an empty
    store or after a version, is refused with one line, and the store stays readable."""
    from tests.conftest import invoke

    store = tmp_path / "store"
    store.mkdir()
    (store / "index.json").write_text('{"versions": []}\n')
    if released:
        (tmp_path / "o.json").write_text('{"type": "object"}')
        assert invoke("release", "--store", str(store), str(tmp_path / "o.json")).code == 0
    before = {p.name: p.read_bytes() for p in store.iterdir()}
    (tmp_path / "b.json").write_text(schema)
    result = invoke("release", "--store", str(store), str(tmp_path / "b.json"))
    assert result.code == 2
    assert result.err.strip().endswith(
        f"a stored version must be a JSON object schema, not {schema}; nothing was written"
    )
    assert {p.name: p.read_bytes() for p in store.iterdir()} == before
    assert invoke("versions", "--store", str(store)).code == 0
