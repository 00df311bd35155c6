"""The gate, releases and the changelog, tried as a new user would: in scratch git
repositories holding a copy of `schemas/`."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from compat.modes import Mode
from compat.versioning import release as release_module
from tests.conftest import ROOT
from tests.helpers import blind_engine
from tests.versioning.scratch import add_version_by_hand, additive, breaking, git, tree, v2_with


def test_breaking_v3_fails_with_an_annotation_on_v3(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(breaking))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v3")
    result = cli("check", "--format", "github")
    assert result.code == 1
    line = next(x for x in result.out.splitlines() if "required-added" in x)
    assert line.startswith("::error file=schemas/versions/v3.json,line=")
    number = int(line.split("line=")[1].split(",")[0])
    text = (repo / "schemas/versions/v3.json").read_text().splitlines()
    assert text[number - 1].strip() == '"required": ['
    assert "process.credentials.auid" in line


def test_additive_v3_made_with_release_passes(cli: Any, repo: Path) -> None:
    result = cli("release", str(v2_with(additive)))
    assert result.code == 0, result.out + result.err
    assert (repo / "schemas/versions/v3.json").is_file()
    assert "## [v3]" in (repo / "CHANGELOG.md").read_text()
    assert "`network`" in (repo / "CHANGELOG.md").read_text()
    assert cli("changelog", "--check").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v3")
    gate = cli("check")
    assert gate.code == 0, gate.out
    assert "ok v2 -> v3" in gate.out


def test_editing_a_released_version_fails_naming_it(cli: Any, repo: Path) -> None:
    path = repo / "schemas/versions/v1.json"
    path.write_text(path.read_text().replace("Container ID", "Container id"))
    result = cli("check")
    assert result.code == 1
    assert "released version v1 (schemas/versions/v1.json) was modified" in result.out
    deleted = cli("check", "--format", "json")
    assert deleted.json()["problems"][0]["file"] == "schemas/versions/v1.json"


def test_deleting_a_released_version_fails(cli: Any, repo: Path) -> None:
    index_path = repo / "schemas/versions/index.json"
    index = json.loads(index_path.read_text())
    index["versions"] = index["versions"][:1]
    index_path.write_text(json.dumps(index))
    (repo / "schemas/versions/v2.json").unlink()
    result = cli("check")
    assert result.code == 1
    assert "released version v2 was removed" in result.out


def test_release_of_a_breaking_version_without_reason_writes_nothing(cli: Any, repo: Path) -> None:
    before = tree(repo)
    result = cli("release", str(v2_with(breaking)))
    assert result.code == 1
    assert "nothing was written" in result.out
    assert tree(repo) == before


def test_release_with_a_reason_records_acknowledgements_the_gate_accepts(
    cli: Any, repo: Path
) -> None:
    result = cli("release", str(v2_with(breaking)), "--allow-breaking", "agents >= 7.30 send auid")
    assert result.code == 0, result.out
    index = json.loads((repo / "schemas/versions/index.json").read_text())
    acks = index["versions"][-1]["acknowledged"]
    # the exact change: rule, path, the property it is about and a fingerprint of it all
    assert acks == [
        {
            "rule": "required-added",
            "schema_path": "/definitions/ProcessCredentials/required",
            "subject": "auid",
            "fingerprint": acks[0]["fingerprint"],
            "reason": "agents >= 7.30 send auid",
        }
    ]
    assert len(acks[0]["fingerprint"]) == 16
    assert "acknowledged: agents >= 7.30 send auid" in (repo / "CHANGELOG.md").read_text()
    gate = cli("check")
    assert gate.code == 0, gate.out
    assert "acknowledged [required-added]" in gate.out


def test_stale_acknowledgements_are_reported(cli: Any, repo: Path) -> None:
    cli("release", str(v2_with(additive)))
    index_path = repo / "schemas/versions/index.json"
    index = json.loads(index_path.read_text())
    index["versions"][-1]["acknowledged"] = [
        {"rule": "required-added", "schema_path": "/nowhere", "reason": "old"}
    ]
    index_path.write_text(json.dumps(index, indent=4))
    result = cli("check")
    assert result.code == 0
    assert "stale acknowledgement for v3: [required-added] /nowhere" in result.out


def test_release_is_all_or_nothing_when_a_write_fails(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(repo)
    real = os.replace
    calls = []

    def failing(source: Any, target: Any) -> None:
        calls.append(target)
        if len(calls) == 2:  # after the version file, before the index
            raise KeyboardInterrupt
        real(source, target)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(KeyboardInterrupt):
        release_module.release(
            v2_with(additive),
            repo / "schemas/versions",
            repo / "CHANGELOG.md",
            None,
            Mode("backward"),
            None,
        )
    assert tree(repo) == before


def test_release_refuses_an_existing_name(cli: Any, repo: Path) -> None:
    result = cli("release", str(v2_with(additive)), "--name", "v2")
    assert result.code == 2
    assert "version v2 already exists" in result.err


def test_transitive_mode_checks_every_earlier_version(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(additive))
    result = cli("check", "--mode", "backward-transitive", "--format", "json")
    pairs = [(c["old"], c["new"]) for c in result.json()["checks"]]
    assert pairs == [("v1", "v3"), ("v2", "v3")]


def test_gating_a_schema_file_by_path(cli: Any, repo: Path) -> None:
    schema = repo / "backend.schema.json"
    shutil.copy(ROOT / "schemas/versions/v2.json", schema)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "schema file")
    schema.write_text(v2_with(breaking).read_text())
    result = cli("check", "--against", "HEAD", "backend.schema.json", "--format", "json")
    assert result.code == 1
    check = result.json()["checks"][0]
    assert check["file"] == "backend.schema.json"
    # an acknowledgement by rule and path alone (as written before fingerprints) approves
    # nothing, and says so
    (repo / "pyproject.toml").write_text(
        "[[tool.cws-compat.acknowledgements]]\n"
        'path = "backend.schema.json"\nrule = "required-added"\n'
        'schema_path = "/definitions/ProcessCredentials/required"\nreason = "planned"\n'
    )
    legacy = cli("check", "--against", "HEAD", "backend.schema.json")
    assert legacy.code == 1
    assert "has no fingerprint, so it approves nothing" in legacy.out
    # the snippet the failure shows, pasted with a reason, is what approves it
    (repo / "pyproject.toml").unlink()
    fix = check["failing"][0]["fix"].splitlines()
    assert fix[0] == (
        "to accept it, add to .cws-compat.toml (a new file; in a pyproject.toml, the table is "
        "[[tool.cws-compat.acknowledgements]]):"
    )
    assert fix[1] == "[[acknowledgements]]"
    snippet = "\n".join(fix[1:]).replace("WHY THIS CHANGE IS ACCEPTABLE", "planned")
    (repo / ".cws-compat.toml").write_text(snippet + "\n")
    passed = cli("check", "--against", "HEAD", "backend.schema.json")
    assert passed.code == 0, passed.out
    assert "acknowledged [required-added]" in passed.out


def test_sarif_and_junit_outputs(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(breaking))
    sarif = cli("check", "--format", "sarif").json()
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "required-added"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "schemas/versions/v3.json"
    # the changed keyword's own line and column in the new file: `"required"` of the
    # ProcessCredentials definition
    lines = (repo / "schemas/versions/v3.json").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if '"ProcessCredentials": {' in line)
    row = next(i for i in range(start, len(lines)) if '"required":' in lines[i])
    assert location["region"] == {
        "startLine": row + 1,
        "startColumn": lines[row].index('"required"') + 1,
    }
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "required-added"
    junit = ET.fromstring(cli("check", "--format", "junit").out)
    assert junit.get("failures") == "1"
    assert junit.find(".//failure") is not None
    markdown = cli("check", "--format", "markdown").out
    assert markdown.startswith("## Schema gate: ❌ failed")


def test_gate_with_corpora_adds_evidence(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(breaking))
    result = cli("check", "--corpora", "--format", "json")
    assert result.code == 1
    assert result.json()["unexplained_corpus_rejections"] == 0


def test_gate_corpora_fail_only_on_unexplained_rejections_by_default(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # v3 makes auid required, acknowledged: most stored events are rejected by it, and the
    # required-added change explains each rejection
    released = cli("release", str(v2_with(breaking)), "--allow-breaking", "agents send auid")
    assert released.code == 0, released.err
    passing = cli("check", "--corpora")
    assert passing.code == 0, passing.out
    # the evidence is shown, not only a total: per version counts and the top groups
    # each corpus meets the new version and its own capture version
    assert "corpora: 3,000 events x 2 versions each (of 3) = 6,000 validations" in passing.out
    assert "v3: 27 valid, 1,473 rejected (1.8% of its events valid)" in passing.out
    assert "explained by required-added" in passing.out
    data = cli("check", "--corpora", "--format", "json").json()
    assert [r["version"] for r in data["corpora"]["corpora"][0]["results"]] == ["v1", "v3"]
    assert data["corpora"]["corpora"][0]["results"][1]["invalid"] == 1473
    assert data["corpora"]["validations"] == 6000
    assert data["corpora"]["failed"] is False
    strict = cli("check", "--corpora", "--corpus-fail-on", "rejected", "--format", "json")
    assert strict.code == 1
    assert [p["kind"] for p in strict.json()["problems"]] == ["corpus-evidence-failed"]

    blind_engine(monkeypatch)
    failing = cli("check", "--corpora", "--format", "json")
    assert failing.code == 1
    assert [p["kind"] for p in failing.json()["problems"]] == ["unexplained-corpus-rejection"]
    assert cli("check", "--corpora", "--corpus-fail-on", "never").code == 0
    assert cli("check", "--corpus-fail-on", "never").code == 2


def test_gate_corpora_report_an_event_its_capture_version_rejects_as_a_defect(
    cli: Any, repo: Path
) -> None:
    released = cli("release", str(v2_with(breaking)), "--allow-breaking", "agents send auid")
    assert released.code == 0, released.err
    # one stored v2 event that v2 itself rejects: a bad capture, whatever v3 says of it
    stored = repo / "schemas/corpora/v2-events.jsonl.gz"
    lines = gzip.decompress(stored.read_bytes()).splitlines()
    event = json.loads(lines[0])
    event["process"]["pid"] = "not a pid"
    lines.append(json.dumps(event).encode())
    stored.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))

    data = cli("check", "--corpora", "--format", "json")
    assert data.code == 1
    report = data.json()
    assert [p["kind"] for p in report["problems"]] == ["corpus-evidence-failed"]
    assert "1 event(s) rejected by their own capture version" in report["problems"][0]["message"]
    corpora = report["corpora"]
    assert corpora["defects"] == 1 and corpora["unexplained"] == 0
    assert report["unexplained_corpus_rejections"] == 0
    v2_events = corpora["corpora"][1]
    assert v2_events["captured_under"] == "v2" and v2_events["lines"] == 1501
    own, new = v2_events["results"]
    assert (own["version"], own["role"], own["invalid"]) == ("v2", "capture", 1)
    assert own["errors"][0]["instance_path"] == "process.pid" and own["errors"][0]["defect"]
    assert new["version"] == "v3" and new["unexplained"] == 0
    # the v1 corpus meets only v1 and v3: v1 is not asked about the v2 events
    assert [r["version"] for r in corpora["corpora"][0]["results"]] == ["v1", "v3"]

    text = cli("check", "--corpora")
    assert text.code == 1
    assert "CORPUS DEFECT: 1 event(s) rejected by v2, the version they were captured under" in (
        text.out
    )
    assert "UNEXPLAINED" not in text.out
    markdown = cli("check", "--corpora", "--format", "markdown").out
    assert "**corpus defect**: rejected by its capture version" in markdown
    assert "> **Corpus defect:** 1 event(s)" in markdown and "**unexplained**" not in markdown
    github = cli("check", "--corpora", "--format", "github").out
    notice = next(line for line in github.splitlines() if "title=stored corpora" in line)
    assert "CORPUS DEFECT" in notice and "UNEXPLAINED" not in notice
    sarif = cli("check", "--corpora", "--format", "sarif").json()
    assert sarif["runs"][0]["properties"]["corpora"]["defects"] == 1
    junit = ET.fromstring(cli("check", "--corpora", "--format", "junit").out)
    system_out = "".join(e.text or "" for e in junit.iter("system-out"))
    assert "CORPUS DEFECT" in system_out and "UNEXPLAINED" not in system_out
    # the defect fails the default level only; unexplained ignores it, as in corpus validate
    assert cli("check", "--corpora", "--corpus-fail-on", "unexplained").code == 0


def test_shallow_clone_gets_a_verdict_or_the_fetch_command(
    cli: Any, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_version_by_hand(repo, "v3", v2_with(breaking))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v3")
    git(repo, "checkout", "-q", "main")  # the remote's default branch, as on a forge
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "pr",
        "--single-branch",
        f"file://{repo}",
        str(clone),
    )
    monkeypatch.chdir(clone)
    verdict = cli("check")
    assert verdict.code == 1, verdict.err  # fetched what it needed, then judged
    assert "required-added" in verdict.out
    shutil.rmtree(repo)  # now the remote is gone: nothing can be fetched
    clone2 = tmp_path / "clone2"
    shutil.copytree(clone, clone2)
    git(clone2, "update-ref", "-d", "refs/remotes/origin/main")
    monkeypatch.chdir(clone2)
    missing = cli("check", "--against", "main")
    assert missing.code == 2
    assert missing.err.count("\n") == 1
    assert "git fetch origin +refs/heads/main:refs/remotes/origin/main" in missing.err


def test_changelog_v1_v2_names_dd(cli: Any, in_repo_root: Path) -> None:
    result = cli("changelog", "v1", "v2")
    assert result.code == 0
    assert result.out.startswith("## [v2] - 2021-04-27")
    assert "`dd`" in result.out and "### Added" in result.out


def test_project_changelog_is_up_to_date(cli: Any, in_repo_root: Path) -> None:
    result = cli("changelog", "--check")
    assert result.code == 0, result.err
    text = (in_repo_root / "CHANGELOG.md").read_text()
    assert "## [v1]" in text and "## [v2]" in text


def test_not_a_git_repository_is_exit_2(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("check")
    assert result.code == 2
    assert "not inside a git repository" in result.err
