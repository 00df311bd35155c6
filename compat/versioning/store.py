"""The schema store: immutable, ordered, checksummed versions under `schemas/versions/`.

The index (`index.json`) lists the versions in release order; each entry names its file, the
sha256 of the file's content with LF line endings (`content_sha256`: a CRLF checkout of the
same file matches it) and its release date; a version imported from git history
(`store import-git`) also records the commit it was taken from (`commit`, the full hash). A
version whose bytes no longer match the checksum is refused: released versions are immutable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compat.errors import CompatError
from compat.util.files import load_json_object, read_bytes
from compat.versioning.acknowledge import Acknowledgement, parse_acknowledgements

__all__ = ["Acknowledgement", "Store", "StoredVersion", "VersionEntry", "parse_acknowledgements"]

INDEX_NAME = "index.json"
LOCK_NAME = ".cws-compat.lock"  # exists while a release holds the store's lock
LOCK_WAIT = 120.0  # seconds a release waits for another one to finish
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COMMIT_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")  # SHA-1 or SHA-256 repositories


@dataclass(frozen=True)
class VersionEntry:
    name: str
    file: str
    sha256: str
    released: str
    acknowledged: tuple[Acknowledgement, ...] = ()
    commit: str | None = None  # the git commit an imported version was taken from

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "file": self.file,
            "sha256": self.sha256,
            "released": self.released,
        }
        if self.commit is not None:
            data["commit"] = self.commit
        if self.acknowledged:
            data["acknowledged"] = [a.to_json() for a in self.acknowledged]
        return data


@dataclass(frozen=True)
class StoredVersion:
    entry: VersionEntry
    path: Path
    data: bytes
    document: dict[str, Any]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lf(data: bytes) -> bytes:
    """`data` with CRLF line endings made LF. JSON allows line breaks only as whitespace
    between tokens (a string holds them escaped), so this never changes what a JSON file
    means; it undoes what git does to text files on checkout (core.autocrlf) and commit."""
    return data.replace(b"\r\n", b"\n")


def content_sha256(data: bytes) -> str:
    """The checksum a release records: the sha256 of the file with LF line endings (the
    bytes `release` writes), the same on every platform and checkout."""
    return sha256_hex(lf(data))


def checksum_matches(data: bytes, recorded: str) -> bool:
    """Do `data` hold the content `recorded` names, whatever the line endings? The sha256 of
    the LF form (what `release` records), of the CRLF form (a CRLF file released before
    releases normalised it, now checked out with LF) or of the bytes as they are."""
    plain = lf(data)
    forms = (plain, plain.replace(b"\n", b"\r\n"), data)
    return any(sha256_hex(form) == recorded for form in forms)


def same_content(old: bytes, new: bytes) -> bool:
    """The same file content, line endings aside (CRLF and LF)."""
    return old == new or lf(old) == lf(new)


class Store:
    def __init__(self, root: Path, entries: list[VersionEntry]) -> None:
        self.root = root
        self.entries = entries
        self._by_name = {entry.name: entry for entry in entries}

    @classmethod
    def open(cls, root: Path) -> Store:
        index_path = root / INDEX_NAME
        if not index_path.is_file():
            raise CompatError(
                f"no schema store at {root} (no {INDEX_NAME}); "
                "point --store, or `store` in .cws-compat.toml or [tool.cws-compat], at one"
            )
        return cls.from_index(read_bytes(index_path), str(index_path), root)

    @classmethod
    def from_index(cls, data: bytes, label: str, root: Path) -> Store:
        """A store from the bytes of its index (as read from disk or from git)."""
        index = load_json_object(data, label, what="store index")
        raw = index.get("versions")
        if not isinstance(raw, list):
            raise CompatError(f"{label}: 'versions' must be a list")
        entries: list[VersionEntry] = []
        seen: set[str] = set()
        for position, item in enumerate(raw):
            entries.append(_parse_entry(item, f"{label}: versions[{position}]"))
            if entries[-1].name in seen:
                raise CompatError(f"{label}: version {entries[-1].name} is listed twice")
            seen.add(entries[-1].name)
        return cls(root, entries)

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def entry(self, name: str) -> VersionEntry:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self.names) or "none"
            raise CompatError(f"unknown version {name!r} (known versions: {known})") from None

    def load(self, name: str) -> StoredVersion:
        """Read a version, refusing it when its bytes differ from the recorded checksum."""
        entry = self.entry(name)
        path = self.root / entry.file
        data = read_bytes(path, what="version file")
        if not checksum_matches(data, entry.sha256):
            actual = content_sha256(data)
            raise CompatError(
                f"version {name} ({path}) has been modified: sha256 is {actual[:12]}..., "
                f"the index records {entry.sha256[:12]}...; released versions are immutable"
            )
        document = load_json_object(data, str(path))
        return StoredVersion(entry=entry, path=path, data=data, document=document)


def storable(document: Any, label: str) -> None:
    """Refuse a schema the store cannot hold: a version is a JSON object (a schema of `true`
    or `false` alone documents no event, and the store's readers need its properties)."""
    if not isinstance(document, dict):
        raise CompatError(
            f"{label}: a stored version must be a JSON object schema, not "
            f"{json.dumps(document)}; nothing was written"
        )


@contextlib.contextmanager
def locked(
    root: Path, wait: float = LOCK_WAIT, waiting: Callable[[Path], None] | None = None
) -> Iterator[None]:
    """Hold the store's lock (`LOCK_NAME` in the store directory, there only while it is held):
    one writer at a time. `waiting` is told when another one holds it, before waiting for it."""
    from compat.util.lock import LockTimeout, exclusive

    path = root / LOCK_NAME
    try:
        with exclusive(path, wait, None if waiting is None else lambda: waiting(path)):
            yield
    except LockTimeout:
        raise CompatError(
            f"{path}: another release has held the store's lock for {wait:.0f} s; try again "
            "once it is done (a lock file left by a crash on a system without flock: remove it)"
        ) from None
    except OSError as exc:
        if exc.filename is None or Path(exc.filename) != path:
            raise
        raise CompatError(f"{path}: cannot lock the store: {exc.strerror or exc}") from None


def _parse_entry(item: Any, where: str) -> VersionEntry:
    if not isinstance(item, dict):
        raise CompatError(f"{where}: must be an object")
    values: dict[str, str] = {}
    for key in ("name", "file", "sha256", "released"):
        value = item.get(key)
        if not isinstance(value, str):
            raise CompatError(f"{where}: '{key}' must be a string")
        values[key] = value
    if not NAME_RE.match(values["name"]):
        raise CompatError(f"{where}: invalid version name {values['name']!r}")
    if not re.fullmatch(r"[0-9a-f]{64}", values["sha256"]):
        raise CompatError(f"{where}: 'sha256' must be 64 lowercase hex digits")
    if not DATE_RE.match(values["released"]):
        raise CompatError(f"{where}: 'released' must be a date (YYYY-MM-DD)")
    if "/" in values["file"] or "\\" in values["file"] or values["file"].startswith("."):
        raise CompatError(f"{where}: 'file' must be a plain file name in the store")
    commit = item.get("commit")
    if commit is not None and not (isinstance(commit, str) and COMMIT_RE.match(commit)):
        raise CompatError(f"{where}: 'commit' must be a full git commit hash (lowercase hex)")
    acks = parse_acknowledgements(item.get("acknowledged", []), f"{where}: acknowledged")
    return VersionEntry(**values, acknowledged=acks, commit=commit)


def index_json(entries: list[VersionEntry]) -> str:
    """The index file's text, as the store writes it."""
    from compat.util.files import dump_json

    return dump_json({"versions": [entry.to_json() for entry in entries]})


def version_rows(store: Store) -> list[dict[str, Any]]:
    """What `cws-compat versions` lists of each version, oldest first: name, release date,
    sha256, definitions, root properties and file (each version read, its checksum verified)."""
    rows = []
    for name in store.names:
        stored = store.load(name)
        properties = stored.document.get("properties")
        rows.append(
            {
                "name": name,
                "released": stored.entry.released,
                "sha256": stored.entry.sha256,
                "definitions": len(definitions_of(stored.document)),
                "root_properties": len(properties) if isinstance(properties, dict) else 0,
                "file": stored.entry.file,
            }
        )
    return rows


def definitions_of(document: dict[str, Any]) -> dict[str, Any]:
    """The named definitions of a schema, from `$defs` or draft-04's `definitions`."""
    found: dict[str, Any] = {}
    for key in ("definitions", "$defs"):
        value = document.get(key)
        if isinstance(value, dict):
            found.update(value)
    return found
