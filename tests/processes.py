"""Running the real command line in subprocesses, and interrupting it as a terminal would."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import compat

PACKAGE = Path(compat.__file__).resolve().parent
HANG = 10.0  # seconds: an interrupted command that is still running by then hangs


def command() -> list[str]:
    """The installed `cws-compat` script beside this interpreter (what users run), else
    `python -m compat`."""
    script = Path(sys.executable).parent / "cws-compat"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "compat"]


@dataclass
class Outcome:
    code: int  # negative: killed by that signal
    out: str
    err: str
    seconds: float  # from the first SIGINT to the end of the process group
    hung: bool = False

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.err


def timed_run(args: list[str], cwd: Path, program: list[str] | None = None) -> float:
    """Run `cws-compat ARGS` (or `program` ARGS) to its end (it must succeed): how many seconds
    it took."""
    started = time.monotonic()
    done = subprocess.run([*(program or command()), *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def interrupted_run(
    args: list[str],
    cwd: Path,
    delay: float,
    signals: int = 1,
    gap: float = 0.03,
    signum: int = signal.SIGINT,
    program: list[str] | None = None,
) -> Outcome:
    """Start `cws-compat ARGS` (or `program` ARGS: a Python script, say) in its own process
    group, send SIGINT (or `signum`) to the whole group (as a terminal's Ctrl-C does) after
    `delay` seconds, `signals` times `gap` seconds apart, and wait until every process of the
    group is gone (a worker left running counts as a hang)."""
    process = subprocess.Popen(
        [*(program or command()), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(delay)
    started = time.monotonic()
    for _ in range(signals):
        _signal_group(process.pid, signum)
        time.sleep(gap)
    try:
        out, err = process.communicate(timeout=HANG)
        hung = not _group_gone(process.pid, started + HANG)
    except subprocess.TimeoutExpired:
        out, err, hung = "", "", True
    if hung:
        _signal_group(process.pid, signal.SIGKILL)
        process.communicate()
    return Outcome(process.returncode, out, err, time.monotonic() - started, hung)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _group_gone(pgid: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def before_our_code(outcome: Outcome) -> bool:
    """Whether the interrupt came before any of our code ran: during Python's start-up or the
    lines of the installer's wrapper script that import us. Python answers it there as it does
    for any program (death by SIGINT, sometimes with the traceback of its own imports); nothing
    of ours can run earlier. From our first function call on, the command answers."""
    if outcome.out or outcome.code not in (-signal.SIGINT, 1):
        return False
    if not outcome.err:
        return outcome.code == -signal.SIGINT
    for path, function in re.findall(r'File "([^"]+)", line \d+, in (\S+)', outcome.err):
        file = Path(path)
        if PACKAGE in file.parents and (
            file.name not in ("__init__.py", "__main__.py") or function != "<module>"
        ):
            return False
    return "KeyboardInterrupt" in outcome.err


def classify(outcome: Outcome, where: str, finished: str = "") -> str:
    """One interrupted run, checked: it stopped promptly with exactly one line and status 130
    ("interrupted"), or finished first with a clean standard error and `finished` in its
    output ("finished"), or was interrupted before any of our code ran ("before our code")."""
    assert not outcome.hung, where
    assert outcome.seconds < 5, where
    if outcome.code == 130:
        assert outcome.err == "cws-compat: interrupted\n", where
        return "interrupted"
    if outcome.code == 0:
        assert outcome.err == "" and finished in outcome.out, where
        return "finished"
    assert before_our_code(outcome), where
    return "before our code"


def leftovers(*directories: Path) -> list[str]:
    """Hidden or temporary files under `directories` (ours are `.NAME.*.cws-compat.tmp` and
    the store's `.cws-compat.lock`; none may outlive a command)."""
    return sorted(
        str(p)
        for d in directories
        for p in d.rglob("*")
        if ".git" not in p.parts and (p.name.startswith(".") or p.name.endswith(".tmp"))
    )
