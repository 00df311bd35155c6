"""The structural (textual) diff of two JSON documents, beside the semantic one: every JSON
pointer whose value differs, with its old and new values, annotations included.

The semantic diff says what a change means and ignores rewrites that mean nothing; this says
what was edited, byte-level noise (whitespace, key order) aside. It serves where the edit
itself matters: a released version changed in place (which must not happen at all, whatever
it means), and `diff --structural`. deepdiff does the work: it aligns list items (an entry
inserted in `required` is one addition, not a shift of every later entry) and tells `1` from
`1.0` and `true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHANGED, ADDED, REMOVED = "changed", "added", "removed"
_KINDS = {
    "values_changed": CHANGED,
    "type_changes": CHANGED,
    "dictionary_item_added": ADDED,
    "iterable_item_added": ADDED,
    "dictionary_item_removed": REMOVED,
    "iterable_item_removed": REMOVED,
}


@dataclass(frozen=True)
class Edit:
    """One edit: at `pointer` (in the new document for additions and changes, in the old one
    for removals), `old` became `new` (None on the side where the value is absent)."""

    pointer: str
    kind: str
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pointer": self.pointer, "kind": self.kind}
        if self.kind != ADDED:
            data["old"] = self.old
        if self.kind != REMOVED:
            data["new"] = self.new
        return data


def _pointer(parts: list[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def edits(old: Any, new: Any) -> list[Edit]:
    """Every edit from document `old` to document `new`, in pointer order."""
    from deepdiff import DeepDiff

    found: list[Edit] = []
    tree = DeepDiff(old, new, view="tree", verbose_level=2)
    for report_type, levels in tree.items():
        kind = _KINDS.get(report_type)
        if kind is None:  # repetition and attribute reports do not arise for JSON values
            continue
        for level in levels:
            before = None if kind == ADDED else level.t1
            after = None if kind == REMOVED else level.t2
            found.append(Edit(_pointer(level.path(output_format="list")), kind, before, after))
    found.sort(key=lambda e: (_sort_key(e.pointer), e.kind))
    return found


def _sort_key(pointer: str) -> list[tuple[int, int, str]]:
    # numeric segments in numeric order, so that /required/10 follows /required/9
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in pointer.split("/")]


def describe(edit: Edit, width: int = 100) -> str:
    """`/definitions/A/description: "x" -> "y"` (values cut to fit `width`)."""
    import json

    def show(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return text if len(text) <= width else text[: width - 3] + "..."

    where = edit.pointer or "(root)"
    if edit.kind == ADDED:
        return f"{where}: added {show(edit.new)}"
    if edit.kind == REMOVED:
        return f"{where}: removed {show(edit.old)}"
    return f"{where}: {show(edit.old)} -> {show(edit.new)}"
