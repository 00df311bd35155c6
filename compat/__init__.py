"""cws-compat: semantic compatibility checks and versioning for the CWS backend event schema.

The Python API (docs/api.md): `diff` compares two schemas by meaning, `Store` reads and
releases the versions of a schema store, `validate_corpus` re-validates stored events; each
does what its command does, through the same code, and raises `CompatError` on bad input.

The names in `__all__` are imported on first use, so that `import compat` (and every
command's start-up) does not pay for the engine. `compat.diff` is the function: the
subpackage `compat/diff` (the semantic walk) is imported by its full name
(`from compat.diff.walk import ...`) and is never bound over it.
"""

from __future__ import annotations

import sys
import types

TYPE_CHECKING = False  # as typing's, without importing typing (mypy reads the name as True)

__version__ = "0.1.0"

__all__ = [
    "Change",
    "CompatError",
    "CorpusReport",
    "Counterexample",
    "Edit",
    "Release",
    "ReleaseRefused",
    "Report",
    "Store",
    "Version",
    "diff",
    "validate_corpus",
]

if TYPE_CHECKING:
    from compat.api import (
        Change,
        CorpusReport,
        Counterexample,
        Edit,
        Release,
        ReleaseRefused,
        Report,
        Store,
        Version,
        diff,
        validate_corpus,
    )
    from compat.errors import CompatError


def __getattr__(name: str) -> object:
    """The public names, imported when first asked for."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    home = "compat.errors" if name == "CompatError" else "compat.api"
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The `compat` module: importing a subpackage whose name is a public name (`compat.diff`)
    leaves the public name as it is (the subpackage is in `sys.modules` all the same)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in __all__ and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
