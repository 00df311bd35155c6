"""Run work that recurses as deep as the schemas it reads, without crashing on depth.

Schemas nested thousands of levels deep are valid JSON Schema; the loader, the meta-schema check
and the diff all recurse along the nesting. They run in a thread with a large stack and a raised
recursion limit; beyond that, a clear error replaces the RecursionError.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from compat.errors import CompatError

T = TypeVar("T")
STACK_BYTES = 512 * 1024 * 1024
RECURSION_LIMIT = 200_000


def run_deep(func: Callable[[], T]) -> T:
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = func()
        except RecursionError:
            outcome["error"] = CompatError(
                "input nested too deeply to process (more than about "
                f"{RECURSION_LIMIT // 20:,} levels)"
            )
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

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
        worker.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        error = outcome["error"]
        assert isinstance(error, BaseException)
        raise error
    return outcome["value"]  # type: ignore[return-value]
