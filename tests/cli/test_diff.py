"""`cws-compat diff`, `rules` and `schema report` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT


def _report_schema(cli: Any) -> Any:
    result = cli("schema", "report")
    assert result.code == 0
    schema = result.json()
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def test_shipped_store_v1_to_v2_is_backward_compatible(cli: Any, in_repo_root: Path) -> None:
    result = cli("diff", "v1", "v2")
    assert result.code == 0, result.err
    assert "[property-added] dd" in result.out
    assert "backward compatible, forward breaking" in result.out
    assert "\033[" not in result.out  # not a terminal: no colour


def test_full_mode_fails_on_the_forward_break(cli: Any, in_repo_root: Path) -> None:
    assert cli("diff", "v1", "v2", "--mode", "full").code == 1
    assert cli("diff", "v1", "v2", "--mode", "forward").code == 1
    assert cli("diff", "v2", "v1").code == 1
    assert cli("diff", "v2", "v1", "--mode", "forward").code == 0


def test_json_report_has_the_documented_fields_and_validates(cli: Any, in_repo_root: Path) -> None:
    schema = _report_schema(cli)
    result = cli("diff", "v1", "v2", "--format", "json")
    assert result.code == 0
    report = result.json()
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["old"] == "v1" and report["new"] == "v2" and report["mode"] == "backward"
    assert report["compatible"] is True
    assert report["backward_compatible"] is True
    assert report["forward_compatible"] is False
    assert report["bump"] == "minor"
    added = next(c for c in report["changes"] if c["rule"] == "property-added")
    assert added["schema_path"] == "/properties/dd"
    assert added["instance_paths"] == ["dd"]
    assert added["new"] == {"$ref": "#/definitions/DDContext"}
    assert added["counterexample"]["direction"] == "forward"
    assert added["counterexample"]["instance"] == {"dd": {}}


def test_json_reports_of_many_changes_validate(
    cli: Any, tmp_path: Path, in_repo_root: Path
) -> None:
    schema = _report_schema(cli)
    v1 = json.loads((ROOT / "schemas/versions/v1.json").read_text())
    original = json.loads((ROOT / "schemas/versions/v1.json").read_text())
    definitions = v1["definitions"]
    definitions["ProcessCredentials"]["required"].append("auid")
    definitions["ProcessCredentials"]["properties"]["auid"] = {"type": "integer"}
    definitions["File"]["properties"]["uid"]["type"] = "string"
    definitions["UserContext"]["additionalProperties"] = True
    definitions["SELinuxBoolChange"]["properties"]["state"]["enum"] = ["on", "off"]
    definitions["ProcessContext"]["properties"]["pid"]["description"] = "PID"
    (tmp_path / "new.json").write_text(json.dumps(v1))
    result = cli("diff", "v1", str(tmp_path / "new.json"), "--format", "json", "--mode", "full")
    assert result.code == 1
    report = result.json()
    jsonschema.Draft202012Validator(schema).validate(report)
    rules = {c["rule"] for c in report["changes"]}
    assert {
        "required-added",
        "type-changed",
        "additional-properties-loosened",
        "enum-added",
        "annotation-changed",
    } <= rules
    assert report["bump"] == "major"
    documents = {"v1": original, str(tmp_path / "new.json"): v1}
    checked = 0
    for change in report["changes"]:
        for example in change.get("counterexamples", []):
            accept = jsonschema.Draft4Validator(documents[example["valid_under"]])
            reject = jsonschema.Draft4Validator(documents[example["rejected_by"]])
            assert accept.is_valid(example["instance"])
            assert not reject.is_valid(example["instance"])
            checked += 1
    assert checked >= 4


def test_counterexamples_are_really_accepted_and_rejected(cli: Any, in_repo_root: Path) -> None:
    old = json.loads((ROOT / "schemas/versions/v2.json").read_text())
    new = json.loads((ROOT / "schemas/versions/v1.json").read_text())
    report = cli("diff", "v2", "v1", "--format", "json").json()
    example = report["changes"][0]["counterexample"]
    assert jsonschema.Draft4Validator(old).is_valid(example["instance"])
    assert not jsonschema.Draft4Validator(new).is_valid(example["instance"])


def test_markdown_report_for_a_pull_request(cli: Any, in_repo_root: Path) -> None:
    result = cli("diff", "v2", "v1", "--format", "markdown")
    assert result.code == 1
    assert result.out.startswith("### Schema compatibility: `v2` → `v1`")
    assert "| `property-removed` | `dd` |" in result.out
    assert "<details><summary>Counterexamples</summary>" in result.out


def test_colour_on_request(cli: Any, in_repo_root: Path) -> None:
    assert "\033[" in cli("diff", "v1", "v2", "--color").out


def test_allow_unknown(cli: Any, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    new = tmp_path / "new.json"
    old.write_text(json.dumps({"type": "string", "pattern": "^[a-f]{64}$"}))
    new.write_text(json.dumps({"type": "string", "pattern": "^[a-f]{12,64}$"}))
    strict = cli("diff", str(old), str(new), "--format", "json")
    assert strict.code == 1
    assert strict.json()["backward"] == "unknown"
    assert strict.json()["backward_compatible"] is False
    assert cli("diff", str(old), str(new), "--allow-unknown").code == 0


def test_identical_files_have_no_changes(cli: Any, in_repo_root: Path) -> None:
    result = cli("diff", "v1", "schemas/versions/v1.json", "--format", "json")
    assert result.code == 0
    assert result.json()["changes"] == []
    assert result.json()["bump"] == "none"


def test_mode_from_pyproject(cli: Any, store_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cws-compat]\nmode = "full"\n')
    result = cli("diff", "v1", "v2", "--format", "json")
    assert result.json()["mode"] == "full"
    assert result.code == 1


def test_git_ref_inputs(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(tmp_path)]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    schema = tmp_path / "schema.json"
    schema.write_text((ROOT / "schemas/versions/v1.json").read_text())
    subprocess.run([*git, "add", "schema.json"], check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], check=True)
    schema.write_text((ROOT / "schemas/versions/v2.json").read_text())
    monkeypatch.chdir(tmp_path)
    result = cli("diff", "HEAD:schema.json", "schema.json", "--format", "json")
    assert result.code == 0, result.err
    assert result.json()["old"] == "HEAD:schema.json"
    assert result.json()["changes"][0]["rule"] == "property-added"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"properties": {"a": {"$ref": "http://127.0.0.1:9/x.json"}}},
            "$ref 'http://127.0.0.1:9/x.json' at /properties/a points outside this file",
        ),
        ({"properties": {"a": {"$ref": "other.json#/x"}}}, "points outside this file"),
        (
            {"properties": {"a": {"$ref": "#/definitions/Nope"}}},
            "is dangling: nothing at /definitions/Nope",
        ),
        ({"properties": {"a": {"$ref": "#nowhere"}}}, "is dangling: no anchor 'nowhere'"),
        (
            {
                "$ref": "#/definitions/A",
                "definitions": {"A": {"$ref": "#/definitions/B"}, "B": {"$ref": "#/definitions/A"}},
            },
            "$ref loop with no schema in between",
        ),
        ({"$ref": "#"}, "$ref loop with no schema in between"),
        ({"type": "integr"}, "invalid 2020-12 schema at /type"),
        (
            {"$schema": "http://json-schema.org/draft-04/schema#", "required": []},
            "invalid draft-04 schema at /required",
        ),
        ({"$schema": "https://example.invalid/my-meta"}, "unsupported $schema"),
        # python-jsonschema would not read these as draft-04, so neither does the tool
        ({"$schema": "https://json-schema.org/draft-04/schema#"}, "not a spelling validators"),
        ({"$schema": "http://json-schema.org/draft-04/schema/"}, "not a spelling validators"),
        (
            {"properties": {"a": {"pattern": "("}}},
            "invalid 2020-12 schema at /properties/a/pattern",
        ),
        # a schema that applies itself to the same instance: validators recurse forever
        ({"allOf": [{"$ref": "#"}], "type": "object"}, "applies itself to the same instance"),
        (
            {
                "$defs": {"A": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/A"}]}},
                "properties": {"a": {"$ref": "#/$defs/A"}},
            },
            "applies itself to the same instance",
        ),
        (
            {"type": "object", "dependentSchemas": {"a": {"$ref": "#"}}},
            "applies itself to the same instance",
        ),
        # python-jsonschema evaluates `not` without entering its $id: the $ref reads two ways
        (
            {
                "$defs": {"s": {"type": "string"}},
                "not": {"$id": "http://x.invalid/n", "$defs": {"s": {}}, "$ref": "#/$defs/s"},
            },
            "does not always enter",
        ),
        # draft-03, which python-jsonschema switches to inside a document, is not modelled
        (
            {"properties": {"a": {"$schema": "http://json-schema.org/draft-03/schema#"}}},
            "declares draft-03",
        ),
        # a $ref to a place the meta-schema never checked is checked when followed
        ({"allOf": [{"$ref": "#/default"}], "default": {"uniqueItems": 1}}, "(/default): invalid"),
        # unevaluated* and the branches its bookkeeping reads are evaluated without their $id
        (
            {
                "$defs": {"a": {}},
                "unevaluatedItems": {
                    "$id": "http://x.invalid/s",
                    "$defs": {"a": {}},
                    "$ref": "#/$defs/a",
                },
            },
            "does not always enter",
        ),
        # duplicate identifiers: validators pick one by document order
        (
            {"$defs": {"a": {"$id": "http://x.invalid/d"}, "b": {"$id": "http://x.invalid/d"}}},
            "is declared twice",
        ),
        (
            {"$defs": {"a": {"$dynamicAnchor": "k"}, "b": {"$anchor": "k"}}},
            "is declared twice",
        ),
    ],
)
def test_bad_schemas_are_one_clear_line_and_exit_2(
    cli: Any, tmp_path: Path, document: Any, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    for args in (("diff", str(path), str(path)), ("diff", str(path), str(path), "--mode", "full")):
        result = cli(*args)
        assert result.code == 2
        assert message in result.err
        assert str(path) in result.err
        assert result.err.count("\n") == 1
        assert result.out == ""


@pytest.mark.parametrize(
    ("old", "new", "verdict"),
    [
        (True, False, "backward breaking, forward compatible"),
        (False, {"type": "string"}, "backward compatible, forward breaking"),
        ({"type": "string", "minLength": 2.0}, {"type": "string", "minLength": 2}, "compatible"),
        ({"type": "string", "pattern": "^\\p{L}+$"}, {"type": "string"}, "forward unknown"),
        (
            {"type": "array", "minItems": 1.0, "items": {"minLength": 2.0}},
            {"type": "array", "minItems": 2, "items": {"minLength": 3}},
            "backward breaking",
        ),
    ],
)
def test_valid_but_unusual_schemas_are_compared(
    cli: Any, tmp_path: Path, old: Any, new: Any, verdict: str
) -> None:
    """Boolean roots, counts written 2.0, ECMA-262 regexes Python cannot compile: all valid,
    all compared, never a traceback."""
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    result = cli("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--mode", "full")
    assert result.code in (0, 1), result.err
    assert result.err == ""
    assert verdict in result.out


def test_remote_refs_are_never_fetched(cli: Any, tmp_path: Path) -> None:
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(3)
    port = server.getsockname()[1]
    hits: list[int] = []

    def accept() -> None:
        try:
            conn, _ = server.accept()
            hits.append(1)
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    path = tmp_path / "remote.json"
    path.write_text(json.dumps({"$ref": f"http://127.0.0.1:{port}/schema.json"}))
    result = cli("diff", str(path), str(path))
    server.close()
    thread.join()
    assert result.code == 2
    assert hits == []


def test_unknown_version_and_missing_file(cli: Any, in_repo_root: Path) -> None:
    result = cli("diff", "v1", "v9")
    assert result.code == 2
    assert "unknown version 'v9' (known versions: v1, v2)" in result.err
    missing = cli("diff", "v1", "nope/schema.json")
    assert missing.code == 2
    assert "no such schema file" in missing.err


def _deep_json(text: str) -> Any:
    """Parse a report whose counterexample is nested thousands of levels deep."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return json.loads(text)
    finally:
        sys.setrecursionlimit(limit)


def test_deeply_nested_schema_gets_a_verdict(cli: Any, tmp_path: Path) -> None:
    depth = 3000
    for name, leaf in (("old", '{"type":"string"}'), ("new", '{"type":"integer"}')):
        text = '{"type":"object","properties":{"a":' * depth + leaf + "}}" * depth
        (tmp_path / f"{name}.json").write_text(text)
    result = cli("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--format", "json")
    assert result.code == 1, result.err
    change = _deep_json(result.out)["changes"][0]
    assert change["rule"] == "type-changed"
    assert change["instance_paths"] == [".".join(["a"] * depth)]


def test_thousands_of_definitions_and_long_ref_chains(cli: Any, tmp_path: Path) -> None:
    def chain(count: int, extra: bool) -> dict[str, Any]:
        definitions: dict[str, Any] = {
            f"D{i}": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "x": {"type": "integer"},
                    "next": {"$ref": f"#/definitions/D{i + 1}"},
                },
            }
            for i in range(count)
        }
        definitions[f"D{count}"] = {"$ref": f"#/definitions/R{0}"}
        definitions.update({f"R{i}": {"$ref": f"#/definitions/R{i + 1}"} for i in range(999)})
        definitions["R999"] = {"type": "object", "properties": {"y": {"type": "string"}}}
        if extra:
            definitions["R999"]["required"] = ["y"]
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$ref": "#/definitions/D0",
            "definitions": definitions,
        }

    (tmp_path / "old.json").write_text(json.dumps(chain(2000, False)))
    (tmp_path / "new.json").write_text(json.dumps(chain(2000, True)))
    result = cli("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--format", "json")
    assert result.code == 1, result.err
    change = _deep_json(result.out)["changes"][0]
    assert change["rule"] == "required-added"
    assert change["instance_paths"] == [".".join(["next"] * 2000) + ".y"]


def test_rules_listing_and_explanation(cli: Any) -> None:
    listing = cli("rules")
    assert listing.code == 0
    assert "required-added" in listing.out and "breaking" in listing.out
    one = cli("rules", "property-added")
    assert one.code == 0
    assert "Before:" in one.out and "After:" in one.out
    as_json = cli("rules", "--format", "json").json()
    assert {"id", "summary", "backward", "forward", "before", "after"} <= set(as_json["rules"][0])
    wrong = cli("rules", "requird-added")
    assert wrong.code == 2
    assert "did you mean required-added" in wrong.err
