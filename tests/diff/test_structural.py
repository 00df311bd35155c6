"""The structural diff beside the semantic one: every edit, annotations included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compat.diff.structural import Edit, edits


def test_edits_name_every_pointer_with_old_and_new_values() -> None:
    old = {"required": ["a", "c"], "x": {"description": "Container ID", "n": 1}, "l": [1, 2, 3]}
    new = {
        "required": ["a", "b", "c"],
        "x": {"description": "id", "n": 1.0, "t": True},
        "l": [1, 3],
    }
    found = edits(old, new)
    assert found == [
        Edit("/l/1", "removed", 2, None),
        Edit("/required/1", "added", None, "b"),  # one insertion, not a shift of "c"
        Edit("/x/description", "changed", "Container ID", "id"),
        Edit("/x/n", "changed", 1, 1.0),  # 1 and 1.0 are not the same JSON text
        Edit("/x/t", "added", None, True),
    ]
    assert type(found[3].new) is float
    assert edits({"a/b": 1}, {"a/b": 2}) == [Edit("/a~1b", "changed", 1, 2)]
    assert edits(True, {}) == [Edit("", "changed", True, {})]
    assert edits({"a": 1}, {"a": 1}) == []


def test_diff_structural_lists_annotations_beside_verdicts(
    cli: Any, store_copy: Path, tmp_path: Path
) -> None:
    document = json.loads((store_copy / "v2.json").read_text())
    document["definitions"]["ContainerContext"]["properties"]["id"]["description"] = "Container"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document))
    result = cli("diff", "v2", str(path), "--structural")
    assert result.code == 0
    assert "[annotation-changed]" in result.out  # the semantic verdict
    assert "Structural edits (1, annotations included)" in result.out
    assert (
        '/definitions/ContainerContext/properties/id/description: "Container ID" -> ' in result.out
    )
    data = cli("diff", "v2", str(path), "--structural", "--format", "json").json()
    assert data["structural"] == [
        {
            "pointer": "/definitions/ContainerContext/properties/id/description",
            "kind": "changed",
            "old": "Container ID",
            "new": "Container",
        }
    ]
    assert "structural" not in cli("diff", "v2", str(path), "--format", "json").json()
    markdown = cli("diff", "v2", str(path), "--structural", "--format", "markdown").out
    assert "<summary>Structural edits (1)</summary>" in markdown
