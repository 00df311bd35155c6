"""HTML reports made the way a user makes them (`--format html -o FILE`), for the tests that
read them as text and the tests that open them in a browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, invoke
from tests.versioning.scratch import add_version_by_hand, breaking, git, store_repository, v2_with

# Strings a schema may hold that must show as text, never become markup.
SCRIPT = "<script>document.title = 'pwned'</script>"
IMG_NAME = "<img src=x onerror=alert(1)>"
CLOSING = "</pre><b>bold</b>"


def hostile_pair(directory: Path) -> tuple[Path, Path]:
    """Two schemas whose description, property name and enum values are markup: the change
    between them is breaking, so the name and the value also reach a counterexample."""

    def schema(description: str, values: list[str], required: list[str]) -> dict[str, Any]:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": description,
            "type": "object",
            "additionalProperties": False,
            "required": required,
            "properties": {IMG_NAME: {"type": "string", "enum": values}},
        }

    old = directory / "old.json"
    new = directory / "new.json"
    old.write_text(json.dumps(schema("plain", [CLOSING, "a&amp;b"], [])))
    new.write_text(json.dumps(schema(SCRIPT, ["a&amp;b"], [IMG_NAME])))
    return old, new


def diff_page(target: Path, *args: str) -> Path:
    """`cws-compat diff ARGS --format html -o TARGET`, from the repository root."""
    result = invoke(
        "diff",
        *args,
        "--store",
        str(ROOT / "schemas/versions"),
        "--format",
        "html",
        "-o",
        str(target),
    )
    assert result.code in (0, 1), result.err
    assert result.out == ""  # the page went to the file
    return target


def corpus_page(target: Path, command: str, *args: str) -> tuple[Path, int]:
    """`cws-compat corpus COMMAND ARGS --format html -o TARGET` in the current directory."""
    result = invoke(
        "corpus", command, "--workers", "1", *args, "--format", "html", "-o", str(target)
    )
    assert result.code in (0, 1), result.err
    assert result.out == ""
    return target, result.code


def gate_repo(root: Path) -> Path:
    """A repository whose main holds the shipped store, and a PR branch adding a v3 that makes
    `auid` required (breaking, unacknowledged)."""
    return store_repository(root, changelog=False)


def add_breaking_v3(root: Path) -> None:
    add_version_by_hand(root, "v3", v2_with(breaking))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v3")
