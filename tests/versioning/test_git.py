"""Git where the schema lives in real repositories: GITREF:PATH in bare repositories and with
GIT_DIR, repositories git refuses (dubious ownership), each with a one-line answer; and the
gate's base in a pull request (GITHUB_BASE_REF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.versioning.scratch import add_version_by_hand, breaking, git, v2_with


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    (work / "schema.json").write_text((ROOT / "schemas/versions/v2.json").read_text())
    git(work, "add", "-A")
    git(work, "commit", "-qm", "schema")
    git(tmp_path, "clone", "-q", "--bare", str(work), str(tmp_path / "schema.git"))
    return tmp_path / "schema.git"


def test_gitref_path_in_a_bare_repository(
    cli: Any, bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for where in (bare, bare / "refs"):
        monkeypatch.chdir(where)
        result = cli("docs", "main:schema.json")
        assert result.code == 0, result.err
        assert "## `DDContext`" in result.out
    monkeypatch.chdir(bare.parent)
    monkeypatch.setenv("GIT_DIR", str(bare))
    assert cli("diff", "HEAD:schema.json", "main:schema.json").code == 0
    # the gate needs a work tree, and says so
    monkeypatch.chdir(bare)
    monkeypatch.delenv("GIT_DIR")
    check = cli("check")
    assert check.code == 2
    assert "a bare repository has no work tree to gate" in check.err


def test_a_repository_git_refuses_says_why(
    cli: Any, bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = bare.parent / "work"
    monkeypatch.chdir(work)
    # git's own switch for its ownership tests: as if the repository belonged to another user
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    for args in (("docs", "HEAD:schema.json"), ("check", "--against", "HEAD")):
        result = cli(*args)
        assert result.code == 2
        assert "dubious ownership" in result.err, result.err
        assert f"git config --global --add safe.directory {work}" in result.err
        assert result.err.count("\n") == 1


def test_the_pull_requests_base_branch_is_the_base(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "checkout", "-qb", "release-1")
    add_version_by_hand(repo, "v3", v2_with(breaking))  # on the release branch, not in the PR
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v3 on release-1")
    git(repo, "checkout", "-qb", "feature")
    (repo / "notes.txt").write_text("unrelated\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the pull request")
    # against the default branch, v3 looks like part of the pull request
    assert cli("check").code == 1
    monkeypatch.setenv("GITHUB_BASE_REF", "release-1")
    result = cli("check")
    assert result.code == 0, result.out
    assert result.out.startswith("Gate: schema changes since merge-base(release-1)")
    assert "no schema changes to gate" in result.out
    monkeypatch.setenv("GITHUB_BASE_REF", "release-9")
    missing = cli("check")
    assert missing.code == 2
    assert "'release-9' (GITHUB_BASE_REF) is not in this clone" in missing.err
    assert missing.err.count("\n") == 1
