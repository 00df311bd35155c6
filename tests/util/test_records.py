"""compat/util/records.py behaves as the dataclasses it replaces."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from compat.modes import Mode
from compat.prove.goals import Failure
from compat.schema.model import Bound
from compat.util.records import FrozenRecord, Record


class Point(Record):
    _fields = ("x", "y")
    _hidden = frozenset({"y"})

    def __init__(self, x: Any, y: Any = None) -> None:
        self.x = x
        self.y = y


@dataclasses.dataclass
class PointData:
    x: Any
    y: Any = dataclasses.field(default=None, repr=False)


def test_a_record_compares_and_shows_as_a_dataclass() -> None:
    assert Point(1, [2]) == Point(1, [2])
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != PointData(1)
    assert repr(Point(1, 2)) == repr(PointData(1, 2)).replace("PointData", "Point")
    loop = Point(None)
    loop.x = loop
    assert repr(loop) == "Point(x=...)"
    with pytest.raises(TypeError):
        hash(Point(1))


def test_a_frozen_record_hashes_and_refuses_assignment_as_a_frozen_dataclass() -> None:
    assert Bound(1, True) == Bound(1, True) and Bound(1) != Bound(1, True)
    assert len({Bound(1), Bound(1), Bound(2)}) == 2
    mode = Mode("full")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mode.name = "forward"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del mode.name
    assert isinstance(mode, FrozenRecord)
    assert pickle.loads(pickle.dumps(mode)) == mode
    assert copy.deepcopy(Bound(3)) == Bound(3)


def test_failures_are_equal_only_to_themselves() -> None:
    first, second = Failure((), "", "type", ()), Failure((), "", "type", ())
    assert first == first and first != second
    assert len({first, second}) == 2
