"""Run work that recurses as deep as the schemas it reads, without crashing on depth.

Schemas nested thousands of levels deep are valid JSON Schema; the loader, the meta-schema check
and the diff all recurse along the nesting. They run in a thread with a large stack and a raised
recursion limit; beyond that, a clear error replaces the RecursionError.

A Ctrl-C reaches the main thread, which waits here: it is forwarded to the worker
(`util.interrupts`), which stops at once and cleans up; after GRACE seconds more the main thread
stops waiting for it. Whether the worker has ended is its own record (`outcome`), not
`Thread.is_alive()`: on Python 3.11 a `join` cut short by KeyboardInterrupt marks a thread that
still runs as stopped.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from compat.errors import CompatError
from compat.util.interrupts import Receiver, lost_interrupts

T = TypeVar("T")
STACK_BYTES = 512 * 1024 * 1024
RECURSION_LIMIT = 200_000
GRACE = 5.0  # seconds an interrupted worker has to clean up
POLL = 0.1  # seconds between looks at the worker


def run_deep(func: Callable[[], T]) -> T:
    outcome: dict[str, object] = {}
    receiver = Receiver()

    def target() -> None:
        try:
            try:
                receiver.start()
                outcome["value"] = func()
            except RecursionError:
                outcome["error"] = CompatError(
                    "input nested too deeply to process (more than about "
                    f"{RECURSION_LIMIT // 20:,} levels)"
                )
            except BaseException as exc:  # re-raised in the calling thread
                outcome["error"] = exc
            finally:
                receiver.stop()
        except BaseException as exc:  # an interrupt that arrived as the work ended
            outcome.setdefault("error", exc)
        finally:
            outcome["ended"] = True

    previous_stack = threading.stack_size()
    previous_limit = sys.getrecursionlimit()
    try:
        threading.stack_size(STACK_BYTES)
        sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
        worker = threading.Thread(target=target, name="cws-compat", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous_stack)
    try:
        with lost_interrupts():
            _wait(worker, receiver, outcome)
    finally:
        sys.setrecursionlimit(previous_limit)
    if "ended" not in outcome:
        raise KeyboardInterrupt  # interrupted, and it did not stop in time: give up on it
    if "error" in outcome:
        error = outcome["error"]
        assert isinstance(error, BaseException)
        raise error
    return outcome["value"]  # type: ignore[return-value]


def _wait(worker: threading.Thread, receiver: Receiver, outcome: dict[str, object]) -> None:
    """Wait for the worker to end; once it is interrupted (`on_sigint`, or a KeyboardInterrupt
    here where that handler is not installed), at most GRACE seconds more: further Ctrl-Cs
    would only cut its clean-up short."""
    deadline: float | None = None
    joinable = True
    while "ended" not in outcome:
        try:
            if joinable:
                worker.join(POLL)
            else:
                time.sleep(POLL / 10)
        except KeyboardInterrupt:
            # a join cut short may have marked the worker stopped (Python 3.11), after which
            # join returns at once: poll from here on
            joinable = False
            receiver.interrupt()
        if receiver.wanted:
            receiver.interrupt()  # again, if Python dropped it (Receiver's docstring)
            if deadline is None:
                deadline = time.monotonic() + GRACE
            elif time.monotonic() > deadline:
                return
