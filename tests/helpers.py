"""Shared helpers: compare in-memory schemas the way the CLI compares files."""

from __future__ import annotations

import json
from typing import Any

from compat.engine.compare import compare
from compat.engine.model import Report
from compat.schema.load import LoadedSchema, prepare
from compat.schema.source import SchemaSource


def loaded(document: Any, label: str, default_draft: str = "2020-12") -> LoadedSchema:
    return prepare(
        SchemaSource(label=label, document=document, text=json.dumps(document)), default_draft
    )


def compare_docs(old: Any, new: Any, mode: str = "backward", **options: Any) -> Report:
    draft = options.pop("default_draft", "2020-12")
    return compare(loaded(old, "old", draft), loaded(new, "new", draft), mode=mode, **options)


def verdicts(report: Report) -> list[tuple[str, str, str]]:
    return sorted((c.rule, c.backward, c.forward) for c in report.changes)


def blind_engine(monkeypatch: Any) -> None:
    """The verdict engine, as corpus attribution calls it, as if it missed every change: each
    diff finds nothing (so every rejection it should explain goes unexplained)."""
    import copy

    from compat.corpus import run as run_module

    real = run_module.compare

    def blind(*args: Any, **kwargs: Any) -> Any:
        found = copy.copy(real(*args, **kwargs))
        found.changes = []
        return found

    monkeypatch.setattr(run_module, "compare", blind)
