"""`cws-compat history`: when each field of the events appeared and changed, across the store."""

from __future__ import annotations

from pathlib import Path

import click

from compat.cli.group import cli, examples
from compat.cli.options import format_option, output_option, store_option, write_output
from compat.cli.options import settings_for as _settings


@cli.command(
    epilog=examples(
        "every field that appeared, changed or went after the first version",
        "cws-compat history --changed",
        "one field's timeline, with versions and release dates",
        "cws-compat history process.credentials.uid",
        "the whole history as JSON (its schema: cws-compat schema history)",
        "cws-compat history --format json -o history.json",
    )
)
@click.argument("instance_path", required=False)
@store_option
@format_option("history")
@click.option(
    "--changed",
    is_flag=True,
    help="List only the fields with an event after the store's first version (added later, "
    "changed, or removed).",
)
@output_option("Write to this file (atomically) instead of standard output.")
def history(
    instance_path: str | None,
    store: Path | None,
    fmt: str,
    changed: bool,
    output: Path | None,
) -> int:
    """Show the history of every field of the events across the store's versions, or of the
    field at INSTANCE_PATH.

    A field is named by where it sits in an event, `$ref`s followed (`process.credentials.auid`;
    `process.ancestors[]` is every item of the array, `a.*` the values of undeclared properties
    under `additionalProperties`, `a.{REGEX}` those matching a `patternProperties` regex,
    `a["x y"]` a name that is not plain), so a definition moved or renamed keeps its fields'
    history; a recursive schema is listed down to the path where it repeats. Each event says
    what happened in which version (and its release date), compared with the version before:
    added, removed, became required, optional or conditionally required, type changed, a
    constraint changed (enum, format, pattern, bounds, lengths, ...), description changed.

    Without INSTANCE_PATH: one line per field (its first version and what happened since).
    A path found in no version is an error (exit 2) that names close matches. `--format json`
    follows the schema `cws-compat schema history` prints.
    """
    from compat.report.registry import render
    from compat.versioning.history import Selection, store_history
    from compat.versioning.store import Store

    settings = _settings(store)
    found = store_history(Store.open(settings.store), settings.default_draft)
    selection = Selection(found, instance_path, changed)
    selection.fields()  # an unknown path fails here, before anything is written
    write_output(render("history", fmt, selection), output)
    return 0
