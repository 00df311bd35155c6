"""`changelog OLD NEW`: the heading names a version, never a file path."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.versioning.scratch import git

HEADING = re.compile(r"^## \[([^\]]+)\]( - \d{4}-\d{2}-\d{2})?$")


def _headings(text: str) -> list[str]:
    found = [line for line in text.splitlines() if line.startswith("## ")]
    for line in found:
        assert HEADING.match(line), line
        assert "/" not in line and ".json" not in line, line
    return found


@pytest.fixture
def candidate(store_copy: Path) -> Path:
    """next.json beside the scratch store: v2 with one more optional top-level object."""
    document = json.loads((store_copy / "v2.json").read_text())
    document["properties"]["network"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"proto": {"type": "string"}},
    }
    path = store_copy.parent.parent / "next.json"
    path.write_text(json.dumps(document, indent=4) + "\n")
    return path


def test_a_file_new_is_unreleased_and_undated(cli: Any, candidate: Path) -> None:
    for new in ("next.json", str(candidate), "./next.json"):
        result = cli("changelog", "v2", new)
        assert result.code == 0, result.err
        assert _headings(result.out) == ["## [Unreleased]"]
        assert "Compared with v2:" in result.out
        assert "`network`" in result.out


def test_label_names_a_file_new_dated_today(cli: Any, candidate: Path) -> None:
    result = cli("changelog", "v2", "next.json", "--label", "v3")
    assert result.code == 0, result.err
    assert _headings(result.out) == [f"## [v3] - {date.today().isoformat()}"]


def test_a_file_old_is_named_after_its_stem(cli: Any, candidate: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "drafts" / "base-schema.json"
    elsewhere.parent.mkdir()
    shutil.copy(ROOT / "schemas/versions/v2.json", elsewhere)
    result = cli("changelog", str(elsewhere), "next.json")
    assert result.code == 0, result.err
    assert "Compared with base-schema:" in result.out
    assert str(tmp_path) not in result.out


def test_a_stored_version_given_as_its_file_keeps_its_name_and_date(
    cli: Any, store_copy: Path
) -> None:
    by_name = cli("changelog", "v1", "v2")
    by_file = cli("changelog", "schemas/versions/v1.json", "schemas/versions/v2.json")
    assert by_name.code == by_file.code == 0
    assert by_file.out == by_name.out
    assert _headings(by_file.out) == ["## [v2] - 2021-04-27"]
    assert "Compared with v1:" in by_file.out


def test_a_modified_store_file_is_not_the_released_version(cli: Any, store_copy: Path) -> None:
    path = store_copy / "v2.json"
    path.write_text(path.read_text() + "\n")  # same meaning, other bytes: not what was released
    result = cli("changelog", "v1", "schemas/versions/v2.json")
    assert result.code == 0, result.err
    assert _headings(result.out) == ["## [Unreleased]"]


def test_a_git_source_is_named_by_stem_and_ref(cli: Any, candidate: Path, tmp_path: Path) -> None:
    root = candidate.parent
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "store")
    result = cli("changelog", "HEAD:next.json", "HEAD:schemas/versions/v1.json")
    assert result.code == 0, result.err
    assert _headings(result.out) == ["## [Unreleased]"]
    assert "Compared with next at HEAD:" in result.out


def test_label_may_not_rename_or_reuse_a_released_version(cli: Any, candidate: Path) -> None:
    renamed = cli("changelog", "v1", "v2", "--label", "v3")
    assert renamed.code == 2
    assert renamed.err == "cws-compat: error: --label v3: NEW is the released version v2\n"
    reused = cli("changelog", "v2", "next.json", "--label", "v2")
    assert reused.code == 2
    assert "v2 is a released version" in reused.err and reused.err.count("\n") == 1
    same = cli("changelog", "v1", "v2", "--label", "v2")
    assert same.code == 0 and _headings(same.out) == ["## [v2] - 2021-04-27"]


def test_label_is_no_option_of_write(cli: Any, store_copy: Path) -> None:
    result = cli("changelog", "--write", "--label", "v3")
    assert result.code == 2
    assert "take no OLD NEW or --label" in result.err
