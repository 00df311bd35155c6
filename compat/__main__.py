"""`cws-compat` and `python -m compat`.

The entry point imports nothing before it can answer Ctrl-C: an interrupt while the command
line is still loading gives the same one line and exit status 130 as one later. (Python's own
start-up, before this module runs, answers Ctrl-C as Python does.)
"""

import signal
import sys


def main() -> None:
    try:
        from compat.cli import main as cli_main
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # answered: exit without a traceback
        sys.stderr.write("cws-compat: interrupted\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
