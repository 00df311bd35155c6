"""The stored corpora's manifest: which schema version each corpus was captured under."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compat.errors import CompatError
from compat.util.files import load_json_object, read_bytes

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class StoredCorpus:
    path: Path
    captured_under: str
    description: str


def corpora_dir(store_root: Path) -> Path:
    """`schemas/corpora` beside `schemas/versions`."""
    return store_root.parent / "corpora"


def read_manifest(directory: Path) -> list[StoredCorpus]:
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return []
    data = load_json_object(read_bytes(path), str(path), what="corpus manifest")
    items = data.get("corpora")
    if not isinstance(items, list):
        raise CompatError(f"{path}: 'corpora' must be a list")
    found = []
    for position, item in enumerate(items):
        where = f"{path}: corpora[{position}]"
        if not isinstance(item, dict):
            raise CompatError(f"{where}: must be an object")
        file, version = item.get("file"), item.get("captured_under")
        if not isinstance(file, str) or not isinstance(version, str):
            raise CompatError(f"{where}: 'file' and 'captured_under' must be strings")
        description = item.get("description", "")
        found.append(StoredCorpus(directory / file, version, str(description)))
    return found


def capture_versions(directory: Path) -> dict[Path, str]:
    return {c.path.resolve(): c.captured_under for c in read_manifest(directory)}
