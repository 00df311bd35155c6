"""The CI gate (`cws-compat check`): compare schema changes with a git ref and fail on
unacknowledged breaking or unknown changes, or on released versions edited in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compat.config import Settings
from compat.engine.compare import compare
from compat.engine.model import Change, Report
from compat.errors import CompatError
from compat.modes import Mode
from compat.schema.load import LoadedSchema, prepare
from compat.schema.source import from_bytes
from compat.versioning.store import INDEX_NAME, Acknowledgement, Store, VersionEntry


@dataclass
class Problem:
    """Something the gate refuses outright (a released version changed), with where."""

    message: str
    file: str
    pointer: str | None = None


@dataclass
class Check:
    """One comparison the gate made: OLD against NEW (a repository-relative file)."""

    old: str
    new: str
    file: str
    text: str
    report: Report
    acknowledged: dict[int, Acknowledgement] = field(default_factory=dict)

    def failing(self) -> list[Change]:
        return [
            c
            for i, c in enumerate(self.report.changes)
            if self.report.failing(c) and i not in self.acknowledged
        ]


@dataclass
class GateReport:
    ref: str
    mode: str
    checks: list[Check]
    problems: list[Problem]
    stale: list[tuple[str, Acknowledgement]]
    notes: list[str]
    corpus: Any = None  # a CorpusReport when --corpora

    @property
    def passed(self) -> bool:
        unexplained = self.corpus.unexplained if self.corpus is not None else 0
        return not self.problems and not any(c.failing() for c in self.checks) and not (unexplained)


def _loaded(label: str, data: bytes, settings: Settings, assert_formats: bool) -> LoadedSchema:
    return prepare(from_bytes(data, label), settings.default_draft, assert_formats)


def _acknowledge(
    report: Report, acks: tuple[Acknowledgement, ...]
) -> tuple[dict[int, Acknowledgement], list[Acknowledgement]]:
    matched: dict[int, Acknowledgement] = {}
    used: set[int] = set()
    for index, change in enumerate(report.changes):
        for position, ack in enumerate(acks):
            if ack.rule == change.rule and ack.schema_path == change.schema_path:
                matched[index] = ack
                used.add(position)
    return matched, [a for i, a in enumerate(acks) if i not in used]


def gate(
    repo: Any,
    commit: Any,
    ref_label: str,
    paths: list[Path],
    settings: Settings,
    mode: Mode,
    allow_unknown: bool,
    assert_formats: bool,
) -> GateReport:
    from compat.versioning.git import read_at, relative

    report = GateReport(ref_label, str(mode), [], [], [], [])
    store_rel = relative(repo, settings.store)
    gate_store = not paths
    files: list[Path] = []
    for path in paths:
        rel = relative(repo, path)
        if rel == store_rel or rel.startswith(store_rel + "/"):
            gate_store = True
        else:
            files.append(path)
    if gate_store:
        _gate_store(report, commit, store_rel, settings, mode, allow_unknown, assert_formats)
    for path in files:
        rel = relative(repo, path)
        before = read_at(commit, rel)
        if not path.is_file():
            if before is not None:
                report.problems.append(Problem(f"{rel} was deleted", rel))
            else:
                raise CompatError(f"{path}: no such file")
            continue
        if before is None:
            report.notes.append(f"{rel} is new since {ref_label}: nothing to compare with")
            continue
        data = path.read_bytes()
        old = _loaded(f"{ref_label}:{rel}", before, settings, assert_formats)
        new = _loaded(rel, data, settings, assert_formats)
        result = compare(old, new, mode.plain, assert_formats, allow_unknown)
        acks = settings.acknowledgements.get(str(path.resolve()), ())  # keyed by real path
        matched, stale = _acknowledge(result, acks)
        report.checks.append(
            Check(old.label, new.label, rel, data.decode("utf-8"), result, matched)
        )
        report.stale += [(rel, a) for a in stale]
    return report


# Long, on purpose: the store gate is one sequence (released files unchanged, new versions
# found, each compared with its predecessors, acknowledgements matched) best read in order.
def _gate_store(
    report: GateReport,
    commit: Any,
    store_rel: str,
    settings: Settings,
    mode: Mode,
    allow_unknown: bool,
    assert_formats: bool,
) -> None:
    from compat.versioning.git import read_at

    store = Store.open(settings.store)
    before_index = read_at(commit, f"{store_rel}/{INDEX_NAME}")
    released: dict[str, VersionEntry] = {}
    if before_index is not None:
        label = f"{report.ref}:{store_rel}/{INDEX_NAME}"
        released = {
            e.name: e for e in Store.from_index(before_index, label, settings.store).entries
        }
    for name, entry in released.items():
        rel = f"{store_rel}/{entry.file}"
        if name not in store:
            report.problems.append(
                Problem(
                    f"released version {name} was removed from the store index",
                    f"{store_rel}/{INDEX_NAME}",
                )
            )
            continue
        current = store.entry(name)
        path = settings.store / current.file
        old_bytes = read_at(commit, rel)
        new_bytes = path.read_bytes() if path.is_file() else None
        if new_bytes is None:
            report.problems.append(Problem(f"released version {name} ({rel}) was deleted", rel))
        elif (
            current.file != entry.file
            or current.sha256 != entry.sha256
            or (old_bytes is not None and old_bytes != new_bytes)
        ):
            report.problems.append(
                Problem(
                    f"released version {name} ({rel}) was modified; released versions are "
                    "immutable: add a new version instead",
                    f"{store_rel}/{current.file}",
                )
            )
    names = store.names
    for position, name in enumerate(names):
        if name in released or position == 0:
            if name not in released:
                report.notes.append(f"{name} is the first version: nothing to compare with")
            continue
        stored = store.load(name)
        new = _loaded(name, stored.data, settings, assert_formats)
        predecessors = names[:position] if mode.transitive else names[position - 1 : position]
        for previous in predecessors:
            old = _loaded(previous, store.load(previous).data, settings, assert_formats)
            result = compare(old, new, mode.plain, assert_formats, allow_unknown)
            matched, stale = _acknowledge(result, stored.entry.acknowledged)
            report.checks.append(
                Check(
                    previous,
                    name,
                    f"{store_rel}/{stored.entry.file}",
                    stored.data.decode("utf-8"),
                    result,
                    matched,
                )
            )
            if previous == predecessors[-1]:
                report.stale += [(name, a) for a in stale]
