"""`docs --style seed|hugo` and `import-doc` of either format, through the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA

HAND_WRITTEN = DATA / "backend-hugo.md"


def test_default_style_is_the_seed(cli: Any, in_repo_root: Path) -> None:
    assert cli("docs", "v1", "--style", "seed").out == cli("docs", "v1").out
    assert cli("docs", "v1").out == (DATA / "backend.md").read_text(encoding="utf-8")


def test_hugo_page_of_a_version(cli: Any, in_repo_root: Path) -> None:
    result = cli("docs", "v2", "--style", "hugo")
    assert result.code == 0
    assert result.out.startswith("---\ntitle: ")
    assert "disable_edit: true\n---\n" in result.out
    assert 'filename="BACKEND_EVENT_JSON_SCHEMA" >}}\n{\n    "$schema": ' in result.out
    assert "| `dd` | $ref | Please see [DDContext](#ddcontext) |" in result.out


@pytest.mark.parametrize("style", ["seed", "hugo"])
def test_docs_then_import_doc_round_trips(cli: Any, store_copy: Path, style: str) -> None:
    assert cli("docs", "v2", "--style", style, "-o", "v2.md").code == 0
    imported = cli("import-doc", "v2.md", "-o", "v2.json", "--draft", "4")
    assert imported.code == 0, imported.err
    original = (store_copy / "v2.json").read_text(encoding="utf-8")
    assert json.loads(Path("v2.json").read_text(encoding="utf-8")) == json.loads(original)
    if style == "hugo":  # the page carries the whole file: the import is the file, byte for byte
        assert Path("v2.json").read_text(encoding="utf-8") == original
    again = cli("docs", "v2.json", "--style", style)
    assert again.out == Path("v2.md").read_text(encoding="utf-8")


def test_import_doc_reads_a_hand_written_hugo_page(cli: Any) -> None:
    result = cli("import-doc", str(HAND_WRITTEN))
    assert result.code == 0, result.err
    schema = result.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["agent", "title"]
    assert "ProcessCredentials" in schema["$defs"]


def test_import_doc_result_is_a_schema_the_tool_compares(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "hugo.json"
    assert cli("import-doc", str(HAND_WRITTEN), "-o", str(target)).code == 0
    same = cli("diff", str(target), str(target))
    assert same.code == 0, same.err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("| `uid` | User ID |", "| `uid` | User |", 'gives `uid` the Description "User"'),
        ('"auid"\n    ]\n}', '"gid"\n    ]\n}', 'block of "ProcessCredentials" is not its def'),
        ("BACKEND_EVENT_JSON_SCHEMA", "EVENT", "no whole-schema block"),
    ],
)
def test_import_doc_refuses_a_page_that_contradicts_itself(
    cli: Any, tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = HAND_WRITTEN.read_text(encoding="utf-8")
    assert old in text
    page = tmp_path / "page.md"
    page.write_text(text.replace(old, new, 1), encoding="utf-8")
    target = tmp_path / "out.json"
    result = cli("import-doc", str(page), "-o", str(target))
    assert result.code == 2
    assert message in result.err
    assert result.err.startswith(f"cws-compat: error: {page}")
    assert result.err.count("\n") == 1
    assert not target.exists()


def test_import_doc_refuses_a_draft_the_page_contradicts(cli: Any) -> None:
    result = cli("import-doc", str(HAND_WRITTEN), "--draft", "4")
    assert result.code == 2
    assert "the schema declares $schema" in result.err


def test_docs_of_a_boolean_schema_is_exit_2(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "anything.json"
    path.write_text("true\n")
    for style in ("seed", "hugo"):
        result = cli("docs", str(path), "--style", style)
        assert result.code == 2
        assert result.err.count("\n") == 1
        assert "a boolean schema has no properties or definitions to document" in result.err


def test_unknown_style_is_a_usage_error(cli: Any, in_repo_root: Path) -> None:
    result = cli("docs", "v1", "--style", "html")
    assert result.code == 2
    assert "'html' is not one of 'seed', 'hugo'" in result.err


def test_the_readme_shows_the_page_as_written(cli: Any, in_repo_root: Path) -> None:
    readme = (in_repo_root / "README.md").read_text(encoding="utf-8")
    shown = readme[readme.index("$ head -11 backend.md\n") :].split("\n")[1:12]
    page = cli("docs", "v2", "--style", "hugo").out
    assert shown == page.split("\n")[:11]
    assert shown[-1].endswith('filename="BACKEND_EVENT_JSON_SCHEMA" >}}')
