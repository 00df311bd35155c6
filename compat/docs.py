"""The published documentation format of the backend schema, both ways.

`render` writes a schema the way the seed document (`backend.md`) is written; `parse` rebuilds
the schema from such a document. The format's rules, as the seed shows them:

- a title, one sentence, then the root schema (without `$schema` and definitions) as
  `BACKEND_EVENT_SCHEMA = {...}` in a fence, in 4-space indented JSON with the key order kept;
- a Parameter/Type/Description table with every root property: `$ref` properties say
  "Please see [Name](#anchor)", others give their type and description (empty when none);
- one "## `Name`" section per definition, in name order: the definition's JSON block, a
  Field/Description table of the properties that have a description, and, when the definition
  refers to others, a References table listing them in order of first appearance;
- sections are separated by blank lines exactly as in the seed, and the file ends with a blank line.

Only the JSON blocks carry meaning: `parse` reads them and ignores the tables (which
`compat.docs_formats.read` then holds to them). The Hugo page format is `compat.docs_hugo`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from compat.errors import CompatError
from compat.schema.drafts import CANONICAL_URIS, canonical_draft
from compat.schema.refs import join
from compat.versioning.store import definitions_of

TITLE = "# CWS Event Documentation"
INTRO = "The CWS event sent to the backend by the security agent respects the following schema:"
ROOT_NAME = "BACKEND_EVENT_SCHEMA"
DEFINITION_KEYS = ("definitions", "$defs")
_LOCAL_REF = re.compile(r"^#/(definitions|\$defs)/([^/]+)$")
_SECTION = re.compile(r"^## `(.+)`$")


def _block(value: Any) -> str:
    return json.dumps(value, indent=4, ensure_ascii=False)


def _anchor(name: str) -> str:
    """The heading anchor a markdown renderer gives `## \\`name\\``."""
    return re.sub(r"[^a-z0-9_-]", "", name.lower().replace(" ", "-"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _ref_name(ref: Any) -> str | None:
    if isinstance(ref, str):
        match = _LOCAL_REF.match(ref)
        if match:
            # a URI fragment: percent-encoded, then a JSON pointer token
            return unquote(match.group(2)).replace("~1", "/").replace("~0", "~")
    return None


def _references(node: Any, found: list[str]) -> list[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                name = _ref_name(value)
                if name is not None and name not in found:
                    found.append(name)
            else:
                _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)
    return found


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return "$ref"
    kind = prop.get("type", "")
    if isinstance(kind, list):
        return ", ".join(str(item) for item in kind)
    return str(kind)


def _root_description(prop: dict[str, Any]) -> str:
    name = _ref_name(prop.get("$ref"))
    if name is not None:
        return f"Please see [{name}](#{_anchor(name)})"
    description = prop.get("description", "")
    return description if isinstance(description, str) else ""


def _strip_schema(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key != "$schema"}
    return value


def _noted(text: str, note: str | None) -> str:
    """A description with its annotation (`docs --history`) after it, in italics."""
    if note is None:
        return text
    return f"{text} *({note})*" if text else f"*({note})*"


def _definition_key(document: dict[str, Any], name: str) -> str:
    """Where definition `name` lives (`$defs` wins, as in `definitions_of`)."""
    defs = document.get("$defs")
    return "$defs" if isinstance(defs, dict) and name in defs else "definitions"


def render(document: dict[str, Any], notes: Mapping[str, str] | None = None) -> str:
    """The seed-format documentation of a schema.

    `notes` (JSON pointer of a property's subschema -> text) annotates the descriptions in the
    tables (`docs --history`); a definition's property with a note gets a row also without a
    description. Without notes the output is the published format exactly."""
    root = {k: v for k, v in document.items() if k not in DEFINITION_KEYS and k != "$schema"}
    definitions = definitions_of(document)
    notes = notes or {}
    out = [TITLE, "", INTRO, "```", f"{ROOT_NAME} = {_block(root)}", "```", ""]
    out += ["| Parameter | Type | Description |", "| --------- | ---- | ----------- |"]
    properties = root.get("properties", {})
    for name, prop in properties.items() if isinstance(properties, dict) else ():
        prop = prop if isinstance(prop, dict) else {}
        described = _noted(_root_description(prop), notes.get(join("", "properties", name)))
        out.append(f"| `{_cell(name)}` | {_cell(_type_of(prop))} | {_cell(described)} |")
    out.append("")
    for name in sorted(definitions):
        definition = _strip_schema(definitions[name])
        out += [f"## `{name}`", "", "```", _block(definition), "```", ""]
        out += ["| Field | Description |", "| ----- | ----------- |"]
        fields = definition.get("properties", {}) if isinstance(definition, dict) else {}
        key = _definition_key(document, name)
        for field, prop in fields.items() if isinstance(fields, dict) else ():
            description = prop.get("description") if isinstance(prop, dict) else None
            note = notes.get(join("", key, name, "properties", field))
            if not isinstance(description, str):
                description = ""
            if description or note is not None:
                out.append(f"| `{_cell(field)}` | {_cell(_noted(description, note))} |")
        out.append("")
        references = _references(definition, [])
        if references:
            out += ["| References |", "| ---------- |"]
            out += [f"| [{ref}](#{_anchor(ref)}) |" for ref in references]
        out.append("")
    return "\n".join(out) + "\n\n"


def parse(text: str, label: str = "<document>") -> dict[str, Any]:
    """Rebuild a schema from its seed-format documentation (the JSON blocks; tables are ignored)."""
    # Lines end at "\n" only: str.splitlines would also cut at U+2028, U+0085 and other
    # characters that JSON strings (written with ensure_ascii=False) may hold.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    root: dict[str, Any] | None = None
    definitions: dict[str, Any] = {}
    section: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        heading = _SECTION.match(line)
        if heading:
            section = heading.group(1)
            if section in definitions:
                raise CompatError(f"{label}:{index + 1}: definition {section!r} appears twice")
            index += 1
            continue
        if line.strip().startswith("```"):
            start = index + 1
            end = start
            while end < len(lines) and not lines[end].strip().startswith("```"):
                end += 1
            if end == len(lines):
                raise CompatError(f"{label}:{index + 1}: code block is never closed")
            body = "\n".join(lines[start:end])
            if root is None and section is None:
                prefix = f"{ROOT_NAME} ="
                if not body.lstrip().startswith(prefix):
                    raise CompatError(
                        f"{label}:{start + 1}: expected the root schema as '{ROOT_NAME} = {{...}}'"
                    )
                root = _parse_block(body.lstrip()[len(prefix) :], label, start)
            elif section is not None and section not in definitions:
                definitions[section] = _parse_block(body, label, start, boolean=True)
            index = end + 1
            continue
        index += 1
    if root is None:
        raise CompatError(f"{label}: no root schema block ('{ROOT_NAME} = {{...}}') found")
    refs = [ref for ref in _all_refs([root, definitions]) if isinstance(ref, str)]
    # the format does not say where definitions live: where the references to each say (a
    # schema may use both keywords), else where the others are
    named: dict[str, set[str]] = {}
    for ref in refs:
        for key in DEFINITION_KEYS:
            prefix = f"#/{key}/"
            if ref.startswith(prefix):
                name = ref[len(prefix) :].split("/", 1)[0].replace("~1", "/").replace("~0", "~")
                named.setdefault(name, set()).add(key)
    usual = "$defs" if any(ref.startswith("#/$defs/") for ref in refs) else "definitions"
    schema = dict(root)
    for name, definition in definitions.items():
        keys = named.get(name) or {usual}
        if len(keys) > 1:
            raise CompatError(
                f"{label}: definition {name!r} is referenced both as #/definitions/ and as "
                "#/$defs/; one section cannot be both"
            )
        schema.setdefault(keys.pop(), {})[name] = definition
    for ref in refs:
        for key in DEFINITION_KEYS:
            prefix = f"#/{key}/"
            if ref.startswith(prefix):
                name = _pointer_token(ref[len(prefix) :].split("/", 1)[0])
                if name not in schema.get(key, {}):
                    raise CompatError(
                        f"{label}: $ref {ref!r} names a definition the document has no "
                        f"section for (## `{name}`)"
                    )
    return schema


def _pointer_token(text: str) -> str:
    return unquote(text).replace("~1", "/").replace("~0", "~")


def _all_refs(node: Any) -> list[Any]:
    found: list[Any] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "$ref" in item:
                found.append(item["$ref"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _parse_block(body: str, label: str, first_line: int, boolean: bool = False) -> Any:
    """The JSON value of a schema block: an object, or also `true`/`false` when `boolean`
    (a definition may be a boolean schema). Numbers no validator can compare with (NaN,
    Infinity, beyond a double's range) are refused, as in schema files."""
    from compat.util.files import json_float, json_int, refuse_lone_surrogates

    try:
        value = json.loads(
            body, parse_constant=_not_json, parse_float=json_float, parse_int=json_int
        )
    except json.JSONDecodeError as exc:
        # Line numbers in the message are the document's, not the block's.
        raise CompatError(
            f"{label}:{first_line + exc.lineno}: invalid JSON in schema block: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise CompatError(
            f"{label}:{first_line + 1}: invalid JSON in schema block: {exc}"
        ) from None
    if not isinstance(value, dict) and not (boolean and isinstance(value, bool)):
        raise CompatError(f"{label}:{first_line + 1}: a schema block must hold a JSON object")
    refuse_lone_surrogates(value, f"{label}:{first_line + 1}")
    return value


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def with_draft(schema: dict[str, Any], draft: str | None) -> dict[str, Any]:
    """Put a `$schema` declaration first, since the documentation format does not carry it."""
    if draft is None:
        return schema
    return {"$schema": CANONICAL_URIS[canonical_draft(draft)], **schema}
