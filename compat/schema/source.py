"""Turn what a user typed (`v1`, `path/to/schema.json`, `REF:PATH`) into a loaded schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compat.errors import CompatError
from compat.fsutil import load_schema_json, read_bytes
from compat.store import Store


@dataclass(frozen=True)
class SchemaSource:
    """A schema document and where it came from (for messages and line numbers)."""

    label: str
    document: Any  # a JSON object, or a boolean schema
    text: str
    path: Path | None = None
    version: str | None = None


def load_schema(spec: str, store_root: Path) -> SchemaSource:
    """Resolve a store version name, a file path or `GITREF:PATH`."""
    path = Path(spec)
    looks_like_name = "/" not in spec and "\\" not in spec and not spec.endswith(".json")
    if looks_like_name and ":" not in spec:
        if (store_root / "index.json").is_file():
            store = Store.open(store_root)
            if spec in store:
                stored = store.load(spec)
                return SchemaSource(
                    label=spec,
                    document=stored.document,
                    text=stored.data.decode("utf-8"),
                    path=stored.path,
                    version=spec,
                )
            if not path.exists():
                store.entry(spec)  # raises: unknown version, listing the known ones
        elif not path.exists():
            raise CompatError(
                f"unknown version {spec!r}: no schema store at {store_root} and no such file"
            )
    if path.exists() or ":" not in spec:
        return load_file(path)
    ref, _, inner = spec.partition(":")
    return load_from_git(ref, inner)


def load_file(path: Path) -> SchemaSource:
    data = read_bytes(path, what="schema file")
    label = str(path)
    document = load_schema_json(data, label)
    return SchemaSource(label=label, document=document, text=data.decode("utf-8"), path=path)


def load_from_git(ref: str, inner: str, cwd: Path | None = None) -> SchemaSource:
    """Read `PATH` as it is at git `REF` in the repository around `cwd`."""
    label = f"{ref}:{inner}"
    if not ref or not inner:
        raise CompatError(f"{label}: expected GITREF:PATH, e.g. origin/main:schemas/schema.json")
    import git  # gitpython is slow to import; only git inputs pay for it

    try:
        repo = git.Repo(cwd or Path.cwd(), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise CompatError(f"{label}: not inside a git repository") from None
    try:
        commit = repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        raise CompatError(f"{label}: unknown git ref {ref!r}") from None
    try:
        blob = commit.tree / inner.lstrip("/")
    except KeyError:
        raise CompatError(f"{label}: no file {inner!r} at {ref}") from None
    if blob.type != "blob":
        raise CompatError(f"{label}: {inner!r} at {ref} is not a file")
    data = blob.data_stream.read()
    document = load_schema_json(data, label)
    return SchemaSource(label=label, document=document, text=data.decode("utf-8"))
