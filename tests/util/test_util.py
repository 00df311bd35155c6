"""util/: JSON positions (for annotations) and atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compat.errors import CompatError
from compat.util.files import atomic_write, load_schema_json
from compat.util.jsonpos import locate

TEXT = '{\n  "a": {\n    "b~c/d": [1, {"e": true}]\n  },\n  "f": 2\n}\n'


@pytest.mark.parametrize(
    ("pointer", "where"),
    [
        ("/a", (2, 3)),
        ("/a/b~0c~1d", (3, 5)),
        ("/a/b~0c~1d/1/e", (3, 19)),
        ("/f", (5, 3)),
        ("/a/missing", (2, 3)),  # the nearest existing ancestor
        ("", (1, 1)),
    ],
)
def test_locate_points_at_the_member(pointer: str, where: tuple[int, int]) -> None:
    assert locate(TEXT, pointer) == where


def test_atomic_write_replaces_or_leaves_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]  # no temporary file left
    with pytest.raises(CompatError, match="does not exist"):
        atomic_write(tmp_path / "nope" / "x.txt", "data")


def test_schema_documents_are_objects_or_booleans() -> None:
    assert load_schema_json(b"true", "t") is True
    assert load_schema_json(b'{"type": "string"}', "t") == {"type": "string"}
    with pytest.raises(CompatError, match=r"must be a JSON object \(or true/false\), found array"):
        load_schema_json(b"[]", "t")


def test_the_collector_pause_restores_the_collector_and_keeps_nothing_frozen() -> None:
    import gc
    import weakref

    from compat.util.gcpause import collector_paused

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the outer pause decides
            pass
        assert not gc.isenabled()
        cycle = Cycle()
        raise ValueError
    assert gc.isenabled() and gc.get_freeze_count() == 0
    alive = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert alive() is None  # the cycle built in the pause was garbage, and collectable

    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # disabled before, disabled after
    finally:
        gc.enable()


def test_a_keyboard_interrupt_while_waiting_for_deep_work_stops_it(tmp_path: Path) -> None:
    """Under Python's own SIGINT handler the KeyboardInterrupt lands in the waiting main
    thread's `join`, which on Python 3.11 takes the still running worker for ended: the work
    must still be told, and its own outcome (Interrupted) come back, never a missing result."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "deep.py"
    script.write_text(
        "import sys\n"
        "from compat.util.deep import run_deep\n"
        "from compat.util.interrupts import Interrupted\n"
        "print('started', flush=True)\n"
        "try:\n"
        "    run_deep(lambda: [sum(range(100)) for _ in iter(int, 1)])\n"
        "except Interrupted:\n"
        "    print('Interrupted')\n"
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "started\n"
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert (process.returncode, out, err) == (0, "Interrupted\n", "")
