"""A local filesystem whose files fail once, for the Dask engine's retry tests.

`flaky://` reads local files; the second read of each opened file fails the first time it
happens at that place of that file (a marker file in `marks` remembers it, across worker
processes): it raises, or with `how="exit"` it ends the worker process. Workers learn the
protocol through `Register`, a worker plugin, so a restarted worker knows it too.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin
from fsspec import register_implementation
from fsspec.implementations.local import LocalFileSystem


class FlakyFileSystem(LocalFileSystem):  # type: ignore[misc]
    protocol = "flaky"

    def __init__(self, marks: str, how: str = "raise", only: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.marks, self.how, self.only = marks, how, only

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        handle = super()._open(path, mode, **kwargs)
        if not path.endswith(self.only):
            return handle
        return FlakyFile(handle, path, self.marks, self.how)


class FlakyFile:
    def __init__(self, handle: Any, path: str, marks: str, how: str) -> None:
        self.handle, self.path, self.marks, self.how = handle, path, marks, how
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads == 2 and self._first_time():
            if self.how == "exit":
                os._exit(3)
            raise ConnectionResetError("flaky: the connection went away")
        data: bytes = self.handle.read(size)
        return data

    def _first_time(self) -> bool:
        place = f"{self.path}:{self.handle.tell()}".encode()
        name = f"{os.path.basename(self.path)}-{hashlib.sha256(place).hexdigest()[:16]}"
        mark = os.path.join(self.marks, name)
        try:
            os.close(os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        position: int = self.handle.seek(offset, whence)
        return position

    def tell(self) -> int:
        position: int = self.handle.tell()
        return position

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> FlakyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def register() -> None:
    register_implementation("flaky", FlakyFileSystem, clobber=True)


class Register(WorkerPlugin):  # type: ignore[misc]
    def setup(self, worker: Any) -> None:
        register()
