"""The `cws-compat` command group; commands register on it from their modules."""

from __future__ import annotations

import click

from compat import __version__
from compat.cli.options import EXIT_CODES


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.version_option(__version__, "--version", prog_name="cws-compat")
def cli() -> None:
    """Keep the CWS backend event schema safe to evolve.

    Compares versions of a JSON Schema by meaning, per direction: backward (events valid under
    the old version stay valid under the new one) and forward (events valid under the new
    version are valid under the old one).

    Wherever a SCHEMA is expected, give a store version name (v1), a file path, or
    GITREF:PATH (e.g. origin/main:schemas/versions/v2.json).
    """
