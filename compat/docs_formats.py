"""The documentation formats together: writing either, and reading a document in either.

Two formats have been published for the backend schema's documentation: the seed's Markdown
(`compat.docs`, a ```` ```BACKEND_EVENT_SCHEMA = {...}``` ```` block) and the later Hugo page
(`compat.docs_hugo`, the whole schema in a `BACKEND_EVENT_JSON_SCHEMA` code-block). `read`
tells them apart by their schema block, rebuilds the schema, and holds the document's tables
to it: a table that says something its schema does not (a description changed only in the
table, a field or root property missing from it, a link to the wrong section) is refused,
naming the line, since a reader of the page would believe the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compat import docs as seed
from compat import docs_hugo as hugo
from compat.errors import CompatError
from compat.schema.drafts import CANONICAL_URIS, canonical_draft, draft_of_uri
from compat.schema.refs import join
from compat.versioning.store import definitions_of

STYLES = ("seed", "hugo")
_SEED_ROOT = re.compile(r"^\s*```[^\n]*\n\s*" + seed.ROOT_NAME + r"\s*=", re.MULTILINE)

# The tables both formats write, by the header of their first column: the columns checked
# (extra columns a page may add are left alone), and what a row of each stands for.
COLUMNS = {
    "Parameter": ("Parameter", "Type", "Description"),
    "Field": ("Field", "Description"),
    "References": ("References",),
}
_ROW_IS = {
    "Parameter": "a root property of the schema",
    "Field": "a property the schema describes",
    "References": "a definition the schema refers to",
}
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_PIPE = re.compile(r"(?<!\\)\|")


def write(
    document: Any,
    style: str = "seed",
    label: str = "<schema>",
    notes: Mapping[str, str] | None = None,
) -> str:
    """The documentation of a schema in `style` ("seed" or "hugo"); `notes` (JSON pointer of a
    property's subschema -> text, from `docs --history`) end the descriptions they are for."""
    if style not in STYLES:
        raise CompatError(f"unknown documentation style {style!r} (known: {', '.join(STYLES)})")
    if not isinstance(document, dict):
        raise CompatError(f"{label}: a boolean schema has no properties or definitions to document")
    for name in definitions_of(document):
        if not name or "\n" in name or "\r" in name:
            raise CompatError(
                f"{label}: definition {hugo.shown(name)} cannot be written as a section "
                "heading (## `Name`): an empty name or one with a line break"
            )
    return hugo.render(document, notes) if style == "hugo" else seed.render(document, notes)


def detect(text: str, label: str = "<document>") -> str:
    """The format of a document, "seed" or "hugo", from its schema block."""
    is_hugo = hugo.WHOLE_LINE.search(text) is not None
    is_seed = _SEED_ROOT.search(text) is not None
    if is_hugo and is_seed:
        raise CompatError(
            f"{label}: holds both a '{seed.ROOT_NAME} = {{...}}' block (seed format) and a "
            f"{hugo.WHOLE_NAME} code-block (Hugo format); a document has one"
        )
    if is_hugo:
        return "hugo"
    if is_seed:
        return "seed"
    # No schema block: say what is missing in the terms of the format the document looks like.
    lines = hugo.lines_of(text)
    if hugo.skip_front_matter(lines, label) or any(hugo.OPEN_LINE.match(x) for x in lines):
        return "hugo"
    if any(hugo.FENCE_LINE.match(line) for line in lines):
        return "seed"
    raise CompatError(
        f"{label}: not schema documentation in either format: no root schema block "
        f"('{seed.ROOT_NAME} = {{...}}' in a ``` fence: seed format) and no code-block with "
        f'filename="{hugo.WHOLE_NAME}" (Hugo format)'
    )


def read(text: str, label: str = "<document>", draft: str | None = None) -> dict[str, Any]:
    """The schema a document in either format documents, once its tables are checked against
    it. `draft` declares a `$schema` when the document carries none (the seed format never
    does); a document that declares another draft is refused."""
    style = detect(text, label)
    schema = hugo.parse(text, label) if style == "hugo" else seed.parse(text, label)
    render = hugo.render if style == "hugo" else seed.render
    expected = render(schema)
    notes = history_notes(text, expected, schema, label)
    check_tables(text, render(schema, notes) if notes else expected, label)
    declared = _declare(schema, draft, label)
    _check_refs(declared, label)
    return declared


def _check_refs(schema: Any, label: str) -> None:
    """Refuse a documented schema with a `$ref` that does not resolve inside it (a section or
    a block edited out of step): resolved as the schema loader resolves them (schema/refs.py),
    in the draft the schema declares (2020-12 when it declares none, as `--default-draft`)."""
    from compat.schema.drafts import draft_of_uri
    from compat.schema.refs import RefIndex, subschemas

    if not isinstance(schema, dict):
        return
    draft = draft_of_uri(schema.get("$schema")) or "2020-12"
    index = RefIndex.build(schema, draft, label)
    stack: list[tuple[str, Any]] = [("", schema)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                index.resolve(ref, pointer)
            stack.extend(subschemas(node, pointer, draft))


def history_notes(
    text: str, expected: str, schema: dict[str, Any], label: str = "<document>"
) -> dict[str, str]:
    """The notes `docs --history` ended descriptions with in a document's tables (JSON
    pointer of the property's subschema -> text), read against `expected`, the same schema
    documented without notes. A cell is the description, or the description then ` *(note)*`
    (a note alone where there is none); the tables are then held to the schema documented
    with these notes, so a note is all that a cell may add."""
    found = _tables(text, label)
    wanted = _tables(expected, "<expected>")
    notes: dict[str, str] = {}
    for section, have in found.items():
        for kind in ("Parameter", "Field"):
            table = have.tables.get(kind)
            if table is None or "Description" not in table.header:
                continue
            column = table.header.index("Description")
            want = wanted.get(section, _Section(1)).tables.get(kind)
            described = {
                cells[0]: _at(cells, COLUMNS[kind].index("Description"))
                for _, cells in (want.rows if want else [])
            }
            for _, cells in table.rows:
                note = _note_in(_at(cells, column), described.get(cells[0], ""))
                name = _name_in(cells[0])
                if note is None or name is None:
                    continue
                if section is None:
                    pointer = join("", "properties", name)
                else:
                    key = seed._definition_key(schema, section)
                    pointer = join("", key, section, "properties", name)
                notes[pointer] = note
    return notes


def _note_in(cell: str, description: str) -> str | None:
    """The note after `description` in `cell` (both as written in a table), if any."""
    if description and cell.startswith(description + " *(") and cell.endswith(")*"):
        note = cell[len(description) + 3 : -2]
    elif not description and cell.startswith("*(") and cell.endswith(")*"):
        note = cell[2:-2]
    else:
        return None
    return note.replace("\\|", "|") if note else None


def _name_in(cell: str) -> str | None:
    """A property's name from its first cell (`name`, as written in a table)."""
    if len(cell) >= 2 and cell.startswith("`") and cell.endswith("`"):
        return cell[1:-1].replace("\\|", "|")
    return None


def _declare(schema: dict[str, Any], draft: str | None, label: str) -> dict[str, Any]:
    if draft is None:
        return schema
    wanted = canonical_draft(draft)
    declared = schema.get("$schema")
    if declared is None:
        return {"$schema": CANONICAL_URIS[wanted], **schema}
    if draft_of_uri(declared) != wanted:
        raise CompatError(
            f"{label}: the schema declares $schema {declared!r}, which is not {wanted}: a "
            "draft can only be declared for a document that declares none"
        )
    return schema


# -- tables -------------------------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    line: int  # of the header row, 1-based
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class _Section:
    line: int  # of its heading (1 for the root)
    tables: dict[str, _Table] = field(default_factory=dict)


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip() for cell in _PIPE.split(body)]


def _tables(text: str, label: str) -> dict[str | None, _Section]:
    """The known tables of a document, by section (None: the root, before any definition)."""
    lines = hugo.lines_of(text)
    sections: dict[str | None, _Section] = {None: _Section(1)}
    current: _Section | None = sections[None]
    index = hugo.skip_front_matter(lines, label)
    while index < len(lines):
        line = lines[index]
        heading = seed._SECTION.match(line)
        if heading:
            current = sections.setdefault(heading.group(1), _Section(index + 1))
        elif hugo.HEADING_LINE.match(line) and len(sections) > 1:
            # after the definitions began, a heading of the page's own (notes, examples)
            # ends the definition's section: tables under it document nothing; before, the
            # root's prose may have headings (the seed's title)
            current = None
        elif hugo.OPEN_LINE.match(line) or hugo.FENCE_LINE.match(line):
            closes = hugo.CLOSE_LINE if hugo.OPEN_LINE.match(line) else hugo.FENCE_LINE
            index = hugo.close_of(lines, index, label, closes)
        elif (
            line.lstrip().startswith("|")
            and index + 1 < len(lines)
            and _SEPARATOR.match(lines[index + 1])
        ):
            header = _cells(line)
            table = _Table(header, index + 1)
            index += 2
            while index < len(lines) and lines[index].lstrip().startswith("|"):
                table.rows.append((index + 1, _cells(lines[index])))
                index += 1
            if current is not None and header[0] in COLUMNS:
                current.tables.setdefault(header[0], _Table(header, table.line)).rows.extend(
                    table.rows
                )
            continue
        index += 1
    return sections


def check_tables(text: str, expected: str, label: str = "<document>") -> None:
    """Refuse a document whose tables differ from `expected`'s (the same schema documented
    by the writer), naming the first difference. Row order and extra columns do not count."""
    found = _tables(text, label)
    wanted = _tables(expected, "<expected>")
    for name, section in wanted.items():
        have = found.get(name, _Section(1))  # (parsing found every section the schema has)
        for kind in COLUMNS:
            _check_table(kind, name, section.tables.get(kind), have, label)
    for name, section in found.items():
        if name not in wanted:
            for kind in COLUMNS:
                _check_table(kind, name, None, section, label)


def _check_table(
    kind: str, section: str | None, want: _Table | None, have: _Section, label: str
) -> None:
    where = f"the {kind} table" + ("" if section is None else f" of {hugo.shown(section)}")
    table = have.tables.get(kind)
    columns = COLUMNS[kind]
    positions: dict[str, int] = {}
    if table is not None:
        for column in columns:
            if column not in table.header:
                raise CompatError(f"{label}:{table.line}: {where} has no {column} column")
            positions[column] = table.header.index(column)
    width = len(columns)
    want_rows = [tuple(cells[:width]) for _, cells in (want.rows if want else [])]
    have_rows = [
        (line, tuple(_at(cells, positions[column]) for column in columns))
        for line, cells in (table.rows if table else [])
    ]
    if sorted(want_rows) == sorted(row for _, row in have_rows):
        return
    at = table.line if table is not None else have.line
    want_keys = {row[0] for row in want_rows}
    have_keys = {row[0] for _, row in have_rows}
    for line, row in have_rows:
        if row[0] not in want_keys:
            raise CompatError(
                f"{label}:{line}: {where} lists {row[0]}, which is not {_ROW_IS[kind]}"
            )
    for row in want_rows:
        if row[0] not in have_keys:
            raise CompatError(f"{label}:{at}: {where} does not list {row[0]}, {_ROW_IS[kind]}")
    for line, row in have_rows:
        matching = [w for w in want_rows if w[0] == row[0]]
        if row not in matching:
            differs = next(i for i in range(1, width) if row[i] != matching[0][i])
            raise CompatError(
                f"{label}:{line}: {where} gives {row[0]} the {columns[differs]} "
                f"{hugo.shown(row[differs])}; the schema says {hugo.shown(matching[0][differs])}"
            )
    # the same kinds of rows, but not as many times each
    listed = [row for _, row in have_rows]
    for line, row in have_rows:
        if listed.count(row) != want_rows.count(row):
            raise CompatError(
                f"{label}:{line}: {where} lists {row[0]} {listed.count(row)} times; the schema "
                f"has it {want_rows.count(row)} times"
            )
    row = next(row for row in want_rows if row not in listed)
    raise CompatError(f"{label}:{at}: {where} does not list {' | '.join(row)}, {_ROW_IS[kind]}")


def _at(cells: list[str], position: int) -> str:
    return cells[position] if position < len(cells) else ""
