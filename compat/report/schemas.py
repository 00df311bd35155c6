"""The published JSON Schemas of the commands' JSON outputs, as `cws-compat schema NAME`
prints them.

One line of SCHEMAS per output: its name, its file beside this module, and the command whose
`--format json` it describes. A schema may refer to another one by file name (`"$ref":
"diff-report.schema.json"`, relative to its `$id`); the printed schema then carries each one
it refers to in `$defs`, under its own `$id` (a compound schema document, as draft 2020-12
defines it), so that it validates on its own.
"""

from __future__ import annotations

import json
from typing import Any

from compat.errors import CompatError

# name -> (file, the output it describes)
SCHEMAS: dict[str, tuple[str, str]] = {
    "check": ("check-report.schema.json", "check --format json"),
    "corpus-matrix": ("corpus-matrix.schema.json", "corpus matrix --format json"),
    "corpus-validate": ("corpus-report.schema.json", "corpus validate --format json"),
    "diff": ("diff-report.schema.json", "diff --format json"),
    "history": ("history.schema.json", "history [INSTANCE_PATH] --format json"),
    "import-git": ("import-git-report.schema.json", "store import-git --format json"),
    "release": ("release-report.schema.json", "release --format json"),
    "rules": ("rules.schema.json", "rules [ID] --format json"),
    "versions": ("versions.schema.json", "versions --format json"),
}

# the names the first two schemas were published under
ALIASES: dict[str, str] = {"report": "diff", "corpus-report": "corpus-validate"}


def names() -> list[str]:
    """Every name `schema` takes: the schemas' and their older aliases."""
    return sorted({*SCHEMAS, *ALIASES})


def _text(file: str) -> str:
    from importlib import resources  # here: not a cost of every command's start-up

    return resources.files(__package__).joinpath(file).read_text(encoding="utf-8")


def _document(file: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_text(file))
    return document


def _referenced(node: Any, files: set[str]) -> set[str]:
    """The schema files of this table that `node` refers to by `$ref`."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                target = value.partition("#")[0]
                if target in files:
                    found.add(target)
            else:
                found |= _referenced(value, files)
    elif isinstance(node, list):
        for item in node:
            found |= _referenced(item, files)
    return found


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of output `name`, with every schema it refers to embedded."""
    name = ALIASES.get(name, name)
    if name not in SCHEMAS:
        raise CompatError(f"unknown schema {name!r} (known: {', '.join(names())})")
    files = {file for file, _ in SCHEMAS.values()}
    root_file = SCHEMAS[name][0]
    root = _document(root_file)
    embedded: dict[str, dict[str, Any]] = {}
    pending = sorted(_referenced(root, files) - {root_file})
    while pending:
        file = pending.pop()
        if file in embedded:
            continue
        document = _document(file)
        document.pop("$schema", None)  # the same dialect as the document it is embedded in
        embedded[file] = document
        pending += sorted(_referenced(document, files) - {root_file, *embedded})
    if embedded:
        root.setdefault("$defs", {}).update(dict(sorted(embedded.items())))
    return root


def schema_text(name: str) -> str:
    """`schema(name)` as printed: a schema with no reference to another is its file as it is;
    one that embeds others is the compound document, indented."""
    name = ALIASES.get(name, name)
    document = schema(name)
    file = SCHEMAS[name][0]
    if "$defs" in document and any(f in document["$defs"] for f, _ in SCHEMAS.values()):
        return json.dumps(document, indent=4, ensure_ascii=False) + "\n"
    return _text(file)


def listing() -> str:
    """The table, one name per line, and what each describes."""
    width = max(len(name) for name in SCHEMAS)
    lines = [f"{name:<{width}}  cws-compat {what}" for name, (_, what) in sorted(SCHEMAS.items())]
    lines += [f"{alias:<{width}}  the same as {name}" for alias, name in sorted(ALIASES.items())]
    return "\n".join(lines) + "\n"
