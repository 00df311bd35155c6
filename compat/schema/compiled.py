"""Fast validators (jsonschema-rs) for loaded schemas: never allowed to touch the network."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from compat.errors import CompatError

if TYPE_CHECKING:
    from compat.schema.refs import RefIndex

_CLASSES = {
    "draft-04": "Draft4Validator",
    "draft-06": "Draft6Validator",
    "draft-07": "Draft7Validator",
    "2019-09": "Draft201909Validator",
    "2020-12": "Draft202012Validator",
}


def rs() -> Any:
    """The jsonschema_rs module, imported to its end even if Ctrl-C comes meanwhile (an
    interrupt raised inside a native module's initialisation makes it panic): the interrupt is
    raised once the import is done."""
    import sys

    module = sys.modules.get("jsonschema_rs")
    if module is not None:
        return module
    from compat.util.interrupts import shielded

    with shielded():
        import jsonschema_rs
    return jsonschema_rs


def _refuse(uri: str) -> Any:
    # jsonschema-rs would otherwise fetch remote references over HTTP
    raise ValueError(f"remote reference {uri} refused: cws-compat never fetches schemas")


def fast_validator(document: Any, draft: str, assert_formats: bool, label: str) -> Any:
    """A jsonschema-rs validator for `document` under `draft`, with one explicit format setting."""
    jsonschema_rs = rs()

    from compat.schema.formats import rs_options

    cls = getattr(jsonschema_rs, _CLASSES[draft])
    try:
        return cls(document, retriever=_refuse, **rs_options(draft, assert_formats))
    except jsonschema_rs.ValidationError as error:
        pointer = "".join(f"/{part}" for part in error.instance_path) or "/"
        message = str(error.message).splitlines()[0]
        raise CompatError(f"{label}: invalid {draft} schema at {pointer}: {message}") from None
    except (jsonschema_rs.ReferencingError, ValueError) as error:
        message = str(error).splitlines()[0]
        if "Recursion limit" in message:
            raise TooDeep(message) from None
        raise CompatError(f"{label}: {message}") from None


def check_compilable(
    index: RefIndex, document: Any, draft: str, assert_formats: bool, label: str
) -> None:
    """Refuse what compiling `document` would refuse beyond its meta-schema (checked before),
    without compiling it: every regex it holds (jsonschema-rs's engine must compile it), and
    every subschema declaring its own `$schema` against that draft's meta-schema. When one
    fails, the compiler itself decides and gives the message, as it always has."""
    jsonschema_rs = rs()

    from compat.schema.drafts import check_against_metaschema

    regex = _regex_format()
    bad = any(not regex.is_valid(pattern) for pattern in index.regexes)
    if not bad:
        for pointer, value, own in index.embedded:
            try:
                check_against_metaschema(value, own, f"{label} ({pointer})")
            except CompatError:
                bad = True
                break
            except jsonschema_rs.ValidationError:
                bad = True
                break
    if bad:
        with contextlib.suppress(TooDeep):  # too deep to compile: compared without that check
            fast_validator(document, draft, assert_formats, label)


_REGEX: list[Any] = []


def _regex_format() -> Any:
    """A validator of the `regex` format, as jsonschema-rs reads regexes (ECMA-262)."""
    if not _REGEX:
        jsonschema_rs = rs()

        _REGEX.append(
            jsonschema_rs.Draft202012Validator(
                {"type": "string", "format": "regex"}, validate_formats=True
            )
        )
    return _REGEX[0]


class TooDeep(Exception):
    """jsonschema-rs refuses schemas nested beyond its own recursion limit."""
