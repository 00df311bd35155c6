"""Reading and writing files without surprises: clear errors in, atomic writes out."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from compat.errors import CompatError
from compat.util.interrupts import settle, shielded


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
    """Parse JSON text, reporting the line and column of the first error. A lone surrogate
    (`"\\ud800"` with no low half) is refused: it is no character, and no UTF-8 text (or
    validator) can hold it."""
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=json_float, parse_int=json_int
        )
        if "\\u" in text:  # only an escape can make a lone surrogate
            refuse_lone_surrogates(value, label)
        return value
    except json.JSONDecodeError as exc:
        raise CompatError(
            f"{label}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise CompatError(f"{label}: invalid JSON: {exc}") from None


def refuse_lone_surrogates(value: Any, label: str, kind: str = "JSON") -> None:
    """Raise, naming where, when a key or string anywhere in `value` holds a lone
    surrogate (U+D800 to U+DFFF not paired)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, pointer = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                here = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
                _surrogate_free(key, label, f"the key at {here}", kind)
                stack.append((child, here))
        elif isinstance(item, list):
            stack.extend((child, f"{pointer}/{i}") for i, child in enumerate(item))
        elif isinstance(item, str):
            _surrogate_free(item, label, f"the string at {pointer or '(root)'}", kind)


def _surrogate_free(text: Any, label: str, where: str, kind: str) -> None:
    if not isinstance(text, str):
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        shown = where.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        raise CompatError(
            f"{label}: invalid {kind}: {shown} holds a lone surrogate \\u{code:04x} (half of a "
            "UTF-16 pair, no character): write the character, or the escaped pair"
        ) from None


def json_float(text: str) -> float:
    """A JSON number with a fraction or exponent, refused when a double cannot hold it (it
    would become infinity, which JSON, and so the validators, cannot represent)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(
            f"the number {text[:40]} is beyond what a 64-bit float holds (about 1.8e308): "
            "validators cannot compare with it"
        )
    return value


def json_int(text: str) -> int:
    """A JSON integer, refused (rather than failing deep inside Python) when it has more
    digits than Python converts (sys.get_int_max_str_digits(), 4,300 by default)."""
    check_int_digits(text)
    return int(text)


def check_int_digits(text: str) -> None:
    """Raise ValueError, in one plain sentence, when the integer literal `text` has more
    digits than Python converts."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    digits = sum(1 for c in text if c.isalnum())
    if limit and digits > limit:
        raise ValueError(f"an integer of {digits:,} digits is longer than the {limit:,} allowed")


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


# -- writing ------------------------------------------------------------------------------------
#
# Every file is written to a temporary file beside it, then renamed over it: a reader sees the
# old file or the new one, never a part. Temporary files are named before they are created and
# remembered until they are renamed or removed, so that whatever stops a command (an error, a
# full disk, Ctrl-C at any moment) `remove_temporaries` can delete what is left.

_temporaries: set[str] = set()
_temporaries_lock = threading.Lock()


def _token() -> str:
    import secrets  # here: commands that only read never pay for it

    return secrets.token_hex(4)


def cannot_write(path: Path, exc: OSError) -> CompatError:
    """The one-line error for a failed write (read-only directory, full disk, ...)."""
    return CompatError(f"{path}: cannot write: {exc.strerror or exc}")


def _directory_of(path: Path) -> Path:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CompatError(f"{path}: directory {directory} does not exist")
    return directory


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new, empty temporary file beside `path`, open for writing: (descriptor, name)."""
    directory = _directory_of(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    while True:
        name = str(directory / f".{path.name}.{_token()}.cws-compat.tmp")
        with _temporaries_lock:
            _temporaries.add(name)
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            _forget(name)
        except OSError as exc:
            _forget(name)
            raise cannot_write(path, exc) from None


def _forget(name: str) -> None:
    with _temporaries_lock:
        _temporaries.discard(name)


def _discard(name: str) -> None:
    """Remove a temporary file (if it is still there)."""
    with contextlib.suppress(OSError):
        os.unlink(name)
    _forget(name)


def remove_temporaries() -> None:
    """Remove every temporary file this process created and has not renamed yet."""
    with _temporaries_lock:
        names = list(_temporaries)
    for name in names:
        _discard(name)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Descriptor(io.RawIOBase):
    """A file descriptor as a raw stream whose writes go through `os.write`."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return os.write(self.fd, data)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if not self.closed:
            try:
                os.close(self.fd)
            finally:
                super().close()


def _mode_for(path: Path) -> int:
    """The permissions of the file a temporary file replaces, or the default for a new one."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _finish(fd: int, name: str, path: Path) -> None:
    """Make a written temporary file durable and give it the target's permissions."""
    os.fsync(fd)
    with contextlib.suppress(OSError):
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _mode_for(path))
        else:  # pragma: no cover - Windows
            os.chmod(name, _mode_for(path))


def _stage(path: Path, data: bytes) -> str:
    """A complete temporary copy of `path` holding `data`, ready to be renamed over it."""
    fd, name = _create_temporary(path)
    try:
        try:
            _write_all(fd, data)
            _finish(fd, name, path)
        finally:
            os.close(fd)
    except OSError as exc:
        _discard(name)
        raise cannot_write(path, exc) from None
    except BaseException:
        _discard(name)
        raise
    return name


def output_target(path: Path) -> tuple[Path, bool]:
    """Where writing `path` really goes, and whether it must be written in place: a symbolic
    link is followed (the file it names is replaced, never the link), and an existing FIFO,
    device or socket (`/dev/stdout`, a pipe) is written to, as it cannot be replaced by a
    rename without breaking it."""
    import stat

    target = path
    with contextlib.suppress(OSError, RuntimeError):
        if path.is_symlink():
            target = path.resolve()
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return target, False
    return target, not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write through a temporary file in the same directory and a rename: all or nothing (a
    FIFO or a device is written in place; a symbolic link's file is replaced, not the link)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path, in_place = output_target(path)
    if in_place:
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise cannot_write(path, exc) from None
        return
    name = _stage(path, data)
    try:
        os.replace(name, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        _discard(name)


@contextlib.contextmanager
def atomic_stream(path: Path) -> Iterator[IO[bytes]]:
    """A binary file to write that appears at `path` only once complete (compressed by the
    suffix: .gz or .zst). A symbolic link's file is replaced, not the link."""
    path, _ = output_target(path)
    fd, name = _create_temporary(path)
    raw = io.BufferedWriter(_Descriptor(fd), buffer_size=1 << 16)
    try:
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
            _finish(fd, name, path)
        finally:
            with contextlib.suppress(OSError):
                raw.close()  # closes fd, without a last flush after a failed write
        os.replace(name, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        _discard(name)


def write_all_or_nothing(files: dict[Path, bytes], check: Callable[[], None] | None = None) -> None:
    """Write every file or none: complete temporary files first; then, after `check` (which
    may refuse by raising), renames in order, so the last file is the one that makes the change
    visible. A failure puts back what was there. An interrupt stops it before the renames; once
    they have begun, the command is past its point of no return: it finishes (`settle`)."""
    staged: dict[Path, str] = {}
    try:
        before = {path: _previous(path) for path in files}
        for path, data in files.items():
            staged[path] = _stage(path, data)
        with shielded():
            if check is not None:
                check()
            _rename_all(staged, before)
            settle()
    finally:
        for name in staged.values():
            _discard(name)


def _rename_all(staged: dict[Path, str], before: dict[Path, bytes | None]) -> None:
    done: list[Path] = []
    target: Path | None = None
    try:
        for target, name in staged.items():
            os.replace(name, target)
            done.append(target)
    except BaseException as exc:
        for path in reversed(done):
            _restore(path, before[path])
        if isinstance(exc, OSError) and target is not None:
            raise cannot_write(target, exc) from None
        raise


def _previous(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CompatError(f"{path}: cannot read: {exc.strerror}") from None


def _restore(path: Path, data: bytes | None) -> None:
    """Put a file back as it was (best effort: this runs after a failure)."""
    with contextlib.suppress(OSError, CompatError):
        if data is None:
            os.unlink(path)
        else:
            name = _stage(path, data)
            try:
                os.replace(name, path)
            finally:
                _discard(name)
