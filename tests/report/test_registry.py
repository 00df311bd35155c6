"""report/: one registry for every --format, and what the renderers print."""

from __future__ import annotations

import json

import jsonschema
import pytest

from compat.report import registry
from compat.report.registry import FORMATS, Style, render
from compat.rules import RULES
from tests.helpers import compare_docs


def test_every_subject_renders_exactly_the_formats_it_declares() -> None:
    assert set(FORMATS) == set(registry._LOADERS)
    for subject, formats in FORMATS.items():
        assert set(registry._LOADERS[subject]()) == set(formats), subject


def test_an_undeclared_format_is_refused() -> None:
    with pytest.raises(ValueError, match="diff has no sarif format"):
        render("diff", "sarif", None)


OLD = {"type": "object", "properties": {"a": {"type": "integer"}}}
NEW = {**OLD, "required": ["a"]}


def test_diff_json_follows_the_published_report_schema() -> None:
    from importlib import resources

    schema = json.loads(
        resources.files("compat.report").joinpath("diff-report.schema.json").read_text()
    )
    data = json.loads(render("diff", "json", compare_docs(OLD, NEW)))
    jsonschema.Draft202012Validator(schema).validate(data)
    (change,) = data["changes"]
    assert change["rule"] == "required-added"
    assert change["schema_path"] == "/required"
    assert change["counterexample"]["instance"] == {}


def test_diff_text_and_markdown_say_the_verdicts() -> None:
    report = compare_docs(OLD, NEW)
    text = render("diff", "text", report)
    assert "[required-added]" in text and "backward breaking" in text
    assert "\033[" not in text
    assert "\033[" in render("diff", "text", report, Style(color=True))
    markdown = render("diff", "markdown", report)
    assert "required-added" in markdown and markdown.lstrip().startswith("#")


def test_rules_in_every_format() -> None:
    listing = render("rules", "text", list(RULES.values()))
    assert all(rule_id in listing for rule_id in RULES)
    one = render("rule", "text", RULES["required-added"])
    assert one.startswith("required-added") and "Before:" in one
    assert json.loads(render("rule", "json", RULES["required-added"]))
    assert "required-added" in render("rules", "markdown", list(RULES.values()))


def test_versions_table_and_json() -> None:
    rows = [
        {
            "name": "v1",
            "released": "2021-01-12",
            "sha256": "ab" * 32,
            "definitions": 12,
            "root_properties": 7,
            "file": "v1.json",
        }
    ]
    text = render("versions", "text", rows)
    assert text.splitlines()[1].split() == ["v1", "2021-01-12", "ab" * 6, "12", "7"]
    assert json.loads(render("versions", "json", rows)) == {"versions": rows}


def test_release_outputs() -> None:
    from pathlib import Path

    from compat.versioning.release import ReleaseResult

    report = compare_docs(OLD, NEW)
    refused = ReleaseResult("v3", [report], list(report.changes), [])
    text = render("release", "text", refused, Style(mode="full"))
    assert "refused: 1 breaking or unknown change(s) under full mode" in text
    assert json.loads(render("release", "json", refused))["released"] is False
    done = ReleaseResult("v3", [], [], [Path("schemas/versions/v3.json")])
    assert render("release", "text", done).endswith("released v3: schemas/versions/v3.json\n")
