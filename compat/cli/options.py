"""Options shared by several commands, and where settings and outputs come from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compat.modes import MODES

if TYPE_CHECKING:
    from collections.abc import Callable

    from compat.config import Settings

EXIT_CODES = """\b
Exit status:
  0  success (for checks: compatible)
  1  the check failed (breaking or unknown changes, rejected events)
  2  usage or input error (bad option, unreadable or invalid input, unwritable output)
  130  interrupted (Ctrl-C)"""


def settings_for(store: Path | None) -> Settings:
    import dataclasses

    from compat.config import load_settings

    settings = load_settings()
    if store is not None:
        return dataclasses.replace(settings, store=store)
    return settings


def store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Schema store directory [default: schemas/versions, or [tool.cws-compat] store].",
    )(func)


def format_option(subject: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--format`, with the formats the report registry has for `subject`."""
    from compat.report.registry import FORMATS

    choices = FORMATS[subject]
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


gate_mode_option = click.option(
    "--mode",
    type=click.Choice(list(MODES)),
    default=None,
    help="Compatibility required of each new version [default: backward, or "
    "[tool.cws-compat] mode]; *-transitive checks against every earlier version.",
)


def output_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help=help
    )


def write_output(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    from compat.util.files import atomic_write

    atomic_write(output, text)
