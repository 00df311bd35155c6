"""Project settings from `[tool.cws-compat]` in the nearest pyproject.toml."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compat.errors import CompatError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_STORE = Path("schemas") / "versions"
KNOWN_KEYS = {"store", "corpora", "default-draft", "mode"}


@dataclass(frozen=True)
class Settings:
    store: Path
    corpora: Path | None = None  # default: `corpora` beside the store
    default_draft: str | None = None
    mode: str | None = None
    source: Path | None = None


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
    return Settings(
        store=store,
        corpora=corpora,
        default_draft=table.get("default-draft"),
        mode=table.get("mode"),
        source=pyproject if table else None,
    )
