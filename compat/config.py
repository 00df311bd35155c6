"""Project settings from `[tool.cws-compat]` in the nearest pyproject.toml."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compat.errors import CompatError
from compat.modes import MODES
from compat.util.records import FrozenRecord

if TYPE_CHECKING:
    from compat.versioning.store import Acknowledgement

DEFAULT_STORE = Path("schemas") / "versions"

KNOWN_KEYS = {"store", "corpora", "changelog", "default-draft", "mode", "acknowledgements"}


class Settings(FrozenRecord):
    _fields = (
        "store",
        "corpora",
        "changelog",
        "default_draft",
        "mode",
        "source",
        "acknowledgements",
    )
    store: Path
    corpora: Path | None  # default: `corpora` beside the store
    changelog: Path
    default_draft: str | None
    mode: str | None
    source: Path | None
    # acknowledged changes of schema files gated by path: repository-relative path -> acks
    acknowledgements: dict[str, tuple[Acknowledgement, ...]]

    def __init__(
        self,
        store: Path,
        corpora: Path | None = None,
        changelog: Path = Path("CHANGELOG.md"),
        default_draft: str | None = None,
        mode: str | None = None,
        source: Path | None = None,
        acknowledgements: dict[str, tuple[Acknowledgement, ...]] | None = None,
    ) -> None:
        self._set(
            store=store,
            corpora=corpora,
            changelog=changelog,
            default_draft=default_draft,
            mode=mode,
            source=source,
            acknowledgements={} if acknowledgements is None else acknowledgements,
        )

    def with_store(self, store: Path) -> Settings:
        """The same settings with another store (the `--store` option)."""
        return Settings(
            store,
            self.corpora,
            self.changelog,
            self.default_draft,
            self.mode,
            self.source,
            self.acknowledgements,
        )


def find_pyproject(start: Path) -> Path | None:
    """The first pyproject.toml from `start` upward, stopping at the repository root."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load_settings(cwd: Path | None = None) -> Settings:
    cwd = cwd or Path.cwd()
    pyproject = find_pyproject(cwd)
    table: dict[str, Any] = {}
    if pyproject is not None:
        # imported here: only a project with a pyproject.toml needs a TOML parser
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on Python 3.10 only
            import tomli as tomllib

        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CompatError(f"{pyproject}: cannot read settings: {exc}") from None
        table = data.get("tool", {}).get("cws-compat", {})
        if not isinstance(table, dict):
            raise CompatError(f"{pyproject}: [tool.cws-compat] must be a table")
        unknown = sorted(set(table) - KNOWN_KEYS)
        if unknown:
            raise CompatError(
                f"{pyproject}: unknown key(s) in [tool.cws-compat]: {', '.join(unknown)} "
                f"(known: {', '.join(sorted(KNOWN_KEYS))})"
            )
    if "store" in table and pyproject is not None:
        if not isinstance(table["store"], str):
            raise CompatError(f"{pyproject}: [tool.cws-compat] store must be a string")
        store = pyproject.parent / table["store"]
    else:
        store = cwd / DEFAULT_STORE
    corpora = None
    if "corpora" in table and pyproject is not None:
        if not isinstance(table["corpora"], str):
            raise CompatError(f"{pyproject}: [tool.cws-compat] corpora must be a string")
        corpora = pyproject.parent / table["corpora"]
    for key in ("default-draft", "mode"):
        if key in table and not isinstance(table[key], str):
            raise CompatError(f"{pyproject}: [tool.cws-compat] {key} must be a string")
    acks: dict[str, tuple[Acknowledgement, ...]] = {}
    raw_acks = table.get("acknowledgements", [])
    where = f"{pyproject}: [tool.cws-compat] acknowledgements"
    if not isinstance(raw_acks, list) or not all(isinstance(a, dict) for a in raw_acks):
        raise CompatError(f"{where} must be an array of tables")
    for position, item in enumerate(raw_acks):
        from compat.versioning.store import parse_acknowledgements

        path = item.get("path")
        if not isinstance(path, str):
            raise CompatError(f"{where}[{position}]: needs a string 'path'")
        parsed = parse_acknowledgements([item], f"{where}[{position}]")
        acks[path] = acks.get(path, ()) + parsed
    if table.get("mode") is not None and table["mode"] not in MODES:
        raise CompatError(f"{pyproject}: [tool.cws-compat] mode must be one of {', '.join(MODES)}")
    base = pyproject.parent if pyproject is not None else cwd
    changelog = base / "CHANGELOG.md"
    if "changelog" in table:
        if not isinstance(table["changelog"], str):
            raise CompatError(f"{pyproject}: [tool.cws-compat] changelog must be a string")
        changelog = base / table["changelog"]
    return Settings(
        store=store,
        corpora=corpora,
        changelog=changelog,
        acknowledgements=acks,
        default_draft=table.get("default-draft"),
        mode=table.get("mode"),
        source=pyproject if table else None,
    )
