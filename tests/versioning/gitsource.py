"""Scratch git repositories holding the history of a generated schema file, as the agent's
repository holds `backend_linux.schema.json`: commits with fixed dates, renames, merges."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.versioning.scratch import GIT


def schema(*, name: bool = False, described: bool = False, required_name: bool = False) -> Any:
    """A small closed draft-07 object schema, in the variants a history needs: `name` added
    (minor: the closed object accepts more), described (annotation only), required (major)."""
    properties: dict[str, Any] = {"id": {"type": "integer", "description": "The event id"}}
    if name:
        properties["name"] = {"type": "string"}
        if described:
            properties["name"]["description"] = "The process name"
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": ["id", "name"] if required_name else ["id"],
    }


def text(document: Any, indent: int = 4, reverse: bool = False) -> str:
    """The file's text; `indent` and `reverse` (key order) reformat the same JSON."""
    if reverse:
        document = dict(reversed(list(document.items())))
    return json.dumps(document, indent=indent) + "\n"


class Source:
    """A repository whose commits get the date given, author and committer alike."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str, date: str | None = None) -> str:
        env = dict(os.environ)
        env.pop("GIT_DIR", None)
        if date is not None:
            stamp = date if "T" in date else f"{date}T12:00:00+00:00"
            env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        done = subprocess.run(
            [*GIT, *args], cwd=self.root, env=env, check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    def commit(self, date: str, message: str, files: dict[str, str | None]) -> str:
        """Write (or, for None, delete) `files` and commit them: the new commit's hash."""
        for name, content in files.items():
            path = self.root / name
            if content is None:
                self.git("rm", "-q", name)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
            self.git("add", name)
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.head()

    def rename(self, date: str, old: str, new: str) -> str:
        self.git("mv", old, new)
        self.git("commit", "-q", "-m", f"rename {old} to {new}", date=date)
        return self.head()

    def merge(self, date: str, branch: str) -> str:
        self.git("merge", "-q", "--no-ff", "--no-edit", branch, date=date)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")
