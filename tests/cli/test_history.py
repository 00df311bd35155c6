"""`cws-compat history`, `schema history` and `docs --history` as a user runs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import DATA
from tests.versioning import history_store


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose store holds the seven versions of `history_store`, as the current
    directory."""
    store = history_store.write_store(tmp_path)
    monkeypatch.chdir(tmp_path)
    return store


def test_history_of_the_shipped_store(cli: Any, in_repo_root: Path) -> None:
    result = cli("history", "--changed")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == [
        "Field history: 2 versions, v1 (2021-01-12) to v2 (2021-04-27)",
        "247 fields, 3 with an event after v1 (shown: those)",
    ]
    one = cli("history", "dd.span_id")
    assert one.code == 0
    assert "  v2  2021-04-27  added: integer, optional" in one.out


def test_a_field_timeline(cli: Any, scratch: Path) -> None:
    result = cli("history", "process.credentials.auid")
    assert result.code == 0, result.err
    assert "  v5  2021-05-01  type changed: integer -> string\n" in result.out


def test_an_unknown_path_is_exit_2_with_close_matches(cli: Any, scratch: Path) -> None:
    result = cli("history", "process.credentials.aud")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert "no field 'process.credentials.aud' in any version of the store (v1 to v7)" in result.err
    assert "did you mean process.credentials.auid" in result.err


def test_json_validates_against_schema_history(cli: Any, scratch: Path) -> None:
    schema = cli("schema", "history")
    assert schema.code == 0
    validator = jsonschema.Draft202012Validator(schema.json())
    for args in ([], ["--changed"], ["process.kind"], ["tags"]):
        result = cli("history", *args, "--format", "json")
        assert result.code == 0, result.err
        validator.validate(result.json())


def test_output_file_and_html(cli: Any, scratch: Path, tmp_path: Path) -> None:
    target = tmp_path / "history.html"
    result = cli("history", "--format", "html", "-o", str(target))
    assert result.code == 0, result.err
    assert result.out == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<code>process.credentials.auid</code>" in page


def test_an_unknown_path_writes_no_output_file(cli: Any, scratch: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    assert cli("history", "nope", "--format", "json", "-o", str(target)).code == 2
    assert not target.exists()


def test_store_option_and_a_missing_store(cli: Any, scratch: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert cli("history", "--store", str(scratch), "tags").code == 0
    missing = cli("history", "--store", str(elsewhere))
    assert missing.code == 2
    assert "no schema store" in missing.err


def test_docs_with_history(cli: Any, scratch: Path) -> None:
    result = cli("docs", "v6", "--history")
    assert result.code == 0, result.err
    assert (
        "| `auid` | Audit user ID *(since v2; required since v3; type changed in v5 "
        "(integer -> string); optional since v6)* |"
    ) in result.out
    # a property without a description gets a row for its note
    assert "| `kind` | *(since v1; enum widened in v5)* |" in result.out
    assert "| `tags` | array | *(since v1)* |" in result.out
    plain = cli("docs", "v6")
    assert "*(since" not in plain.out
    assert "| `kind` |" not in plain.out


@pytest.mark.parametrize("style", ["seed", "hugo"])
def test_docs_history_round_trips_through_import(
    cli: Any, scratch: Path, tmp_path: Path, style: str
) -> None:
    annotated, plain = tmp_path / "a.md", tmp_path / "p.md"
    assert cli("docs", "v5", "--history", "--style", style, "-o", str(annotated)).code == 0
    assert cli("docs", "v5", "--style", style, "-o", str(plain)).code == 0
    text = annotated.read_text(encoding="utf-8")
    assert "*(since v2; required since v3; type changed in v5 (integer -> string))*" in text
    imported = cli("import-doc", str(annotated))
    assert imported.code == 0, imported.err
    assert imported.out == cli("import-doc", str(plain)).out
    # a note is all a cell may add: the same words without the note's form are refused
    annotated.write_text(text.replace("*(since v2; required", "(since v2; required"), "utf-8")
    refused = cli("import-doc", str(annotated))
    assert refused.code == 2 and "the schema says" in refused.err


def test_docs_without_history_is_unchanged(cli: Any, in_repo_root: Path) -> None:
    assert cli("docs", "v1").out == (DATA / "backend.md").read_text(encoding="utf-8")


def test_docs_history_needs_a_store_version(cli: Any, in_repo_root: Path) -> None:
    result = cli("docs", "schemas/versions/v2.json", "--history")
    assert result.code == 2
    assert "--history needs a store version name" in result.err


def test_versions_without_schema_are_read_with_the_default_draft(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # valid draft-04 only: a boolean exclusiveMaximum
    document = {"properties": {"n": {"type": "number", "maximum": 5, "exclusiveMaximum": True}}}
    history_store.write_store(tmp_path, [("v1", document)])
    monkeypatch.chdir(tmp_path)
    refused = cli("history", "n")
    assert refused.code == 2
    assert "invalid 2020-12 schema" in refused.err
    (tmp_path / ".cws-compat.toml").write_text('default-draft = "4"\n')
    result = cli("history", "n")
    assert result.code == 0, result.err
    assert "added: number, optional; exclusiveMaximum 5" in result.out
    assert cli("docs", "v1", "--history").code == 0
