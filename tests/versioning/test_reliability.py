"""Nothing lost, nothing half-written: the store and `-o` outputs under concurrent releases,
Ctrl-C at any moment, read-only directories and full disks.

Concurrency and signals are tried with the real command line in subprocesses; failures that
must be injected (a full disk, a read-only directory) in-process through the command line's
`run`, and, where the system lets a test mount one without privileges, on a real full tmpfs and
a real read-only mount.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from compat.versioning.store import Store
from tests.conftest import ROOT, STORE, invoke
from tests.processes import classify, interrupted_run, leftovers, timed_run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch project: a copy of the shipped store and changelog, as the current directory."""
    root = tmp_path / "project"
    shutil.copytree(STORE, root / "schemas" / "versions")
    shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    monkeypatch.chdir(root)
    return root


def candidate(directory: Path, number: int) -> Path:
    """v2 with one more optional property: a new version, different for every number."""
    document = json.loads((STORE / "v2.json").read_text())
    document["properties"][f"extra{number}"] = {"type": "string"}
    path = directory / f"candidate{number}.json"
    path.write_text(json.dumps(document, indent=4) + "\n")
    return path


def tree(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def assert_store_consistent(project: Path) -> list[str]:
    """Every indexed version's bytes match its sha256, every version file is indexed, and the
    changelog is the one the store gives. The store's version names."""
    root = project / "schemas" / "versions"
    store = Store.open(root)
    for name in store.names:
        store.load(name)  # refuses bytes that differ from the index
    files = {p.name for p in root.glob("*.json")} - {"index.json"}
    assert files == {store.entry(n).file for n in store.names}
    assert invoke("changelog", "--check").code == 0
    assert leftovers(project) == []
    return store.names


def one_line(err: str) -> bool:
    return err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err


def moments(count: int, span: float, seed: int) -> Iterator[tuple[float, int]]:
    """`count` random moments spread over [0, span): half in the first 0.1 s; with 1 to 3
    SIGINTs each (a user pressing Ctrl-C again)."""
    chooser = random.Random(seed)
    for i in range(count):
        if i % 2 == 0:
            low, high = 0.1 * i / count, 0.1 * (i + 2) / count
        else:
            low, high = 0.1 + (span - 0.1) * (i - 1) / count, 0.1 + (span - 0.1) * (i + 1) / count
        yield chooser.uniform(low, high), chooser.choice([1, 1, 2, 3])


# -- Ctrl-C at any moment --------------------------------------------------------------------


def test_interrupts_are_answered_by_the_command_line_only() -> None:
    """The handler that forwards Ctrl-C is installed by `main`, not by importing the package:
    a library user keeps Python's own KeyboardInterrupt."""
    done = subprocess.run(
        [sys.executable, "-c", "import signal, compat.cli; print(signal.getsignal(2).__name__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == signal.default_int_handler.__name__


def test_ctrl_c_at_any_moment_of_a_command(tmp_path: Path) -> None:
    """A command that writes nothing (`diff`): from its first moment, Ctrl-C gives one line and
    status 130, and the command stops at once."""
    args = ["diff", "v1", "v2", "--store", str(STORE)]
    span = timed_run(args, tmp_path)
    seed = random.randrange(1 << 30)
    seen: dict[str, int] = {}
    for delay, signals in moments(8, span, seed):
        outcome = interrupted_run(args, tmp_path, delay, signals)
        what = classify(outcome, f"seed {seed}, SIGINT x{signals} at {delay:.3f} s: {outcome}")
        seen[what] = seen.get(what, 0) + 1
    assert seen.get("interrupted", 0) >= 2, seen
