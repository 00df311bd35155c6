"""Project settings: `.cws-compat.toml`, or `[tool.cws-compat]` in a pyproject.toml, whichever
is nearest from the current directory up to the repository root; and the store, found the
same way when the settings do not name one."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compat.errors import CompatError
from compat.modes import MODES
from compat.versioning.acknowledge import Acknowledgement, parse_acknowledgements

DEFAULT_STORE = Path("schemas") / "versions"
SETTINGS_FILE = ".cws-compat.toml"
FAIL_ON = ("unknown", "breaking")
# what fails a corpus run (compat.corpus.run.failures), strictest last but one
CORPUS_FAIL_ON = ("unexplained", "malformed", "rejected", "never")

KNOWN_KEYS = {
    "store",
    "corpora",
    "changelog",
    "default-draft",
    "mode",
    "fail-on",
    "corpus-fail-on",
    "rules-url",
    "acknowledgements",
}


@dataclass(frozen=True)
class Settings:
    store: Path
    corpora: Path | None = None  # default: `corpora` beside the store
    changelog: Path = Path("CHANGELOG.md")
    default_draft: str | None = None
    mode: str | None = None
    source: Path | None = None  # the settings file read, if any
    # acknowledged changes of schema files gated by path: resolved path -> acks
    acknowledgements: dict[str, tuple[Acknowledgement, ...]] = field(default_factory=dict)
    fail_on: str | None = None
    rules_url: str | None = None
    corpus_fail_on: str | None = None  # corpus validate's and check --corpora's --fail-on

    @property
    def table_name(self) -> str:
        """How the settings file names its table, for messages and snippets."""
        if self.source is not None and self.source.name == "pyproject.toml":
            return "[tool.cws-compat]"
        return SETTINGS_FILE


def _parse_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CompatError(f"{path}: cannot read settings: {exc}") from None
    return _parse_toml_text(text, str(path))


def _parse_toml_text(text: str, label: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CompatError(f"{label}: cannot read settings: {exc}") from None
    return data


def _is_repository_root(directory: Path) -> bool:
    return (directory / ".git").exists()


def _upward(start: Path) -> list[Path]:
    """`start` and its parents, up to the repository root (or the filesystem root)."""
    found = []
    for directory in (start, *start.parents):
        found.append(directory)
        if _is_repository_root(directory):
            break
    return found


def find_settings(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest settings from `start` upward: a `.cws-compat.toml` (the whole file is the
    table) or a pyproject.toml with a `[tool.cws-compat]` table."""
    for directory in _upward(start):
        found: list[tuple[Path, dict[str, Any]]] = []
        own = directory / SETTINGS_FILE
        if own.is_file():
            found.append((own, _parse_toml(own)))
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            tool = _parse_toml(pyproject).get("tool", {})
            table = tool.get("cws-compat") if isinstance(tool, dict) else None
            if table is not None:
                if not isinstance(table, dict):
                    raise CompatError(f"{pyproject}: [tool.cws-compat] must be a table")
                found.append((pyproject, table))
        if len(found) > 1:
            raise CompatError(
                f"settings in both {own} and {pyproject} [tool.cws-compat]: keep one of them"
            )
        if found:
            return found[0]
    return None


def find_pyproject(start: Path) -> Path | None:
    """The settings file in use from `start` (kept for callers of the old name)."""
    found = find_settings(start)
    return found[0] if found is not None else None


def find_store(start: Path) -> Path | None:
    """The nearest `schemas/versions` holding an index.json, from `start` up to the
    repository root."""
    for directory in _upward(start):
        candidate = directory / DEFAULT_STORE
        if (candidate / "index.json").is_file():
            return candidate
    return None


def _string(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise CompatError(f"{where} {key} must be a string")
    return value


def load_settings(cwd: Path | None = None) -> Settings:
    cwd = (cwd or Path.cwd()).absolute()
    found = find_settings(cwd)
    source, table = found if found is not None else (None, {})
    in_pyproject = source is not None and source.name == "pyproject.toml"
    label = f"{source}: [tool.cws-compat]" if in_pyproject else f"{source}:"
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        where = "[tool.cws-compat]" if in_pyproject else "the settings"
        raise CompatError(
            f"{source}: unknown key(s) in {where}: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    values = {
        key: _string(table, key, label)
        for key in ("store", "corpora", "changelog", "default-draft", "mode", "fail-on")
    }
    values["rules-url"] = _string(table, "rules-url", label)
    values["corpus-fail-on"] = _string(table, "corpus-fail-on", label)
    base = source.parent if source is not None else None
    if values["store"] is not None and base is not None:
        store = base / values["store"]
    else:
        store = find_store(cwd) or _home(cwd, base) / DEFAULT_STORE
    corpora = base / values["corpora"] if values["corpora"] and base is not None else None
    if values["mode"] is not None and values["mode"] not in MODES:
        raise CompatError(f"{label} mode must be one of {', '.join(MODES)}")
    if values["fail-on"] is not None and values["fail-on"] not in FAIL_ON:
        raise CompatError(f"{label} fail-on must be one of {', '.join(FAIL_ON)}")
    if values["corpus-fail-on"] is not None and values["corpus-fail-on"] not in CORPUS_FAIL_ON:
        raise CompatError(f"{label} corpus-fail-on must be one of {', '.join(CORPUS_FAIL_ON)}")
    # the changelog sits beside the settings file, else beside the project that holds the store
    home = base or (store.parent.parent if store.parent.name == "schemas" else cwd)
    changelog = home / (values["changelog"] or "CHANGELOG.md")
    return Settings(
        store=store,
        corpora=corpora,
        changelog=changelog,
        acknowledgements=_acknowledgements(table, label, base or cwd),
        default_draft=values["default-draft"],
        mode=values["mode"],
        source=source,
        fail_on=values["fail-on"],
        rules_url=values["rules-url"],
        corpus_fail_on=values["corpus-fail-on"],
    )


def settings_for(store: Path | None) -> Settings:
    """The settings from the current directory, with `store` (when given) as the store: what
    every command (`--store`) and the Python API (`store=`) work with."""
    settings = load_settings()
    if store is not None:
        import dataclasses

        if store.absolute().resolve() == settings.store.absolute().resolve():
            return dataclasses.replace(settings, store=store)
        # another store than the project's: its changelog is its own, beside it (as the
        # project's is beside its store), never the project's
        home = store.parent.parent if store.absolute().parent.name == "schemas" else store.parent
        return dataclasses.replace(settings, store=store, changelog=home / "CHANGELOG.md")
    return settings


def _home(cwd: Path, base: Path | None) -> Path:
    """Where a store would be when none is found: beside the settings, else at the repository
    root, else in the current directory."""
    if base is not None:
        return base
    top = _upward(cwd)[-1]
    return top if _is_repository_root(top) else cwd


def _acknowledgements(
    table: dict[str, Any], label: str, base: Path
) -> dict[str, tuple[Acknowledgement, ...]]:
    """Acknowledged changes of files gated by path; each `path` is relative to the settings
    file's directory."""
    acks: dict[str, tuple[Acknowledgement, ...]] = {}
    raw = table.get("acknowledgements", [])
    where = f"{label} acknowledgements"
    if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
        raise CompatError(f"{where} must be an array of tables")
    for position, item in enumerate(raw):
        path = item.get("path")
        if not isinstance(path, str):
            raise CompatError(f"{where}[{position}]: needs a string 'path'")
        parsed = parse_acknowledgements([item], f"{where}[{position}]", extra=("path",))
        key = str((base / path).resolve())
        acks[key] = acks.get(key, ()) + parsed
    return acks


def store_in_tree(read: Callable[[str], bytes | None], start: str) -> str | None:
    """Where the settings of a tree (a commit: `read` gives a repository-relative file's
    bytes, None when absent) put the store, seen from the repository-relative directory
    `start`, exactly as `load_settings` finds it in a work tree: `store` of the nearest
    settings, else the nearest `schemas/versions` holding an index.json. None when the tree
    names no store and has none."""
    import posixpath

    parts = [p for p in start.split("/") if p and p != "."]
    directories = ["/".join(parts[:n]) for n in range(len(parts), -1, -1)]

    def join(directory: str, name: str) -> str:
        return posixpath.normpath(posixpath.join(directory, name)) if directory else name

    for directory in directories:
        tables: list[tuple[str, dict[str, Any]]] = []
        for name in (SETTINGS_FILE, "pyproject.toml"):
            label = join(directory, name)
            data = read(label)
            if data is None:
                continue
            try:
                parsed = _parse_toml_text(data.decode("utf-8"), label)
            except (UnicodeDecodeError, CompatError):
                continue  # unreadable settings name no store; the default search decides
            if name == SETTINGS_FILE:
                tables.append((label, parsed))
            else:
                tool = parsed.get("tool")
                table = tool.get("cws-compat") if isinstance(tool, dict) else None
                if isinstance(table, dict):
                    tables.append((label, table))
        if tables:
            store = tables[0][1].get("store")
            if isinstance(store, str) and store:
                return posixpath.normpath(posixpath.join(directory, store))
            break
    for directory in directories:
        candidate = join(directory, DEFAULT_STORE.as_posix())
        if read(f"{candidate}/index.json") is not None:
            return candidate
    return None
