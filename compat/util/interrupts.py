"""Ctrl-C, turned into a clean stop of the command that is running.

Every command runs in a worker thread (`util.deep.run_deep`, for its large stack), but Python
handles SIGINT in the main thread only. So the main thread forwards it: it raises `Interrupted`
in the command's thread, at that thread's next Python instruction, and waits a bounded time for
it to unwind (temporary files removed, worker processes stopped). Worker processes start with
SIGINT blocked and then ignore it: a Ctrl-C at a terminal, which reaches the whole process
group, is the parent's to handle.

Code that must not stop half-way (the renames of an all-or-nothing write) runs `shielded()`: an
interrupt that arrives meanwhile waits for the block to end. Once a command's effect is made
(`settle()`), it finishes and reports it instead of stopping.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any


class Interrupted(BaseException):
    """Ctrl-C, raised in the thread running a command.

    Not a KeyboardInterrupt, which click would answer on its way out; like one, it is not an
    Exception, so `except Exception` handlers let it through.
    """


_receivers: dict[int, Receiver] = {}
_command: list[Receiver] = []  # the command this process runs, once it has started


# SIGTERM (a cancelled CI job, `timeout`, a service manager stopping us) is answered as Ctrl-C
# is: the command stops where it is safe to, writing nothing half-way
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def on_sigint(signum: int, frame: object) -> None:
    """The command line's SIGINT (and SIGTERM) handler: before the command starts,
    KeyboardInterrupt (nothing to clean up yet); afterwards the command is told, and the main
    thread is never cut short (it reports, removes temporary files and exits)."""
    if not _command:
        raise KeyboardInterrupt
    _command[-1].interrupt()


def install_handler() -> None:
    """Answer Ctrl-C and SIGTERM with `on_sigint` (from the main thread of the command line
    only)."""
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            signal.signal(signum, on_sigint)


@contextlib.contextmanager
def forwarded_sigint() -> Iterator[None]:
    """For a call from Python (`compat.api`): while the block runs, Ctrl-C is forwarded to the
    command as the command line forwards it (`on_sigint`), and KeyboardInterrupt is raised once
    the command has stopped and cleaned up.

    Python's own handler would raise KeyboardInterrupt in the main thread while it waits for
    the command's thread, and on Python 3.11 a `Thread.join` cut short that way takes the
    thread for ended while it still runs (its worker processes and shared memory with it).
    Left as they are: a handler of the program's own, an ignored SIGINT, the command line's
    handler (already forwarding), and calls from other threads (SIGINT is the main thread's).
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    _command.clear()  # a call that ended earlier is not told: before this one starts, Python's
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if _command and _command[-1].wanted:
        # Ctrl-C as the call ended: it stops the program as it would have a moment later
        raise KeyboardInterrupt


class Receiver:
    """How the thread running a command receives interrupts.

    Python drops an exception raised where it cannot propagate (a weakref callback or a
    `__del__` running in the thread at that moment) and reports it as "Exception ignored";
    `lost_interrupts` catches that report, and the main thread raises the interrupt again.
    """

    def __init__(self) -> None:
        _command[:] = [self]
        # reentrant: `lost` may run in the thread while it holds the lock (a callback of the
        # garbage collector, running where it allocates)
        self.lock = threading.RLock()
        self.ident: int | None = None
        self.shields = 0
        self.wanted = False  # Ctrl-C was pressed
        self.raised = False  # Interrupted is (about to be) raised in the thread
        self.pending = False  # it waits for the thread to start or for a shield to end
        self.settled = False  # past the point of no return: the command finishes
        self.finished = False

    def start(self) -> None:
        """In the command's thread, first: receive interrupts here."""
        with self.lock:
            self.ident = threading.get_ident()
            _receivers[self.ident] = self
            early = self.pending  # Ctrl-C before the thread got here
            if early:
                self.pending, self.raised = False, True
        if early:
            raise Interrupted

    def stop(self) -> None:
        """In the command's thread, last: from here on, nothing is raised in it."""
        with self.lock:
            self.finished = True
            if self.ident is not None:
                _receivers.pop(self.ident, None)
                if self.raised:
                    # too late to matter (the command is over): dropped if not raised yet
                    _raise_in(self.ident, None)

    def interrupt(self) -> None:
        """From the main thread: stop the command. Again if the last interrupt was lost."""
        with self.lock:
            self.wanted = True
            if self.finished or self.settled or self.raised or self.pending:
                return
            if self.ident is None or self.shields:
                self.pending = True
            else:
                self.raised = _raise_in(self.ident, Interrupted)

    def settle(self) -> None:
        """In the command's thread: its effect is made, so it finishes and reports it; an
        interrupt from now on (or one waiting for a shield to end) is dropped."""
        with self.lock:
            self.settled = True
            self.pending = False
            if self.raised and self.ident is not None:
                _raise_in(self.ident, None)

    def lost(self) -> None:
        """In the command's thread: the interrupt was dropped (see the class docstring)."""
        with self.lock:
            self.raised = False

    def deliver(self) -> bool:
        """In the command's thread, at the end of a shield: whether to raise it now."""
        with self.lock:
            if self.shields or not self.pending:
                return False
            self.pending, self.raised = False, True
            return True


@contextlib.contextmanager
def lost_interrupts() -> Iterator[None]:
    """While a command runs: an Interrupted that Python drops (an "Exception ignored") is
    reported to its Receiver instead of printed; other reports are left as they are."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, Interrupted):
            receiver = _receivers.get(threading.get_ident())
            if receiver is not None:
                receiver.lost()
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _raise_in(ident: int, exception: type[BaseException] | None) -> bool:
    """Raise `exception` in thread `ident` at its next Python instruction (None: cancel one
    that is not raised yet). CPython only; False where it cannot be done."""
    api = getattr(ctypes, "pythonapi", None)
    if api is None:  # pragma: no cover - not CPython
        return False
    target = None if exception is None else ctypes.py_object(exception)
    return bool(api.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), target) == 1)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Run the block to its end: an interrupt that arrives meanwhile is raised after it."""
    receiver = _receivers.get(threading.get_ident())
    if receiver is None:
        yield
        return
    with receiver.lock:
        receiver.shields += 1
    try:
        yield
    finally:
        with receiver.lock:
            receiver.shields -= 1
        if receiver.deliver():
            raise Interrupted


def settle() -> None:
    """The command's effect is made (the last rename of a release): it runs to its end and
    reports what it did; Ctrl-C no longer stops it."""
    receiver = _receivers.get(threading.get_ident())
    if receiver is not None:
        receiver.settle()


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in the calling thread for the block: processes started inside it inherit
    the mask, so a Ctrl-C at the terminal cannot kill them before they choose to ignore it."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM blocked in the calling thread for the block: programs started inside
    it (git) are not killed under the command by a signal sent to the whole process group; the
    command is told (`Interrupted`) and stops them itself."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def ignore_sigint() -> None:
    """In a worker process: Ctrl-C is the parent's to handle; SIGTERM (the parent's
    `terminate()`) ends it at once, as by default (a forked worker inherits `on_sigint`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
