"""An exclusive lock between processes, through a lock file that exists only while it is held.

POSIX: `flock` on the lock file. The holder removes the file before unlocking it, so nothing is
left behind (a refused or finished command leaves the directory as it was); a process that was
waiting may then hold a lock on a removed file, so after locking it checks that the path still
names the file it locked, and starts again if not. A lock file left by a killed process is
harmless: the next process locks it, uses it and removes it.

Windows: the lock file is created exclusively and removed on release; one left by
a killed process must be removed by hand (the timeout message says so).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from compat.util.interrupts import shielded

if sys.platform != "win32":
    import fcntl

POLL = 0.05  # seconds between attempts while another process holds the lock


class LockTimeout(Exception):
    """The lock was held by another process for the whole wait."""


@contextlib.contextmanager
def exclusive(path: Path, wait: float, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock at `path` for the block. `waiting` is called once if another process holds
    it; LockTimeout after `wait` seconds; OSError if the lock file cannot be created."""
    fd = _acquire(path, time.monotonic() + wait, waiting)
    try:
        yield
    finally:
        with shielded():
            _release(path, fd)


def _acquire(path: Path, deadline: float, waiting: Callable[[], None] | None) -> int:
    told = False
    while True:
        fd = -1
        try:
            with shielded():  # an interrupt cannot leave the descriptor unknown
                fd = _open(path)
            if fd >= 0 and _locked(fd, path):
                return fd
        except BaseException:
            if fd >= 0:
                _abandon(path, fd)
            raise
        if fd >= 0:
            os.close(fd)
        if not told and waiting is not None:
            waiting()
            told = True
        if time.monotonic() >= deadline:
            raise LockTimeout(str(path))
        time.sleep(POLL)


def _open(path: Path) -> int:
    """The lock file, created if need be; -1 where its existence is the lock and it exists."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    if sys.platform == "win32":  # pragma: no cover
        try:
            return os.open(path, flags | os.O_EXCL, 0o644)
        except FileExistsError:
            return -1
    return os.open(path, flags, 0o644)


def _locked(fd: int, path: Path) -> bool:
    """Whether `fd` now holds the lock: locked, and still the file at `path` (its holder may
    have removed it while we waited)."""
    if sys.platform == "win32":  # pragma: no cover - creating it was locking it
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    mine = os.fstat(fd)
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def _release(path: Path, fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - an open file cannot be removed
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    try:
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still holding it: see the module's docstring
    finally:
        os.close(fd)


def _abandon(path: Path, fd: int) -> None:
    """Stop trying (an error, an interrupt): remove the lock file only if it is ours to remove."""
    try:
        if _locked(fd, path):  # (on Windows, always: it was created)
            _release(path, fd)
            return
    except OSError:
        pass
    os.close(fd)
