"""Changelog entries: what the first line of an entry says about the change."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from compat.engine.compare import compare
from compat.schema.load import prepare
from compat.schema.source import from_bytes
from compat.versioning.changelog import entry
from tests.conftest import STORE


def _edited(edit: Callable[[Any], None]) -> str:
    """The entry for v2 edited by `edit`, compared with v2."""
    document = json.loads((STORE / "v2.json").read_text())
    old = prepare(from_bytes(json.dumps(document).encode(), "v2"))
    edit(document)
    new = prepare(from_bytes(json.dumps(document).encode(), "v3"))
    return entry("v3", "2022-01-01", compare(old, new))


def _describe(document: Any) -> None:
    document["definitions"]["DDContext"]["description"] = "Datadog APM context"
    document["title"] = "CWS event"


def _add_property(document: Any) -> None:
    document["properties"]["network"] = {"type": "string"}


def _both(document: Any) -> None:
    _describe(document)
    _add_property(document)


def test_an_annotation_only_change_says_so_before_its_list() -> None:
    text = _edited(_describe)
    assert text.splitlines()[2] == (
        "Compared with v2: annotations only, nothing a validator sees changes (bump: patch)."
    )
    assert "### Documentation" in text
    assert "[`annotation-changed`]" in text


@pytest.mark.parametrize("edit", [_add_property, _both], ids=["meaning", "meaning-and-annotation"])
def test_a_change_in_meaning_gives_its_verdicts(edit: Callable[[Any], None]) -> None:
    text = _edited(edit)
    assert text.splitlines()[2] == (
        "Compared with v2: backward compatible, forward breaking (bump: minor)."
    )
    assert "annotations only" not in text
