"""Commands on schemas: versions, docs, import-doc, diff, rules, schema."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compat.cli.group import cli, examples
from compat.cli.options import (
    allow_unknown_option,
    complete_rule,
    complete_schema,
    fail_on_option,
    format_option,
    lets_unknown_pass,
    output_option,
    store_option,
    write_output,
)
from compat.cli.options import settings_for as _settings
from compat.errors import CompatError
from compat.modes import PLAIN
from compat.report.schemas import names as schema_names


@cli.command(
    epilog=examples(
        "the store's versions, with release dates and checksums",
        "cws-compat versions",
        "as JSON (`cws-compat schema versions` describes it)",
        "cws-compat versions --format json",
    )
)
@store_option
@format_option("versions")
def versions(store: Path | None, fmt: str) -> int:
    """List the versions in the store, oldest first, verifying every checksum."""
    from compat.report.registry import render
    from compat.versioning.store import Store, version_rows

    rows = version_rows(Store.open(_settings(store).store))
    click.echo(render("versions", fmt, rows), nl=False)
    return 0


@cli.command(
    epilog=examples(
        "the published backend.md of v1, byte for byte",
        "cws-compat docs v1",
        "a candidate schema's documentation, to a file",
        "cws-compat docs next.json -o backend.md",
        "the Hugo page of v2, each field noted with its history (since v1; required since v2)",
        "cws-compat docs v2 --style hugo --history -o backend_linux.md",
    )
)
@click.argument("schema", shell_complete=complete_schema)
@store_option
@output_option("Write to this file (atomically) instead of standard output.")
@click.option(
    "--style",
    type=click.Choice(["seed", "hugo"]),
    default="seed",
    show_default=True,
    help="seed: the published backend.md (a BACKEND_EVENT_SCHEMA = {...} block, tables, one "
    "section per definition); hugo: the later Hugo page (front matter, the whole schema in a "
    "BACKEND_EVENT_JSON_SCHEMA code-block, the same tables, each section's schema in a "
    "code-block).",
)
@click.option(
    "--history",
    "with_history",
    is_flag=True,
    help="Annotate each field's description with its history up to SCHEMA, which must be a "
    "store version (`since v1; required since v2; type changed in v3 (integer -> string)`; "
    "see `cws-compat history`).",
)
def docs(
    schema: str, store: Path | None, output: Path | None, style: str, with_history: bool
) -> int:
    """Write the documentation of SCHEMA in a published format: the seed backend.md, or the
    Hugo page (--style hugo).

    `docs v1` is the published backend.md byte for byte; `import-doc` reads either format back
    (with or without --history notes).
    """
    from compat import docs_formats
    from compat.versioning.sources import resolve

    settings = _settings(store)
    source = resolve(schema, settings.store)
    notes = None
    if with_history:
        from compat.report.history import doc_notes
        from compat.versioning.history import store_history
        from compat.versioning.store import Store

        if source.version is None:
            raise CompatError(
                f"--history needs a store version name (the history is the store's), not {schema!r}"
            )
        found = store_history(Store.open(settings.store), settings.default_draft)
        notes = doc_notes(found, source.version)
    write_output(docs_formats.write(source.document, style, source.label, notes), output)
    return 0


@cli.command(
    "import-doc",
    epilog=examples(
        "the JSON Schema rebuilt from its documentation",
        "cws-compat import-doc backend.md -o rebuilt.json",
        "declaring draft-04 in $schema (the document does not say)",
        "cws-compat import-doc backend.md --draft 4",
    ),
)
@click.argument("document", type=click.Path(path_type=Path, dir_okay=False))
@output_option("Write to this file (atomically) instead of standard output.")
@click.option(
    "--draft",
    type=click.Choice(["4", "6", "7", "2019-09", "2020-12"]),
    default=None,
    help="Declare this draft in $schema, for a document that carries none (the seed format "
    "never does; a Hugo page does when its schema has one, and then --draft must agree).",
)
def import_doc(document: Path, output: Path | None, draft: str | None) -> int:
    """Rebuild the JSON Schema from a DOCUMENT in either published format (seed backend.md or
    Hugo page), detected from its content.

    Its tables must agree with its schema blocks, and in a Hugo page each section's block with
    the whole schema (which is what is rebuilt); a document where they disagree is refused.
    """
    from compat import docs_formats
    from compat.util.files import decode_utf8, dump_json, read_bytes

    text = decode_utf8(read_bytes(document, what="document"), str(document))
    schema = docs_formats.read(text, str(document), draft)
    write_output(dump_json(schema), output)
    return 0


@cli.command(
    epilog=examples(
        "the shipped versions: v2 adds the optional `dd` (backward compatible, exit 0)",
        "cws-compat diff v1 v2",
        "a candidate file against the latest version, in both directions (exit 1: it breaks)",
        "cws-compat diff v2 next.json --mode full",
        "a file as it is on the base branch against the work tree",
        "cws-compat diff origin/main:schemas/versions/v2.json next.json",
        "JSON for scripts (`cws-compat schema diff` describes it)",
        "cws-compat diff v1 v2 --format json",
        "every textual edit too, annotations included",
        "cws-compat diff v1 v2 --structural",
    )
)
@click.argument("old", shell_complete=complete_schema)
@click.argument("new", shell_complete=complete_schema)
@store_option
@click.option(
    "--mode",
    type=click.Choice(list(PLAIN)),
    default=None,
    help="Which direction must be compatible: backward (old events valid under NEW), forward "
    "(new events valid under OLD) or full (both). [default: backward, or `mode` in the settings]",
)
@format_option("diff")
@fail_on_option
@allow_unknown_option
@click.option(
    "--structural",
    is_flag=True,
    help="Also list every textual edit from OLD to NEW (JSON pointer, old -> new value), "
    "annotations included, beside the semantic verdicts.",
)
@click.option(
    "--assert-formats",
    is_flag=True,
    help="Treat `format` as a constraint (by default it is an annotation, as validators do).",
)
@click.option(
    "--default-draft",
    default=None,
    help="Draft for schemas without $schema (4, 6, 7, 2019-09, 2020-12). [default: 2020-12]",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output [default: on a terminal]."
)
@output_option(
    "Write the report to FILE (atomically) instead of standard output; with --format html, "
    "one self-contained page to open in a browser."
)
def diff(
    old: str,
    new: str,
    store: Path | None,
    mode: str | None,
    fmt: str,
    fail_on: str | None,
    allow_unknown: bool,
    structural: bool,
    assert_formats: bool,
    default_draft: str | None,
    color: bool | None,
    output: Path | None,
) -> int:
    """Compare schema OLD with schema NEW by meaning.

    Every change is classified per direction as compatible, breaking or unknown, with a stable
    rule id (see `cws-compat rules`), the instance paths it reaches in an event, and a checked
    counterexample where one is found. Exits 1 when a change is breaking (or unknown, unless
    --fail-on breaking) under the mode. OLD and NEW may be JSON or YAML.
    """
    from compat.api import compare_schemas
    from compat.report.registry import Style, render

    settings = _settings(store)
    passing_unknown = lets_unknown_pass(fail_on, allow_unknown, settings)
    report = compare_schemas(
        old, new, settings, mode, default_draft, assert_formats, passing_unknown, structural
    )
    to_stdout = output is None or str(output) == "-"
    use_color = fmt == "text" and to_stdout and (sys.stdout.isatty() if color is None else color)
    text = render("diff", fmt, report, Style(color=use_color))
    if to_stdout:
        click.echo(text, nl=False, color=use_color)
    else:
        write_output(text, output)
    return 0 if report.passed else 1


@cli.command(
    epilog=examples(
        "every rule: id, verdict per direction, summary",
        "cws-compat rules",
        "one rule, with a before/after example",
        "cws-compat rules required-added",
        "the catalogue as docs/rules.md holds it",
        "cws-compat rules --format markdown > docs/rules.md",
    )
)
@click.argument("rule_id", required=False, shell_complete=complete_rule)
@format_option("rules")
def rules(rule_id: str | None, fmt: str) -> int:
    """List the rules (id, backward and forward verdicts, summary), or explain RULE_ID."""
    from compat.report.registry import render
    from compat.rules import RULES

    if rule_id is not None:
        if rule_id not in RULES:
            import difflib

            close = difflib.get_close_matches(rule_id, list(RULES), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CompatError(f"unknown rule {rule_id!r}{hint} (`cws-compat rules` lists them)")
        click.echo(render("rule", fmt, RULES[rule_id]), nl=False)
        return 0
    click.echo(render("rules", fmt, list(RULES.values())), nl=False)
    return 0


@cli.command(
    "schema",
    epilog=examples(
        "the published schemas, and the output each describes",
        "cws-compat schema",
        "the schema of `check --format json`, to validate reports against",
        "cws-compat schema check > check-report.schema.json",
    ),
)
@click.argument("name", required=False, metavar="[NAME]", type=click.Choice(schema_names()))
@click.option(
    "--list", "list_only", is_flag=True, help="List the schemas (the default without NAME)."
)
def schema_command(name: str | None, list_only: bool) -> int:
    """Print the JSON Schema of a command's JSON output (NAME: check, diff, versions, ...), or
    list them.

    Each schema is a draft 2020-12 JSON Schema, self-contained (a schema that includes another
    report, as `check` includes `diff`'s, carries it in $defs). `report` and `corpus-report`
    are the older names of `diff` and `corpus-validate`.
    """
    from compat.report.schemas import listing, schema_text

    if name is None or list_only:
        if name is not None:
            raise CompatError("--list takes no NAME")
        click.echo(listing(), nl=False)
        return 0
    click.echo(schema_text(name), nl=False)
    return 0
