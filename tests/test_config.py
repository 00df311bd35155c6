"""Where real repositories keep their schema: settings in `.cws-compat.toml` as well as
`[tool.cws-compat]`, the store found upward from any subdirectory of the repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from compat.config import load_settings
from tests.conftest import STORE


@pytest.fixture
def go_repo(tmp_path: Path) -> Path:
    """A Go repository: no pyproject.toml, the store under api/, code under cmd/."""
    root = tmp_path / "agent"
    (root / "cmd" / "agent").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    shutil.copytree(STORE, root / "api" / "schemas" / "versions")
    (root / "go.mod").write_text("module example.invalid/agent\n")
    return root


def test_the_store_is_found_upward_from_a_subdirectory(
    cli: Any, go_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(go_repo / "api" / "schemas")
    assert cli("versions").code == 0
    # from elsewhere in the repository the store is not on the way up: the error names
    # where it looked and what to set
    monkeypatch.chdir(go_repo / "cmd" / "agent")
    missing = cli("versions")
    assert missing.code == 2
    assert f"no schema store at {go_repo / 'schemas' / 'versions'}" in missing.err
    (go_repo / ".cws-compat.toml").write_text('store = "api/schemas/versions"\nmode = "full"\n')
    assert cli("versions").code == 0
    settings = load_settings()
    assert settings.store == go_repo / "api" / "schemas" / "versions"
    assert settings.changelog == go_repo / "CHANGELOG.md"
    assert settings.mode == "full"
    diff = cli("diff", "v1", "v2")  # full mode from the settings file: v2 is forward breaking
    assert diff.code == 1
    assert "NOT compatible under full mode" in diff.out


def test_settings_file_keys_are_checked(
    cli: Any, go_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(go_repo)
    (go_repo / ".cws-compat.toml").write_text('stroe = "x"\n')
    result = cli("versions")
    assert result.code == 2
    assert "unknown key(s) in the settings: stroe" in result.err
    (go_repo / ".cws-compat.toml").write_text('fail-on = "sometimes"\n')
    assert "fail-on must be one of unknown, breaking" in cli("versions").err


def test_one_settings_file_per_directory(
    cli: Any, go_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(go_repo)
    (go_repo / ".cws-compat.toml").write_text('mode = "full"\n')
    (go_repo / "pyproject.toml").write_text('[tool.cws-compat]\nmode = "forward"\n')
    result = cli("versions")
    assert result.code == 2
    assert "settings in both" in result.err and "keep one of them" in result.err
    # a pyproject.toml without the table is no settings file
    (go_repo / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings().mode == "full"


def test_settings_above_the_repository_root_are_not_read(tmp_path: Path, go_repo: Path) -> None:
    (tmp_path / ".cws-compat.toml").write_text('mode = "forward"\n')
    assert load_settings(go_repo / "cmd").mode is None
    assert load_settings(tmp_path).mode == "forward"
