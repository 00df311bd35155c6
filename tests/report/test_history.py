"""report/history.py: the field history in every format, and the `docs --history` notes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from compat.report.history import doc_notes
from compat.report.registry import FORMATS, render
from compat.versioning.history import History, Selection, store_history
from compat.versioning.store import Store
from tests.versioning import history_store
from tests.versioning.test_history import history_of


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> History:
    root = tmp_path_factory.mktemp("history")
    return store_history(Store.open(history_store.write_store(root)))


def _schema() -> Any:
    text = resources.files("compat.report").joinpath("history.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", [None, "process.credentials.auid", "process.kind", "tags[]"])
@pytest.mark.parametrize("changed_only", [False, True])
def test_json_follows_the_published_schema(
    scratch: History, path: str | None, changed_only: bool
) -> None:
    data = json.loads(render("history", "json", Selection(scratch, path, changed_only)))
    jsonschema.Draft202012Validator(_schema()).validate(data)
    assert data["path"] == path
    if path is not None:
        assert [item["path"] for item in data["fields"]] == [path]


def test_json_content(scratch: History) -> None:
    data = json.loads(render("history", "json", Selection(scratch, "process.kind")))
    item = data["fields"][0]
    assert (item["first"], item["last"], item["present"]) == ("v1", "v7", True)
    assert item["events"][1] == {
        "version": "v5",
        "released": "2021-05-01",
        "kind": "constraint-changed",
        "keyword": "enum",
        "old": [["exec"]],
        "new": [["exec", "fork"]],
        "added_values": ["fork"],
        "removed_values": [],
    }
    tags = json.loads(render("history", "json", Selection(scratch, "tags")))["fields"][0]
    assert (tags["last"], tags["present"]) == ("v6", False)


def test_the_schema_refuses_what_the_output_must_not_be(scratch: History) -> None:
    data = json.loads(render("history", "json", Selection(scratch, "process.credentials.auid")))
    validator = jsonschema.Draft202012Validator(_schema())
    data["fields"][0]["events"][1]["keyword"] = "enum"  # a became-required event has none
    assert not validator.is_valid(data)


def test_text_timeline(scratch: History) -> None:
    text = render("history", "text", Selection(scratch, "process.credentials.auid"))
    assert text == (
        "process.credentials.auid\n"
        "  v2  2021-02-01  added: integer, optional\n"
        "  v3  2021-03-01  became required\n"
        "  v5  2021-05-01  type changed: integer -> string\n"
        "  v6  2021-06-01  became optional\n"
        "now (v7): string, optional\n"
        "description (v7): Audit user ID\n"
        "declared at (v7): /$defs/Creds/properties/auid\n"
    )
    removed = render("history", "text", Selection(scratch, "tags[]"))
    assert "  v7  2021-07-01  removed\n" in removed
    assert "not in the latest version (v7); last in v6: string, optional" in removed


def test_text_listing(scratch: History) -> None:
    text = render("history", "text", Selection(scratch))
    lines = text.splitlines()
    assert lines[0] == "Field history: 7 versions, v1 (2021-01-12) to v7 (2021-07-01)"
    assert lines[1] == "15 fields, 6 with an event after v1"
    assert lines[3].split() == ["FIELD", "SINCE", "CHANGES"]
    row = next(line for line in lines if line.startswith("process.credentials.auid "))
    assert row.split(None, 2)[1:] == [
        "v2",
        "required since v3; type changed in v5 (integer -> string); optional since v6",
    ]
    assert next(line for line in lines if line.startswith("tags[]")).endswith("removed in v7")
    changed = render("history", "text", Selection(scratch, changed_only=True))
    assert "(shown: those)" in changed
    assert "labels" not in changed


def test_markdown(scratch: History) -> None:
    listing = render("history", "markdown", Selection(scratch))
    assert "| `process.kind` | v1 | enum widened in v5 |" in listing
    one = render("history", "markdown", Selection(scratch, "process.kind"))
    assert '| v5 | 2021-05-01 | enum widened: + "fork" |' in one


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("href", "src")]


def test_html_is_self_contained_and_escapes_schema_text() -> None:
    evil = "<script>alert('x')</script> & \"q\""
    old = {"type": "object", "properties": {"a": {"type": "string"}}}
    new = {"type": "object", "properties": {"a": {"type": "string", "description": evil}}}
    history = history_of(old, new)
    for selection in (Selection(history), Selection(history, "a")):
        page = render("history", "html", selection)
        parser = _Tags()
        parser.feed(page)
        assert "script" not in parser.tags
        assert parser.urls == []
        assert "&lt;script&gt;" in page
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
        assert "<style>" in page


def test_every_format_renders(scratch: History) -> None:
    for fmt in FORMATS["history"]:
        assert render("history", fmt, Selection(scratch))
        assert render("history", fmt, Selection(scratch, "tree.children[]"))


# -- docs --history ----------------------------------------------------------------------------


def test_doc_notes_say_what_happened_up_to_the_version(scratch: History) -> None:
    auid = "/$defs/Creds/properties/auid"
    notes = doc_notes(scratch, "v6")
    assert notes[auid] == (
        "since v2; required since v3; type changed in v5 (integer -> string); optional since v6"
    )
    assert notes["/properties/tags"] == "since v1"
    assert doc_notes(scratch, "v3")["/definitions/Credentials/properties/auid"] == (
        "since v2; required since v3"
    )
    assert "/properties/tags" not in doc_notes(scratch, "v7")


def test_doc_notes_of_a_shared_definition_follow_its_first_path() -> None:
    d = {"type": "object", "properties": {"x": {"type": "string"}}}
    v1 = {"type": "object", "properties": {"a": {"$ref": "#/$defs/D"}}, "$defs": {"D": d}}
    v2 = json.loads(json.dumps(v1))
    v2["properties"]["b"] = {"$ref": "#/$defs/D"}
    v3 = json.loads(json.dumps(v2))
    v3["$defs"]["D"]["required"] = ["x"]
    notes = doc_notes(history_of(v1, v2, v3), "v3")
    # `b.x` appeared in v2, but the definition's property has been there since v1; the change
    # in v3 happened at both paths and is said once
    assert notes["/$defs/D/properties/x"] == "since v1; required since v3"
    assert notes["/properties/b"] == "since v2"


def test_a_store_of_one_version(tmp_path: Path) -> None:
    store = history_store.write_store(tmp_path, history_store.versions()[:1])
    history = store_history(Store.open(store))
    text = render("history", "text", Selection(history))
    assert text.startswith("Field history: 1 version, v1 (2021-01-12)\n14 fields, 0 with")


def test_one_field_in_markdown_and_html_says_its_description_and_declarations(
    scratch: History,
) -> None:
    selection = Selection(scratch, "process.pid")
    for fmt in ("markdown", "html"):
        page = render("history", fmt, selection)
        assert "description (v7): Process ID" in page
        assert "declared at (v7): /$defs/Process/properties/pid" in page
