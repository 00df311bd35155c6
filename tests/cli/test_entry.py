"""The entry point answers a Ctrl-C that Python could not raise where it landed."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

# While `compat.cli` is imported, a weakref callback raises KeyboardInterrupt, as a Ctrl-C that
# lands in one does: Python can only print it ("Exception ignored") and go on.
SCRIPT = """
import importlib.abc, sys, weakref

class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "compat.cli":
            class Thing:
                pass
            thing = Thing()
            def callback(ref):
                raise KeyboardInterrupt
            ref = weakref.ref(thing, callback)
            del thing
        return None

sys.meta_path.insert(0, Finder())
sys.argv = ["cws-compat", "--help"]
from compat.__main__ import main
main()
"""


def test_an_interrupt_swallowed_during_the_import_stops_the_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "", "cws-compat: interrupted\n")


def test_a_terminal_that_cannot_show_a_character_gets_an_escape_not_a_traceback() -> None:
    """A latin-1 standard output: the HTML report's arrows are written as escapes."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    for args in (["diff", "v1", "v2", "--format", "html"], ["diff", "v1", "v2"]):
        done = subprocess.run(
            [sys.executable, "-m", "compat", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert done.stderr == b""
    assert (
        b"\\u2192"
        in subprocess.run(
            [sys.executable, "-m", "compat", "diff", "v1", "v2", "--format", "html"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
        ).stdout
    )
