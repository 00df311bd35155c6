"""A gate that cannot be fooled, and whose failures lead to the fix: exact acknowledgements,
files added to the store by hand, released versions edited in place (in every format),
--fail-on, and the composite action, tried in scratch repositories as a pull request would
(the pull request's base branch: test_git.py)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.versioning.scratch import add_version_by_hand, additive, breaking, git, v2_with

INDEX = "schemas/versions/index.json"


def required(*names: str) -> Any:
    """An edit making each of `names` a new required integer of ProcessCredentials."""

    def edit(document: Any) -> None:
        credentials = document["definitions"]["ProcessCredentials"]
        for name in names:
            credentials["properties"].setdefault(name, {"type": "integer"})
            credentials["required"].append(name)

    return edit


def with_version(path: Path, edit: Any) -> Path:
    """A candidate: the schema at `path`, edited."""
    document = json.loads(path.read_text())
    edit(document)
    target = path.parent.parent.parent.parent / f"candidate-{path.stem}-{id(edit)}.json"
    target.write_text(json.dumps(document, indent=4) + "\n")
    return target


def acknowledge(root: Path, version: str, *acks: dict[str, Any]) -> None:
    index_path = root / INDEX
    index = json.loads(index_path.read_text())
    entry = next(e for e in index["versions"] if e["name"] == version)
    entry["acknowledged"] = list(acks)
    index_path.write_text(json.dumps(index, indent=4) + "\n")


def merge_and_branch(root: Path, branch: str) -> None:
    """The pull request is merged: main moves to it, and a new pull request starts."""
    git(root, "add", "-A")
    git(root, "commit", "-qm", "merged")
    git(root, "branch", "-f", "main", "HEAD")
    git(root, "checkout", "-qb", branch)


def snippet(fix: str) -> dict[str, Any]:
    """The ready-to-paste acknowledgement of a store version's failing change."""
    lines = fix.splitlines()
    assert lines[0].startswith('to accept it, add to "acknowledged" of ')
    value: dict[str, Any] = json.loads(lines[1])
    return value


# -- exact acknowledgements --------------------------------------------------------------------


def test_an_acknowledgement_approves_its_change_and_no_other(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(required("auid", "euser")))
    first = cli("check", "--format", "json")
    assert first.code == 1
    failing = first.json()["checks"][0]["failing"]
    assert [(f["rule"], f["subject"]) for f in failing] == [
        ("required-added", "auid"),
        ("required-added", "euser"),
    ]
    # the failure's own snippet for auid, pasted with a reason, approves auid only
    auid = snippet(failing[0]["fix"]) | {"reason": "agents >= 7.30 send auid"}
    assert auid["schema_path"] == failing[1]["schema_path"]  # the same rule and path as euser
    acknowledge(repo, "v3", auid)
    second = cli("check", "--format", "json")
    assert second.code == 1
    check = second.json()["checks"][0]
    assert [f["subject"] for f in check["failing"]] == ["euser"]
    assert [a["subject"] for a in check["acknowledged"]] == ["auid"]


def test_a_later_change_at_the_same_place_is_not_approved(cli: Any, repo: Path) -> None:
    """The issue's case: auid made required and acknowledged; a later pull request makes
    euser required in the same definition and copies the acknowledgement along."""
    released = cli("release", str(v2_with(required("auid"))), "--allow-breaking", "auid is sent")
    assert released.code == 0, released.out
    merge_and_branch(repo, "pr2")
    v3 = repo / "schemas/versions/v3.json"
    add_version_by_hand(repo, "v4", with_version(v3, required("euser")))
    index = json.loads((repo / INDEX).read_text())
    auid_ack = index["versions"][2]["acknowledged"][0]
    legacy = {k: auid_ack[k] for k in ("rule", "schema_path")} | {"reason": "same place"}
    acknowledge(repo, "v4", auid_ack, legacy)
    result = cli("check", "--format", "json")
    assert result.code == 1
    data = result.json()
    assert [(f["rule"], f["subject"]) for f in data["checks"][0]["failing"]] == [
        ("required-added", "euser")
    ]
    assert data["checks"][0]["acknowledged"] == []
    whys = {s["reason"]: s["why"] for s in data["stale_acknowledgements"]}
    assert whys["auid is sent"] == "matches no change"
    assert whys["same place"].startswith("has no fingerprint, so it approves nothing")


def test_acknowledgements_carry_over_in_transitive_modes(cli: Any, repo: Path) -> None:
    assert cli("release", str(v2_with(breaking)), "--allow-breaking", "auid is sent").code == 0
    merge_and_branch(repo, "pr2")
    v4 = with_version(repo / "schemas/versions/v3.json", additive)
    # v1 -> v4 and v2 -> v4 show v3's change again: v3 acknowledged it, release knows
    released = cli("release", str(v4), "--mode", "backward-transitive")
    assert released.code == 0, released.out
    index = json.loads((repo / INDEX).read_text())
    assert "acknowledged" not in index["versions"][3]
    result = cli("check", "--mode", "backward-transitive", "--format", "json")
    assert result.code == 0, result.out
    checks = {(c["old"], c["new"]): c for c in result.json()["checks"]}
    assert set(checks) == {("v1", "v4"), ("v2", "v4"), ("v3", "v4")}
    for pair in (("v1", "v4"), ("v2", "v4")):
        acknowledged = checks[pair]["acknowledged"]
        assert [(a["subject"], a["acknowledged_in"]) for a in acknowledged] == [("auid", "v3")]
    assert checks[("v3", "v4")]["acknowledged"] == []


def test_release_takes_a_reason_per_change(cli: Any, repo: Path, tmp_path: Path) -> None:
    candidate = v2_with(required("auid", "euser"))
    path = "/definitions/ProcessCredentials/required"
    broad = cli("release", str(candidate), "--ack", f"required-added@{path}=both")
    assert broad.code == 2
    assert f"names 2 changes; give each its own: required-added@{path}#auid" in broad.err
    assert broad.err.count("\n") == 1
    nothing = cli("release", str(candidate), "--ack", f"type-changed@{path}=x")
    assert nothing.code == 2 and "names no breaking or unknown change" in nothing.err
    one = cli("release", str(candidate), "--ack", f"required-added@{path}#auid=auid is sent")
    assert one.code == 1
    # the refusal names the one change left, ready to complete
    assert f"--ack 'required-added@{path}#euser=WHY THIS CHANGE IS ACCEPTABLE'" in one.out
    assert "auid" not in one.out.split("refused:")[1]
    reasons = tmp_path / "reasons.txt"
    reasons.write_text(
        "# one line per change\n"
        f"required-added@{path}#auid=auid is sent since 7.30\n"
        f"required-added@{path}#euser=euser is sent since 7.31\n"
    )
    done = cli("release", str(candidate), "--ack-file", str(reasons))
    assert done.code == 0, done.out
    acks = json.loads((repo / INDEX).read_text())["versions"][-1]["acknowledged"]
    assert [(a["subject"], a["reason"]) for a in acks] == [
        ("auid", "auid is sent since 7.30"),
        ("euser", "euser is sent since 7.31"),
    ]
    changelog = (repo / "CHANGELOG.md").read_text()
    assert "`process.credentials.auid`" in changelog
    for line in changelog.splitlines():
        if "[`required-added`]" in line:
            name = "auid" if ".auid`" in line else "euser"
            assert line.endswith(f"acknowledged: {name} is sent since 7.3{name == 'euser':d}")
    assert cli("check").code == 0


# -- the store: files by hand, edits in place ----------------------------------------------------


def test_a_schema_file_added_to_the_store_by_hand_fails_and_says_how_to_register_it(
    cli: Any, repo: Path
) -> None:
    candidate = v2_with(additive)
    shutil.copy(candidate, repo / "schemas/versions/v3.json")
    for args in ((), ("schemas/versions/v3.json",)):
        result = cli("check", *args)
        assert result.code == 1, result.out
        assert "schemas/versions/v3.json is in the store but not in" in result.out
        assert "no schema changes to gate" not in result.out
    fix = cli("check", "--format", "json").json()["problems"][0]
    assert fix["kind"] == "unregistered-version-file"
    # the command it gives registers the version, after which the gate passes
    command = fix["fix"].split("`")[1]
    assert command == (
        "mv schemas/versions/v3.json v3.candidate.json && "
        "cws-compat release v3.candidate.json --name v3"
    )
    (repo / "schemas/versions/v3.json").rename(repo / "v3.candidate.json")
    assert cli("release", "v3.candidate.json", "--name", "v3").code == 0
    assert cli("check").code == 0


def test_a_new_file_is_compared_with_the_latest_store_version(cli: Any, repo: Path) -> None:
    (repo / "backend.schema.json").write_text(v2_with(breaking).read_text())
    result = cli("check", "--against", "HEAD", "backend.schema.json", "--format", "json")
    assert result.code == 1
    data = result.json()
    assert data["checks"][0]["old"] == "v2 (latest store version)"
    assert data["checks"][0]["failing"][0]["rule"] == "required-added"
    assert data["notes"] == [
        "backend.schema.json is new since HEAD: compared with the latest store version v2"
    ]


FORMATS = ("text", "json", "markdown", "github", "sarif", "junit")


def test_an_edited_released_version_fails_in_every_format(
    cli: Any, repo: Path, tmp_path: Path
) -> None:
    v2 = repo / "schemas/versions/v2.json"
    v2.write_text(v2.read_text().replace('"Container ID"', '"Container id"'))
    add_version_by_hand(repo, "v3", v2_with(breaking))  # the same PR also adds a version
    outputs = [f"{fmt}={tmp_path / ('report.' + fmt)}" for fmt in FORMATS]
    plain = tmp_path / "plain.txt"  # without FORMAT=: the --format
    result = cli("check", *[arg for o in outputs for arg in ("--output", o)], "-o", str(plain))
    assert result.code == 1, result.err
    assert result.err == ""
    report = {fmt: (tmp_path / f"report.{fmt}").read_text() for fmt in FORMATS}
    assert report["text"] == result.out == plain.read_text()  # all from the one comparison
    for bad in ("sarif=", f"sarif={tmp_path}"):
        refused = cli("check", "--output", bad)
        assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    line = next(i for i, x in enumerate(v2.read_text().splitlines(), 1) if "Container id" in x)

    assert '/properties/id/description: "Container ID" -> "Container id"' in report["text"]
    assert "git checkout " in report["text"] and "-- schemas/versions/v2.json" in report["text"]

    data = json.loads(report["json"])
    problem = data["problems"][0]
    assert problem["kind"] == "released-version-modified"
    assert (problem["file"], problem["line"]) == ("schemas/versions/v2.json", line)
    assert problem["edits"] == [
        {
            "pointer": "/definitions/ContainerContext/properties/id/description",
            "kind": "changed",
            "old": "Container ID",
            "new": "Container id",
        }
    ]
    # the new version is still compared, with v2 as it was released
    assert [(c["old"], c["new"], c["passed"]) for c in data["checks"]] == [("v2", "v3", False)]

    assert "released-version-modified" in report["markdown"]
    assert "Container id" in report["markdown"]

    annotation = next(x for x in report["github"].splitlines() if "released-version" in x)
    assert annotation.startswith(f"::error file=schemas/versions/v2.json,line={line},")
    assert "git checkout" in annotation

    sarif = json.loads(report["sarif"])
    results = sarif["runs"][0]["results"]
    modified = next(r for r in results if r["ruleId"] == "released-version-modified")
    location = modified["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "schemas/versions/v2.json"
    assert location["region"]["startLine"] == line
    assert "Container id" in modified["message"]["text"]

    junit = ET.fromstring(report["junit"])
    failures = {f.get("type"): f for f in junit.iter("failure")}
    assert set(failures) == {"released-version-modified", "required-added"}
    message = failures["released-version-modified"].get("message") or ""
    assert message.startswith("released version v2 (schemas/versions/v2.json) was modified")
    assert "process.credentials.auid" in (failures["required-added"].get("message") or "")


def test_a_hand_made_index_entry_that_does_not_match_its_file_fails(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(additive))
    (repo / "schemas/versions/v3.json").write_text(v2_with(breaking).read_text())
    result = cli("check", "--format", "json")
    assert result.code == 1
    data = result.json()
    assert [p["kind"] for p in data["problems"]] == ["version-checksum-mismatch"]
    assert data["checks"][0]["failing"][0]["rule"] == "required-added"  # still compared
    (repo / "schemas/versions/v3.json").unlink()
    missing = cli("check", "--format", "json").json()
    assert [p["kind"] for p in missing["problems"]] == ["version-file-missing"]


def test_a_deleted_store_fails_naming_each_released_version(cli: Any, repo: Path) -> None:
    shutil.rmtree(repo / "schemas/versions")
    result = cli("check", "--format", "json")
    assert result.code == 1, result.err
    problems = result.json()["problems"]
    kinds = ["store-index-invalid"] + ["released-version-removed"] * 2
    assert [p["kind"] for p in problems] == kinds
    assert "released version v1 (schemas/versions/v1.json) was deleted" in problems[1]["message"]


def test_an_edited_index_entry_of_a_released_version_fails(cli: Any, repo: Path) -> None:
    # an acknowledgement slipped into v1's entry would carry over in transitive modes
    acknowledge(
        repo,
        "v1",
        {"rule": "required-added", "schema_path": "/x", "fingerprint": "0" * 16, "reason": "x"},
    )
    result = cli("check", "--format", "json")
    assert result.code == 1
    problem = result.json()["problems"][0]
    assert problem["kind"] == "released-version-modified"
    assert problem["file"] == INDEX
    assert problem["edits"][0]["pointer"] == "index.json#/versions/0/acknowledged"


# -- failing on what, and reported how ---------------------------------------------------------


def pattern(value: str) -> Any:
    def edit(document: Any) -> None:
        document["definitions"]["ContainerContext"]["properties"]["id"]["pattern"] = value

    return edit


def test_fail_on_breaking_reports_unknown_changes_as_warnings(cli: Any, repo: Path) -> None:
    v3 = v2_with(pattern("^[a-f0-9]{64}$"))
    assert cli("release", str(v3), "--allow-breaking", "x").code == 0
    merge_and_branch(repo, "pr2")
    add_version_by_hand(
        repo, "v4", with_version(repo / "schemas/versions/v3.json", pattern("^[a-f0-9]+$"))
    )
    failing = cli("check", "--format", "github")
    assert failing.code == 1
    assert "--fail-on breaking" in failing.out  # how to proceed, for an unknown change
    warned = cli("check", "--format", "github", "--fail-on", "breaking")
    assert warned.code == 0, warned.out
    warning = next(x for x in warned.out.splitlines() if "pattern-changed" in x)
    assert warning.startswith("::warning file=schemas/versions/v4.json,line=")
    (repo / ".cws-compat.toml").write_text('fail-on = "breaking"\n')
    assert cli("check").code == 0


def test_acknowledged_changes_are_notices_and_sarif_suppressions(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("release", str(v2_with(breaking)), "--allow-breaking", "auid is sent").code == 0
    github = cli("check", "--format", "github")
    assert github.code == 0
    notice = next(x for x in github.out.splitlines() if "required-added" in x)
    assert notice.startswith("::notice file=schemas/versions/v3.json,line=")
    assert "acknowledged: auid is sent" in notice
    monkeypatch.setenv("CWS_COMPAT_RULES_URL", "https://docs.example.invalid/rules.md")
    sarif = cli("check", "--format", "sarif").json()
    run = sarif["runs"][0]
    result = run["results"][0]
    assert result["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "auid is sent (acknowledged in v3)",
        }
    ]
    assert len(result["partialFingerprints"]["cwsCompatFinding/v1"]) == 16
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "required-added"
    assert rule["helpUri"] == "https://docs.example.invalid/rules.md#required-added"
    assert "Backward: breaking" in rule["fullDescription"]["text"]
    assert '"required": ["auid"]' in rule["help"]["markdown"]


def test_every_failing_format_says_how_to_proceed(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(breaking))
    for fmt in FORMATS:
        result = cli("check", "--format", fmt)
        assert result.code == 1
        assert "acknowledged" in result.out, fmt  # the snippet to add to v3's entry
        assert '\\"fingerprint\\"' in result.out or '"fingerprint"' in result.out, fmt
        assert "cws-compat release" in result.out, fmt


# -- the composite action and the workflows ----------------------------------------------------


def test_the_action_compares_once_and_sets_its_outputs(
    cli: Any, repo: Path, tmp_path: Path
) -> None:
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert {"paths", "against", "mode", "corpora", "fail-on", "sarif-file"} <= set(action["inputs"])
    assert {"passed", "compatible", "bump", "report"} <= set(action["outputs"])
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "gate")
    add_version_by_hand(repo, "v3", v2_with(breaking))
    shims = tmp_path / "bin"
    shims.mkdir()
    calls = tmp_path / "calls"
    for name, command in (("cws-compat", "-m compat"), ("python", "")):
        shim = shims / name
        log = f'echo "$@" >> {calls}\n' if name == "cws-compat" else ""
        shim.write_text(f'#!/bin/sh\n{log}exec {sys.executable} {command} "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    files = {name: tmp_path / name for name in ("output", "summary")}
    env = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
    }
    inputs = {"format": "github", "corpora": "false", "sarif-file": "gate.sarif", "summary": "true"}
    for variable, expression in step["env"].items():
        if "inputs." in expression:
            name = expression.split("inputs.")[1].split()[0].rstrip("}")
            env[variable] = inputs.get(name, "")
    # where the runner puts a remote action: _actions/OWNER/REPO/REF
    env["ACTION_PATH"] = str(tmp_path / "_actions" / "acme" / "cws-compat" / "v2")
    env["GITHUB_SERVER_URL"] = "https://forge.example.invalid"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert len(calls.read_text().splitlines()) == 1  # one comparison
    assert "::error file=schemas/versions/v3.json" in done.stdout
    outputs = dict(line.split("=", 1) for line in files["output"].read_text().splitlines())
    assert outputs["passed"] == outputs["compatible"] == "false"
    assert outputs["bump"] == "major"
    assert json.loads(Path(outputs["report"]).read_text())["passed"] is False
    assert files["summary"].read_text().startswith("## Schema gate: ❌ failed")
    sarif = json.loads((repo / "gate.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "required-added"
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    docs = "https://forge.example.invalid/acme/cws-compat/blob/v2/docs/rules.md"
    assert rule["helpUri"] == f"{docs}#required-added"


def test_repository_integration_files(in_repo_root: Path) -> None:
    import yaml

    hooks = yaml.safe_load((in_repo_root / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["entry"].startswith("cws-compat check --against HEAD")
    workflows = sorted((in_repo_root / ".github/workflows").glob("*.yml"))
    assert workflows
    for path in workflows:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: {name}"
    gate = yaml.safe_load((in_repo_root / ".github/workflows/schema-gate.yml").read_text())
    triggers = gate.get("on", gate.get(True))  # PyYAML reads the bare key `on` as True
    assert triggers["pull_request"]["paths"] == ["schemas/**"]
    steps = gate["jobs"]["gate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    action = next(s for s in steps if s.get("uses") == "./")
    sarif = action["with"]["sarif-file"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == sarif
