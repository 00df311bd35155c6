"""Rendering of `store import-git` results: counts in words, relative paths, valid JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compat.report.importgit import render_json, render_text
from compat.versioning.importgit import Commit, Imported, ImportResult, Skipped
from compat.versioning.store import VersionEntry

HEAD = Commit("b" * 40, "2022-02-02", "second")
FIRST = Commit("a" * 40, "2022-01-01", "first")


def _result(**kwargs: Any) -> ImportResult:
    return ImportResult("/src", HEAD, None, ["s.json"], **kwargs)


def test_one_version_one_commit_a_detached_head_and_paths_relative_to_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    entry = VersionEntry("v1", "v1.json", "0" * 64, FIRST.date, (), FIRST.sha)
    result = _result(
        steps=[Imported(entry, FIRST, "s.json", None)],
        written=[tmp_path / "store" / "v1.json", Path("/elsewhere/CHANGELOG.md")],
    )
    assert render_text(result).splitlines() == [
        f"s.json in /src, first-parent history of HEAD ({'b' * 12}):",
        f"  v1    2022-01-01  {'a' * 12}  the store's first version  [first]",
        "imported 1 version (v1) from 1 commit: store/v1.json, /elsewhere/CHANGELOG.md",
    ]
    data = json.loads(render_json(result))
    assert data["commits"][0]["compared_with"] is None
    assert data["branch"] is None


def test_nothing_to_import(tmp_path: Path) -> None:
    result = _result(steps=[Skipped(HEAD, "the same JSON as v1")], after=["x"])
    lines = render_text(result).splitlines()
    assert lines[0].endswith(", after x:")
    assert lines[-1] == "nothing to import: the store is up to date"
    assert json.loads(render_json(result))["imported"] == []


def test_a_subject_never_sends_control_characters_to_the_terminal() -> None:
    """Escape sequences in a commit subject (colour, window title) are shown, not obeyed."""
    subject = "Fix \x1b[31mred\x1b[0m \x1b]0;owned\x07 done\ttab"
    result = _result(steps=[Skipped(Commit("c" * 40, "2022-03-03", subject), "the same JSON")])
    text = render_text(result)
    assert not any(ord(ch) < 32 and ch != "\n" for ch in text)
    assert "[Fix \\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07 done\\ttab]" in text
