"""YAML schema files wherever a schema file goes, read safely, with JSON's one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.versioning.scratch import breaking, git, v2_with


def as_yaml(document: Any) -> str:
    text: str = yaml.safe_dump(document, sort_keys=False)
    return text


def test_a_yaml_schema_means_what_its_json_means(cli: Any, store_copy: Path) -> None:
    document = json.loads((store_copy / "v2.json").read_text())
    Path("v2.yaml").write_text(as_yaml(document))
    same = cli("diff", "v2", "v2.yaml", "--format", "json")
    assert same.code == 0, same.err
    assert same.json()["changes"] == []
    Path("v2.yml").write_text(as_yaml(document))
    assert cli("diff", "v1", "v2.yml").code == 0
    assert cli("docs", "v2.yaml").out == cli("docs", "v2").out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("type: object\nproperties: [\n", "invalid YAML at line 3, column 1: while parsing"),
        ("type: object\ntype: string\n", "invalid YAML at line 2, column 1: duplicate key 'type'"),
        ("properties:\n  on: {type: string}\n", "'on' reads as a boolean in YAML 1.1 and as a"),
        ("enum: [2021-01-12]\n", "'2021-01-12' reads as a date in YAML 1.1"),
        ("maximum: 1e3\n", "'1e3' reads as a string in YAML 1.1 and as a number in YAML 1.2"),
        ("maximum: 0777\n", "'0777' is octal in YAML 1.1 and decimal in YAML 1.2"),
        ("maximum: .inf\n", ".inf is not a JSON number"),
        ("a: &x {type: string}\nb: *x\n", "alias *x (YAML aliases are not read"),
        ("1: {type: string}\n", "the key '1' is not a string"),
        ("x: !!python/object:os.system {}\n", "has no JSON value"),
        ("- 1\n", "a schema must be a JSON object (or true/false), found array"),
        ("", "a schema must be a JSON object (or true/false), found null"),
        ("a: 1\n---\nb: 2\n", "expected a single document in the stream"),
    ],
)
def test_bad_yaml_is_one_line_exit_2(cli: Any, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = cli("docs", str(path))
    assert result.code == 2
    assert f"{path}: " in result.err and message in result.err, result.err
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_quoted_and_tagged_scalars_are_strings(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "ok.yml"
    path.write_text('type: object\nproperties:\n  "on": {type: string, pattern: "1e3"}\n')
    result = cli("diff", str(path), str(path), "--format", "json")
    assert result.code == 0, result.err


def test_a_yaml_file_is_gated_with_annotations_on_its_lines(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    schema = root / "backend.schema.yaml"
    schema.write_text(as_yaml(json.loads((ROOT / "schemas/versions/v2.json").read_text())))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "schema")
    schema.write_text(as_yaml(json.loads(v2_with(breaking).read_text())))
    assert cli("diff", "HEAD:backend.schema.yaml", "backend.schema.yaml").code == 1
    result = cli("check", "--against", "HEAD", "backend.schema.yaml", "--format", "github")
    assert result.code == 1
    line = next(x for x in result.out.splitlines() if "required-added" in x)
    number = int(line.split("line=")[1].split(",")[0])
    lines = schema.read_text().splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("  ProcessCredentials:"))
    assert number - 1 > start and lines[number - 1].strip() == "required:"


def test_a_yaml_schema_is_released_as_json(cli: Any, store_copy: Path) -> None:
    document = json.loads((store_copy / "v2.json").read_text())
    document["properties"]["network"] = {"type": "object", "additionalProperties": False}
    Path("v3.yaml").write_text(as_yaml(document))
    shutil.copy(ROOT / "CHANGELOG.md", "CHANGELOG.md")
    result = cli("release", "v3.yaml")
    assert result.code == 0, result.out + result.err
    assert json.loads((store_copy / "v3.json").read_text()) == document
    assert cli("versions").code == 0
