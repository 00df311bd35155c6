"""The `cws-compat` command line: a thin layer that parses options, calls the library, and
returns an exit status (0 success or compatible, 1 check failed, 2 usage or input error).

Commands live by subject in `schemas`, `versioning` and `corpus`, registered on the group in
`group`, which imports a command's module only when the command is used; `run` is the whole
command line as a function (testable without a subprocess).
"""

from __future__ import annotations

import contextlib
import signal
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
    from compat.util.files import remove_temporaries
    from compat.util.interrupts import Interrupted

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
        except (click.Abort, KeyboardInterrupt, Interrupted):
            interrupted(err)
            return 130
        except OSError as exc:  # one not named where it happened: still one line
            click.echo(f"cws-compat: error: {os_error(exc)}", file=err)
            return 2
        finally:
            remove_temporaries()
    if isinstance(result, int):
        return result
    return 0


def interrupted(err: IO[str]) -> None:
    # on a terminal, after the "^C" it echoed
    newline = "\n" if getattr(err, "isatty", lambda: False)() else ""
    err.write(f"{newline}cws-compat: interrupted\n")
    err.flush()


def os_error(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def main() -> None:
    """The `cws-compat` command: `run`, then exit with its status. Ctrl-C (or SIGTERM), from
    the first moment on, gives one line and status 130 (`util.interrupts`)."""
    _never_unencodable()
    try:
        from compat.util.interrupts import install_handler

        install_handler()
        code = run()
        sys.stdout.flush()
    except KeyboardInterrupt:  # before the command started
        _ignore_stop_signals()
        interrupted(sys.stderr)
        code = 130
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours.
        _quiet_stdout()
        code = 0
    except OSError as exc:  # standard output cannot be written (a full disk, say)
        sys.stderr.write(f"cws-compat: error: cannot write to standard output: {os_error(exc)}\n")
        _quiet_stdout()
        code = 2
    # the outcome is decided: a late Ctrl-C must not turn it into a death by signal at exit
    _ignore_stop_signals()
    sys.exit(code)


def _never_unencodable() -> None:
    """A character the terminal's encoding cannot show (an arrow, in a latin-1 locale) is
    written as an escape, never a traceback; `-o FILE` always writes UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding != "utf8":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def _ignore_stop_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def _quiet_stdout() -> None:
    """Nothing more is written to standard output (not even the flush at exit)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
