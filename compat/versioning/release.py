"""`cws-compat release`: add a version to the store, with its index entry and changelog entry,
all or nothing."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from compat.engine.compare import compare
from compat.engine.model import Change, Report
from compat.errors import CompatError
from compat.modes import Mode
from compat.schema.load import LoadedSchema, prepare
from compat.schema.source import from_bytes
from compat.util.files import dump_json, read_bytes
from compat.util.yamlfile import is_yaml
from compat.versioning.acknowledge import Reason, approves, assign
from compat.versioning.changelog import store_loader, whole
from compat.versioning.store import (
    NAME_RE,
    Store,
    VersionEntry,
    index_json,
    sha256_hex,
)


@dataclass
class ReleaseResult:
    name: str
    reports: list[Report]
    refused: list[Change]
    written: list[Path]
    schema: str = ""  # as given, for the command that releases it anyway


def next_name(store: Store) -> str:
    numbers = [int(m.group(1)) for n in store.names if (m := re.fullmatch(r"v(\d+)", n))]
    return f"v{max(numbers, default=0) + 1}"


def release(
    schema: Path,
    store_root: Path,
    changelog: Path,
    name: str | None,
    mode: Mode,
    allow_breaking: str | None,
    assert_formats: bool = False,
    default_draft: str | None = None,
    today: str | None = None,
    reasons: Sequence[Reason] = (),
) -> ReleaseResult:
    """Release SCHEMA as version NAME. Each breaking or unknown change needs a reason: its own
    (`reasons`, from --ack) or `allow_breaking`'s; changes acknowledged by a version between
    the one compared with and the new one (transitive modes) have theirs already."""
    store = Store.open(store_root)
    name = name or next_name(store)
    if not NAME_RE.match(name):
        raise CompatError(f"invalid version name {name!r}")
    if name in store:
        raise CompatError(f"version {name} already exists; released versions are immutable")
    file_name = f"{name}.json"
    if (store_root / file_name).exists():
        raise CompatError(f"{store_root / file_name} already exists")
    if allow_breaking is not None and not allow_breaking.strip():
        raise CompatError("--allow-breaking needs a reason")
    data = read_bytes(schema, what="schema file")
    new = prepare(from_bytes(data, name, schema, name), default_draft, assert_formats)
    if is_yaml(schema.name):
        data = dump_json(new.source.document).encode("utf-8")  # the store holds JSON
    load = store_loader(store)
    previous = store.names if mode.transitive else store.names[-1:]
    reports = [compare(load(old), new, mode.plain, assert_formats) for old in previous]

    def carried(report: Report, change: Change) -> bool:
        later = store.names[store.names.index(report.old) + 1 :]
        return any(approves(a, change) for v in later for a in store.entry(v).acknowledged)

    failing = [c for r in reports for c in r.changes if r.failing(c) and not carried(r, c)]
    acks, left = assign(failing, reasons, allow_breaking)
    if left:
        return ReleaseResult(name, reports, left, [], str(schema))
    entry = VersionEntry(
        name, file_name, sha256_hex(data), today or date.today().isoformat(), tuple(acks)
    )
    entries = [*store.entries, entry]

    def load_all(version: str) -> LoadedSchema:
        return new if version == name else load(version)

    changes = {
        store_root / file_name: data,
        changelog: whole(entries, load_all).encode("utf-8"),
        store_root / "index.json": index_json(entries).encode("utf-8"),
    }
    _commit(changes)
    return ReleaseResult(name, reports, [], list(changes), str(schema))


def _commit(files: dict[Path, bytes]) -> None:
    """Write every file or none: temporary files first, then renames in order (the index, which
    makes the version exist, last); any failure or interrupt puts back what was there."""
    temps: dict[Path, str] = {}
    backups: dict[Path, bytes | None] = {}
    try:
        for path, data in files.items():
            if not path.parent.is_dir():
                raise CompatError(f"{path}: directory {path.parent} does not exist")
            backups[path] = path.read_bytes() if path.exists() else None
            staged = path.with_name(f".{path.name}.cws-compat.tmp")
            with open(staged, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            temps[path] = str(staged)
        done: list[Path] = []
        try:
            for target, name in temps.items():
                os.replace(name, target)
                done.append(target)
        except BaseException:
            for target in reversed(done):
                before = backups[target]
                if before is None:
                    with contextlib.suppress(OSError):
                        target.unlink()
                else:
                    target.write_bytes(before)
            raise
    finally:
        for name in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(name)
