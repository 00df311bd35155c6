"""compat/modes.py: the one Mode type."""

from __future__ import annotations

import pytest

from compat.errors import CompatError
from compat.modes import MODES, Mode


def test_names_parts_and_directions() -> None:
    mode = Mode("full-transitive")
    assert (mode.plain, mode.transitive, mode.directions) == ("full", True, ("backward", "forward"))
    assert Mode("forward").directions == ("forward",) and not Mode("forward").transitive
    assert str(Mode()) == "backward"
    assert len(MODES) == 6


def test_the_option_wins_over_the_configuration_which_wins_over_the_default() -> None:
    assert Mode.choose("forward", "full").name == "forward"
    assert Mode.choose(None, "full").name == "full"
    assert Mode.choose(None, None).name == "backward"


def test_unknown_modes_are_refused() -> None:
    with pytest.raises(CompatError, match="unknown mode 'sideways'"):
        Mode("sideways")
