"""Re-validate corpora against schema versions: each event is parsed once and checked against
every version. jsonschema-rs answers yes or no and groups the errors of rejected events; the
first event of each group is explained again by jsonschema, the reference validator.

With several workers, a plain file is cut into byte ranges at line starts and each worker reads
its own range; a compressed file is decompressed once and handed out in batches. Partial
results are merged in file order, so every count and every first line number is the same for
any number of workers.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _compile(targets: list[Target]) -> list[Any]:
    from compat.schema.compiled import fast_validator

    return [fast_validator(t.document, t.draft, t.assert_formats, t.name) for t in targets]


def _init_worker(targets: list[Target]) -> None:
    _compiled[:] = _compile(targets)


def _pattern(path: Any) -> tuple[Any, ...]:
    return tuple("[]" if isinstance(part, int) else part for part in path)


def scan(batches: Iterable[list[bytes | None]], validators: list[Any]) -> Partial:
    """The hot loop: parse each line once, check it against every version."""
    result = Partial.empty(len(validators))
    valid, invalid, groups = result.valid, result.invalid, result.groups
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    number = 0
    checks = list(enumerate(validators))
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
            for i, validator in checks:
                if validator.is_valid(event):
                    valid[i] += 1
                    continue
                if exact is None:
                    exact = _exact(line, event)
                if exact is not event and validator.is_valid(exact):
                    valid[i] += 1
                else:
                    invalid[i] += 1
                    _record(groups[i], validator, exact, number, line)
    result.physical_lines = number
    return result


_LONG_NUMBER = re.compile(rb"\d{20}")


def _exact(line: bytes, event: Any) -> Any:
    """orjson reads integers beyond 64 bits as floats, which `type: integer` rejects; such a
    rejected line is read again with the standard library, which keeps them exact."""
    if _LONG_NUMBER.search(line) is None:
        return event
    try:
        return json.loads(line)
    except ValueError:
        return event


def _note(result: Partial, number: int, why: str) -> None:
    if len(result.malformed_lines) < MAX_MALFORMED_SHOWN:
        result.malformed_lines.append((number, why))


def _record(
    groups: dict[GroupKey, Group], validator: Any, event: Any, number: int, line: bytes
) -> None:
    seen: set[GroupKey] = set()
    for error in validator.iter_errors(event):
        key = (tuple(error.schema_path), _pattern(error.instance_path))
        if key in seen:
            continue
        seen.add(key)
        group = groups.get(key)
        if group is None:
            groups[key] = Group(1, number, str(error.message), bytes(line))
        else:
            group.count += 1


def _scan_range(task: tuple[str, int, int]) -> Partial:
    path, start, end = task
    with open(path, "rb") as handle:
        handle.seek(start)
        return scan(read_batches(raw_chunks(handle, end - start)), _compiled)


HUGE = b"\x00cws-compat: line too long\x00"  # stands for a skipped line inside a blob


def _scan_blob(blob: bytes) -> Partial:
    lines: list[bytes | None] = [None if line == HUGE else line for line in blob.split(b"\n")]
    return scan([lines], _compiled)


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
    pool: Any,
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
            ranges, pool.imap(_scan_range, [(str(path), s, e) for s, e in ranges]), strict=True
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
    path: Path, validators: list[Any], workers: int, pool: Any, progress: Progress | None
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
    pool: Any = None,
    progress: Progress | None = None,
) -> Partial:
    """A whole stream of lines (`chunks`, read from `raw`), up to where it breaks."""
    total = Partial.empty(len(validators))
    stopped: list[BaseException] = []
    batches = _guarded(read_batches(chunks), raw, progress, stopped)
    if workers > 1 and pool is not None:
        for part in pool.imap(_scan_blob, _blobs(batches)):
            total.absorb(part)
    else:
        total.absorb(scan(batches, validators))
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


def _blobs(batches: Iterator[list[bytes | None]]) -> Iterator[bytes]:
    """Batches re-joined into blobs of about BATCH_BYTES whole lines for the workers."""
    pending: list[bytes] = []
    size = 0
    for batch in batches:
        for line in batch:
            piece = HUGE if line is None else line
            pending.append(piece)
            size += len(piece) + 1
        if size >= BATCH_BYTES:
            yield b"\n".join(pending)
            pending, size = [], 0
    if pending:
        yield b"\n".join(pending)


def default_workers() -> int:
    return max(
        1,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    )


class Runner:
    """Validators compiled once, and a pool of workers when more than one is asked for."""

    def __init__(self, targets: list[Target], workers: int) -> None:
        self.targets = targets
        self.workers = max(1, workers)
        self.validators = _compile(targets)
        self.pool: Any = None
        if self.workers > 1:
            # fork is fastest, but Python 3.12+ warns against forking a threaded process (every
            # command runs in a worker thread); forkserver starts clean workers instead
            methods = multiprocessing.get_all_start_methods()
            if sys.version_info < (3, 12) and "fork" in methods:
                method = "fork"
            else:
                method = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(method)
            self.pool = context.Pool(self.workers, initializer=_init_worker, initargs=(targets,))

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def scan(self, path: Path, progress: Progress | None = None) -> FileScan:
        return scan_file(path, self.validators, self.workers, self.pool, progress)


def corpus_files(paths: list[Path]) -> list[Path]:
    files = expand(paths)
    if not files:
        raise CompatError("no corpus files found (looked for .jsonl, .jsonl.gz, .jsonl.zst, .json)")
    return files
