"""Fast validators (jsonschema-rs) for loaded schemas: never allowed to touch the network."""

from __future__ import annotations

from typing import Any

from compat.errors import CompatError

_CLASSES = {
    "draft-04": "Draft4Validator",
    "draft-06": "Draft6Validator",
    "draft-07": "Draft7Validator",
    "2019-09": "Draft201909Validator",
    "2020-12": "Draft202012Validator",
}


def _refuse(uri: str) -> Any:
    # jsonschema-rs would otherwise fetch remote references over HTTP
    raise ValueError(f"remote reference {uri} refused: cws-compat never fetches schemas")


def fast_validator(document: Any, draft: str, assert_formats: bool, label: str) -> Any:
    """A jsonschema-rs validator for `document` under `draft`, with one explicit format setting."""
    import jsonschema_rs

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


class TooDeep(Exception):
    """jsonschema-rs refuses schemas nested beyond its own recursion limit."""
