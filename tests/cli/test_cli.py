from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compat import __version__
from tests.conftest import DATA, ROOT

COMMANDS = [
    "versions",
    "docs",
    "history",
    "import-doc",
    "diff",
    "rules",
    "schema",
    "check",
    "release",
    "changelog",
    "store",
    "store import-git",
    "corpus",
    "corpus generate",
    "corpus validate",
    "corpus matrix",
]


def test_version_flag(cli: Any) -> None:
    result = cli("--version")
    assert result.code == 0
    assert __version__ in result.out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli: Any, command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.code == 0
    assert f"Usage: cws-compat {command}" in result.out


def test_top_level_help_documents_exit_codes(cli: Any) -> None:
    result = cli("--help")
    assert result.code == 0
    for line in (
        "0  success",
        "1  the check failed",
        "2  usage or input error",
        "130  interrupted",
    ):
        assert line in result.out


def test_unknown_option_is_exit_2(cli: Any, in_repo_root: Path) -> None:
    result = cli("versions", "--bogus")
    assert result.code == 2
    assert "No such option" in result.err


def test_versions_table(cli: Any, in_repo_root: Path) -> None:
    result = cli("versions")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["VERSION", "RELEASED", "SHA256"]
    assert lines[1].split() == ["v1", "2021-01-12", "7576f8251862", "12", "7"]
    assert lines[2].split()[0] == "v2"
    assert lines[2].split()[-2:] == ["13", "8"]


def test_versions_json(cli: Any, in_repo_root: Path) -> None:
    result = cli("versions", "--format", "json")
    assert result.code == 0
    rows = result.json()["versions"]
    assert [row["name"] for row in rows] == ["v1", "v2"]
    assert rows[1]["definitions"] == 13
    assert len(rows[0]["sha256"]) == 64


def test_versions_with_a_tampered_store_fails_naming_the_version(
    cli: Any, store_copy: Path
) -> None:
    (store_copy / "v2.json").write_text("{}\n")
    result = cli("versions")
    assert result.code == 2
    assert "version v2" in result.err
    assert "modified" in result.err
    assert result.err.count("\n") == 1


def test_store_option_and_pyproject_setting(cli: Any, store_copy: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    store_copy.rename(moved)
    assert cli("versions").code == 2
    assert cli("versions", "--store", str(moved)).code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.cws-compat]\nstore = "elsewhere"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    os.chdir(sub)  # found from a subdirectory too, relative to the pyproject
    assert cli("versions").code == 0


def test_unknown_pyproject_key_is_reported(cli: Any, store_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cws-compat]\nstroe = "x"\n')
    result = cli("versions")
    assert result.code == 2
    assert "unknown key(s) in [tool.cws-compat]: stroe" in result.err


def test_docs_v1_prints_the_seed(cli: Any, in_repo_root: Path) -> None:
    result = cli("docs", "v1")
    assert result.code == 0
    assert result.out == (DATA / "backend.md").read_text(encoding="utf-8")


def test_docs_accepts_a_file_path(cli: Any, in_repo_root: Path) -> None:
    result = cli("docs", "schemas/versions/v2.json")
    assert result.code == 0
    assert "## `DDContext`" in result.out


def test_docs_to_file_then_import_round_trips(cli: Any, store_copy: Path, tmp_path: Path) -> None:
    assert cli("docs", "v2", "-o", "v2.md").code == 0
    assert cli("import-doc", "v2.md", "-o", "v2.json", "--draft", "4").code == 0
    rebuilt = json.loads((tmp_path / "v2.json").read_text())
    assert rebuilt == json.loads((store_copy / "v2.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schemas", "v2.json", "v2.md"]


def test_import_doc_without_draft_leaves_schema_out(cli: Any) -> None:
    result = cli("import-doc", str(DATA / "backend.md"))
    assert result.code == 0
    assert "$schema" not in result.json()
    assert len(result.json()["definitions"]) == 12


def test_unknown_version_is_exit_2_listing_known(cli: Any, in_repo_root: Path) -> None:
    result = cli("docs", "v9")
    assert result.code == 2
    assert result.err == "cws-compat: error: unknown version 'v9' (known versions: v1, v2)\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "object",\n  "properties": }', "invalid JSON at line 2, column 17"),
        (b'{"a": "\xff"}', "not UTF-8 (byte 0xff at offset 7)"),
        (b"[1, 2]", "a schema must be a JSON object (or true/false), found array"),
        (b'{"a": NaN}', "invalid JSON"),
        (b"", "invalid JSON at line 1, column 1"),
    ],
)
def test_bad_schema_files_are_one_line_exit_2(
    cli: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = cli("docs", str(path))
    assert result.code == 2
    assert message in result.err
    assert str(path) in result.err
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_missing_file_is_exit_2(cli: Any, tmp_path: Path) -> None:
    result = cli("docs", str(tmp_path / "nope.json"))
    assert result.code == 2
    assert "no such schema file" in result.err


def test_import_doc_of_a_non_doc_is_exit_2(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "readme.md"
    path.write_text("# hello\n")
    result = cli("import-doc", str(path))
    assert result.code == 2
    assert "no root schema block" in result.err


def test_failed_output_leaves_existing_file_untouched(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("precious\n")
    bad = tmp_path / "bad.md"
    bad.write_text("```\nBACKEND_EVENT_SCHEMA = {\n```\n")
    assert cli("import-doc", str(bad), "-o", str(target)).code == 2
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.md", "out.json"]


def test_output_into_missing_directory_is_exit_2(cli: Any, tmp_path: Path) -> None:
    result = cli("import-doc", str(DATA / "backend.md"), "-o", str(tmp_path / "no" / "x.json"))
    assert result.code == 2
    assert "does not exist" in result.err


def test_git_ref_input(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "s.json").write_text((ROOT / "schemas/versions/v2.json").read_text())
    subprocess.run([*git, "-C", str(tmp_path), "add", "s.json"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "s"], check=True)
    (tmp_path / "s.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    result = cli("docs", "HEAD:s.json")
    assert result.code == 0, result.err
    assert "## `DDContext`" in result.out
    missing = cli("docs", "nosuchref:s.json")
    assert missing.code == 2
    assert "unknown git ref 'nosuchref'" in missing.err
    absent = cli("docs", "HEAD:other.json")
    assert absent.code == 2
    assert "no file 'other.json' at HEAD" in absent.err


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "compat", "docs", "v1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (DATA / "backend.md").read_text(encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "compat", "docs", "v9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
