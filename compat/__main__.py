"""`cws-compat` and `python -m compat`.

The entry point imports nothing before it can answer Ctrl-C: an interrupt while the command
line is still loading gives the same one line and exit status 130 as one later. (Python's own
start-up, before this module runs, answers Ctrl-C as Python does.)
"""

import signal
import sys


def main() -> None:
    # A Ctrl-C that lands in a callback Python runs while importing (a weakref's) cannot be
    # raised there: Python prints it as "Exception ignored" and goes on. Such an interrupt is
    # kept and answered here, once the import is done.
    swallowed: list[BaseException] = []
    previous = sys.unraisablehook

    def keep(unraisable: "sys.UnraisableHookArgs") -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            swallowed.append(unraisable.exc_value)
        else:
            previous(unraisable)

    sys.unraisablehook = keep
    try:
        from compat.cli import main as cli_main

        if swallowed:
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # answered: exit without a traceback
        sys.stderr.write("cws-compat: interrupted\n")
        sys.exit(130)
    finally:
        sys.unraisablehook = previous
    cli_main()


if __name__ == "__main__":
    main()
