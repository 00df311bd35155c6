"""One `format` setting for every validator the tool runs.

By default `format` is an annotation: no validator checks it (jsonschema-rs would, for drafts
04-07, so it is told not to). With `--assert-formats` both validators check formats with the very
same functions: those of jsonschema's format checker for the schema's draft (date-time needs
rfc3339-validator, a dependency), handed to jsonschema-rs as custom formats. Formats that
jsonschema cannot check stay annotations in both. Agreement is by construction, and a test
checks it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

# The formats jsonschema-rs knows on its own; each is overridden so that it never checks one
# with a different implementation.
RS_BUILTIN_FORMATS = (
    "date",
    "date-time",
    "duration",
    "email",
    "hostname",
    "idn-email",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "iri",
    "iri-reference",
    "json-pointer",
    "regex",
    "relative-json-pointer",
    "time",
    "uri",
    "uri-reference",
    "uri-template",
    "uuid",
)


def _accept_all(_: str) -> bool:
    return True


def _wrap(func: Callable[[Any], Any], raises: Any) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            return bool(func(value))
        except raises:
            return False
        except Exception:
            return False

    return check


@functools.cache
def asserted_formats(draft: str) -> dict[str, Callable[[str], bool]]:
    """Format name -> check, as jsonschema's checker for `draft` does it."""
    from compat.schema.drafts import validator_class

    checker = validator_class(draft).FORMAT_CHECKER
    return {name: _wrap(func, raises) for name, (func, raises) in checker.checkers.items()}


def rs_options(draft: str, assert_formats: bool) -> dict[str, Any]:
    """Keyword arguments for a jsonschema-rs validator under the run's format setting."""
    if not assert_formats:
        return {"validate_formats": False}
    formats: dict[str, Callable[[str], bool]] = dict.fromkeys(RS_BUILTIN_FORMATS, _accept_all)
    formats.update(asserted_formats(draft))
    return {"validate_formats": True, "formats": formats, "ignore_unknown_formats": True}


def reference_checker(draft: str, assert_formats: bool) -> Any:
    """The format checker for a jsonschema validator (None: formats are annotations)."""
    if not assert_formats:
        return None
    from compat.schema.drafts import validator_class

    return validator_class(draft).FORMAT_CHECKER
