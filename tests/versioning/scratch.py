"""Scratch git repositories holding a copy of `schemas/`, and schema edits to try in them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

GIT = [
    "git",
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.invalid",
    "-c",
    "init.defaultBranch=main",
    "-c",
    "protocol.file.allow=always",
]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def store_repository(root: Path, changelog: bool = True, branch: str | None = "pr") -> Path:
    """A new git repository at `root` whose main holds the shipped store (and its changelog),
    checked out on `branch` (none: main)."""
    root.mkdir()
    git(root, "init", "-q")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    if changelog:
        shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "store")
    if branch is not None:
        git(root, "checkout", "-qb", branch)
    return root


def v2_with(edit: Any) -> Path:
    document = json.loads((ROOT / "schemas/versions/v2.json").read_text())
    edit(document)
    path = Path.cwd().parent / f"candidate-{abs(hash(json.dumps(document))) % 10**8}.json"
    path.write_text(json.dumps(document, indent=4) + "\n")
    return path


def breaking(document: Any) -> None:
    credentials = document["definitions"]["ProcessCredentials"]
    credentials["properties"]["auid"] = {"type": "integer"}
    credentials["required"].append("auid")


def additive(document: Any) -> None:
    document["properties"]["network"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"proto": {"type": "string"}},
    }


def add_version_by_hand(root: Path, name: str, path: Path) -> None:
    """What a PR author might do without `release`: copy the file and edit the index."""
    import hashlib

    data = path.read_bytes()
    shutil.copy(path, root / "schemas/versions" / f"{name}.json")
    index_path = root / "schemas/versions/index.json"
    index = json.loads(index_path.read_text())
    index["versions"].append(
        {
            "name": name,
            "file": f"{name}.json",
            "released": "2022-01-01",
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    )
    index_path.write_text(json.dumps(index, indent=4) + "\n")


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }
