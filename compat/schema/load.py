"""From what the user typed to a checked, normalised schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compat.schema.drafts import check_against_metaschema, detect_draft
from compat.schema.normalize import SchemaDocument, normalise
from compat.schema.source import SchemaSource, load_schema


@dataclass(frozen=True)
class LoadedSchema:
    source: SchemaSource
    document: SchemaDocument

    @property
    def label(self) -> str:
        return self.source.label

    @property
    def draft(self) -> str:
        return self.document.draft


def prepare(source: SchemaSource, default_draft: str | None = None) -> LoadedSchema:
    """Check a loaded document against its draft's meta-schema and normalise it."""
    draft = detect_draft(source.document, source.label, default_draft)
    check_against_metaschema(source.document, draft, source.label)
    return LoadedSchema(source, normalise(source.document, draft, source.label))


def load(spec: str, store_root: Path, default_draft: str | None = None) -> LoadedSchema:
    return prepare(load_schema(spec, store_root), default_draft)
