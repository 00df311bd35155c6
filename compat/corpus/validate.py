"""Re-validate corpora against schema versions: each event is parsed once and checked against
every version. jsonschema-rs answers yes or no and groups the errors of rejected events; the
first event of each group is explained again by jsonschema, the reference validator. Where the
groups of a rejected event follow exactly from a few keywords already seen failing, they are
read off the event rather than built (known.py).

With several workers, a plain file is cut into byte ranges at line starts and each worker reads
its own range; a compressed file is decompressed once, cut into blocks at line ends, and the
blocks are sent down the workers' pipes as they are (each worker splits its own). Partial
results are merged in file order, so every count and every first line number is the same for
any number of workers.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing import shared_memory
from pathlib import Path
from typing import Any, cast

import orjson

from compat.corpus.readers import (
    MAX_LINE,
    compression,
    expand,
    open_chunks,
    raw_chunks,
    read_batches,
    split_ranges,
    stream_errors,
)
from compat.errors import CompatError
from compat.util.interrupts import ignore_sigint, shielded, sigint_blocked

MAX_MALFORMED_SHOWN = 20
PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # smaller plain files are not worth splitting
BATCH_BYTES = 1 << 20

GroupKey = tuple[tuple[Any, ...], tuple[Any, ...]]  # (schema path, instance path pattern)


@dataclass(frozen=True)
class Target:
    """A version to validate against, in a form that can be sent to worker processes."""

    name: str
    draft: str
    document: Any
    assert_formats: bool


@dataclass
class Group:
    count: int
    first_line: int
    message: str
    first_event: bytes


@dataclass
class Partial:
    """What one worker saw in one stretch of a file; line numbers relative to its start."""

    physical_lines: int = 0
    blank: int = 0
    malformed: int = 0
    malformed_lines: list[tuple[int, str]] = field(default_factory=list)
    valid: list[int] = field(default_factory=list)
    invalid: list[int] = field(default_factory=list)
    groups: list[dict[GroupKey, Group]] = field(default_factory=list)
    problem: str | None = None

    @classmethod
    def empty(cls, targets: int) -> Partial:
        return cls(valid=[0] * targets, invalid=[0] * targets, groups=[{} for _ in range(targets)])

    def absorb(self, other: Partial) -> None:
        """Append `other`, which comes right after this stretch in the file."""
        offset = self.physical_lines
        self.physical_lines += other.physical_lines
        self.blank += other.blank
        self.malformed += other.malformed
        room = MAX_MALFORMED_SHOWN - len(self.malformed_lines)
        self.malformed_lines += [(n + offset, why) for n, why in other.malformed_lines[:room]]
        for i in range(len(self.valid)):
            self.valid[i] += other.valid[i]
            self.invalid[i] += other.invalid[i]
            mine = self.groups[i]
            for key, group in other.groups[i].items():
                found = mine.get(key)
                if found is None:
                    group.first_line += offset
                    mine[key] = group
                else:
                    found.count += group.count
        if self.problem is None:
            self.problem = other.problem


_compiled: list[Any] = []


class Checker:
    """A version's jsonschema-rs validator, and what is known of its errors (known.py)."""

    __slots__ = ("is_valid", "iter_errors", "known")

    def __init__(self, target: Target) -> None:
        from compat.corpus.known import KnownErrors
        from compat.schema.compiled import fast_validator

        document, draft, formats, name = (
            target.document,
            target.draft,
            target.assert_formats,
            target.name,
        )
        validator = fast_validator(document, draft, formats, name)
        self.is_valid = validator.is_valid
        self.iter_errors = validator.iter_errors
        self.known: Any = KnownErrors(document, draft, formats, name)


def _compile(targets: list[Target]) -> list[Any]:
    return [Checker(t) for t in targets]


def _pattern(path: Any) -> tuple[Any, ...]:
    return tuple("[]" if isinstance(part, int) else part for part in path)


def scan(batches: Iterable[list[bytes | None]], validators: list[Any]) -> Partial:
    """The hot loop: parse each line once, check it against every version."""
    result = Partial.empty(len(validators))
    valid, invalid, groups = result.valid, result.invalid, result.groups
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    number = 0
    # a plain jsonschema-rs validator has no `known`: its rejected events' errors are built
    checks = [(i, v, getattr(v, "known", None)) for i, v in enumerate(validators)]
    for batch in batches:
        for line in batch:
            number += 1
            if line is None:
                result.malformed += 1
                _note(result, number, f"line longer than {MAX_LINE} bytes")
                continue
            try:
                event = loads(line)
            except decode_error as exc:
                if not line.strip():
                    result.blank += 1
                    continue
                result.malformed += 1
                _note(result, number, f"not JSON: {str(exc).split(':', 1)[0]}")
                continue
            if type(event) is not dict:
                result.malformed += 1
                _note(result, number, "not a JSON object")
                continue
            exact = None
            for i, validator, known in checks:
                if validator.is_valid(event):
                    valid[i] += 1
                    continue
                if exact is None:
                    exact = _exact(line, event)
                if exact is not event and validator.is_valid(exact):
                    valid[i] += 1
                    continue
                invalid[i] += 1
                if known is not None and exact is event:
                    # the event's groups read off it, when that is exact and all are known
                    keys = known.keys(event)
                    mine = groups[i]
                    if keys is not None and all(key in mine for key in keys):
                        for key in keys:
                            mine[key].count += 1
                        continue
                    _record(mine, validator, event, number, line, known)
                else:
                    _record(groups[i], validator, exact, number, line)
    result.physical_lines = number
    return result


# a run of 20 digits, as `re.search(rb"\d{20}", line)` finds it (\d is ASCII in bytes
# patterns): every digit becomes "0" and nothing else does, then one substring search
_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 20


def _exact(line: bytes, event: Any) -> Any:
    """orjson reads integers beyond 64 bits as floats, which `type: integer` rejects; such a
    rejected line is read again with the standard library, which keeps them exact."""
    if _LONG_NUMBER not in line.translate(_DIGITS):
        return event
    try:
        return json.loads(line)
    except ValueError:
        return event


def _note(result: Partial, number: int, why: str) -> None:
    if len(result.malformed_lines) < MAX_MALFORMED_SHOWN:
        result.malformed_lines.append((number, why))


def _record(
    groups: dict[GroupKey, Group],
    validator: Any,
    event: Any,
    number: int,
    line: bytes,
    known: Any = None,
) -> None:
    """Count the event in the group of each of its errors, built by jsonschema-rs (and tell
    `known` what they were)."""
    seen: dict[GroupKey, None] = {}
    for error in validator.iter_errors(event):
        key = (tuple(error.schema_path), _pattern(error.instance_path))
        if key in seen:
            continue
        seen[key] = None
        group = groups.get(key)
        if group is None:
            groups[key] = Group(1, number, str(error.message), bytes(line))
        else:
            group.count += 1
    if known is not None:
        known.learn(event, list(seen))


def _scan_range(task: tuple[str, int, int]) -> Partial:
    path, start, end = task
    with open(path, "rb") as handle:
        handle.seek(start)
        return scan(read_batches(raw_chunks(handle, end - start)), _compiled)


HUGE = b"\x00cws-compat: line too long\x00"  # stands for a skipped line inside a blob


def _scan_blob(blob: bytes) -> Partial:
    """Whole lines, joined by newlines (without the last one), as `_blocks` cuts them."""
    return scan([block_lines(blob)], _compiled)


def block_lines(blob: bytes) -> list[bytes | None]:
    """The lines of a block from `_blocks`, None for each line too long to be kept."""
    lines = blob.split(b"\n")
    if HUGE not in blob and len(blob) <= MAX_LINE:
        return cast("list[bytes | None]", lines)  # no copy: the common case
    return [None if line == HUGE or len(line) > MAX_LINE else line for line in lines]


# -- whole files -----------------------------------------------------------------------------


@dataclass
class FileScan:
    path: Path | str  # a str is a URL, shown as it is
    partial: Partial


Progress = Callable[[int], None]  # bytes of the file read so far


def scan_file(
    path: Path,
    validators: list[Any],
    workers: int,
    pool: Workers | None,
    progress: Progress | None = None,
) -> FileScan:
    if path.name.endswith(".json") and compression(path) is None:
        return FileScan(path, _scan_single(path, validators))
    if (
        compression(path) is None
        and workers > 1
        and pool is not None
        and (path.stat().st_size >= PARALLEL_MIN_BYTES)
    ):
        ranges = split_ranges(path, workers * 4)
        total = Partial.empty(len(validators))
        done = 0
        for (start, end), part in zip(
            ranges, pool.map(_scan_range, [(str(path), s, e) for s, e in ranges]), strict=True
        ):
            total.absorb(part)
            done += end - start
            if progress:
                progress(done)
        return FileScan(path, total)
    return FileScan(path, _scan_stream(path, validators, workers, pool, progress))


def _scan_single(path: Path, validators: list[Any]) -> Partial:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CompatError(f"{path}: cannot read: {exc.strerror}") from None
    return scan_event(data, validators)


def scan_event(data: bytes, validators: list[Any]) -> Partial:
    """A single-event .json file's content."""
    if len(data) > MAX_LINE:
        return scan([[None]], validators)
    # a pretty-printed event spans lines: it is one event, reported at line 1
    part = scan([[data.replace(b"\n", b" ").replace(b"\r", b" ")]], validators)
    return part


def _scan_stream(
    path: Path,
    validators: list[Any],
    workers: int,
    pool: Workers | None,
    progress: Progress | None,
) -> Partial:
    chunks, raw = open_chunks(path)
    try:
        return scan_stream(chunks, raw, validators, workers, pool, progress)
    finally:
        raw.close()


def scan_stream(
    chunks: Iterator[bytes],
    raw: Any,
    validators: list[Any],
    workers: int = 1,
    pool: Workers | None = None,
    progress: Progress | None = None,
) -> Partial:
    """A whole stream of lines (`chunks`, read from `raw`), up to where it breaks."""
    total = Partial.empty(len(validators))
    stopped: list[BaseException] = []
    if workers > 1 and pool is not None:
        # the blocks go down the pipes as they are (no pickling), each worker splits its own
        for part in pool.map(_scan_blob, _blocks(chunks, raw, progress, stopped)):
            total.absorb(part)
    else:
        total.absorb(scan(_guarded(read_batches(chunks), raw, progress, stopped), validators))
    if stopped:
        exc = stopped[0]
        total.problem = (
            f"reading stopped after line {total.physical_lines}: the file is "
            f"truncated or corrupt ({type(exc).__name__}: {exc})"
        )
    return total


def _guarded(
    batches: Iterator[list[bytes | None]],
    raw: Any,
    progress: Progress | None,
    stopped: list[BaseException],
) -> Iterator[list[bytes | None]]:
    """The batches until the stream breaks (kept in `stopped`), reporting progress."""
    errors = stream_errors()
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except errors as exc:
            stopped.append(exc)
            return
        yield batch
        if progress is not None:
            with contextlib.suppress(OSError, ValueError):
                progress(raw.tell())


def _blocks(
    chunks: Iterator[bytes],
    raw: Any,
    progress: Progress | None,
    stopped: list[BaseException],
) -> Iterator[bytes]:
    """The stream cut into blocks of about BATCH_BYTES whole lines for the workers, without
    splitting it into lines here: a block ends before the last newline found (bytes.rfind).
    The same lines as `read_batches` gives: a line longer than MAX_LINE is not kept (HUGE
    stands for it), and where the stream breaks (kept in `stopped`) the unfinished line is
    dropped."""
    errors = stream_errors()
    pending = bytearray()
    skipping = False  # inside a line longer than MAX_LINE, not kept
    while True:
        try:
            data = next(chunks)
        except StopIteration:
            break
        except errors as exc:
            stopped.append(exc)
            cut = pending.rfind(b"\n")
            if cut >= 0:
                yield bytes(memoryview(pending)[:cut])
            return
        if skipping:
            end = data.find(b"\n")
            if end < 0:
                continue
            pending += HUGE
            data = data[end:]
            skipping = False
        pending += data
        if len(pending) >= BATCH_BYTES:
            cut = pending.rfind(b"\n")
            if cut >= 0:
                with memoryview(pending) as view:
                    block = bytes(view[:cut])
                del pending[: cut + 1]
                yield block
                if progress is not None:
                    with contextlib.suppress(OSError, ValueError):
                        progress(raw.tell())
            if len(pending) > MAX_LINE:  # no newline in sight: the line is too long
                pending.clear()
                skipping = True
    if skipping:
        yield HUGE
    elif pending:
        if pending.endswith(b"\n"):
            del pending[-1:]
        yield bytes(pending)


def default_workers() -> int:
    return max(
        1,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    )


class Runner:
    """Validators compiled once, and worker processes when more than one is asked for."""

    def __init__(self, targets: list[Target], workers: int) -> None:
        self.targets = targets
        self.workers = max(1, workers)
        self.validators = _compile(targets)
        self.pool: Workers | None = None
        if self.workers > 1:
            self.pool = Workers(self.workers, targets)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if self.pool is not None:
            self.pool.close(finished=kind is None)

    def scan(self, path: Path, progress: Progress | None = None) -> FileScan:
        return scan_file(path, self.validators, self.workers, self.pool, progress)


def _context() -> Any:
    # fork is fastest, but Python 3.12+ warns against forking a threaded process (every
    # command runs in a worker thread); forkserver starts clean workers instead
    methods = multiprocessing.get_all_start_methods()
    if sys.version_info < (3, 12) and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class Workers:
    """Worker processes, each with its own pipe, given one task at a time.

    Nothing here waits without a timeout and the workers share no lock, so stopping them (Ctrl-C,
    an error) is immediate and cannot hang: they are terminated and joined. They ignore SIGINT,
    which a Ctrl-C at a terminal sends to the whole process group: it is the parent's to handle
    (they start with it blocked, so even one that arrives while they start cannot kill them).
    A worker that dies is an error, not a wait for a result that never comes.
    """

    POLL = 0.1  # seconds between looks, so that an interrupt is never kept waiting

    def __init__(self, size: int, targets: list[Target]) -> None:
        context = _context()
        if context.get_start_method() != "fork":
            # starting the resource tracker (forkserver, spawn) unblocks SIGINT in the calling
            # thread instead of restoring its mask: start it before blocking SIGINT below
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        self.processes: list[Any] = []
        self.pipes: list[Any] = []
        self.slots: list[Any] = []  # a shared memory buffer per worker, for its blocks
        try:
            with sigint_blocked():
                for number in range(size):
                    # an interrupt waits for a start to end: a process half started would be
                    # out of reach (and, half sent, would complain on our standard error)
                    with shielded():
                        slot = shared_memory.SharedMemory(create=True, size=SLOT_BYTES)
                        self.slots.append(slot)
                        ours, theirs = context.Pipe()
                        self.pipes.append(ours)
                        process = context.Process(
                            target=_serve,
                            args=(theirs, targets, slot.name),
                            name=f"cws-compat-corpus-{number + 1}",
                            daemon=True,
                        )
                        process.start()
                        self.processes.append(process)
                        theirs.close()
        except BaseException:
            self.close(finished=False)
            raise

    def map(self, func: Callable[[Any], Partial], tasks: Iterable[Any]) -> Iterator[Partial]:
        """`func` over `tasks` in the workers, results in the order of the tasks. The next task
        is read (a file range, a decompressed batch) while the workers are busy."""
        pending = iter(tasks)
        idle = list(range(len(self.processes)))
        busy: dict[int, int] = {}  # worker -> number of its task
        results: dict[int, Partial] = {}
        sent = given = 0
        ahead = next(pending, _END)
        while True:
            while idle and ahead is not _END:
                worker = idle.pop()
                if isinstance(ahead, bytes) and len(ahead) <= SLOT_BYTES:
                    # a block of lines: copied into the worker's shared memory (the worker is
                    # idle, so not reading it), and only its length sent down the pipe
                    self.slots[worker].buf[: len(ahead)] = ahead
                    self._send(worker, (func, (_SLOT, len(ahead))))
                elif isinstance(ahead, bytes):
                    # a larger one (a very long line): down the pipe, unpickled
                    self._send(worker, (func, _RAW))
                    self._send(worker, ahead, raw=True)
                else:
                    self._send(worker, (func, ahead))
                busy[worker] = sent
                sent += 1
                ahead = next(pending, _END)
            while given in results:
                yield results.pop(given)
                given += 1
            if not busy and ahead is _END:
                return
            for worker in self._ready(busy):
                results[busy.pop(worker)] = self._receive(worker)
                idle.append(worker)

    def _send(self, worker: int, message: Any, raw: bool = False) -> None:
        try:
            if raw:
                self.pipes[worker].send_bytes(message)
            else:
                self.pipes[worker].send(message)
        except (OSError, ValueError):
            raise self._died(worker) from None

    def _ready(self, busy: dict[int, int]) -> list[int]:
        from multiprocessing.connection import wait

        watched = {}
        for worker in busy:
            watched[self.pipes[worker]] = worker
            watched[self.processes[worker].sentinel] = worker
        ready = wait(list(watched), timeout=self.POLL)
        return sorted({watched[r] for r in ready})

    def _receive(self, worker: int) -> Partial:
        pipe = self.pipes[worker]
        try:
            if not pipe.poll():
                raise EOFError
            kind, value = pipe.recv()
        except (EOFError, OSError):
            raise self._died(worker) from None
        if kind == "error":
            raise value
        assert isinstance(value, Partial)
        return value

    def _died(self, worker: int) -> CompatError:
        process = self.processes[worker]
        process.join(1)
        return CompatError(
            f"corpus worker process {process.name} stopped unexpectedly "
            f"(exit status {process.exitcode})"
        )

    def close(self, finished: bool) -> None:
        """Stop the workers: when `finished`, by telling them; otherwise at once."""
        for pipe in self.pipes:
            with contextlib.suppress(OSError, ValueError):
                if finished:
                    pipe.send(None)
        for process in self.processes:
            if not finished:
                process.terminate()
        for process in self.processes:
            process.join(2)
            if process.is_alive():
                process.kill()
                process.join(2)
        for pipe in self.pipes:
            pipe.close()
        for slot in self.slots:
            with contextlib.suppress(OSError, BufferError):
                slot.close()
                slot.unlink()


_END = object()
_RAW = "cws-compat: the task follows, as bytes"  # in place of a task sent with send_bytes
_SLOT = "cws-compat: the task is in shared memory"  # (_SLOT, length) in place of a task
SLOT_BYTES = 4 * BATCH_BYTES  # a block is BATCH_BYTES and a decompressed chunk at most, mostly


def _serve(pipe: Any, targets: list[Target], slot_name: str) -> None:
    """A worker process: tasks in, results out, until told to stop or the parent is gone."""
    ignore_sigint()
    parent = os.getppid()
    slot = shared_memory.SharedMemory(name=slot_name)  # the parent unlinks it
    try:
        _compiled[:] = _compile(targets)
    except Exception as exc:
        failure: Exception | None = exc
    else:
        failure = None
    while True:
        try:
            if not pipe.poll(1.0):
                if os.getppid() != parent:
                    return  # the parent died without stopping us
                continue
            message = pipe.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        func, task = message
        if type(task) is tuple and len(task) == 2 and task[0] == _SLOT:
            task = bytes(slot.buf[: task[1]])  # type: ignore[index]
        elif task == _RAW:
            try:
                task = pipe.recv_bytes()
            except (EOFError, OSError):
                return
        try:
            if failure is not None:
                raise failure
            reply: tuple[str, Any] = ("ok", func(task))
        except Exception as exc:
            reply = ("error", exc)
        try:
            try:
                pipe.send(reply)
            except (TypeError, AttributeError, pickle.PicklingError):  # an unpicklable error
                pipe.send(("error", CompatError(f"{type(reply[1]).__name__}: {reply[1]}")))
        except (OSError, ValueError):
            return


def corpus_files(paths: list[Path]) -> list[Path]:
    files = expand(paths)
    if not files:
        raise CompatError("no corpus files found (looked for .jsonl, .jsonl.gz, .jsonl.zst, .json)")
    return files
