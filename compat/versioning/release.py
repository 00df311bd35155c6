"""`cws-compat release`: add a version to the store, with its index entry and changelog entry,
all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from compat.engine.compare import compare
from compat.engine.model import Change, Report
from compat.errors import CompatError
from compat.modes import Mode
from compat.schema.load import LoadedSchema, prepare
from compat.schema.model import canonical
from compat.schema.source import from_bytes
from compat.util.files import dump_json, read_bytes, write_all_or_nothing
from compat.util.yamlfile import is_yaml
from compat.versioning.acknowledge import Reason, approves, assign, checked_reason
from compat.versioning.changelog import store_loader, whole
from compat.versioning.store import (
    INDEX_NAME,
    NAME_RE,
    Store,
    VersionEntry,
    content_sha256,
    index_json,
    lf,
    locked,
    storable,
)


@dataclass
class ReleaseResult:
    name: str
    reports: list[Report]
    refused: list[Change]
    written: list[Path]
    schema: str = ""  # as given, for the command that releases it anyway

    def selectors(self) -> dict[str, str]:
        """Fingerprint -> the --ack selector that names each refused change alone among the
        changes needing a reason (in transitive modes two can share RULE@PATH#SUBJECT)."""
        from compat.versioning.acknowledge import selectors

        return selectors(c for r in self.reports for c in r.changes if r.failing(c))


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
    waiting: Callable[[Path], None] | None = None,
    data: bytes | None = None,
) -> ReleaseResult:
    """Release `schema` into the store. Each breaking or unknown change needs a reason: its own
    (`reasons`, from --ack) or `allow_breaking`'s; changes acknowledged by a version between
    the one compared with and the new one (transitive modes) have theirs already.

    One release at a time: the store's lock is held from reading the index to writing it, and
    the index must still be what was read when the files are renamed into place (a writer that
    does not take the lock makes this one refuse). `data`, when given, are the schema's
    bytes (a document from the Python API; `schema` then only names it), else `schema` is
    read."""
    Store.open(store_root)  # a store is there, before its lock file is created
    if allow_breaking is not None:
        checked_reason(allow_breaking, "--allow-breaking")
    if data is None:
        data = read_bytes(schema, what="schema file")
    with locked(store_root, waiting=waiting):
        return _release(
            data,
            schema,
            store_root,
            changelog,
            name,
            mode,
            allow_breaking,
            assert_formats,
            default_draft,
            today,
            reasons,
        )


def _release(
    data: bytes,
    schema: Path,
    store_root: Path,
    changelog: Path,
    name: str | None,
    mode: Mode,
    allow_breaking: str | None,
    assert_formats: bool,
    default_draft: str | None,
    today: str | None,
    reasons: Sequence[Reason],
) -> ReleaseResult:
    index_path = store_root / INDEX_NAME
    index_data = read_bytes(index_path, what="store index")
    store = Store.from_index(index_data, str(index_path), store_root)
    name = name or next_name(store)
    if not NAME_RE.match(name):
        raise CompatError(f"invalid version name {name!r}")
    if name in store:
        raise CompatError(f"version {name} already exists; released versions are immutable")
    file_name = f"{name}.json"
    if (store_root / file_name).exists():
        raise CompatError(f"{store_root / file_name} already exists")
    new = prepare(from_bytes(data, name, schema, name), default_draft, assert_formats)
    storable(new.source.document, str(schema))
    if is_yaml(schema.name):
        data = dump_json(new.source.document).encode("utf-8")  # the store holds JSON
    data = lf(data)  # the store holds LF line endings, whatever the platform wrote
    load = store_loader(store)
    if store.names:
        latest = store.names[-1]
        if canonical(load(latest).source.document) == canonical(new.source.document):
            raise CompatError(
                f"no change from {latest}: {schema} is the same schema as {latest}; "
                "nothing was written"
            )
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
        name, file_name, content_sha256(data), today or date.today().isoformat(), tuple(acks)
    )
    entries = [*store.entries, entry]

    def load_all(version: str) -> LoadedSchema:
        return new if version == name else load(version)

    changes = {
        store_root / file_name: data,
        changelog: whole(entries, load_all).encode("utf-8"),
        index_path: index_json(entries).encode("utf-8"),  # last: it makes the version exist
    }

    def unmoved() -> None:
        """Compare and swap: the store must be as it was read, or nothing is written."""
        if read_bytes(index_path, what="store index") != index_data:
            raise CompatError(
                f"{index_path} changed while {name} was being released (a process that does "
                "not take the store's lock wrote it); nothing was written: release again"
            )
        if (store_root / file_name).exists():
            raise CompatError(
                f"{store_root / file_name} appeared while {name} was being released; "
                "nothing was written"
            )

    write_all_or_nothing(changes, check=unmoved)
    return ReleaseResult(name, reports, [], list(changes), str(schema))
