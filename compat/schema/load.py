"""From a source to a checked, normalised schema (and its fast validator)."""

from __future__ import annotations

from compat.schema.compiled import check_compilable
from compat.schema.drafts import check_against_metaschema, detect_draft
from compat.schema.normalize import SchemaDocument, normalise
from compat.schema.source import SchemaSource
from compat.util.gcpause import collector_paused
from compat.util.records import FrozenRecord


class LoadedSchema(FrozenRecord):
    _fields = ("source", "document")
    source: SchemaSource
    document: SchemaDocument

    def __init__(self, source: SchemaSource, document: SchemaDocument) -> None:
        self._set(source=source, document=document)

    @property
    def label(self) -> str:
        return self.source.label

    @property
    def draft(self) -> str:
        return self.document.draft


def prepare(
    source: SchemaSource, default_draft: str | None = None, assert_formats: bool = False
) -> LoadedSchema:
    """Check a loaded document against its draft's meta-schema and normalise it.

    Also refused is what compiling it with jsonschema-rs would refuse (a regex its engine
    cannot compile, an embedded resource its own draft's meta-schema rejects), without compiling
    it: a compiled validator of a schema with 10,000 definitions takes about 200 MiB, and the
    diff rarely needs one (`assert_formats` is kept for the callers that compile)."""
    draft = detect_draft(source.document, source.label, default_draft)
    check_against_metaschema(source.document, draft, source.label)
    with collector_paused():
        document = normalise(source.document, draft, source.label)  # refuses non-local $refs
    check_compilable(document.index, source.document, draft, assert_formats, source.label)
    return LoadedSchema(source, document)
