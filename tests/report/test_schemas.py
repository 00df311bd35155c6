"""The published JSON Schemas of every JSON output (`cws-compat schema NAME`): valid schemas,
tight ones, and the real outputs of each command, on real inputs, valid under them."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import referencing.jsonschema

from compat.modes import MODES
from compat.report import schemas
from compat.report.schemas import ALIASES, SCHEMAS
from compat.rules import RULES
from compat.versioning.gate import PROBLEM_KINDS
from tests.conftest import ROOT, invoke
from tests.versioning.scratch import additive, breaking, git, store_repository, v2_with

REPORT_DIR = Path(schemas.__file__).parent

# Every schema in the table has a test below that validates real output against it: a name
# added to SCHEMAS without one fails test_every_schema_is_tested.
TESTED = {
    "check",
    "corpus-matrix",
    "corpus-validate",
    "diff",
    "history",
    "import-git",
    "release",
    "rules",
    "versions",
}


def printed(name: str) -> dict[str, Any]:
    """The schema as `cws-compat schema NAME` prints it, checked against its meta-schema."""
    result = invoke("schema", name)
    assert result.code == 0, result.err
    document: dict[str, Any] = json.loads(result.out)
    jsonschema.validators.validator_for(document).check_schema(document)
    return document


def conforms(name: str, output: str) -> Any:
    """`output` (a command's JSON) is valid under the printed schema `name`; its data."""
    data = json.loads(output)
    schema = printed(name)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return data


def _subschemas(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            if key in ("enum", "const", "required", "examples"):
                continue
            yield from _subschemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _subschemas(item, f"{where}/{i}")


# -- the schemas themselves


def test_every_schema_file_is_in_the_table_and_every_entry_has_a_file() -> None:
    files = {path.name for path in REPORT_DIR.glob("*.schema.json")}
    assert {file for file, _ in SCHEMAS.values()} == files
    assert set(ALIASES.values()) <= set(SCHEMAS)


def test_every_schema_is_tested() -> None:
    missing = set(SCHEMAS) - TESTED
    assert not missing, f"validate real output against {missing} in this file"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_valid_and_its_refs_resolve(name: str) -> None:
    document = printed(name)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"].endswith("/" + SCHEMAS[name][0])
    resource = referencing.jsonschema.DRAFT202012.create_resource(document)
    resolver = referencing.Registry().with_resource(document["$id"], resource).resolver()

    def resolve_all(node: Any, base: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                base = base.in_subresource(referencing.jsonschema.DRAFT202012.create_resource(node))
            ref = node.get("$ref")
            if isinstance(ref, str):
                base.lookup(ref)  # raises when it does not resolve
            for key, value in node.items():
                if key not in ("enum", "const"):
                    resolve_all(value, base)
        elif isinstance(node, list):
            for item in node:
                resolve_all(item, base)

    resolve_all(document, resolver)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_tight(name: str) -> None:
    """Every object with declared properties is closed and requires what it declares, but
    for the few members that are present only sometimes: a field that appears, goes or is
    renamed in an output fails validation instead of passing unseen."""
    optional = {"structural", "counterexample", "counterexamples", "old", "new"}
    for where, node in _subschemas(printed(name)):
        if "properties" not in node or not isinstance(node["properties"], dict):
            continue
        if any(part in ("if", "then", "else", "oneOf") for part in where.split("/")):
            continue  # conditions and variants constrain members of a closed object
        variants = node.get("oneOf", [])
        closed = node.get("additionalProperties") is False or (
            # closed per variant: each names the members it allows
            variants and all("enum" in v.get("propertyNames", {}) for v in variants)
        )
        assert closed, f"{name}{where}: not closed"
        declared = set(node["properties"])
        assert set(node.get("required", [])) <= declared, f"{name}{where}"
        loose = declared - set(node.get("required", [])) - optional
        assert not loose, f"{name}{where}: {sorted(loose)} not required"


def test_enums_follow_the_code() -> None:
    check = printed("check")
    assert check["properties"]["mode"]["enum"] == list(MODES)
    assert set(check["$defs"]["problem"]["properties"]["kind"]["enum"]) == set(PROBLEM_KINDS)


def test_a_drifted_output_fails() -> None:
    data = json.loads(invoke("rules", "--format", "json").out)
    data["rules"][0]["severity"] = "error"
    with pytest.raises(AssertionError, match="severity"):
        conforms("rules", json.dumps(data))
    del data["rules"][0]["severity"], data["rules"][0]["twin"]
    with pytest.raises(AssertionError, match="twin"):
        conforms("rules", json.dumps(data))


# -- the command


def test_schema_lists_every_name(cli: Any) -> None:
    for args in ((), ("--list",)):
        result = cli("schema", *args)
        assert result.code == 0, result.err
        listed = [line.split()[0] for line in result.out.splitlines()]
        assert listed == sorted(SCHEMAS) + sorted(ALIASES)
    assert "cws-compat check --format json" in cli("schema").out


def test_schema_prints_the_file_or_the_compound_document(cli: Any) -> None:
    for name, (file, _) in SCHEMAS.items():
        out = cli("schema", name).out
        text = (REPORT_DIR / file).read_text(encoding="utf-8")
        embeds = any(f in json.loads(out).get("$defs", {}) for f, _ in SCHEMAS.values())
        assert (out == text) != embeds, name
    check = json.loads(cli("schema", "check").out)
    assert check["$defs"]["diff-report.schema.json"]["$id"].endswith("/diff-report.schema.json")
    assert "corpus-report.schema.json" in check["$defs"]


def test_aliases_print_the_same_schema(cli: Any) -> None:
    for alias, name in ALIASES.items():
        assert cli("schema", alias).out == cli("schema", name).out


def test_an_unknown_name_or_a_name_with_list_is_exit_2(cli: Any) -> None:
    unknown = cli("schema", "history-of-everything")
    assert unknown.code == 2 and "Invalid value" in unknown.err
    both = cli("schema", "check", "--list")
    assert both.code == 2 and both.err == "cws-compat: error: --list takes no NAME\n"


# -- real outputs


@pytest.fixture
def gate_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose main holds the shipped store and changelog, on a PR branch."""
    root = store_repository(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def test_versions(cli: Any, store_copy: Path) -> None:
    data = conforms("versions", cli("versions", "--format", "json").out)
    assert [v["name"] for v in data["versions"]] == ["v1", "v2"]
    released = cli("release", str(v2_with(additive)), "--name", "v2.1")
    assert released.code == 0, released.err
    data = conforms("versions", cli("versions", "--format", "json").out)
    assert [v["name"] for v in data["versions"]] == ["v1", "v2", "v2.1"]


def test_history(cli: Any, store_copy: Path) -> None:
    data = conforms("history", cli("history", "--format", "json").out)
    assert data["fields"]
    released = cli("release", str(v2_with(additive)), "--name", "v2.1")
    assert released.code == 0, released.err
    conforms("history", cli("history", "--format", "json").out)
    conforms("history", cli("history", "dd.span_id", "--format", "json").out)


def test_import_git(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A history with a version, a reformat (skipped) and a change; then a dry run and an
    up-to-date run, each valid under the schema."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    schema = repo / "event.schema.json"
    for text, message in (
        ((ROOT / "schemas/versions/v1.json").read_text(), "v1"),
        (json.dumps(json.loads((ROOT / "schemas/versions/v1.json").read_text())), "reformat"),
        ((ROOT / "schemas/versions/v2.json").read_text(), "v2"),
    ):
        schema.write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", message)
    monkeypatch.chdir(repo)
    args = ["store", "import-git", "--path", "event.schema.json", "--store", "st"]
    dry = conforms("import-git", cli(*args, "--dry-run", "--format", "json").out)
    assert [c["version"] for c in dry["commits"]] == ["v1", None, "v2"] and dry["written"] == []
    data = conforms("import-git", cli(*args, "--format", "json").out)
    assert data["imported"] == ["v1", "v2"] and data["commits"][2]["compared_with"] == "v1"
    again = conforms("import-git", cli(*args, "--format", "json").out)
    assert again["imported"] == [] and again["after"]


def test_rules(cli: Any) -> None:
    data = conforms("rules", cli("rules", "--format", "json").out)
    assert [r["id"] for r in data["rules"]] == list(RULES)
    for rule_id in ("property-added", "pattern-changed", "compatibility-unproven"):
        one = conforms("rules", cli("rules", rule_id, "--format", "json").out)
        assert [r["id"] for r in one["rules"]] == [rule_id]


def test_diff_with_structural_edits(cli: Any, in_repo_root: Path, tmp_path: Path) -> None:
    data = conforms("diff", cli("diff", "v1", "v2", "--format", "json", "--structural").out)
    assert "added" in {e["kind"] for e in data["structural"]}
    backwards = conforms("diff", cli("diff", "v2", "v1", "--format", "json", "--structural").out)
    assert "removed" in {e["kind"] for e in backwards["structural"]}
    assert backwards["changes"][0]["counterexample"]["rejected_by"] == "v1"
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text('{"type": "string", "description": "an id"}')
    new.write_text('{"type": "integer", "description": "a number"}')
    result = cli("diff", str(old), str(new), "--format", "json", "--structural")
    assert result.code == 1
    changed = conforms("diff", result.out)
    assert {e["kind"] for e in changed["structural"]} == {"changed"}
    assert "type-changed" in {c["rule"] for c in changed["changes"]}


def test_corpus_validate(cli: Any, in_repo_root: Path, tmp_path: Path) -> None:
    data = conforms("corpus-validate", cli("corpus", "validate", "--format", "json").out)
    assert data["fail_on"] == "malformed" and not data["failed"]
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text('{"a": 1}\nnot json\n\n')
    result = cli("corpus", "validate", str(damaged), "--format", "json", "--against", "v2")
    assert result.code == 1
    data = conforms("corpus-validate", result.out)
    assert data["malformed"] == 1 and data["corpora"][0]["malformed_lines"] == [2]


def test_corpus_matrix(cli: Any, store_copy: Path) -> None:
    shutil.copytree(ROOT / "schemas/corpora", store_copy.parent / "corpora")
    stored = conforms("corpus-matrix", cli("corpus", "matrix", "--format", "json").out)
    assert stored["versions"] == ["v1", "v2"]
    assert stored["fail_on"] == "malformed" and not stored["failed"] and not stored["failures"]
    for corpus in stored["corpora"]:
        for counts in ("valid", "invalid", "percent_valid"):
            assert list(corpus[counts]) == stored["versions"]
    # generated events, a damaged file, an empty one and a schema file as a version
    project = store_copy.parent.parent
    generated = cli("corpus", "generate", "v2", "-n", "30", "-o", "events.jsonl.gz", "-q")
    assert generated.code == 0, generated.err
    (project / "empty.jsonl").write_text("")
    (project / "damaged.jsonl").write_bytes(
        gzip.decompress((project / "events.jsonl.gz").read_bytes())[:900] + b"\n[1]\n"
    )
    candidate = v2_with(breaking)
    result = cli(
        "corpus",
        "matrix",
        "events.jsonl.gz",
        "empty.jsonl",
        "damaged.jsonl",
        "--against",
        f"v1,v2,{candidate}",
        "--format",
        "json",
        "--fail-on",
        "never",
    )
    assert result.code == 0, result.err
    data = conforms("corpus-matrix", result.out)
    assert [c["label"] for c in data["corpora"]] == ["C1", "C2", "C3"]
    assert data["corpora"][1]["percent_valid"] == {v: None for v in data["versions"]}
    assert data["corpora"][2]["malformed"] == 2
    assert data["version_labels"][str(candidate)] == candidate.stem
    assert data["fail_on"] == "never" and not data["failed"]
    failed = cli("corpus", "matrix", "damaged.jsonl", "--against", "v2", "--format", "json")
    assert failed.code == 1
    data = conforms("corpus-matrix", failed.out)
    assert data["failed"] and [f["kind"] for f in data["failures"]] == ["malformed"]


def test_release_refused_and_released(cli: Any, gate_repo: Path) -> None:
    candidate = str(v2_with(breaking))
    refused = cli("release", candidate, "--format", "json")
    assert refused.code == 1
    data = conforms("release", refused.out)
    assert not data["released"] and data["refused"][0]["rule"] == "required-added"
    released = cli("release", candidate, "--format", "json", "--allow-breaking", "sent")
    assert released.code == 0, released.err
    data = conforms("release", released.out)
    assert data["released"] and data["name"] == "v3" and len(data["written"]) == 3


def test_check_passing_and_with_corpora(cli: Any, gate_repo: Path) -> None:
    data = conforms("check", cli("check", "--against", "main", "--format", "json").out)
    assert data["passed"] and data["checks"] == [] and data["corpora"] is None
    assert cli("release", str(v2_with(additive))).code == 0
    result = cli("check", "--against", "main", "--format", "json", "--corpora")
    assert result.code == 0, result.out
    data = conforms("check", result.out)
    assert data["checks"][0]["new"] == "v3"
    assert data["corpora"]["report_version"] == 1
    assert data["unexplained_corpus_rejections"] == 0


def test_check_failing_acknowledged_and_transitive(cli: Any, gate_repo: Path) -> None:
    from tests.versioning.scratch import add_version_by_hand

    add_version_by_hand(gate_repo, "v3", v2_with(breaking))
    failing = cli("check", "--against", "main", "--format", "json", "--mode", "full-transitive")
    assert failing.code == 1
    data = conforms("check", failing.out)
    assert data["mode"] == "full-transitive" and len(data["checks"]) == 2
    assert any(f["rule"] == "required-added" for c in data["checks"] for f in c["failing"])
    # acknowledged in the index, and one acknowledgement that approves nothing
    index_path = gate_repo / "schemas/versions/index.json"
    index = json.loads(index_path.read_text())
    change = next(f for f in data["checks"][-1]["failing"] if f["rule"] == "required-added")
    index["versions"][-1]["acknowledged"] = [
        {k: change[k] for k in ("rule", "schema_path", "subject", "fingerprint")}
        | {"reason": "agents send it"},
        {"rule": "required-added", "schema_path": "/nowhere", "reason": "old"},
    ]
    index_path.write_text(json.dumps(index, indent=4) + "\n")
    result = cli("check", "--against", "main", "--format", "json")
    data = conforms("check", result.out)
    assert data["checks"][0]["acknowledged"][0]["acknowledged_in"] == "v3"
    assert [s["schema_path"] for s in data["stale_acknowledgements"]] == ["/nowhere"]


def test_check_problems_with_edits(cli: Any, gate_repo: Path) -> None:
    v1 = gate_repo / "schemas/versions/v1.json"
    document = json.loads(v1.read_text())
    document["properties"]["title"] = {"type": "string"}
    v1.write_text(json.dumps(document, indent=4) + "\n")
    (gate_repo / "schemas/versions/stray.json").write_text("{}\n")
    result = cli("check", "--against", "main", "--format", "json")
    assert result.code == 1
    data = conforms("check", result.out)
    kinds = {p["kind"] for p in data["problems"]}
    assert {"released-version-modified", "unregistered-version-file"} <= kinds
    modified = next(p for p in data["problems"] if p["kind"] == "released-version-modified")
    assert modified["edits"] == [
        {"pointer": "/properties/title", "kind": "added", "new": {"type": "string"}}
    ]


def test_check_files_with_warnings_and_output_files(cli: Any, gate_repo: Path) -> None:
    schema = gate_repo / "event.schema.json"
    schema.write_text('{"properties": {"id": {"type": "string", "pattern": "^[a-z]+$"}}}\n')
    git(gate_repo, "add", "-A")
    git(gate_repo, "commit", "-qm", "event schema")
    schema.write_text('{"properties": {"id": {"type": "string", "pattern": "^[a-z]+[0-9]*$"}}}\n')
    result = cli(
        "check",
        "event.schema.json",
        "--against",
        "HEAD",
        "--fail-on",
        "breaking",
        "--output",
        "json=gate.json",
    )
    assert result.code == 0, result.out
    data = conforms("check", (gate_repo / "gate.json").read_text())
    assert data["fail_on"] == "breaking"
    assert [w["rule"] for w in data["checks"][0]["warnings"]] == ["pattern-changed"]
    assert not data["compatible"] and data["passed"]
