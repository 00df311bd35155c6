"""Rule cases as data: each file in cases/ holds old/new pairs with the expected verdicts.

Every case also runs mirrored (new against old), where the directions must swap.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STORE
from tests.helpers import compare_docs, verdicts

CASES_DIR = Path(__file__).resolve().parent / "cases"


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _apply(document: Any, ops: list[list[Any]]) -> Any:
    """A small JSON Patch (add, remove, replace) for building cases from stored versions."""
    document = copy.deepcopy(document)
    for op, pointer, *value in ops:
        *parents, last = _tokens(pointer)
        target = document
        for token in parents:
            target = target[int(token)] if isinstance(target, list) else target[token]
        if op == "remove":
            del target[int(last) if isinstance(target, list) else last]
        elif isinstance(target, list):
            target.insert(len(target) if last == "-" else int(last), value[0])
        else:
            target[last] = value[0]
    return document


def _rewrite_2020(document: Any) -> Any:
    """v1 as later upstream revisions wrote it: draft 2020-12, $defs and an $id."""
    text = json.dumps(document).replace("#/definitions/", "#/$defs/")
    rewritten = json.loads(text)
    rewritten["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    rewritten["$id"] = "https://example.invalid/backend-event.json"
    rewritten["$defs"] = rewritten.pop("definitions")
    return rewritten


def resolve(spec: Any) -> Any:
    """A case side: a schema, a stored version name, or a stored version with edits."""
    if isinstance(spec, str):
        return json.loads((STORE / f"{spec}.json").read_text(encoding="utf-8"))
    if isinstance(spec, dict) and "base" in spec:
        document = resolve(spec["base"])
        if spec.get("rewrite") == "2020-12":
            document = _rewrite_2020(document)
        return _apply(document, spec.get("ops", []))
    return spec


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params


CASES = _load()


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    options = case.get("options", {})
    report = compare_docs(resolve(case["old"]), resolve(case["new"]), **options)
    assert (report.backward, report.forward) == (case["backward"], case["forward"]), verdicts(
        report
    )
    assert verdicts(report) == sorted(tuple(c) for c in case["changes"])
    if "bump" in case:
        assert report.bump == case["bump"]
    for rule, paths in case.get("paths", {}).items():
        found = [c.instance_paths for c in report.changes if c.rule == rule]
        assert found and found[0] == paths
    for change in report.changes:
        for example in change.counterexamples:
            assert change.verdict(example.direction) == "breaking"


@pytest.mark.parametrize("case", CASES)
def test_mirrored_case_swaps_directions(case: dict[str, Any]) -> None:
    options = case.get("options", {})
    mirrored = compare_docs(resolve(case["new"]), resolve(case["old"]), **options)
    assert (mirrored.backward, mirrored.forward) == (case["forward"], case["backward"])
