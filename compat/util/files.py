"""Reading and writing files without surprises: clear errors in, atomic writes out."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from compat.errors import CompatError


def read_bytes(path: Path, what: str = "file") -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CompatError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise CompatError(f"{path}: is a directory, expected a {what}") from None
    except OSError as exc:
        raise CompatError(f"{path}: cannot read: {exc.strerror}") from None


def decode_utf8(data: bytes, label: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompatError(
            f"{label}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text.removeprefix("\ufeff")


def parse_json(text: str, label: str) -> Any:
    """Parse JSON text, reporting the line and column of the first error."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CompatError(
            f"{label}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise CompatError(f"{label}: invalid JSON: {exc}") from None


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; the standard library would accept them silently.
    raise ValueError(f"{name} is not valid JSON")


def load_json_object(data: bytes, label: str, what: str = "schema") -> dict[str, Any]:
    value = parse_json(decode_utf8(data, label), label)
    if not isinstance(value, dict):
        raise CompatError(f"{label}: a {what} must be a JSON object, found {json_type(value)}")
    return value


def load_schema_json(data: bytes, label: str) -> Any:
    """A schema document: a JSON object, or `true`/`false` (boolean schemas, drafts 06 on)."""
    value = parse_json(decode_utf8(data, label), label)
    if not isinstance(value, (dict, bool)):
        raise CompatError(
            f"{label}: a schema must be a JSON object (or true/false), found {json_type(value)}"
        )
    return value


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def dump_json(value: Any) -> str:
    """The store's JSON layout: 4-space indent, key order kept, non-ASCII kept, final newline."""
    return json.dumps(value, indent=4, ensure_ascii=False) + "\n"


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write through a temporary file in the same directory and a rename: all or nothing."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CompatError(f"{path}: directory {directory} does not exist")
    import tempfile  # here: commands that only read never pay for it

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise CompatError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_stream(path: Path) -> Iterator[IO[bytes]]:
    """A binary file to write that appears at `path` only once complete (compressed by the
    suffix: .gz or .zst)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CompatError(f"{path}: directory {directory} does not exist")
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    raw = os.fdopen(fd, "wb")
    try:
        if path.name.endswith(".gz"):
            import gzip

            # mtime=0: the same events give the same bytes
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as zipped:
                yield zipped  # type: ignore[misc]
        elif path.name.endswith(".zst"):
            import zstandard

            with zstandard.ZstdCompressor(level=10).stream_writer(raw, closefd=False) as zipped:
                yield zipped
        else:
            yield raw
        raw.flush()
        os.fsync(raw.fileno())
        raw.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        raw.close()
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
