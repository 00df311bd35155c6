"""What a user types for a schema (`v1`, `path/to/schema.json`, `GITREF:PATH`) to a loaded,
checked, normalised schema: the one path every command takes."""

from __future__ import annotations

from pathlib import Path

from compat.errors import CompatError
from compat.schema.load import LoadedSchema, prepare
from compat.schema.source import SchemaSource, from_bytes, load_file
from compat.versioning.store import Store


def resolve(spec: str, store_root: Path) -> SchemaSource:
    """A store version name, a file path or `GITREF:PATH`, as a source."""
    path = Path(spec)
    looks_like_name = (
        "/" not in spec and "\\" not in spec and not spec.endswith((".json", ".yaml", ".yml"))
    )
    if looks_like_name and ":" not in spec:
        if (store_root / "index.json").is_file():
            store = Store.open(store_root)
            if spec in store:
                return stored_source(store, spec)
            if not path.exists():
                store.entry(spec)  # raises: unknown version, listing the known ones
        elif not path.exists():
            raise CompatError(
                f"unknown version {spec!r}: no schema store at {store_root} and no such file"
            )
    if path.exists() or ":" not in spec:
        return load_file(path)
    ref, _, inner = spec.partition(":")
    return from_git(ref, inner)


def load(
    spec: str, store_root: Path, default_draft: str | None = None, assert_formats: bool = False
) -> LoadedSchema:
    return prepare(resolve(spec, store_root), default_draft, assert_formats)


def stored_source(store: Store, name: str) -> SchemaSource:
    """A released version (its checksum verified)."""
    stored = store.load(name)
    return from_bytes(stored.data, name, stored.path, name)


def from_git(ref: str, inner: str, cwd: Path | None = None) -> SchemaSource:
    """`PATH` as it is at git `REF` in the repository around `cwd`."""
    from compat.versioning import git

    label = f"{ref}:{inner}"
    if not ref or not inner:
        raise CompatError(f"{label}: expected GITREF:PATH, e.g. origin/main:schemas/schema.json")
    try:
        repo = git.open_repo(cwd)
    except CompatError as exc:
        raise CompatError(f"{label}: {exc}") from None
    commit = git.commit_at(repo, ref)
    if commit is None:
        raise CompatError(f"{label}: unknown git ref {ref!r}")
    data = git.read_at(commit, inner.lstrip("/"))
    if data is None:
        raise CompatError(f"{label}: no file {inner!r} at {ref}")
    return from_bytes(data, label)
