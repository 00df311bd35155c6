"""JSON Schema drafts: which one a document declares, and checking it against its meta-schema."""

from __future__ import annotations

import functools
import json
from typing import Any

from compat.errors import CompatError

DRAFTS = ("draft-04", "draft-06", "draft-07", "2019-09", "2020-12")
DEFAULT_DRAFT = "2020-12"

_URIS = {
    "json-schema.org/draft-04/schema": "draft-04",
    "json-schema.org/draft-06/schema": "draft-06",
    "json-schema.org/draft-07/schema": "draft-07",
    "json-schema.org/draft/2019-09/schema": "2019-09",
    "json-schema.org/draft/2020-12/schema": "2020-12",
}
_ALIASES = {
    "4": "draft-04",
    "04": "draft-04",
    "draft4": "draft-04",
    "6": "draft-06",
    "06": "draft-06",
    "draft6": "draft-06",
    "7": "draft-07",
    "07": "draft-07",
    "draft7": "draft-07",
    "2019-09": "2019-09",
    "draft2019-09": "2019-09",
    "2020-12": "2020-12",
    "draft2020-12": "2020-12",
}


def canonical_draft(name: str) -> str:
    """`4`, `draft4`, `draft-04` -> `draft-04`; refuses names that are not drafts."""
    key = name.strip().lower()
    if key in DRAFTS:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise CompatError(f"unknown draft {name!r} (known: {', '.join(DRAFTS)})")


def detect_draft(document: Any, label: str, default: str | None = None) -> str:
    """The draft a schema declares in `$schema`, or `default` when it declares none."""
    uri = document.get("$schema") if isinstance(document, dict) else None
    if uri is None:
        return canonical_draft(default) if default else DEFAULT_DRAFT
    if not isinstance(uri, str):
        raise CompatError(f"{label}: $schema must be a string")
    found = draft_of_uri(uri)
    if found is not None:
        return found
    bare = uri.split("://", 1)[-1].rstrip("#").rstrip("/")
    if bare in _URIS:
        # a near miss: validators would not recognise it and would use their default draft
        raise CompatError(
            f"{label}: $schema {uri!r} is not a spelling validators recognise; write "
            f"{CANONICAL_URIS[_URIS[bare]]!r}"
        )
    raise CompatError(
        f"{label}: unsupported $schema {uri!r} (supported: drafts 04, 06, 07, 2019-09, 2020-12)"
    )


UNSUPPORTED_URIS = {"http://json-schema.org/draft-03/schema": "draft-03"}


def unsupported_draft(uri: Any) -> str | None:
    """A draft python-jsonschema would switch to but this tool does not model (draft-03)."""
    if not isinstance(uri, str):
        return None
    from urllib.parse import urlsplit

    try:
        return UNSUPPORTED_URIS.get(urlsplit(uri).geturl())
    except ValueError:
        return None


def draft_of_uri(uri: Any) -> str | None:
    """The draft a `$schema` value names, or None when it names none (a validator then keeps
    the draft already in force). Spellings are recognised exactly as python-jsonschema, the
    reference validator, recognises them: the scheme's case and an empty `#` do not matter,
    `https` for `http` or a trailing `/` do."""
    if not isinstance(uri, str):
        return None
    return _draft_of_string(uri)


@functools.lru_cache(maxsize=64)
def _draft_of_string(uri: str) -> str | None:
    # cached: a document repeats its few `$schema` spellings in many subschemas
    from urllib.parse import urlsplit

    try:
        normalised = urlsplit(uri).geturl()
    except ValueError:
        return None
    return _EXACT.get(normalised)


def validator_class(draft: str) -> Any:
    import jsonschema

    return {
        "draft-04": jsonschema.Draft4Validator,
        "draft-06": jsonschema.Draft6Validator,
        "draft-07": jsonschema.Draft7Validator,
        "2019-09": jsonschema.Draft201909Validator,
        "2020-12": jsonschema.Draft202012Validator,
    }[draft]


CANONICAL_URIS: dict[str, str] = {
    "draft-04": "http://json-schema.org/draft-04/schema#",
    "draft-06": "http://json-schema.org/draft-06/schema#",
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}


def check_against_metaschema(document: Any, draft: str, label: str) -> None:
    """Refuse a schema that its draft's meta-schema rejects, naming the first bad location.

    jsonschema-rs does the check: it is linear in the depth of the schema, where the pure
    Python validator's dynamic-scope lookups grow quadratically on deeply nested schemas.
    """
    from compat.schema.compiled import rs

    jsonschema_rs = rs()

    if isinstance(document, bool) and draft == "draft-04":
        # a root true/false carries no $schema to check against: draft-04's meta-schema would
        # refuse it as it refuses one inside a schema (draft-06 made booleans schemas)
        raise CompatError(
            f"{label}: invalid {draft} schema at /: {json.dumps(document)} is not of type "
            "'object' (draft-04 has no boolean schemas)"
        )
    probe = (
        {**document, "$schema": CANONICAL_URIS[draft]} if isinstance(document, dict) else (document)
    )
    try:
        jsonschema_rs.meta.validate(probe)
    except jsonschema_rs.ValidationError as error:
        pointer = "".join(f"/{_escape(part)}" for part in error.instance_path) or "/"
        message = str(error.message).splitlines()[0]
        if len(message) > 160:
            message = message[:157] + "..."
        raise CompatError(f"{label}: invalid {draft} schema at {pointer}: {message}") from None
    except jsonschema_rs.ReferencingError as error:
        raise CompatError(
            f"{label}: cannot check against the {draft} meta-schema: {error}"
        ) from None


def _escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


_EXACT = {
    "http://json-schema.org/draft-04/schema": "draft-04",
    "http://json-schema.org/draft-06/schema": "draft-06",
    "http://json-schema.org/draft-07/schema": "draft-07",
    "https://json-schema.org/draft/2019-09/schema": "2019-09",
    "https://json-schema.org/draft/2020-12/schema": "2020-12",
}


# Keywords that are no assertions, whatever the draft.
CORE = frozenset(
    {
        "$schema",
        "$id",
        "id",
        "$anchor",
        "$dynamicAnchor",
        "$defs",
        "definitions",
        "$vocabulary",
        "$ref",
    }
)
LEGACY = ("draft-04", "draft-06", "draft-07")

# The validation keywords each draft defines (read into the model); anything else is kept as an
# annotation, as validators ignore it.
_COMMON = CORE | {
    "type",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
}
_DRAFT6 = _COMMON | {"const", "contains", "propertyNames", "additionalItems", "dependencies"}
_DRAFT7 = _DRAFT6 | {"if", "then", "else"}
_DRAFT2019 = (_DRAFT7 - {"dependencies"}) | {
    "minContains",
    "maxContains",
    "dependentRequired",
    "dependentSchemas",
}
HANDLED = {
    "draft-04": _COMMON | {"additionalItems", "dependencies"},
    "draft-06": _DRAFT6,
    "draft-07": _DRAFT7,
    "2019-09": _DRAFT2019,
    "2020-12": (_DRAFT2019 - {"additionalItems"}) | {"prefixItems"},
}
