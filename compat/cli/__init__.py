"""The `cws-compat` command line: a thin layer that parses options, calls the library, and
returns an exit status (0 success or compatible, 1 check failed, 2 usage or input error).

Commands live by subject in `schemas`, `versioning` and `corpus`, registered on the group in
`group`, which imports a command's module only when the command is used; `run` is the whole
command line as a function (testable without a subprocess).
"""

from __future__ import annotations

import contextlib
import sys
from typing import IO, TYPE_CHECKING

import click

from compat.cli.group import cli
from compat.errors import CompatError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["cli", "main", "run"]


def run(
    argv: Sequence[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the command line with `argv`; return the exit status instead of exiting."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            from compat.util.deep import run_deep

            # every command runs with room to recurse as deep as the schemas it reads
            result = run_deep(lambda: cli.main(args, prog_name="cws-compat", standalone_mode=False))
        except CompatError as exc:
            click.echo(f"cws-compat: error: {exc}", file=err)
            return exc.exit_code
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except click.ClickException as exc:
            exc.show(file=err)
            return 2
        except click.Abort:
            click.echo("cws-compat: interrupted", file=err)
            return 130
        except KeyboardInterrupt:
            click.echo("cws-compat: interrupted", file=err)
            return 130
    if isinstance(result, int):
        return result
    return 0


def main() -> None:
    try:
        code = run()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    sys.exit(code)
