"""Re-validate corpora against schema versions: each event is parsed once and checked against
every version. jsonschema-rs answers yes or no and groups the errors of rejected events; the
first event of each group is explained again by jsonschema, the reference validator. Where the
groups of a rejected event follow exactly from a few keywords already seen failing, they are
read off the event rather than built (known.py).

With several workers, a plain file is cut into byte ranges at line starts and each worker reads
its own range; a compressed file is decompressed once, cut into blocks at line ends, and each
block is copied once, straight from the decompressed chunks, into a shared memory slot of a
worker (each worker has two, so it never waits for the next block; it splits its own). Partial
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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import shared_memory
from pathlib import Path
from typing import Any, cast

import orjson

from compat.corpus.readers import (
    MAX_LINE,
    Reading,
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


# What attribution needs to know of one rejected event in a group, beyond the group's key: the
# property names its error concerns (missing ones for `required`, unexpected ones for
# `additionalProperties`; empty for other keywords) and which versions reject the event (bit i:
# the i-th target), so that a corpus defect (rejected by the capture version too) is told per
# event, whatever the order of the lines or the number of workers.
Kind = tuple[tuple[str, ...], int]


@dataclass
class Group:
    count: int
    first_line: int
    message: str
    first_event: bytes
    kinds: dict[Kind, int] = field(default_factory=dict)  # events of each kind, summing to count

    def add(self, kind: Kind) -> None:
        self.count += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


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
                    for kind, count in group.kinds.items():
                        found.kinds[kind] = found.kinds.get(kind, 0) + count
        if self.problem is None:
            self.problem = other.problem


_compiled: list[Any] = []


class Checker:
    """A version's jsonschema-rs validator, and what is known of its errors (known.py)."""

    __slots__ = ("is_valid", "iter_errors", "known", "rounding")

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
        self.rounding = rounding_matters(document)


# keywords whose verdict on an integer beyond 64 bits, read by orjson as the nearest float, may
# be `valid` where the integer itself is not: equality and bounds see the rounding, and a
# negation (not, oneOf, if) turns a wrong rejection (draft-04 integers) into a wrong acceptance
_ROUNDING_KEYWORDS = frozenset(
    {
        "const",
        "enum",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "not",
        "oneOf",
        "if",
    }
)


def rounding_matters(document: Any) -> bool:
    """Whether an event the validator accepts must be checked again when it holds an integer
    beyond 64 bits (see _ROUNDING_KEYWORDS). Any such key anywhere counts (a property named
    `enum` too): a needless check costs time, a missing one a wrong count."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if not _ROUNDING_KEYWORDS.isdisjoint(node):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _compile(targets: list[Target]) -> list[Any]:
    return [Checker(t) for t in targets]


def _pattern(path: Any, event: Any) -> tuple[Any, ...]:
    """An error's instance path as a group's pattern: array indices as "[]", property names
    as they are. jsonschema-rs gives a property named like a number ("0") as an int, as it
    gives an index: which one it is, the event says."""
    pattern: list[Any] = []
    node = event
    for part in path:
        if type(node) is list and type(part) is int:
            pattern.append("[]")
            node = node[part] if 0 <= part < len(node) else None
        else:
            name = part if type(part) is str else str(part)
            pattern.append(name)
            node = node.get(name) if type(node) is dict else None
    return tuple(pattern)


def scan(batches: Iterable[list[bytes | None]], validators: list[Any]) -> Partial:
    """The hot loop: parse each line once, check it against every version."""
    result = Partial.empty(len(validators))
    valid, invalid, groups = result.valid, result.invalid, result.groups
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    number = 0
    # a plain jsonschema-rs validator has no `known`: its rejected events' errors are built
    checks = [
        (i, v, getattr(v, "known", None), getattr(v, "rounding", True))
        for i, v in enumerate(validators)
    ]
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
            rejected: list[tuple[int, Any, Any, Any]] = []
            mask = 0
            for i, validator, known, rounding in checks:
                if validator.is_valid(event):
                    if not rounding:
                        valid[i] += 1
                        continue
                    # accepted, but maybe only as rounded: the exact event must be accepted
                    if exact is None:
                        exact = _exact(line, event)
                    if exact is event or validator.is_valid(exact):
                        valid[i] += 1
                        continue
                else:
                    if exact is None:
                        exact = _exact(line, event)
                    if exact is not event and validator.is_valid(exact):
                        valid[i] += 1
                        continue
                invalid[i] += 1
                rejected.append((i, validator, known, exact))
                mask |= 1 << i
            for i, validator, known, exact in rejected:
                if known is not None and exact is event:
                    # the event's groups read off it, when that is exact and all are known
                    keys = known.keys(event)
                    mine = groups[i]
                    if keys is not None and all(key in mine for key in keys):
                        for key, names in keys.items():
                            mine[key].add((names, mask))
                        continue
                    _record(mine, validator, event, number, line, mask, known)
                else:
                    _record(groups[i], validator, exact, number, line, mask)
    result.physical_lines = number
    return result


# a run of 20 digits, as `re.search(rb"\d{20}", line)` finds it (\d is ASCII in bytes
# patterns), or a minus and 19: every digit becomes "0" and nothing else does, then substring
# searches. orjson keeps integers from -2**63 to 2**64 - 1 exact: 19 digits at most, but for
# negative ones below -2**63 (and 20 digits up to 2**64 - 1, which are re-read needlessly)
_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 20
_LONG_NEGATIVE = b"-" + b"0" * 19


def _exact(line: bytes, event: Any) -> Any:
    """orjson reads integers beyond 64 bits as floats, which `type: integer` rejects and
    equality and bounds see rounded; such a line is read again with the standard library,
    which keeps them exact. The event itself when the line holds no such number."""
    digits = line.translate(_DIGITS)
    if _LONG_NUMBER not in digits and _LONG_NEGATIVE not in digits:
        return event
    try:
        return json.loads(line)
    except ValueError:
        return event


def read_exact(line: bytes) -> Any:
    """An event as the scan reads it: with orjson, again with the standard library when it
    holds an integer beyond 64 bits (`_exact`)."""
    return _exact(line, orjson.loads(line))


def _note(result: Partial, number: int, why: str) -> None:
    if len(result.malformed_lines) < MAX_MALFORMED_SHOWN:
        result.malformed_lines.append((number, why))


def _record(
    groups: dict[GroupKey, Group],
    validator: Any,
    event: Any,
    number: int,
    line: bytes,
    mask: int,
    known: Any = None,
) -> None:
    """Count the event in the group of each of its errors, built by jsonschema-rs (and tell
    `known` what they were); `mask`: the versions that reject it."""
    seen: dict[GroupKey, set[str]] = {}
    for error in validator.iter_errors(event):
        key = (tuple(error.schema_path), _pattern(error.instance_path, event))
        names = seen.get(key)
        if names is None:
            names = seen[key] = set()
            if key not in groups:
                groups[key] = Group(0, number, str(error.message), bytes(line))
        names.update(error_names(error))
    for key, names in seen.items():
        groups[key].add((tuple(sorted(names)), mask))
    if known is not None:
        known.learn(event, {key: tuple(sorted(names)) for key, names in seen.items()})


def error_names(error: Any) -> tuple[str, ...]:
    """The property names an error is about, where its instance path stops at the object: the
    missing one of `required` (and of draft-04 to 07 `dependencies`), the unexpected ones of
    `additionalProperties` and `unevaluatedProperties`; none for other keywords."""
    kind = error.kind
    found = getattr(kind, "property", None)
    if isinstance(found, str):
        return (found,)
    found = getattr(kind, "unexpected", None)
    if isinstance(found, list):
        return tuple(name for name in found if isinstance(name, str))
    return ()


def _scan_range(task: tuple[str, int, int]) -> Partial:
    path, start, end = task
    with open(path, "rb") as handle:
        handle.seek(start)
        return scan(read_batches(raw_chunks(Reading(handle, path), end - start)), _compiled)


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
    if not data.strip():
        # a file holds one event: without one it is malformed, not a blank line to skip
        part = Partial.empty(len(validators))
        part.physical_lines = part.malformed = 1
        _note(part, 1, "no event: the file is empty" if not data else "no event: only blanks")
        return part
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


Block = list[Any]  # pieces (bytes, memoryviews of bytes) that joined make a block of lines


def _blocks(
    chunks: Iterator[bytes],
    raw: Any,
    progress: Progress | None,
    stopped: list[BaseException],
) -> Iterator[Block]:
    """The stream cut into blocks of about BATCH_BYTES whole lines for the workers, without
    splitting it into lines here, nor joining the chunks: a block is the list of its pieces,
    which `Workers.map` copies straight into a worker's shared memory (one copy), and ends
    before the last newline found. The same lines as `read_batches` gives: a line longer than
    MAX_LINE is not kept (HUGE stands for it), and where the stream breaks (kept in `stopped`)
    the unfinished line is dropped."""
    errors = stream_errors()
    pieces: Block = []
    size = 0
    skipping = False  # inside a line longer than MAX_LINE, not kept
    while True:
        try:
            data = next(chunks)
        except StopIteration:
            break
        except errors as exc:
            stopped.append(exc)
            cut = _last_newline(pieces)
            if cut is not None:
                yield cut[0]
            return
        if skipping:
            end = data.find(b"\n")
            if end < 0:
                continue
            pieces.append(HUGE)
            size += len(HUGE)
            piece: bytes | memoryview = memoryview(data)[end:]
            skipping = False
        else:
            piece = data
        if not piece:
            continue  # no piece is empty: the last one ends the last line
        pieces.append(piece)
        size += len(piece)
        if size >= BATCH_BYTES:
            cut = _last_newline(pieces)
            if cut is not None:
                block, pieces = cut
                size = sum(len(piece) for piece in pieces)
                yield block
                if progress is not None:
                    with contextlib.suppress(OSError, ValueError):
                        progress(raw.tell())
            if size > MAX_LINE:  # no newline in sight: the line is too long
                pieces = []
                size = 0
                skipping = True
    if skipping:
        yield [HUGE]
    elif size:
        last = memoryview(pieces[-1])
        if len(last) and last[-1] == ord("\n"):
            pieces[-1] = last[:-1]  # a head, not a tail, but the last piece of the last block
        yield pieces


def _last_newline(pieces: Block) -> tuple[Block, Block] | None:
    """`pieces` cut at their last newline: (the lines before it, what follows it), or None
    when they hold none. Nothing is copied: the piece that holds it is cut into views. Every
    view among `pieces` is the tail of its bytes (`.obj`), so its offset is what it lacks."""
    for index in range(len(pieces) - 1, -1, -1):
        piece = pieces[index]
        whole = cast("bytes", piece.obj if isinstance(piece, memoryview) else piece)
        offset = len(whole) - len(piece)
        at = whole.rfind(b"\n", offset)
        if at >= 0:
            view = memoryview(piece)
            at -= offset
            rest = [view[at + 1 :]] if at + 1 < len(view) else []
            return [*pieces[:index], view[:at]], rest + pieces[index + 1 :]
    return None


def joined(block: Block) -> bytes:
    return b"".join(block)


PIPELINE_SPEED_UP = 0.85  # of the workers: one compressed file's blocks, decompressed here


def spread_pays(sizes: list[int], workers: int) -> bool:
    """Whether compressed files of these sizes end sooner spread over `workers` (whole files,
    the largest first, each to the worker that is free first) than one after the other, each
    cut into blocks for all the workers (about PIPELINE_SPEED_UP x `workers` as fast as one,
    since this process decompresses alone)."""
    if len(sizes) < 2 or workers < 2:
        return False
    loads = [0] * workers
    for size in sorted(sizes, reverse=True):
        loads[loads.index(min(loads))] += size
    return max(loads) < sum(sizes) / (workers * PIPELINE_SPEED_UP)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it will say what is wrong


def _scan_whole(path: str) -> Partial:
    """A compressed file, decompressed and scanned by one worker: the same partial counts as
    `scan_file` gives for it here, however it is cut."""
    return _scan_stream(Path(path), _compiled, 1, None, None)


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
        self.spread = 0  # files scanned whole by a worker of their own (scan_all)
        if self.workers > 1:
            self.pool = Workers(self.workers, targets)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if self.pool is not None:
            self.pool.close(finished=kind is None)

    def scan(self, path: Path, progress: Progress | None = None) -> FileScan:
        return scan_file(path, self.validators, self.workers, self.pool, progress)

    def scan_all(
        self, paths: list[Path], progress: Callable[[Path, int], None] | None = None
    ) -> Iterator[FileScan]:
        """Every file's scan, in the order given. Consecutive compressed files are spread over
        the workers, each worker decompressing whole files of its own, when that is expected
        to end sooner than handing each file's blocks to all the workers in turn (where this
        process decompresses alone); other files are scanned one by one with `scan`."""
        index = 0
        while index < len(paths):
            end = index
            while end < len(paths) and compression(paths[end]) is not None:
                end += 1
            run = paths[index:end]
            if self.pool is not None and spread_pays([_size(p) for p in run], self.workers):
                tasks = [str(path) for path in run]
                for path, part in zip(run, self.pool.map(_scan_whole, tasks), strict=True):
                    self.spread += 1
                    if progress is not None:
                        progress(path, _size(path))
                    yield FileScan(path, part)
                index = end
                continue
            path = paths[index]
            tick = None if progress is None else partial(progress, path)
            yield self.scan(path, tick)
            index += 1


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
    DEPTH = 2  # tasks given to a worker at once (and shared memory slots it has)

    def __init__(self, size: int, targets: list[Target]) -> None:
        context = _context()
        if context.get_start_method() != "fork":
            # starting the resource tracker (forkserver, spawn) unblocks SIGINT in the calling
            # thread instead of restoring its mask: start it before blocking SIGINT below
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        self.processes: list[Any] = []
        self.pipes: list[Any] = []
        self.slots: list[list[Any]] = []  # DEPTH shared memory buffers per worker, for blocks
        try:
            with sigint_blocked():
                for number in range(size):
                    # an interrupt waits for a start to end: a process half started would be
                    # out of reach (and, half sent, would complain on our standard error)
                    with shielded():
                        slots = [
                            shared_memory.SharedMemory(create=True, size=SLOT_BYTES)
                            for _ in range(self.DEPTH)
                        ]
                        self.slots.append(slots)
                        ours, theirs = context.Pipe()
                        self.pipes.append(ours)
                        process = context.Process(
                            target=_serve,
                            args=(theirs, targets, [slot.name for slot in slots]),
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
        """`func` over `tasks` in the workers, results in the order of the tasks. Each worker
        is given up to DEPTH tasks at once, so that it starts the next as soon as it is done
        with one, without waiting for this process (busy reading the next task: a file range,
        a decompressed block) to hand it over. An error is raised in the order of the tasks
        too, as a run with one worker would raise it."""
        pending = iter(tasks)
        queued: list[deque[tuple[int, int | None]]] = [deque() for _ in self.processes]
        free = [list(range(self.DEPTH)) for _ in self.processes]  # each worker's idle slots
        results: dict[int, tuple[str, Any]] = {}
        sent = given = 0
        ahead = next(pending, _END)
        while True:
            while ahead is not _END:
                # the least loaded worker, the first one among equals
                worker = min(range(len(queued)), key=lambda w: len(queued[w]))
                if len(queued[worker]) >= self.DEPTH:
                    break
                slot: int | None = None
                if isinstance(ahead, list):  # a Block of lines, in pieces
                    size = sum(len(piece) for piece in ahead)
                    if size <= SLOT_BYTES:
                        # copied into a shared memory slot of the worker that it is not
                        # reading, and only the slot and the length sent down the pipe
                        slot = free[worker].pop()
                        buffer, at = self.slots[worker][slot].buf, 0
                        for piece in ahead:
                            buffer[at : at + len(piece)] = piece
                            at += len(piece)
                        self._send(worker, (func, (_SLOT, slot, size)))
                    else:  # a larger one (a very long line): down the pipe, unpickled
                        self._send(worker, (func, _RAW))
                        self._send(worker, joined(ahead), raw=True)
                else:
                    self._send(worker, (func, ahead))
                queued[worker].append((sent, slot))
                sent += 1
                ahead = next(pending, _END)
            while given in results:
                kind, value = results.pop(given)
                if kind == "error":
                    raise value
                yield value
                given += 1
            if ahead is _END and not any(queued):
                return
            for worker in self._ready([w for w, q in enumerate(queued) if q]):
                number, slot = queued[worker].popleft()
                results[number] = self._receive(worker)
                if slot is not None:
                    free[worker].append(slot)

    def _send(self, worker: int, message: Any, raw: bool = False) -> None:
        try:
            if raw:
                self.pipes[worker].send_bytes(message)
            else:
                self.pipes[worker].send(message)
        except (OSError, ValueError):
            raise self._died(worker) from None

    def _ready(self, busy: list[int]) -> list[int]:
        from multiprocessing.connection import wait

        watched = {}
        for worker in busy:
            watched[self.pipes[worker]] = worker
            watched[self.processes[worker].sentinel] = worker
        ready = wait(list(watched), timeout=self.POLL)
        return sorted({watched[r] for r in ready})

    def _receive(self, worker: int) -> tuple[str, Any]:
        """("ok", a Partial) or ("error", the exception the task raised)."""
        pipe = self.pipes[worker]
        try:
            if not pipe.poll():
                raise EOFError
            kind, value = pipe.recv()
        except (EOFError, OSError):
            raise self._died(worker) from None
        assert kind == "error" or isinstance(value, Partial)
        return kind, value

    def _died(self, worker: int) -> CompatError:
        process = self.processes[worker]
        process.join(1)
        return CompatError(
            f"corpus worker process {process.name} stopped unexpectedly "
            f"(exit status {process.exitcode})"
        )

    def close(self, finished: bool) -> None:
        """Stop the workers: when `finished`, by telling them; otherwise at once. Shielded from
        a further Ctrl-C (it is raised once they are stopped), which would otherwise leave
        shared memory behind; the shared memory goes first (a worker keeps its mapping)."""
        with shielded():
            for slots in self.slots:
                for slot in slots:
                    with contextlib.suppress(OSError, BufferError):
                        slot.close()
                    with contextlib.suppress(OSError):
                        slot.unlink()
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


_END = object()
_RAW = "cws-compat: the task follows, as bytes"  # in place of a task sent with send_bytes
_SLOT = "cws-compat: the task is in shared memory"  # (_SLOT, slot, length) for a task
SLOT_BYTES = 4 * BATCH_BYTES  # a block is BATCH_BYTES and a decompressed chunk at most, mostly


def _serve(pipe: Any, targets: list[Target], slot_names: list[str]) -> None:
    """A worker process: tasks in, results out, until told to stop or the parent is gone."""
    ignore_sigint()
    parent = os.getppid()
    # the shared memory is opened when a block first comes through it: the parent unlinks it
    # when it stops the workers, which may be before a slow one has even started
    slots: list[Any] = []
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
        if type(task) is tuple and len(task) == 3 and task[0] == _SLOT:
            if not slots:
                try:
                    slots = [_attach(name) for name in slot_names]
                except FileNotFoundError:
                    return  # the parent is stopping us
            task = bytes(slots[task[1]].buf[: task[2]])
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


def _attach(name: str) -> Any:
    """The parent's shared memory `name`, opened without telling the resource tracker, which
    Python (before 3.13) does for every process that opens one: the parent created it and
    unlinks it, and a worker's notice arriving after the parent's unlink made the tracker
    warn of a leak at exit."""
    from multiprocessing import resource_tracker

    register = resource_tracker.register
    resource_tracker.register = lambda *args, **kwargs: None
    try:
        return shared_memory.SharedMemory(name=name)
    finally:
        resource_tracker.register = register


def corpus_files(paths: list[Path]) -> list[Path]:
    files = expand(paths)
    if not files:
        raise CompatError("no corpus files found (looked for .jsonl, .jsonl.gz, .jsonl.zst, .json)")
    return files
