"""Compatibility modes, in one place: which directions must be compatible, and whether a new
version is checked against the previous one only or, transitive, against every earlier one
(`diff` compares two schemas, so it takes the three plain modes)."""

from __future__ import annotations

from compat.errors import CompatError
from compat.util.records import FrozenRecord

PLAIN = ("backward", "forward", "full")
MODES = (*PLAIN, *(f"{name}-transitive" for name in PLAIN))
DEFAULT = "backward"
_DIRECTIONS = {
    "backward": ("backward",),
    "forward": ("forward",),
    "full": ("backward", "forward"),
}


class Mode(FrozenRecord):
    """A mode by name (`full-transitive`): its plain part, directions and transitiveness."""

    _fields = ("name",)
    name: str

    def __init__(self, name: str = DEFAULT) -> None:
        if name not in MODES:
            raise CompatError(f"unknown mode {name!r} (known: {', '.join(MODES)})")
        self._set(name=name)

    @classmethod
    def choose(cls, option: str | None, configured: str | None) -> Mode:
        """The option given, else the one configured (`[tool.cws-compat] mode`), else the
        default."""
        return cls(option or configured or DEFAULT)

    @property
    def plain(self) -> str:
        """`backward`, `forward` or `full`: what one comparison is held to."""
        return self.name.removesuffix("-transitive")

    @property
    def transitive(self) -> bool:
        return self.name.endswith("-transitive")

    @property
    def directions(self) -> tuple[str, ...]:
        return _DIRECTIONS[self.plain]

    def __str__(self) -> str:
        return self.name
