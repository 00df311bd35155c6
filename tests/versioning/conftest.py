from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.versioning.scratch import git


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose main holds the shipped store and changelog, on a PR branch."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "store")
    git(root, "checkout", "-qb", "pr")
    monkeypatch.chdir(root)
    return root
