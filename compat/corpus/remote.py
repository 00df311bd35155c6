"""Corpora read through fsspec: local paths, `file://`, `s3://` and `gs://` URLs, listed where
the run starts and read by tasks anywhere (the Dask engine's workers).

A task reads a whole file (a compressed one, or a single-event `.json`) or a byte range of a
plain JSON Lines file. A range holds exactly the lines that *start* inside it: it skips the
end of a line begun before it and finishes the line that straddles its end, so every line is
read by exactly one task wherever the cuts fall, without looking at the file to place them.
A task returns the same `Partial` as a local worker; merged in file order, they make the
counts, groups and line numbers of a local run.

Nothing here imports fsspec until a URL is read: the base install does not need it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from compat.corpus.readers import compression, decompressed, expand, is_corpus_file, read_batches
from compat.corpus.validate import Partial, Target, scan, scan_event, scan_stream
from compat.errors import CompatError

# URL scheme -> fsspec protocol, and the package that implements it
SCHEMES = {"file": "file", "s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs"}
PACKAGES = {"s3": "s3fs", "gcs": "gcsfs"}
SUPPORTED = "a local path, file://, s3:// or gs://"
READ_CHUNK = 1 << 20
READ_BLOCK = 4 << 20  # fsspec's read-ahead: how far past a range's end a task may fetch

_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def split_url(spec: str) -> tuple[str | None, str]:
    """(scheme, the rest) of a URL; (None, spec) for a local path."""
    found = _URL.match(spec)
    if found is None:
        return None, spec
    return found.group(1).lower(), spec[found.end() :]


def local_paths(specs: Sequence[Path | str]) -> list[Path]:
    """The specs as local paths, for the local engine, which does not read URLs."""
    paths = []
    for spec in specs:
        if isinstance(spec, str):
            scheme, _ = split_url(spec)
            if scheme is not None:
                raise CompatError(f"{spec}: URLs are read by the Dask engine (--engine dask)")
            spec = Path(spec)
        paths.append(spec)
    return paths


@dataclass(frozen=True)
class Source:
    """A corpus file: where it is (fsspec protocol and path), how it is shown, its size."""

    protocol: str
    path: str  # absolute for local files, bucket/key for object stores
    shown: Path | str  # a local file as the local engine shows it, else its URL
    size: int

    @property
    def kind(self) -> str:
        """`gzip` or `zstd` (read whole), `event` (one event per file) or `lines`."""
        name = PurePosixPath(self.path)
        packed = compression(name)
        if packed is not None:
            return packed
        return "event" if name.name.endswith(".json") else "lines"


@dataclass(frozen=True)
class Task:
    """One file, or the lines starting in [start, end) of a plain one."""

    protocol: str
    path: str
    kind: str
    start: int
    end: int
    storage_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Versions:
    """The targets of a run, sent once to every worker; `key` names the compiled validators
    a worker keeps for them."""

    key: str
    targets: tuple[Target, ...]


def resolve(specs: Sequence[Path | str], storage_options: Mapping[str, Any]) -> list[Source]:
    """The corpus files of `specs`: local paths as the local engine finds them (directories
    searched recursively, in the same order), URLs through fsspec."""
    sources: list[Source] = []
    for spec in specs:
        scheme, rest = split_url(spec) if isinstance(spec, str) else (None, str(spec))
        if scheme is None:
            sources += [_local(p) for p in expand([Path(rest)])]
        elif scheme == "file":
            # shown as URLs, as the user named them (and as a directory's corpus is named)
            found = expand([_file_path(str(spec), rest)])
            sources += [_local(p, file_url(p)) for p in found]
        elif scheme in SCHEMES:
            sources += _remote(str(spec), scheme, storage_options)
        else:
            raise CompatError(f"{spec}: unknown URL scheme '{scheme}://' (use {SUPPORTED})")
    if not sources:
        raise CompatError("no corpus files found (looked for .jsonl, .jsonl.gz, .jsonl.zst, .json)")
    return sources


def _local(path: Path, shown: Path | str | None = None) -> Source:
    return Source(
        "file", str(path.absolute()), path if shown is None else shown, path.stat().st_size
    )


def file_url(path: Path) -> str:
    """A local file as a file:// URL, as this tool shows the files named by one: its
    absolute path, not escaped (like the other URLs shown)."""
    return "file://" + path.absolute().as_posix()


def local_path(spec: str) -> Path:
    """The local path a file:// URL names."""
    return _file_path(spec, split_url(spec)[1])


def _file_path(spec: str, rest: str) -> Path:
    host, _, path = rest.partition("/")
    if host not in ("", "localhost"):
        raise CompatError(f"{spec}: file:// URLs name a file on this machine (file:///path)")
    return Path(unquote(urlsplit("file:///" + path).path))


def filesystem(protocol: str, storage_options: Mapping[str, Any], scheme: str | None = None) -> Any:
    """fsspec's filesystem for `protocol`, with a clear error when its package is missing."""
    try:
        import fsspec
    except ImportError:
        raise CompatError("reading URLs needs fsspec: pip install 'cws-compat[dask]'") from None
    try:
        return fsspec.filesystem(protocol, **storage_options)
    except ImportError:
        package = PACKAGES.get(protocol, protocol)
        raise CompatError(
            f"reading {scheme or protocol}:// needs the {package} package (pip install {package})"
        ) from None
    except (TypeError, ValueError) as exc:
        raise CompatError(f"bad storage options for {scheme or protocol}://: {exc}") from None


def _remote(spec: str, scheme: str, storage_options: Mapping[str, Any]) -> list[Source]:
    protocol = SCHEMES[scheme]
    fs = filesystem(protocol, storage_options, scheme)
    path = fs._strip_protocol(spec)
    try:
        info = fs.info(path)
        if info.get("type") != "directory":
            files = [(path, info)]  # a file named is read whatever its name
        else:
            files = [
                (name, details)
                for name, details in fs.find(path, detail=True).items()
                if details.get("type") != "directory" and is_corpus_file(PurePosixPath(name))
            ]
    except FileNotFoundError:
        raise CompatError(f"{spec}: no such file or directory") from None
    except Exception as exc:  # each filesystem has errors of its own: all are "cannot read"
        raise CompatError(f"{spec}: cannot read: {describe(exc)}") from None
    # in the order the local engine lists a directory: by path components
    files.sort(key=lambda item: PurePosixPath(item[0]).parts)
    return [
        Source(protocol, name, f"{scheme}://{name}", int(details.get("size") or 0))
        for name, details in files
    ]


def describe(exc: BaseException) -> str:
    text = str(exc).strip() or repr(exc)
    return f"{type(exc).__name__}: {text}"


def plan(source: Source, block_size: int, storage_options: Mapping[str, Any]) -> list[Task]:
    """The tasks that read `source`: byte ranges of `block_size` for a plain file, else one."""
    kind = source.kind
    if kind != "lines" or source.size <= block_size:
        return [Task(source.protocol, source.path, kind, 0, source.size, storage_options)]
    return [
        Task(
            source.protocol,
            source.path,
            kind,
            start,
            min(start + block_size, source.size),
            storage_options,
        )
        for start in range(0, source.size, block_size)
    ]


def block_chunks(
    handle: IO[bytes], start: int, end: int, chunk: int = READ_CHUNK
) -> Iterator[bytes]:
    """The bytes of the lines that start in [start, end): from the first line start at or
    after `start` to the end of the last line starting before `end`, past `end` if it
    straddles it. A line starts at 0 and right after every newline."""
    position = start
    head = b""
    if start > 0:
        # the line start is right after the first newline at or after start - 1
        handle.seek(start - 1)
        position = start - 1
        while True:
            if position >= end:
                return  # no newline in [start - 1, end - 1]: no line starts here
            data = handle.read(min(chunk, end - position))
            if not data:
                return
            cut = data.find(b"\n")
            if cut >= 0:
                position += cut + 1
                head = data[cut + 1 :]
                break
            position += len(data)
    else:
        handle.seek(0)
    if position >= end:
        return  # the line starting at `end` belongs to the next range
    last = head[-1:]
    if head:
        yield head
        position += len(head)
    while position < end:
        data = handle.read(min(chunk, end - position))
        if not data:
            return  # the file ends inside the range
        yield data
        position += len(data)
        last = data[-1:]
    if last == b"\n":
        return
    while True:  # finish the line that straddles `end`
        data = handle.read(chunk)
        if not data:
            return
        cut = data.find(b"\n")
        if cut >= 0:
            yield data[: cut + 1]
            return
        yield data


class ReadFailed(Exception):
    """Reading a file failed (network, permissions): not a verdict on its content. The task
    fails, and the engine retries it."""


class _Reads:
    """A file whose read errors are ReadFailed, so that they are never taken for a truncated
    compressed stream (whose errors include OSError)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def read(self, size: int = -1) -> bytes:
        try:
            return self.handle.read(size)
        except Exception as exc:
            raise ReadFailed(f"cannot read: {describe(exc)}") from None

    def seek(self, offset: int) -> int:
        try:
            return self.handle.seek(offset)
        except Exception as exc:
            raise ReadFailed(f"cannot read: {describe(exc)}") from None

    def tell(self) -> int:
        return self.handle.tell()


def scan_task(versions: Versions, task: Task) -> Partial:
    """Run on a worker: the task's lines checked against every version. Errors reading the
    file are ReadFailed (the caller names the file)."""
    validators = _validators(versions)
    fs = filesystem(task.protocol, task.storage_options)
    try:
        opened = fs.open(task.path, "rb", block_size=READ_BLOCK)
    except FileNotFoundError:
        raise ReadFailed("no such file or directory") from None
    except Exception as exc:
        raise ReadFailed(f"cannot read: {describe(exc)}") from None
    with opened as raw:
        handle: Any = _Reads(raw)
        if task.kind == "lines":
            return scan(read_batches(block_chunks(handle, task.start, task.end)), validators)
        if task.kind == "event":
            return scan_event(handle.read(), validators)
        return scan_stream(decompressed(handle, task.kind, READ_CHUNK), handle, validators)


_compiled: OrderedDict[str, list[Any]] = OrderedDict()
_compiling = threading.Lock()
KEEP_COMPILED = 4  # runs whose validators a worker keeps


def _validators(versions: Versions) -> list[Any]:
    """The compiled validators of a run, once per worker process."""
    with _compiling:
        found = _compiled.get(versions.key)
        if found is None:
            from compat.schema.compiled import fast_validator

            found = [
                fast_validator(t.document, t.draft, t.assert_formats, t.name)
                for t in versions.targets
            ]
            _compiled[versions.key] = found
            while len(_compiled) > KEEP_COMPILED:
                _compiled.popitem(last=False)
        return found


def merged(parts: Sequence[Partial], targets: int) -> Partial:
    """A file's partials, in file order, as one."""
    total = Partial.empty(targets)
    for part in parts:
        total.absorb(part)
    return total


_SIZE = re.compile(r"\s*(\d+)\s*([kmgt]?)(i?)(b?)\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes from `1000000`, `64MiB`, `64M`, `1GB` (K, M, G, T: powers of 1000; with `i`,
    of 1024)."""
    found = _SIZE.fullmatch(text)
    if found is None or int(found.group(1)) <= 0:
        raise CompatError(f"{text!r} is not a size in bytes (e.g. 64MiB, 100MB, 1048576)")
    number, unit, binary = int(found.group(1)), found.group(2).lower(), found.group(3)
    power = " kmgt".index(unit) if unit else 0
    return number * int((1024 if binary else 1000) ** power)


def parse_storage_options(items: Sequence[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs as fsspec storage options; a value is read as JSON when it is JSON
    (`true`, `3`, `{"region_name": "eu-west-1"}`), else kept as a string."""
    import json

    options: dict[str, Any] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise CompatError(f"--storage-option {item!r}: expected KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options
