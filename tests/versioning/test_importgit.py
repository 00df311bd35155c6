"""`cws-compat store import-git`: a store built from the first-parent history of a schema file
in a scratch repository (renames, reformats, description-only changes, reverts, merges),
imported again as the history grows, and left as it was whatever stops an import."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compat.versioning.store import Store
from tests.conftest import ROOT, STORE, Result, invoke
from tests.processes import classify, interrupted_run, leftovers, timed_run
from tests.versioning.gitsource import Source, schema, text
from tests.versioning.scratch import GIT

FILE = "schema.json"
OLD = "old.json"
IMPORT = ["store", "import-git"]


def run(source: Source, *extra: str) -> Result:
    return invoke(*IMPORT, str(source.root), "--path", FILE, "--path", OLD, *extra)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def one_line(err: str) -> bool:
    return err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory, the current directory: the store goes to schemas/versions."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def history(tmp_path: Path) -> tuple[Source, dict[str, str]]:
    """A schema's life: created as old.json, a property added, the file reformatted, renamed,
    a description added, a property made required, and that reverted. Commit hashes by step."""
    source = Source(tmp_path / "agent")
    described = schema(name=True, described=True)
    shas = {
        "first": source.commit("2021-01-10", "first schema", {OLD: text(schema())}),
        "add": source.commit("2021-02-10", "add name", {OLD: text(schema(name=True))}),
        "readme": source.commit("2021-02-20", "docs", {"README.md": "agent\n"}),
        "reformat": source.commit(
            "2021-03-10", "reformat", {OLD: text(schema(name=True), indent=2, reverse=True)}
        ),
        "rename": source.rename("2021-04-10", OLD, FILE),
        "describe": source.commit("2021-05-10", "describe name", {FILE: text(described)}),
        "require": source.commit(
            "2021-06-10", "require name", {FILE: text(schema(name=True, required_name=True))}
        ),
        "revert": source.commit("2021-07-10", "revert: require name", {FILE: text(described)}),
    }
    return source, shas


def store_of(project: Path) -> Store:
    return Store.open(project / "schemas" / "versions")


def assert_consistent(project: Path) -> list[str]:
    """Every version's bytes match the index, every version file is indexed, the changelog is
    the one the store gives, and nothing temporary is left. The version names."""
    store = store_of(project)
    for name in store.names:
        store.load(name)
    root = project / "schemas" / "versions"
    assert {p.name for p in root.glob("*.json")} - {"index.json"} == {
        store.entry(n).file for n in store.names
    }
    assert invoke("changelog", "--check").code == 0
    assert leftovers(project) == []
    return store.names


# -- one import of a whole history -------------------------------------------------------------


def test_a_history_with_a_rename_a_reformat_a_description_and_a_revert(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, shas = history
    result = run(source)
    assert (result.code, result.err) == (0, "")
    store = store_of(project)
    # one version per distinct content, in commit order; the reformat and the rename are
    # the same JSON as v2; the revert is a version of its own (the same bytes as v3)
    assert store.names == ["v1", "v2", "v3", "v4", "v5"]
    steps = ["first", "add", "describe", "require", "revert"]
    assert [e.commit for e in store.entries] == [shas[s] for s in steps]
    dates = ["2021-01-10", "2021-02-10", "2021-05-10", "2021-06-10", "2021-07-10"]
    assert [e.released for e in store.entries] == dates
    versions = project / "schemas" / "versions"
    for entry, step in zip(store.entries, steps, strict=True):
        name = OLD if step in ("first", "add") else FILE
        committed = source.git("show", f"{shas[step]}:{name}") + "\n"
        assert (versions / entry.file).read_text() == committed  # the bytes, as committed
    assert (versions / "v5.json").read_bytes() == (versions / "v3.json").read_bytes()
    # only the break is acknowledged, with its commit as the reason
    assert [len(e.acknowledged) for e in store.entries] == [0, 0, 0, 1, 0]
    ack = store.entry("v4").acknowledged[0]
    assert (ack.rule, ack.subject) == ("required-added", "name")
    assert ack.reason == f"imported from git history: commit {shas['require'][:12]} (2021-06-10)"
    changelog = (project / "CHANGELOG.md").read_text()
    assert "## [v3] - 2021-05-10\n\nCompared with v2: annotations only, nothing a validator " in (
        changelog
    )
    assert "## [v5] - 2021-07-10\n\nCompared with v4: backward compatible, forward breaking" in (
        changelog
    )
    assert "is no longer required" in changelog.split("## [v4]")[0]
    assert assert_consistent(project) == ["v1", "v2", "v3", "v4", "v5"]
    short = {step: sha[:12] for step, sha in shas.items()}
    assert result.out.splitlines() == [
        f"{FILE} (before: {OLD}) in {source.root}, first-parent history of HEAD "
        f"({short['revert']}, main):",
        f"  v1    2021-01-10  {short['first']}  the store's first version; as {OLD}  "
        "[first schema]",
        f"  v2    2021-02-10  {short['add']}  backward compatible, forward breaking (minor); "
        f"as {OLD}  [add name]",
        f"  -     2021-03-10  {short['reformat']}  skipped: the same JSON as v2  [reformat]",
        f"  -     2021-04-10  {short['rename']}  skipped: the same JSON as v2  "
        f"[rename {OLD} to {FILE}]",
        f"  v3    2021-05-10  {short['describe']}  annotations only (patch)  [describe name]",
        f"  v4    2021-06-10  {short['require']}  backward breaking, forward compatible "
        "(major); 1 change acknowledged  [require name]",
        f"  v5    2021-07-10  {short['revert']}  backward compatible, forward breaking "
        "(minor)  [revert: require name]",
        "imported 5 versions (v1 to v5) from 7 commits: schemas/versions/v1.json, ..., "
        "schemas/versions/v5.json, CHANGELOG.md, schemas/versions/index.json",
    ]


def test_the_json_report_lists_every_commit_considered(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, shas = history
    result = run(source, "--format", "json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["head"] == shas["revert"]
    assert data["branch"] == "main"
    assert data["paths"] == [FILE, OLD]
    assert data["imported"] == ["v1", "v2", "v3", "v4", "v5"]
    assert [c["commit"] for c in data["commits"]] == [
        shas[s] for s in ("first", "add", "reformat", "rename", "describe", "require", "revert")
    ]
    assert [c["version"] for c in data["commits"]] == ["v1", "v2", None, None, "v3", "v4", "v5"]
    assert data["commits"][2]["skipped"] == "the same JSON as v2"
    assert [c.get("bump") for c in data["commits"]] == [
        None, "minor", None, None, "patch", "major", "minor"
    ]  # fmt: skip
    assert data["commits"][5]["acknowledged"] == 1
    assert data["written"][-1] == str(project / "schemas" / "versions" / "index.json")


def test_without_the_old_name_the_history_starts_at_the_rename(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, shas = history
    result = invoke(*IMPORT, str(source.root), "--path", FILE)
    assert result.code == 0, result.err
    store = store_of(project)
    assert [e.commit for e in store.entries] == [
        shas[s] for s in ("rename", "describe", "require", "revert")
    ]


def test_the_repository_defaults_to_the_current_directorys(
    history: tuple[Source, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run inside the schema's own repository, from a subdirectory: REPO is that repository,
    --path is from its root, and the store is made at the repository's root."""
    source, _ = history
    (source.root / "pkg").mkdir()
    monkeypatch.chdir(source.root / "pkg")
    result = invoke(*IMPORT, "--path", FILE, "--path", OLD, "--format", "json")
    assert result.code == 0, result.err
    assert result.json()["imported"] == ["v1", "v2", "v3", "v4", "v5"]
    assert Store.open(source.root / "schemas" / "versions").names[-1] == "v5"
    assert (source.root / "CHANGELOG.md").is_file()


def test_a_bare_clone_gives_the_same_store(
    project: Path, tmp_path: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, _ = history
    bare = tmp_path / "agent.git"
    source.git("clone", "-q", "--bare", str(source.root), str(bare))
    assert invoke(*IMPORT, str(bare), "--path", FILE, "--path", OLD).code == 0
    from_bare = tree(project)
    shutil.rmtree(project / "schemas")
    (project / "CHANGELOG.md").unlink()
    assert run(source).code == 0
    assert tree(project) == from_bare


def test_a_dry_run_shows_the_versions_and_writes_nothing(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, _ = history
    result = run(source, "--dry-run")
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == (
        "would import 5 versions (v1 to v5) from 7 commits; nothing was written (--dry-run)"
    )
    assert tree(project) == {}
    assert list(project.iterdir()) == []


def test_a_yaml_file_is_stored_as_json(project: Path, tmp_path: Path) -> None:
    source = Source(tmp_path / "yaml")
    source.commit(
        "2022-01-01", "yaml", {"s.yaml": "type: object\nproperties: {a: {type: string}}\n"}
    )
    result = invoke(*IMPORT, str(source.root), "--path", "s.yaml")
    assert result.code == 0, result.err
    stored = project / "schemas" / "versions" / "v1.json"
    assert json.loads(stored.read_text()) == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }
    assert assert_consistent(project) == ["v1"]


def test_a_removed_file_makes_no_version_and_its_return_is_compared_with_the_last(
    project: Path, tmp_path: Path
) -> None:
    source = Source(tmp_path / "gone")
    source.commit("2022-01-01", "add", {FILE: text(schema())})
    removed = source.commit("2022-02-01", "remove", {FILE: None})
    same = source.commit("2022-03-01", "back, the same", {FILE: text(schema(), indent=1)})
    changed = source.commit("2022-04-01", "changed", {FILE: text(schema(name=True))})
    result = invoke(*IMPORT, str(source.root), "--path", FILE, "--format", "json")
    assert result.code == 0, result.err
    commits = {c["commit"]: c for c in result.json()["commits"]}
    assert commits[removed]["skipped"] == "the file was removed"
    assert commits[same]["skipped"] == "the same JSON as v1"
    assert commits[changed]["version"] == "v2"
    assert assert_consistent(project) == ["v1", "v2"]


def test_the_release_date_is_the_committer_date_in_the_committers_time_zone(
    project: Path, tmp_path: Path
) -> None:
    """The day the change landed: the committer date (not the author date), as the committer's
    clock read it (`git log --format=%cs`), not converted to UTC."""
    source = Source(tmp_path / "dates")
    (source.root / FILE).write_text(text(schema()))
    source.git("add", FILE)
    env = {
        "GIT_AUTHOR_DATE": "2020-12-31T09:00:00+00:00",
        "GIT_COMMITTER_DATE": "2021-01-10T23:30:00-05:00",  # 2021-01-11 in UTC
    }
    subprocess.run(
        [*GIT, "commit", "-q", "-m", "late"], cwd=source.root, check=True, env={**os.environ, **env}
    )
    assert source.git("log", "-1", "--format=%cs") == "2021-01-10"
    assert invoke(*IMPORT, str(source.root), "--path", FILE).code == 0
    assert store_of(project).entry("v1").released == "2021-01-10"


# -- merges: the first-parent history ----------------------------------------------------------


def test_a_merged_branchs_own_commits_are_not_versions(project: Path, tmp_path: Path) -> None:
    source = Source(tmp_path / "merges")
    first = source.commit("2022-01-01", "first", {FILE: text(schema())})
    source.git("checkout", "-q", "-b", "feature")
    source.commit("2022-01-02", "wip: name", {FILE: text(schema(name=True, required_name=True))})
    source.commit("2022-01-03", "wip: optional", {FILE: text(schema(name=True))})
    source.git("checkout", "-q", "main")
    source.commit("2022-01-04", "elsewhere", {"README.md": "x\n"})
    merged = source.merge("2022-01-05", "feature")
    # a branch that changes the file and changes it back brings no change: no version
    source.git("checkout", "-q", "-b", "noop")
    source.commit("2022-02-01", "try", {FILE: text(schema(name=True, described=True))})
    source.commit("2022-02-02", "undo", {FILE: text(schema(name=True))})
    source.git("checkout", "-q", "main")
    source.commit("2022-02-03", "elsewhere again", {"README.md": "y\n"})
    source.merge("2022-02-04", "noop")
    after = source.commit("2022-03-01", "describe", {FILE: text(schema(name=True, described=True))})
    result = invoke(*IMPORT, str(source.root), "--path", FILE)
    assert result.code == 0, result.err
    store = store_of(project)
    assert [(e.name, e.commit, e.released) for e in store.entries] == [
        ("v1", first, "2022-01-01"),
        ("v2", merged, "2022-01-05"),  # the merge, with the branch's net change
        ("v3", after, "2022-03-01"),
    ]
    assert json.loads((project / "schemas/versions/v2.json").read_text()) == schema(name=True)


# -- importing again ---------------------------------------------------------------------------


def test_importing_again_adds_only_the_new_commits(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, _ = history
    assert run(source).code == 0
    before = tree(project)
    again = run(source)
    assert (again.code, again.err) == (0, "")
    assert again.out.splitlines()[-2:] == [
        "  no commit changed the file",
        "nothing to import: the store is up to date",
    ]
    assert tree(project) == before  # byte for byte
    newer = source.commit(
        "2021-08-10", "require name again", {FILE: text(schema(name=True, required_name=True))}
    )
    source.commit("2021-08-20", "reformat", {FILE: text(schema(name=True, required_name=True), 2)})
    third = run(source, "--format", "json")
    assert third.code == 0, third.err
    assert third.json()["imported"] == ["v6"]
    assert third.json()["after"] == [
        f"{store_of(project).entry('v5').commit[:12]}, the commit of v5"
    ]
    now = tree(project)
    changed = {k for k in now if before.get(k) != now[k]}
    assert changed == {
        "schemas/versions/v6.json",
        "schemas/versions/index.json",
        "CHANGELOG.md",
    }
    assert store_of(project).entry("v6").commit == newer
    assert assert_consistent(project)[-1] == "v6"


def test_a_version_released_by_hand_between_imports_is_the_one_compared_with(
    project: Path, tmp_path: Path, history: tuple[Source, dict[str, str]]
) -> None:
    """`release` after an import: the next import starts after the last recorded commit and
    compares with the released version (the store's latest), skipping a commit that holds it."""
    source, _ = history
    assert run(source).code == 0
    released = tmp_path / "by-hand.json"
    released.write_text(text(schema(name=True, required_name=True)))
    assert invoke("release", str(released), "--allow-breaking", "agents send it").code == 0
    same = source.commit("2021-08-01", "upstream catches up", {FILE: released.read_text()})
    newer = source.commit("2021-09-01", "describe", {FILE: text(schema(name=True))})
    result = run(source, "--format", "json")
    assert result.code == 0, result.err
    commits = {c["commit"]: c for c in result.json()["commits"]}
    assert commits[same]["skipped"] == "the same JSON as v6"
    assert (commits[newer]["version"], commits[newer]["compared_with"]) == ("v7", "v6")
    assert [e.commit is None for e in store_of(project).entries][-2:] == [True, False]
    assert assert_consistent(project)[-1] == "v7"


def test_a_store_with_released_versions_continues_their_numbering(
    project: Path, tmp_path: Path
) -> None:
    """Importing into the shipped store: a commit holding its latest version (v2) as JSON
    makes no version; the next one is v3, compared with v2."""
    shutil.copytree(STORE, project / "schemas" / "versions")
    shutil.copy(ROOT / "CHANGELOG.md", project / "CHANGELOG.md")
    v2 = json.loads((STORE / "v2.json").read_text())
    source = Source(tmp_path / "upstream")
    source.commit("2021-04-27", "generated", {FILE: text(v2, indent=2)})
    v2["properties"]["network"] = {"type": "string"}
    added = source.commit("2021-06-01", "network", {FILE: text(v2)})
    result = invoke(*IMPORT, str(source.root), "--path", FILE, "--format", "json")
    assert result.code == 0, result.err
    assert [c.get("skipped") for c in result.json()["commits"]] == ["the same JSON as v2", None]
    store = store_of(project)
    assert store.names == ["v1", "v2", "v3"]
    assert (store.entry("v2").commit, store.entry("v3").commit) == (None, added)
    released = json.loads((STORE / "index.json").read_text())["versions"]
    now = json.loads((project / "schemas/versions/index.json").read_text())["versions"]
    assert now[:2] == released  # the released entries, untouched
    assert assert_consistent(project) == ["v1", "v2", "v3"]


@pytest.mark.parametrize("since", ["tag", "sha"])
def test_since_imports_only_the_commits_after_ref(
    project: Path, history: tuple[Source, dict[str, str]], since: str
) -> None:
    source, shas = history
    source.git("tag", "r1", shas["reformat"])
    ref = "r1" if since == "tag" else shas["reformat"][:10]
    result = run(source, "--since", ref)
    assert result.code == 0, result.err
    store = store_of(project)
    # the rename is the first commit after r1: its content is the store's first version
    assert [e.commit for e in store.entries] == [
        shas[s] for s in ("rename", "describe", "require", "revert")
    ]
    assert result.out.splitlines()[0].endswith(f", after {shas['reformat'][:12]} (--since {ref}):")


# -- errors: one line, exit 2, nothing written --------------------------------------------------


def test_a_rewritten_branch_is_refused(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, shas = history
    assert run(source).code == 0
    before = tree(project)
    source.git("reset", "-q", "--hard", shas["describe"])
    source.commit(
        "2021-06-11", "require name, rewritten", {FILE: text(schema(name=True, required_name=True))}
    )
    result = run(source)
    assert result.code == 2
    assert one_line(result.err), result.err
    assert result.err == (
        f"cws-compat: error: {project / 'schemas/versions/index.json'}: v5 was imported from "
        f"commit {shas['revert'][:12]}, which is not in the history of HEAD (main) in "
        f"{source.root} (the branch was rewritten, or this is another repository); nothing "
        "was written\n"
    )
    assert tree(project) == before
    assert leftovers(project) == []


def _invalid_json(source: Source) -> str:
    return source.commit("2021-08-01", "broken", {FILE: '{"type": "object",\n'})


def _not_a_schema(source: Source) -> str:
    return source.commit("2021-08-01", "not a schema", {FILE: '{"type": 12}\n'})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_invalid_json, "invalid JSON at line 2, column 1"),
        (_not_a_schema, "invalid 2020-12 schema at /type"),
    ],
    ids=["invalid-json", "not-a-schema"],
)
def test_an_invalid_file_in_some_commit_names_the_commit_and_writes_nothing(
    project: Path, history: tuple[Source, dict[str, str]], make: Any, message: str
) -> None:
    source, _ = history
    bad = make(source)
    source.commit("2021-09-01", "fixed", {FILE: text(schema())})
    result = run(source)
    assert result.code == 2
    assert one_line(result.err), result.err
    assert result.err.startswith(f"cws-compat: error: {FILE} at commit {bad[:12]} (2021-08-01)")
    assert message in result.err
    assert result.err.endswith("; nothing was imported\n")
    assert list(project.iterdir()) == []  # not even the store's directory


def test_errors_before_anything_is_read(
    project: Path, tmp_path: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, _ = history
    plain = tmp_path / "plain"
    plain.mkdir()
    empty = Source(tmp_path / "empty")
    cases = {
        "not-a-repo": ([str(plain), "--path", FILE], f"{plain}: not inside a git repository"),
        "no-commits": ([str(empty.root), "--path", FILE], "the repository has no commits yet"),
        "never": (
            [str(source.root), "--path", "nope.json"],
            "nope.json: never in the first-parent history of HEAD (main)",
        ),
        "unknown-since": (
            [str(source.root), "--path", FILE, "--since", "v9.9"],
            "--since 'v9.9': unknown git ref",
        ),
        "absolute": ([str(source.root), "--path", "/etc/x.json"], "relative to the repository"),
        "dotdot": ([str(source.root), "--path", "../x.json"], "relative to the repository"),
    }
    for name, (args, message) in cases.items():
        result = invoke(*IMPORT, *args)
        assert result.code == 2, name
        assert one_line(result.err), (name, result.err)
        assert message in result.err, (name, result.err)
    missing = invoke(*IMPORT, str(source.root))
    assert missing.code == 2 and "Missing option '--path'" in missing.err
    assert list(project.iterdir()) == []


def test_since_outside_the_history_of_head_is_refused(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, _ = history
    source.git("checkout", "-q", "-b", "other")
    side = source.commit("2021-08-01", "side", {"README.md": "side\n"})
    source.git("checkout", "-q", "main")
    result = run(source, "--since", "other")
    assert result.code == 2
    assert f"--since 'other': commit {side[:12]} is not in the history of HEAD (main)" in result.err
    assert list(project.iterdir()) == []


def test_a_directory_with_schema_files_and_no_index_is_not_taken_for_a_store(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    source, _ = history
    versions = project / "schemas" / "versions"
    versions.mkdir(parents=True)
    (versions / "mine.json").write_text("{}\n")
    result = run(source)
    assert result.code == 2
    assert "holds mine.json but no index.json: not a schema store" in result.err
    assert tree(project) == {"schemas/versions/mine.json": b"{}\n"}


# -- all or nothing ----------------------------------------------------------------------------


@pytest.fixture
def imported(project: Path, history: tuple[Source, dict[str, str]]) -> Source:
    """The history imported (v1 to v5), then two more commits: two versions to import."""
    source, _ = history
    assert run(source).code == 0
    source.commit("2021-08-01", "more", {FILE: text(schema())})
    source.commit("2021-09-01", "more again", {FILE: text(schema(name=True))})
    return source


def test_a_failure_midway_through_the_comparisons_leaves_the_store_as_it_was(
    project: Path, imported: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (as the command line raises it in the command's thread) in the third
    comparison: exit 130, the store byte for byte as it was, no temporary file, no lock."""
    import compat.engine.compare as engine
    from compat.util.interrupts import Interrupted

    before = tree(project)
    real = engine.compare
    calls = []

    def compare(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise Interrupted
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "compare", compare)
    result = run(imported)
    assert len(calls) == 2, "the failure was not injected"
    assert (result.code, result.err) == (130, "cws-compat: interrupted\n")
    assert tree(project) == before
    assert leftovers(project) == []


@pytest.mark.parametrize("after", [0, 1, 3])
def test_a_failure_while_writing_leaves_the_store_as_it_was(
    project: Path, imported: Source, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    """The disk fills up after `after` writes (files staged), or a rename fails half-way
    through them (`after` renames done): either way every file is as it was."""
    before = tree(project)
    real_write, real_replace = os.write, os.replace
    writes: list[int] = []
    renames: list[str] = []

    def write(fd: int, data: Any) -> int:
        if fd > 2:
            writes.append(len(data))
            if len(writes) > after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    def replace(src: Any, dst: Any) -> None:
        renames.append(str(dst))
        if len(renames) == after + 1:  # one rename fails; those putting files back do not
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(src, dst)

    for patch in ({"write": write}, {"replace": replace}):
        writes.clear()
        renames.clear()
        with pytest.MonkeyPatch.context() as patched:  # undone alone (not the chdir)
            for name, function in patch.items():
                patched.setattr(os, name, function)
            result = run(imported)
        assert writes or renames, "the failure was not injected"
        assert result.code == 2, result
        assert one_line(result.err), result.err
        assert tree(project) == before, patch
        assert leftovers(project) == []
    assert run(imported).code == 0  # nothing was in the way
    assert assert_consistent(project)[-2:] == ["v6", "v7"]


def test_a_new_store_directory_is_removed_when_the_import_fails(
    project: Path, history: tuple[Source, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, _ = history
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", replace)
    result = invoke(*IMPORT, str(source.root), "--path", FILE, "--store", "deep/er/store")
    monkeypatch.setattr(os, "replace", real)
    assert result.code == 2
    assert list(project.iterdir()) == []


def test_a_store_written_meanwhile_by_a_writer_without_the_lock_is_refused(
    project: Path, imported: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    import compat.engine.compare as engine

    index = project / "schemas" / "versions" / "index.json"
    real = engine.compare

    def compare(*args: Any, **kwargs: Any) -> Any:
        data = json.loads(index.read_text())
        data["versions"][0]["released"] = "2021-01-11"
        index.write_text(json.dumps(data, indent=4) + "\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "compare", compare)
    before = tree(project)
    result = run(imported)
    assert result.code == 2
    assert "index.json changed during the import" in result.err
    assert "nothing was written" in result.err
    after = tree(project)
    assert {k for k in after if after[k] != before.get(k)} == {"schemas/versions/index.json"}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_at_any_moment_of_an_import(
    project: Path, tmp_path: Path, history: tuple[Source, dict[str, str]], signum: int
) -> None:
    """The real command line in a subprocess, the signal sent to its whole process group (git
    included) at random moments: it stops with one line and status 130 writing nothing, or
    has finished the whole import."""
    source, _ = history
    args = [*IMPORT, str(source.root), "--path", FILE, "--path", OLD]
    timing = tmp_path / "timing"
    timing.mkdir()
    span = timed_run(args, timing)
    seed = random.randrange(1 << 30)
    chooser = random.Random(seed)
    seen: dict[str, int] = {}
    for i in range(8):
        for child in project.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        delay = chooser.uniform(span * i / 8, span * (i + 1) / 8)
        outcome = interrupted_run(args, project, delay, chooser.choice([1, 1, 2]), signum=signum)
        where = f"seed {seed}, signal {signum} at {delay:.3f} s: {outcome}"
        if outcome.code == -signal.SIGTERM and not (outcome.out or outcome.err):
            what = "before our code"  # Python's default for SIGTERM, before main() runs
        else:
            what = classify(outcome, where, finished="imported 5 versions")
        seen[what] = seen.get(what, 0) + 1
        if what == "finished":
            assert assert_consistent(project) == ["v1", "v2", "v3", "v4", "v5"], where
        else:
            assert list(project.iterdir()) == [], where
    assert seen.get("interrupted", 0) >= 2, seen


# -- the gate takes imported versions ------------------------------------------------------


def test_the_gate_passes_an_imported_store_and_guards_its_commits(
    tmp_path: Path, history: tuple[Source, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, _ = history
    project = Source(tmp_path / "consumer")
    project.commit("2022-01-01", "start", {"README.md": "consumer\n"})
    project.git("checkout", "-q", "-b", "import")
    monkeypatch.chdir(project.root)
    assert run(source).code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "import", date="2022-01-02")
    gate = invoke("check", "--against", "main")
    assert gate.code == 0, gate.out + gate.err
    assert "acknowledged [required-added]" in gate.out
    # a released entry's commit is part of it: changing it is editing a released version
    project.git("checkout", "-q", "-b", "tamper")
    index = project.root / "schemas" / "versions" / "index.json"
    data = json.loads(index.read_text())
    data["versions"][1]["commit"] = "0" * 40
    index.write_text(json.dumps(data, indent=4) + "\n")
    tampered = invoke("check", "--against", "import")
    assert tampered.code == 1
    assert "released version v2" in tampered.out and "was modified" in tampered.out
    assert "/versions/1/commit" in tampered.out


def test_the_mode_decides_what_is_acknowledged(
    project: Path, history: tuple[Source, dict[str, str]]
) -> None:
    """In full mode forward breaks are acknowledged too (adding `name` to the closed object,
    the revert), so that `check --mode full` passes on the imported store."""
    source, _ = history
    assert run(source, "--mode", "full").code == 0
    counts = [len(e.acknowledged) for e in store_of(project).entries]
    assert counts == [0, 1, 0, 1, 1]


# -- the rule, on any history -------------------------------------------------------------------

VARIANTS = [
    schema(),
    schema(name=True),
    schema(name=True, described=True),
    schema(name=True, required_name=True),
]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    contents=st.lists(
        st.tuples(st.integers(0, len(VARIANTS) - 1), st.sampled_from([1, 2, 4]), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    split=st.integers(0, 6),
)
def test_one_version_per_change_of_json_whatever_the_runs(
    tmp_path_factory: pytest.TempPathFactory, contents: list[tuple[int, int, bool]], split: int
) -> None:
    """The versions are the commits' documents with consecutive equal JSON collapsed, in
    order, and importing in two runs (at any commit) gives the very store one run gives."""
    base = tmp_path_factory.mktemp("rule")
    source = Source(base / "src")
    once, twice = base / "once", base / "twice"
    for directory in (once, twice):
        directory.mkdir()
    shas = []
    for day, (variant, indent, reverse) in enumerate(contents, start=1):
        body = text(VARIANTS[variant], indent, reverse)
        shas.append(source.commit(f"2022-01-{day:02d}", f"c{day}", {FILE: body}))
        if day == min(split, len(contents)):
            assert _run_in(twice, source).code == 0
    assert _run_in(twice, source).code == 0
    assert _run_in(once, source).code == 0
    expected: list[tuple[int, str]] = []
    for (variant, _, _), sha in zip(contents, shas, strict=True):
        if not expected or VARIANTS[expected[-1][0]] != VARIANTS[variant]:
            expected.append((variant, sha))
    store = Store.open(once / "schemas" / "versions")
    assert [e.commit for e in store.entries] == [sha for _, sha in expected]
    for entry, (variant, _) in zip(store.entries, expected, strict=True):
        assert store.load(entry.name).document == VARIANTS[variant]
    assert tree(once) == tree(twice)


def _run_in(directory: Path, source: Source) -> Result:
    here = Path.cwd()
    os.chdir(directory)
    try:
        return invoke(*IMPORT, str(source.root), "--path", FILE)
    finally:
        os.chdir(here)


def test_a_shallow_clone_is_refused_for_a_first_import(tmp_path: Path) -> None:
    """Its first commit is a cut, not the file's first version: refused unless --since."""
    origin = tmp_path / "origin"
    origin.mkdir()
    subprocess.run(["git", "init", "-q", str(origin)], check=True)
    for n, content in enumerate(['{"type": "object"}', '{"type": "object", "title": "t"}', "{}"]):
        (origin / "s.json").write_text(content)
        subprocess.run(["git", "-C", str(origin), "add", "-A"], check=True)
        subprocess.run(
            [
                "git",
                "-C",
                str(origin),
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                f"c{n}",
            ],
            check=True,
        )
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", origin.as_uri(), str(shallow)], check=True
    )
    store = tmp_path / "store"
    result = invoke("store", "import-git", str(shallow), "--path", "s.json", "--store", str(store))
    assert result.code == 2
    assert "is a shallow clone" in result.err and "git fetch --unshallow" in result.err
    assert not store.exists()
    since = invoke(
        "store",
        "import-git",
        str(shallow),
        "--path",
        "s.json",
        "--store",
        str(store),
        "--since",
        "HEAD~1",
    )
    assert since.code == 0, since.err
    assert [v["name"] for v in json.loads((store / "index.json").read_text())["versions"]] == ["v1"]
