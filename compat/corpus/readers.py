"""Streaming reads of event corpora: JSON Lines (plain, .gz, .zst), single-event .json files,
and directories of them. Nothing is loaded whole; every problem is reported with its line."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath
from typing import IO, Any

from compat.errors import CompatError

SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst", ".json")
MAX_LINE = 64 * 1024 * 1024  # a longer line is reported as malformed without being parsed


def is_corpus_file(path: PurePath) -> bool:
    return path.name.endswith(SUFFIXES)


def expand(paths: list[Path]) -> list[Path]:
    """Files to read: the files given, and corpus files found in directories (recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and is_corpus_file(p))
        elif path.is_file():
            found.append(path)
        elif not path.exists():
            raise CompatError(f"{path}: no such file or directory")
        else:
            raise CompatError(f"{path}: not a regular file")
    return found


def compression(path: PurePath) -> str | None:
    if path.name.endswith(".gz"):
        return "gzip"
    if path.name.endswith(".zst"):
        return "zstd"
    return None


class Truncated(Exception):
    """A compressed stream ended before its end marker."""


def open_chunks(path: Path, chunk: int = 1 << 20) -> tuple[Iterator[bytes], IO[bytes]]:
    """(decompressed chunks, the file itself): the file tells how far it has been read.

    Decompression is incremental, so a truncated file still yields everything before the cut,
    then raises Truncated.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise CompatError(f"{path}: cannot read: {exc.strerror}") from None
    return decompressed(Reading(raw, path), compression(path), chunk), raw


class Reading:
    """A file whose read errors are input errors (CompatError, naming it), never taken for a
    truncated or corrupt compressed stream: the decompressors' errors include OSError."""

    def __init__(self, handle: IO[bytes], path: PurePath | str) -> None:
        self.handle = handle
        self.path = path

    def read(self, size: int = -1) -> bytes:
        try:
            return self.handle.read(size)
        except OSError as exc:
            raise CompatError(f"{self.path}: cannot read: {exc.strerror or exc}") from None


COMPRESSED_READ = 1 << 16  # compressed bytes decompressed at a time: their output stays small


def decompressed(
    raw: IO[bytes] | Reading, kind: str | None, chunk: int = 1 << 20
) -> Iterator[bytes]:
    """The chunks of an open file, decompressed as `kind` (from `compression`) says. A
    compressed file is read COMPRESSED_READ bytes at a time (at most `chunk`): a megabyte of
    it can grow tenfold, and every copy of that (lines, blocks for the workers) with it."""
    if kind is not None:
        chunk = min(chunk, COMPRESSED_READ)
    if kind == "gzip":
        return _inflate(raw, chunk, lambda: zlib.decompressobj(16 + zlib.MAX_WBITS))
    if kind == "zstd":
        import zstandard

        return _inflate(raw, chunk, lambda: zstandard.ZstdDecompressor().decompressobj())
    return raw_chunks(raw, None, chunk)


def raw_chunks(
    handle: IO[bytes] | Reading, limit: int | None, chunk: int = 1 << 20
) -> Iterator[bytes]:
    remaining = limit
    while remaining is None or remaining > 0:
        data = handle.read(chunk if remaining is None else min(chunk, remaining))
        if not data:
            return
        if remaining is not None:
            remaining -= len(data)
        yield data


def _inflate(raw: IO[bytes] | Reading, chunk: int, new: Any) -> Iterator[bytes]:
    """Decompress member after member (gzip) or frame after frame (zstd). A file of 0 bytes
    holds no stream at all: it is truncated, as one cut anywhere else is."""
    decompressor = new()
    pending = False  # input given to the current decompressor, which has not ended yet
    started = False
    while True:
        data = raw.read(chunk)
        if not data:
            break
        started = True
        while data:
            out = decompressor.decompress(data)
            pending = True
            if out:
                yield out
            if decompressor.eof:
                data = decompressor.unused_data
                decompressor = new()
                pending = False
            else:
                data = b""
    if pending:
        raise Truncated("the compressed stream ends before its end marker")
    if not started:
        # as gzip -t and zstd -t say: not even a header, so not an empty stream either
        raise Truncated("the compressed file is empty (0 bytes)")


def read_batches(chunks: Iterable[bytes]) -> Iterator[list[bytes | None]]:
    """Lists of consecutive lines (without their newline); None stands for a line longer than
    MAX_LINE, which is skipped without being kept."""
    carry = b""
    skipping = False
    for data in chunks:
        parts = data.split(b"\n")
        batch: list[bytes | None] = []
        if skipping:
            if len(parts) == 1:
                continue  # still inside the huge line
            batch.append(None)
            skipping = False
            parts = parts[1:]
            carry = b""
        parts[0] = carry + parts[0]
        carry = parts.pop()
        if len(data) > MAX_LINE or len(parts[0] if parts else b"") > MAX_LINE:
            batch += [None if len(p) > MAX_LINE else p for p in parts]
        else:
            batch += parts
        if len(carry) > MAX_LINE:
            skipping, carry = True, b""
        if batch:
            yield batch
    if skipping:
        yield [None]
    elif carry:
        yield [carry]


STREAM_ERRORS: tuple[type[BaseException], ...] = (Truncated, EOFError, OSError, zlib.error)


def stream_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean a compressed stream is truncated or corrupt."""
    try:
        import zstandard

        return (*STREAM_ERRORS, zstandard.ZstdError)
    except ImportError:  # pragma: no cover
        return STREAM_ERRORS


def split_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """Byte ranges of a plain file, cut at line starts, for parallel reading."""
    size = path.stat().st_size
    if parts <= 1 or size == 0:
        return [(0, size)]
    cuts = [0]
    with path.open("rb") as handle:
        for k in range(1, parts):
            target = size * k // parts
            if target <= cuts[-1]:
                continue
            handle.seek(target - 1)
            handle.readline()  # to the start of the next line
            cut = handle.tell()
            if cut < size and cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(size)
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
