"""Where a schema document comes from: its bytes, its label (for messages and line numbers),
and its file or store version when it has one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compat.util.files import load_schema_json, read_bytes
from compat.util.records import FrozenRecord


class SchemaSource(FrozenRecord):
    """A schema document and where it came from (for messages and line numbers)."""

    _fields = ("label", "document", "text", "path", "version")
    label: str
    document: Any  # a JSON object, or a boolean schema
    text: str
    path: Path | None
    version: str | None

    def __init__(
        self,
        label: str,
        document: Any,
        text: str,
        path: Path | None = None,
        version: str | None = None,
    ) -> None:
        self._set(label=label, document=document, text=text, path=path, version=version)


def from_bytes(
    data: bytes,
    label: str,
    path: Path | None = None,
    version: str | None = None,
    name: str | None = None,
) -> SchemaSource:
    """The one way from bytes to a source: UTF-8 JSON, or YAML when the file's name (`name`,
    else `path`, else the label) ends in .yaml or .yml; an object or a boolean schema."""
    from compat.util.yamlfile import is_yaml

    if is_yaml(name or (path.name if path is not None else label)):
        from compat.util.yamlfile import load_yaml_schema

        document = load_yaml_schema(data, label)
    else:
        document = load_schema_json(data, label)
    return SchemaSource(label, document, data.decode("utf-8"), path, version)


def load_file(path: Path) -> SchemaSource:
    return from_bytes(read_bytes(path, what="schema file"), str(path), path)
