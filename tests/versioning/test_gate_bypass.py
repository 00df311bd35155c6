"""Ways around the gate, closed: the store moved or swapped for another, released versions
reordered or joined by one in their midst, the index deleted or broken. Each is tried in a
scratch repository as a pull request would do it, in every output format."""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.versioning.scratch import add_version_by_hand, additive, breaking, git, v2_with

INDEX = "schemas/versions/index.json"
FORMATS = ("text", "json", "markdown", "github", "sarif", "junit")


def rewrite_released(store: Path, name: str) -> None:
    """Edit a released version in place and record its new checksum, as a bypass would."""
    path = store / f"{name}.json"
    document = json.loads(path.read_text())
    document["title"] = "rewritten"
    path.write_text(json.dumps(document, indent=4) + "\n")
    index = json.loads((store / "index.json").read_text())
    for entry in index["versions"]:
        if entry["name"] == name:
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (store / "index.json").write_text(json.dumps(index, indent=4) + "\n")


def fails_everywhere(cli: Any, kind: str, *args: str) -> dict[str, Any]:
    """The gate fails (exit 1) in every format, naming `kind`; returns the JSON report."""
    for fmt in FORMATS:
        result = cli("check", *args, "--format", fmt)
        assert result.code == 1, (fmt, result.out, result.err)
        assert kind in result.out or fmt == "text", fmt
    data: dict[str, Any] = cli("check", *args, "--format", "json").json()
    assert data["passed"] is False
    return data


# -- 1. the store the base had ---------------------------------------------------------------


def test_moving_the_store_does_not_let_released_versions_change(cli: Any, repo: Path) -> None:
    (repo / "api").mkdir()
    git(repo, "mv", "schemas/versions", "api/versions")
    (repo / ".cws-compat.toml").write_text('store = "api/versions"\n')
    rewrite_released(repo / "api/versions", "v1")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "move the store")
    data = fails_everywhere(cli, "released-version-modified")
    [problem] = data["problems"]
    assert problem["file"] == "api/versions/v1.json"
    # the fix restores the released bytes from where they were at the base
    assert ":schemas/versions/v1.json > api/versions/v1.json`" in problem["fix"]
    assert any("the store was at schemas/versions" in note for note in data["notes"])


def test_a_store_moved_whole_passes(cli: Any, repo: Path) -> None:
    (repo / "api").mkdir()
    git(repo, "mv", "schemas/versions", "api/versions")
    (repo / ".cws-compat.toml").write_text('store = "api/versions"\n')
    result = cli("check", "--format", "json")
    assert result.code == 0, result.out
    assert result.json()["problems"] == []


def test_pointing_store_at_a_fresh_directory_fails(cli: Any, repo: Path) -> None:
    fresh = repo / "other/versions"
    fresh.mkdir(parents=True)
    (fresh / "index.json").write_text('{"versions": []}\n')
    (repo / "pyproject.toml").write_text('[tool.cws-compat]\nstore = "other/versions"\n')
    data = fails_everywhere(cli, "released-version-removed")
    removed = [p for p in data["problems"] if p["kind"] == "released-version-removed"]
    assert len(removed) == 2  # v1 and v2, released at the base
    assert "point `store` back there" in removed[0]["fix"]


def test_settings_at_the_base_decide_where_the_released_store_is(cli: Any, repo: Path) -> None:
    """The base keeps its store elsewhere (its own settings say so); the pull request drops
    the settings, so the default place is empty: still every released version is missing."""
    git(repo, "mv", "schemas/versions", "kept")
    (repo / ".cws-compat.toml").write_text('store = "kept"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "store elsewhere")
    git(repo, "branch", "-f", "main", "HEAD")
    git(repo, "checkout", "-qb", "pr2")
    git(repo, "rm", "-q", ".cws-compat.toml")
    store = repo / "schemas/versions"
    store.mkdir(parents=True)
    (store / "index.json").write_text('{"versions": []}\n')
    data = fails_everywhere(cli, "released-version-removed", "--against", "main")
    assert {p["kind"] for p in data["problems"]} == {"released-version-removed"}


# -- 9. the index deleted, emptied, broken -----------------------------------------------------


@pytest.mark.parametrize("content", [None, b"", b"{not json", b'{"versions": 3}'])
def test_a_missing_or_broken_index_fails_the_gate_with_the_restore_command(
    cli: Any, repo: Path, content: bytes | None
) -> None:
    index = repo / INDEX
    if content is None:
        index.unlink()
    else:
        index.write_bytes(content)
    data = fails_everywhere(cli, "store-index-invalid")
    [problem] = data["problems"]
    assert problem["kind"] == "store-index-invalid"
    sha = data["sha"][:12]
    assert f"`git checkout {sha} -- {INDEX}`" in problem["fix"]
    assert "cws-compat release" not in problem["fix"]  # re-releasing would damage the store
    # the command it gives restores the store, after which the gate passes
    subprocess.run(problem["fix"].split("`")[1].split(), cwd=repo, check=True)
    assert cli("check").code == 0


# -- 2. released versions keep their order and place -----------------------------------------


def reorder(root: Path, names: list[str]) -> None:
    index_path = root / INDEX
    index = json.loads(index_path.read_text())
    by_name = {e["name"]: e for e in index["versions"]}
    index["versions"] = [by_name[n] for n in names]
    index_path.write_text(json.dumps(index, indent=4) + "\n")


def test_reversing_released_versions_fails(cli: Any, repo: Path) -> None:
    reorder(repo, ["v2", "v1"])
    data = fails_everywhere(cli, "released-versions-reordered")
    [problem] = data["problems"]
    assert "(v1, v2) and add new versions after v2" in problem["fix"]


def test_a_version_inserted_among_released_ones_fails_and_is_compared_with_the_latest(
    cli: Any, repo: Path
) -> None:
    add_version_by_hand(repo, "v3", v2_with(additive))
    reorder(repo, ["v1", "v3", "v2"])
    data = fails_everywhere(cli, "released-versions-reordered")
    assert [p["kind"] for p in data["problems"]] == ["released-versions-reordered"]
    # its real predecessor is the base's latest, v2 (not v1, before which it was put)
    assert [(c["old"], c["new"]) for c in data["checks"]] == [("v2", "v3")]


def test_new_versions_appended_are_compared_in_turn(cli: Any, repo: Path) -> None:
    add_version_by_hand(repo, "v3", v2_with(additive))
    add_version_by_hand(repo, "v4", v2_with(additive))
    result = cli("check", "--format", "json")
    assert [(c["old"], c["new"]) for c in result.json()["checks"]] == [("v2", "v3"), ("v3", "v4")]
    assert result.json()["problems"] == []


# -- 3. line endings: the same verdict on every platform ---------------------------------------


def crlf(path: Path) -> None:
    """What a Windows checkout (core.autocrlf=true) does to a text file."""
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def test_a_crlf_checkout_of_the_store_is_the_same_store(cli: Any, repo: Path) -> None:
    for path in (repo / "schemas/versions").glob("*.json"):
        crlf(path)
    result = cli("check", "--format", "json")
    assert result.code == 0, result.out
    assert result.json()["problems"] == []
    assert cli("diff", "v1", "v2").code == 0  # the versions load: their checksums match
    # an edit is still an edit, whatever the line endings
    path = repo / "schemas/versions/v1.json"
    path.write_bytes(path.read_bytes().replace(b'"type"', b'"title": "x",\r\n"type"', 1))
    assert cli("check").code == 1


def test_release_stores_lf_and_a_checksum_every_checkout_matches(cli: Any, repo: Path) -> None:
    candidate = v2_with(additive)
    candidate.write_bytes(candidate.read_bytes().replace(b"\n", b"\r\n"))
    assert cli("release", str(candidate)).code == 0
    stored = (repo / "schemas/versions/v3.json").read_bytes()
    assert b"\r" not in stored
    entry = json.loads((repo / INDEX).read_text())["versions"][-1]
    assert entry["sha256"] == hashlib.sha256(stored).hexdigest()
    assert cli("check").code == 0
    crlf(repo / "schemas/versions/v3.json")
    assert cli("check").code == 0
    assert cli("diff", "v2", "v3").code == 0


def test_a_crlf_file_released_before_stays_valid_once_git_makes_it_lf(cli: Any, repo: Path) -> None:
    """Releases used to store the bytes given, CRLF included, with their sha256; git with
    `text=auto` commits LF, so a fresh clone holds LF bytes: still the released version."""
    add_version_by_hand(repo, "v3", v2_with(additive))
    path = repo / "schemas/versions/v3.json"
    crlf(path)
    index = json.loads((repo / INDEX).read_text())
    index["versions"][-1]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (repo / INDEX).write_text(json.dumps(index, indent=4) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v3, CRLF")
    git(repo, "branch", "-f", "main", "HEAD")
    git(repo, "checkout", "-qb", "pr2")
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    assert cli("check", "--against", "main").code == 0
    assert cli("diff", "v2", "v3").code == 0


# -- 4. a gated file renamed, or with nothing to compare it with ------------------------------


@pytest.fixture
def no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository gating one schema file by path, without a store, on a PR branch."""
    root = tmp_path / "plain"
    (root / "pkg").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "pkg/backend.schema.json").write_text(
        json.dumps(
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["uid"],
                "properties": {"uid": {"type": "integer"}, "auid": {"type": "integer"}},
            },
            indent=2,
        )
        + "\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "schema")
    git(root, "checkout", "-qb", "pr")
    monkeypatch.chdir(root)
    return root


def test_a_renamed_file_is_compared_with_its_old_path(cli: Any, no_store: Path) -> None:
    git(no_store, "mv", "pkg/backend.schema.json", "pkg/events.schema.json")
    path = no_store / "pkg/events.schema.json"
    document = json.loads(path.read_text())
    document["required"].append("auid")
    path.write_text(json.dumps(document, indent=2) + "\n")
    git(no_store, "commit", "-qam", "rename and make auid required")
    data = fails_everywhere(cli, "required-added", "pkg/events.schema.json")
    [check] = data["checks"]
    assert check["old"] == "merge-base(main):pkg/backend.schema.json"
    assert [f["subject"] for f in check["failing"]] == ["auid"]
    # its snippet, with a reason, acknowledges it
    lines = check["failing"][0]["fix"].splitlines()[1:]
    toml = "\n".join(lines).replace("WHY THIS CHANGE IS ACCEPTABLE", "agents send auid")
    (no_store / ".cws-compat.toml").write_text(toml + "\n")
    assert cli("check", "pkg/events.schema.json").code == 0


def test_a_file_nothing_can_be_compared_with_fails_unless_new_files_are_allowed(
    cli: Any, no_store: Path
) -> None:
    path = no_store / "pkg/events.schema.json"
    path.write_text('{"type": "string"}\n')  # no rename git could detect
    data = fails_everywhere(cli, "schema-file-uncompared", "pkg/events.schema.json")
    [problem] = data["problems"]
    assert "--allow-new" in problem["fix"] and "git mv OLD pkg/events.schema.json" in problem["fix"]
    result = cli("check", "pkg/events.schema.json", "--allow-new")
    assert result.code == 0, result.out
    assert "nothing compared (--allow-new)" in result.out


# -- 5. a placeholder is no reason ---------------------------------------------------------------

PATH_REQUIRED = "/definitions/ProcessCredentials/required"


def test_release_refuses_placeholder_and_blank_reasons(
    cli: Any, repo: Path, tmp_path: Path
) -> None:
    candidate = str(v2_with(breaking))
    selector = f"required-added@{PATH_REQUIRED}#auid"
    refused = cli("release", candidate)
    assert refused.code == 1
    printed = next(line for line in refused.out.splitlines() if "--ack" in line)
    # the --ack it prints, pasted without completing it
    pasted = printed.split("--ack ", 1)[1].strip().strip("'")
    ack_file = tmp_path / "acks.txt"
    ack_file.write_text(f"{selector}=REASON\n")
    for args in (
        ("--ack", pasted),
        ("--ack", f"{selector}=WHY"),
        ("--ack", f"{selector}=<reason>"),
        ("--ack-file", str(ack_file)),
        ("--allow-breaking", "REASON"),
        ("--allow-breaking", "WHY THIS CHANGE IS ACCEPTABLE"),
        ("--allow-breaking", "  "),
        # punctuation, case and invisible characters aside, still nothing said
        ("--ack", f"{selector}=WHY THIS CHANGE IS ACCEPTABLE."),
        ("--ack", f"{selector}=Todo!"),
        ("--ack", f"{selector}=N/A"),
        ("--allow-breaking", "\u200b"),
        ("--allow-breaking", "-"),
        # bytes a Latin-1 terminal sends, which are not UTF-8
        ("--allow-breaking", "caf\udce9 ok"),
    ):
        result = cli("release", candidate, *args)
        assert result.code == 2, (args, result.out)
        assert result.err.count("\n") == 1, result.err
        assert any(
            words in result.err
            for words in ("placeholder, not a reason", "must say something", "not valid UTF-8")
        ), result.err
    assert not (repo / "schemas/versions/v3.json").exists()
    assert cli("release", candidate, "--ack", f"{selector}=agents >= 7.30 send auid").code == 0


def test_the_gate_refuses_a_pasted_snippet_whose_reason_is_the_placeholder(
    cli: Any, repo: Path
) -> None:
    add_version_by_hand(repo, "v3", v2_with(breaking))
    fix = cli("check", "--format", "json").json()["checks"][0]["failing"][0]["fix"]
    pasted = json.loads(fix.splitlines()[1])
    index = json.loads((repo / INDEX).read_text())
    index["versions"][-1]["acknowledged"] = [pasted]
    (repo / INDEX).write_text(json.dumps(index, indent=4) + "\n")
    data = fails_everywhere(cli, "store-index-invalid")
    [problem] = data["problems"]
    assert "'WHY THIS CHANGE IS ACCEPTABLE' is a placeholder, not a reason" in problem["message"]


def test_settings_acknowledgements_refuse_the_placeholder(cli: Any, no_store: Path) -> None:
    path = no_store / "pkg/backend.schema.json"
    document = json.loads(path.read_text())
    document["required"].append("auid")
    path.write_text(json.dumps(document, indent=2) + "\n")
    fix = cli("check", "pkg/backend.schema.json", "--format", "json").json()
    lines = fix["checks"][0]["failing"][0]["fix"].splitlines()[1:]
    (no_store / ".cws-compat.toml").write_text("\n".join(lines) + "\n")
    result = cli("check", "pkg/backend.schema.json")
    assert result.code == 2
    assert "placeholder, not a reason" in result.err and result.err.count("\n") == 1


# -- 6. ready-to-paste --ack lines name one change each --------------------------------------


def auid_typed(kind: str) -> Any:
    def edit(document: Any) -> None:
        credentials = document["definitions"]["ProcessCredentials"]
        credentials["properties"]["auid"] = {"type": kind}

    return edit


def test_transitive_ack_lines_are_distinct_and_accepted(cli: Any, repo: Path) -> None:
    transitive = ("--mode", "backward-transitive")
    assert cli("release", str(v2_with(auid_typed("integer"))), *transitive).code == 0
    v4 = str(v2_with(auid_typed("string")))
    assert cli("release", v4, *transitive, "--allow-breaking", "auid is a string").code == 0
    merge_and_branch(repo)
    candidate = str(v2_with(auid_typed("boolean")))
    refused = cli("release", candidate, *transitive)
    assert refused.code == 1
    acks = [line.split("--ack ", 1)[1] for line in refused.out.splitlines() if "--ack '" in line]
    assert len(acks) == 2 and len(set(acks)) == 2  # integer -> boolean, string -> boolean
    reasons = [
        a.strip(" \\'").replace("WHY THIS CHANGE IS ACCEPTABLE", f"ok {i}")
        for i, a in enumerate(acks)
    ]
    json_acks = cli("release", candidate, *transitive, "--format", "json").json()["refused"]
    assert len({a["ack"] for a in json_acks}) == 2
    # the gate's hints for the same version, added by hand, are distinct too
    add_version_by_hand(repo, "v5", Path(candidate))
    gate = cli("check", *transitive, "--format", "json").json()
    hints = [
        f["fix"].split("--ack '")[1].split("=")[0]
        for c in gate["checks"]
        for f in c["failing"]
        if f["rule"] == "type-changed"
    ]
    assert len(hints) == 2 and len(set(hints)) == 2
    (repo / "schemas/versions/v5.json").unlink()
    git(repo, "checkout", "-q", "--", INDEX)
    args = [arg for reason in reasons for arg in ("--ack", reason)]
    done = cli("release", candidate, *transitive, *args)
    assert done.code == 0, done.err


def merge_and_branch(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", "merged")
    git(root, "branch", "-f", "main", "HEAD")
    git(root, "checkout", "-qb", "next")


# -- 7. lone surrogates are refused, in one line ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("key.json", rb'{"type":"object","properties":{"\ud800":{"type":"string"}}}', "key at"),
        ("value.json", rb'{"properties":{"a":{"enum":["x","\udc00y"]}}}', "/properties/a/enum/1"),
        ("title.json", rb'{"title":"\ud83d"}', "the string at /title"),
        ("key.yaml", b'properties:\n  "\\ud800": {type: string}\n', "invalid YAML"),
    ],
)
def test_a_lone_surrogate_is_one_line_exit_2_in_diff_and_check(
    cli: Any, no_store: Path, name: str, content: bytes, where: str
) -> None:
    path = no_store / "pkg" / name
    path.write_bytes(content)
    results = [
        cli("diff", "pkg/backend.schema.json", f"pkg/{name}"),
        cli("check", f"pkg/{name}", "--allow-new"),
    ]
    git(no_store, "add", "-A")
    git(no_store, "commit", "-qm", "surrogate")
    results.append(cli("check", f"pkg/{name}", "--against", "pr"))  # at the base, too
    for result in results:
        assert result.code == 2, result.out
        assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
        assert "lone surrogate" in result.err and where in result.err


def test_a_surrogate_pair_is_a_character(cli: Any, no_store: Path) -> None:
    path = no_store / "pkg/pair.json"
    path.write_bytes(rb'{"title":"\ud83d\ude00","type":"object"}')
    assert cli("diff", "pkg/backend.schema.json", "pkg/pair.json").code in (0, 1)


# -- 8. compatible means proven; passed is the gate's verdict ------------------------------


def test_an_unknown_change_is_never_reported_compatible(cli: Any, no_store: Path) -> None:
    path = no_store / "pkg/backend.schema.json"
    document = json.loads(path.read_text())
    document["properties"]["name"] = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
    path.write_text(json.dumps(document, indent=2) + "\n")
    git(no_store, "commit", "-qam", "a pattern")
    git(no_store, "branch", "-f", "main", "HEAD")
    document["properties"]["name"]["pattern"] = "^[0-9a-z]{64}$"  # a changed regex: unknown
    path.write_text(json.dumps(document, indent=2) + "\n")
    base = f"{git(no_store, 'rev-parse', 'main')}:pkg/backend.schema.json"
    lenient = ("--fail-on", "breaking")
    diff = cli("diff", base, "pkg/backend.schema.json", *lenient, "--format", "json")
    assert diff.code == 0, diff.out
    assert "unknown" in (diff.json()["backward"], diff.json()["forward"])
    assert diff.json()["compatible"] is False and diff.json()["passed"] is True
    text = cli("diff", base, "pkg/backend.schema.json", *lenient).out
    assert "NOT proven compatible" in text.splitlines()[-1]
    markdown = cli("diff", base, "pkg/backend.schema.json", *lenient, "--format", "markdown").out
    assert "✅ compatible" not in markdown and "not proven compatible" in markdown
    gate = cli("check", "pkg/backend.schema.json", *lenient, "--format", "json")
    assert gate.code == 0
    assert gate.json()["passed"] is True and gate.json()["compatible"] is False
    gate_markdown = cli("check", "pkg/backend.schema.json", *lenient, "--format", "markdown").out
    assert "✅ compatible" not in gate_markdown
    # without --fail-on breaking, it fails: passed and compatible are both false
    strict = cli("check", "pkg/backend.schema.json", "--format", "json")
    assert strict.code == 1 and strict.json()["compatible"] is False


# -- 10. numbers no validator can compare with -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("huge.json", b'{"maximum": 1e400}', "the number 1e400 is beyond what a 64-bit float"),
        ("neg.json", b'{"minimum": -2.5E+999}', "is beyond what a 64-bit float holds"),
        ("long.json", b'{"maximum": ' + b"9" * 5000 + b"}", "an integer of 5,000 digits"),
        ("long.yaml", b"maximum: " + b"9" * 5000 + b"\n", "an integer of 5,000 digits"),
    ],
)
def test_numbers_beyond_range_are_one_line_exit_2(
    cli: Any, no_store: Path, name: str, content: bytes, message: str
) -> None:
    (no_store / "pkg" / name).write_bytes(content)
    for result in (
        cli("diff", "pkg/backend.schema.json", f"pkg/{name}"),
        cli("check", f"pkg/{name}", "--allow-new"),
    ):
        assert result.code == 2, result.out
        assert message in result.err and "null" not in result.err
        assert result.err.count("\n") == 1 and "Traceback" not in result.err


# -- 10. --output checked before the run -----------------------------------------------------


def test_outputs_are_checked_before_the_comparison(cli: Any, repo: Path) -> None:
    missing = cli("check", "-o", str(repo / "no/such/dir/report.sarif"))
    assert missing.code == 2 and missing.out == ""  # refused before anything ran
    assert "no directory" in missing.err and missing.err.count("\n") == 1
    unknown = cli("check", "-o", "yaml=report.yaml")
    assert unknown.code == 2 and unknown.out == ""
    assert "unknown format 'yaml'" in unknown.err and "./yaml=report.yaml" in unknown.err
    assert not (repo / "yaml=report.yaml").exists()
    literal = cli("check", "-o", "./yaml=report.yaml", "-o", "json=out.json")
    assert literal.code == 0, literal.err
    assert (repo / "yaml=report.yaml").read_text().startswith("Gate: ")
    assert json.loads((repo / "out.json").read_text())["passed"] is True
    index = (repo / INDEX).read_bytes()
    for args in (
        ("-o", "json=twice.json", "-o", "sarif=twice.json"),  # one file, two reports
        ("-o", f"json={INDEX}"),  # a report over the store's index
    ):
        refused = cli("check", *args)
        assert refused.code == 2 and refused.out == "", args
        assert refused.err.count("\n") == 1, refused.err
    assert (repo / INDEX).read_bytes() == index
    assert not (repo / "twice.json").exists()


# -- 10. fix commands run where the gate ran ------------------------------------------------


def test_fix_commands_are_relative_to_the_current_directory(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rewrite_released(repo / "schemas/versions", "v1")
    (repo / "schemas/versions/v9.json").write_text('{"type": "object"}\n')
    here = repo / "schemas"
    monkeypatch.chdir(here)
    data = cli("check", "--format", "json").json()
    fixes = {p["kind"]: p["fix"] for p in data["problems"]}
    assert {p["file"] for p in data["problems"]} >= {"schemas/versions/v1.json"}  # for SARIF
    restore = fixes["released-version-modified"].split("`")[1]
    assert restore.endswith(" -- versions/v1.json")
    assert "`mv versions/v9.json v9.candidate.json" in fixes["unregistered-version-file"]
    subprocess.run(restore.split(), cwd=here, check=True)
    git(repo, "checkout", "-q", "--", INDEX)
    (repo / "schemas/versions/v9.json").unlink()
    assert cli("check").code == 0


def test_an_emptied_index_is_restored_never_released_again(cli: Any, repo: Path) -> None:
    (repo / INDEX).write_text('{"versions": []}\n')
    result = cli("check", "--format", "json")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["compatible"] is False  # nothing stands proven on a broken store
    kinds = {p["kind"] for p in data["problems"]}
    assert kinds == {"released-version-removed"}, kinds
    for problem in data["problems"]:
        assert "cws-compat release" not in problem["fix"].split("then release")[0]
        assert f"-- {INDEX}`" in problem["fix"]


def test_a_new_entry_on_a_released_version_s_file_fails(cli: Any, repo: Path) -> None:
    index_path = repo / INDEX
    index = json.loads(index_path.read_text())
    v2 = next(e for e in index["versions"] if e["name"] == "v2")
    index["versions"].append({**v2, "name": "v3"})  # v3 is v2's file, checksum and all
    index_path.write_text(json.dumps(index, indent=4) + "\n")
    data = fails_everywhere(cli, "version-file-shared")
    assert [p["kind"] for p in data["problems"]] == ["version-file-shared"]


def test_a_fix_command_quotes_every_file_name(cli: Any, repo: Path) -> None:
    """A stray file with spaces, quotes or shell characters in its name: the suggested
    command is one a shell runs as written, and it registers the file."""
    name = 'my new <i>"x.json'
    (repo / "schemas/versions" / name).write_text('{"type": "object"}\n')
    data = cli("check", "--format", "json").json()
    fix = next(p["fix"] for p in data["problems"] if p["kind"] == "unregistered-version-file")
    command = fix.split("`")[1]
    words = shlex.split(command.split(" && ")[0])
    assert words == ["mv", f"schemas/versions/{name}", 'my new <i>"x.candidate.json']
    assert shlex.split(command.split(" && ")[1])[-1] == 'my new <i>"x.candidate.json'
