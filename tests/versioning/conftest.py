from __future__ import annotations

from pathlib import Path

import pytest

from tests.versioning.scratch import store_repository


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose main holds the shipped store and changelog, on a PR branch."""
    root = store_repository(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root
