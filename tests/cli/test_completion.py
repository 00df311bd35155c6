"""Shell completion through click's protocol, as the shell scripts call it: the entry point
run with _CWS_COMPAT_COMPLETE and COMP_WORDS/COMP_CWORD set."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compat.cli.group import cli, load_all_commands
from compat.rules import RULES
from tests.conftest import ROOT
from tests.processes import command
from tests.versioning.scratch import git


def complete(words: str, cword: str | int, shell: str = "bash", cwd: Path = ROOT) -> list[str]:
    """What the completion protocol answers, one item per line (bash: "type,value"; click
    prints an empty line for no item)."""
    env = {
        **os.environ,
        "_CWS_COMPAT_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    done = subprocess.run(command(), env=env, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line for line in done.stdout.splitlines() if line]


def test_command_names() -> None:
    load_all_commands()
    assert complete("cws-compat ", 1) == [f"plain,{name}" for name in sorted(cli.commands)]
    assert complete("cws-compat co", 1) == ["plain,corpus"]


def test_subcommands_and_options() -> None:
    assert complete("cws-compat corpus ", 2) == [
        "plain,generate",
        "plain,matrix",
        "plain,validate",
    ]
    options = complete("cws-compat diff --", 2)
    assert {"plain,--mode", "plain,--format", "plain,--store", "plain,--help"} <= set(options)
    assert complete("cws-compat diff v1 v2 --mode f", 5) == ["plain,forward", "plain,full"]


def test_version_names_from_the_store_and_files() -> None:
    # the file item first: bash falls back to file names only when no version matches
    assert complete("cws-compat diff ", 2) == ["file,", "plain,v1", "plain,v2"]
    assert complete("cws-compat diff v1 v", 3) == ["file,v", "plain,v1", "plain,v2"]
    assert complete("cws-compat diff sch", 2) == ["file,sch"]
    assert complete("cws-compat changelog v1 ", 3) == ["file,", "plain,v1", "plain,v2"]
    assert complete("cws-compat corpus generate v", 3) == ["file,v", "plain,v1", "plain,v2"]


def test_version_names_of_the_store_option(tmp_path: Path) -> None:
    store = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "schemas/versions", store)
    index = store / "index.json"
    index.write_text(index.read_text().replace('"v2"', '"v2-beta"'))
    words = f"cws-compat docs --store {store} v"
    assert complete(words, 4, cwd=tmp_path) == ["file,v", "plain,v1", "plain,v2-beta"]


def test_without_a_store_only_files(tmp_path: Path) -> None:
    assert complete("cws-compat diff ", 2, cwd=tmp_path) == ["file,"]
    (tmp_path / "schemas/versions").mkdir(parents=True)
    (tmp_path / "schemas/versions/index.json").write_text("{not json")
    assert complete("cws-compat diff ", 2, cwd=tmp_path) == ["file,"]


def test_version_lists_complete_their_last_item() -> None:
    assert complete("cws-compat corpus validate --against ", 4) == [
        "plain,v1",
        "plain,v2",
        "plain,all",
    ]
    assert complete("cws-compat corpus matrix --against v1,", 4) == ["plain,v1,v2"]


def test_rule_ids_with_their_summaries() -> None:
    zsh = complete("cws-compat rules required-a", 2, shell="zsh")
    assert zsh == ["plain", "required-added", RULES["required-added"].summary]
    every = complete("cws-compat rules ", 2)
    assert every == [f"plain,{rule_id}" for rule_id in RULES]


def test_fish_gets_the_incomplete_word() -> None:
    # fish passes the word being completed, not its index
    assert [item.split("\t")[0] for item in complete("cws-compat sch", "sch", shell="fish")] == [
        "plain,schema"
    ]


def test_git_refs_for_check_against(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.json").write_text("{}")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a")
    git(root, "branch", "release-1")
    git(root, "tag", "v1.0")
    assert complete("cws-compat check --against ", 3, cwd=root) == [
        "plain,main",
        "plain,release-1",
        "plain,v1.0",
    ]
    assert complete("cws-compat check --against re", 3, cwd=root) == ["plain,release-1"]
    assert complete("cws-compat check --against ", 3, cwd=tmp_path) == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_its_script(shell: str) -> None:
    env = {**os.environ, "_CWS_COMPAT_COMPLETE": f"{shell}_source"}
    done = subprocess.run(command(), env=env, capture_output=True, text=True, check=True)
    assert "_cws_compat_completion" in done.stdout
    assert f"_CWS_COMPAT_COMPLETE={shell}_complete" in done.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completes_with_the_script(tmp_path: Path) -> None:
    """The whole loop in bash: the script sourced as the README says, then its function
    called as bash calls it on TAB."""
    script = (
        'eval "$(_CWS_COMPAT_COMPLETE=bash_source cws-compat)"\n'
        "COMP_WORDS=(cws-compat di); COMP_CWORD=1; _cws_compat_completion cws-compat\n"
        'echo "${COMPREPLY[*]}"\n'
        "COMP_WORDS=(cws-compat diff v1 v); COMP_CWORD=3; _cws_compat_completion cws-compat\n"
        'echo "${COMPREPLY[*]}"\n'
    )
    path = os.pathsep.join([str(Path(command()[0]).parent), os.environ.get("PATH", "")])
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
    )
    assert done.stdout.splitlines() == ["diff", "v1 v2"], done.stderr
