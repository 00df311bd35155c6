"""Pausing Python's cyclic garbage collector around work that builds large object graphs.

Normalising and comparing schemas allocate many small objects that live until the end of the
comparison; the collector would walk them again and again (about a third of the time on large
schemas) and find nothing to free. Reference counting still frees what is dropped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block, and restore it after (also on errors)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
