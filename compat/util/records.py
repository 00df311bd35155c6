"""Record classes without the start-up cost of dataclasses.

`@dataclass` writes out and compiles the source of `__init__`, `__repr__` and `__eq__` (and, when
frozen, `__hash__`, `__setattr__` and `__delattr__`) for each class as its module is imported:
a few tenths of a millisecond per class, about 9 ms of every `cws-compat diff` for the twenty
records on its path. A `Record` names its fields in `_fields` and writes its own `__init__`;
equality, hashing and the repr behave as a dataclass's, computed from `_fields` when they are
called (rarely) instead of generated at import.
"""

from __future__ import annotations

import reprlib
from typing import Any, ClassVar


class Record:
    """Equal to an instance of the very same class with equal fields (compared in order, as a
    dataclass with `eq=True` compares them), unhashable as a mutable dataclass is, and shown as
    `Name(field=value, ...)` (fields in `_hidden` left out)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _hidden: ClassVar[frozenset[str]] = frozenset()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Record)
            return self._values() == other._values()
        return NotImplemented

    # defining __eq__ alone leaves __hash__ None: unhashable, as a mutable dataclass

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._hidden
        )
        return f"{type(self).__qualname__}({shown})"


class FrozenRecord(Record):
    """A record that, like a frozen dataclass, is hashable by its fields and refuses assignment
    once built: its `__init__` sets the fields with `_set`."""

    __slots__ = ()

    def _set(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise _frozen(name)

    def __delattr__(self, name: str) -> None:
        raise _frozen(name)


def _frozen(name: str) -> AttributeError:
    from dataclasses import FrozenInstanceError  # the error a frozen dataclass raises

    return FrozenInstanceError(f"cannot assign to field {name!r}")
