"""The walk skips pairs that cannot differ, and loses nothing by it."""

from __future__ import annotations

import copy
from typing import Any

from compat.diff import walk
from compat.diff.walk import diff
from compat.schema.load import prepare
from compat.schema.source import SchemaSource


def document() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "a": {"$ref": "#/$defs/Shared", "description": "the a"},
            "b": {"type": "array", "items": {"$ref": "#/$defs/Shared"}},
            "c": {"$ref": "#/$defs/Plain"},
        },
        "$defs": {
            "Shared": {
                "type": "object",
                "properties": {
                    "x": {"type": "string", "format": "date"},
                    "y": {"$ref": "#/$defs/Leaf"},
                },
            },
            "Leaf": {"type": "integer", "description": "a leaf"},
            "Plain": {"type": "string"},
            "Unused": {"type": "null"},
        },
    }


def facts(old: Any, new: Any) -> list[tuple[str, str | None, str | None]]:
    a = prepare(SchemaSource("old", old, "")).document
    b = prepare(SchemaSource("new", new, "")).document
    result = diff(a, b)
    return sorted(((f.kind, f.old_path, f.new_path) for f in result.facts), key=str)


def test_identical_documents_compare_no_pair(monkeypatch: Any) -> None:
    compared: list[Any] = []
    original = walk._Walker._compare

    def spy(self: Any, *args: Any) -> None:
        compared.append(args)
        original(self, *args)

    monkeypatch.setattr(walk._Walker, "_compare", spy)
    assert facts(document(), document()) == []
    assert compared == []


def test_annotations_and_formats_deep_under_equal_meaning_are_found() -> None:
    new = document()
    new["$defs"]["Leaf"]["description"] = "a changed leaf"
    new["$defs"]["Shared"]["properties"]["x"]["format"] = "date-time"
    new["properties"]["a"]["description"] = "the new a"
    assert facts(document(), new) == [
        ("annotation", "/$defs/Leaf/description", "/$defs/Leaf/description"),
        # Leaf's as seen from its $ref site: at Leaf's own place, so the engine makes it one
        # change with the one above
        ("annotation", "/$defs/Leaf/description", "/$defs/Leaf/description"),
        # beside a $ref: the site's own description, at the site
        ("annotation", "/properties/a/description", "/properties/a/description"),
        ("format", "/$defs/Shared/properties/x/format", "/$defs/Shared/properties/x/format"),
    ]


def test_definitions_reached_through_skipped_pairs_are_not_reported_removed() -> None:
    new = copy.deepcopy(document())
    del new["$defs"]["Unused"]
    new["$defs"]["Plain"] = {"type": "string", "maxLength": 3}
    assert facts(document(), new) == [
        ("definition-removed", "/$defs/Unused", None),
        ("string-length", None, "/$defs/Plain/maxLength"),
    ]


def test_a_change_reached_from_a_ref_site_and_its_target_is_one_change() -> None:
    """Leaf's description, changed, is seen from the pair of Leafs and from the $ref site
    `y` (which has no description of its own): one change, with the instance path."""
    from compat.engine.compare import compare
    from compat.schema.load import LoadedSchema

    new = document()
    new["$defs"]["Leaf"]["description"] = "a changed leaf"
    loaded = [
        LoadedSchema(SchemaSource(name, doc, ""), prepare(SchemaSource(name, doc, "")).document)
        for name, doc in (("old", document()), ("new", new))
    ]
    report = compare(*loaded)
    assert [(c.rule, c.schema_path, c.instance_paths) for c in report.changes] == [
        ("annotation-changed", "/$defs/Leaf/description", ["a.y", "b[].y"])
    ]
