"""From a source to a checked, normalised schema (and its fast validator)."""

from __future__ import annotations

import contextlib
from typing import Any

from compat.schema.compiled import TooDeep, fast_validator
from compat.schema.drafts import check_against_metaschema, detect_draft
from compat.schema.normalize import SchemaDocument, normalise
from compat.schema.source import SchemaSource
from compat.util.gcpause import collector_paused
from compat.util.records import FrozenRecord


class LoadedSchema(FrozenRecord):
    _fields = ("source", "document", "fast", "asserts_formats")
    source: SchemaSource
    document: SchemaDocument
    fast: Any  # the jsonschema-rs validator, when the schema compiles
    asserts_formats: bool  # the format setting `fast` was compiled with

    def __init__(
        self,
        source: SchemaSource,
        document: SchemaDocument,
        fast: Any = None,
        asserts_formats: bool = False,
    ) -> None:
        self._set(source=source, document=document, fast=fast, asserts_formats=asserts_formats)

    @property
    def label(self) -> str:
        return self.source.label

    @property
    def draft(self) -> str:
        return self.document.draft


def prepare(
    source: SchemaSource, default_draft: str | None = None, assert_formats: bool = False
) -> LoadedSchema:
    """Check a loaded document against its draft's meta-schema and normalise it."""
    draft = detect_draft(source.document, source.label, default_draft)
    check_against_metaschema(source.document, draft, source.label)
    with collector_paused():
        document = normalise(source.document, draft, source.label)  # refuses non-local $refs
    # compiling catches what the meta-schema does not check, such as invalid regexes; a schema
    # nested deeper than jsonschema-rs compiles is still compared, without that extra check
    fast = None
    with contextlib.suppress(TooDeep):
        fast = fast_validator(source.document, draft, assert_formats, source.label)
    return LoadedSchema(source, document, fast, assert_formats)
