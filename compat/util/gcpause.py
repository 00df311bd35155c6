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
    """Disable the cyclic collector for the block, and restore it after (also on errors).

    Everything the block allocated is then still in the youngest generation, and re-enabled
    as is, the collector would walk all of it at its next young collection, and again as it
    ages. It is moved to the oldest generation instead, in constant time (`gc.freeze` then
    `gc.unfreeze`): only a full collection looks at it again, and CPython runs those only once
    the old generation has grown by a quarter. Nothing is kept from collection for good. When
    the process froze objects of its own (`gc.freeze`), they are left frozen and the block's
    objects age as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
