"""Nothing lost, nothing half-written: the store and `-o` outputs under concurrent releases,
Ctrl-C at any moment, read-only directories and full disks.

Concurrency and signals are tried with the real command line in subprocesses; failures that
must be injected (a full disk, a read-only directory) in-process through the command line's
`run`, and, where the system lets a test mount one without privileges, on a real full tmpfs and
a real read-only mount.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compat.versioning import release as release_module
from compat.versioning.store import Store
from tests.conftest import ROOT, STORE, invoke
from tests.processes import classify, command, interrupted_run, leftovers, timed_run


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


def test_ctrl_c_at_any_moment_of_a_release(project: Path, tmp_path: Path) -> None:
    path = candidate(tmp_path, 0)
    pristine = tmp_path / "pristine"
    shutil.copytree(project, pristine)
    shutil.copytree(project, tmp_path / "timing")
    span = timed_run(["release", str(path)], tmp_path / "timing")  # a release, on this machine
    seed = random.randrange(1 << 30)
    seen: dict[str, int] = {}
    for delay, signals in moments(12, span, seed):
        shutil.rmtree(project / "schemas")
        shutil.copytree(pristine / "schemas", project / "schemas")
        shutil.copy(pristine / "CHANGELOG.md", project / "CHANGELOG.md")
        outcome = interrupted_run(["release", str(path)], project, delay, signals)
        where = f"seed {seed}, SIGINT x{signals} at {delay:.3f} s: {outcome}"
        what = classify(outcome, where, finished="released v3")
        seen[what] = seen.get(what, 0) + 1
        # interrupted: nothing written; finished: released, all of it
        names = assert_store_consistent(project)
        assert names == (["v1", "v2", "v3"] if what == "finished" else ["v1", "v2"]), where
    assert seen.get("interrupted", 0) >= 3, seen  # the moments did fall inside the command


# -- read-only directories and full disks, injected ---------------------------------------------


COMMANDS = {
    "release": lambda d: ["release", str(candidate(d.parent, 0))],
    "docs -o": lambda d: ["docs", "v1", "-o", str(d / "backend.md")],
    "corpus generate -o": lambda d: ["corpus", "generate", "v2", "-n", "40", "-o", str(d / "e.gz")],
}


def target_directory(project: Path, name: str) -> Path:
    return project / "schemas" / "versions" if name == "release" else project / "out"


@pytest.fixture
def outputs(project: Path) -> Path:
    (project / "out").mkdir()
    (project / "out" / "backend.md").write_text("the previous document\n")
    return project


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("after", [0, 3])
def test_a_full_disk_gives_one_line_and_changes_nothing(
    outputs: Path, monkeypatch: pytest.MonkeyPatch, name: str, after: int
) -> None:
    """Every byte our files get goes through os.write: the disk fills up after `after` writes,
    each of which writes only half of what it is given."""
    args = COMMANDS[name](target_directory(outputs, name))
    before = tree(outputs)
    real_write = os.write
    writes = []

    def write(fd: int, data: Any) -> int:
        if fd <= 2:
            return real_write(fd, data)
        writes.append(len(data))
        if len(writes) > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(data)[: max(1, len(data) // 2)])

    monkeypatch.setattr(os, "write", write)
    result = invoke(*args)
    monkeypatch.undo()
    assert writes, "the command wrote nothing: the failure was not injected"
    assert result.code == 2
    assert one_line(result.err), result.err
    assert "cannot write: No space left on device" in result.err
    assert tree(outputs) == before
    assert leftovers(outputs) == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_read_only_directory_gives_one_line_and_changes_nothing(
    outputs: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    directory = target_directory(outputs, name)
    args = COMMANDS[name](directory)
    before = tree(outputs)
    mode = directory.stat().st_mode
    directory.chmod(0o555)
    try:
        probe = directory / "probe"
        try:
            probe.touch()
        except PermissionError:
            pass  # a real read-only directory
        else:  # root ignores permissions: refuse creations there as the system would
            probe.unlink()
            real_open = os.open

            def refusing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
                if flags & os.O_CREAT and Path(path).parent == directory:
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
                return real_open(path, flags, *args, **kwargs)

            monkeypatch.setattr(os, "open", refusing)
        result = invoke(*args)
    finally:
        monkeypatch.undo()
        directory.chmod(mode)
    assert result.code == 2
    assert one_line(result.err), result.err
    assert "Permission denied" in result.err
    assert tree(outputs) == before
    assert leftovers(outputs) == []


# -- a real full disk and a real read-only mount, where a test may mount them ------------------

DRIVER = r"""
import json, os, shutil, subprocess, sys
kind, work, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
mount = os.path.join(work, "mnt")
os.makedirs(mount)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount], check=True)
project = os.path.join(mount, "project")
shutil.copytree(os.path.join(work, "project"), project)
os.makedirs(os.path.join(project, "out"), exist_ok=True)
if kind == "full":
    filler = os.open(os.path.join(mount, "filler"), os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(filler, b"\0" * 4096)
    except OSError:
        os.close(filler)
else:
    for directory in (os.path.join(project, "schemas", "versions"), os.path.join(project, "out")):
        subprocess.run(["mount", "--bind", directory, directory], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", directory], check=True)

def snapshot():
    found = {}
    for base, _, files in os.walk(project):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, project)] = handle.read().hex()
    return found

before = snapshot()
done = subprocess.run(args, cwd=project, capture_output=True, text=True)
print(json.dumps({"code": done.returncode, "err": done.stderr, "before": before,
                  "after": snapshot()}))
"""


def _namespace() -> list[str] | None:
    """How to run a command in a private mount namespace here, or None."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return None
    for prefix in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        probe = subprocess.run(
            [*prefix, "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs tmpfs $d && umount $d"],
            capture_output=True,
        )
        if probe.returncode == 0:
            return prefix
    return None


NAMESPACE = _namespace()


@pytest.mark.skipif(NAMESPACE is None, reason="cannot mount a tmpfs in a private namespace here")
@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("kind", ["full", "read-only"])
def test_a_real_full_or_read_only_file_system(
    project: Path, tmp_path: Path, name: str, kind: str
) -> None:
    assert NAMESPACE is not None
    args = COMMANDS[name](target_directory(project, name))
    relative = [a.replace(str(project), ".") if a.startswith(str(project)) else a for a in args]
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    arguments = json.dumps([*command(), *relative])
    done = subprocess.run(
        [*NAMESPACE, sys.executable, str(driver), kind, str(tmp_path), arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    expected = "No space left on device" if kind == "full" else "Read-only file system"
    assert result["code"] == 2, result["err"]
    assert one_line(result["err"]), result["err"]
    assert expected in result["err"]
    assert result["after"] == result["before"]


# -- concurrent releases ---------------------------------------------------------------------


def release_in_parallel(project: Path, paths: list[Path], *extra: str) -> list[Any]:
    processes = [
        subprocess.Popen(
            [*command(), "release", str(path), *extra],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    return [(p, *p.communicate(timeout=120)) for p in processes]


def test_eight_parallel_releases_give_eight_consecutive_versions(project: Path) -> None:
    paths = [candidate(project.parent, n) for n in range(8)]
    done = release_in_parallel(project, paths, "--allow-breaking", "parallel release test")
    claimed: dict[str, Path] = {}
    for (process, out, err), path in zip(done, paths, strict=True):
        assert process.returncode == 0, out + err
        assert "Traceback" not in err
        name = re.search(r"^released (v\d+):", out, re.MULTILINE)
        assert name is not None, out
        assert name.group(1) not in claimed, f"{name.group(1)} released twice"
        claimed[name.group(1)] = path
    names = assert_store_consistent(project)
    assert names == [f"v{n}" for n in range(1, 11)]
    for name, path in claimed.items():  # each version holds the schema that claimed it
        assert (project / "schemas" / "versions" / f"{name}.json").read_bytes() == path.read_bytes()


def test_eight_parallel_releases_of_one_schema_give_one_version(project: Path) -> None:
    path = candidate(project.parent, 0)
    done = release_in_parallel(project, [path] * 8)
    codes = sorted(process.returncode for process, _, _ in done)
    assert codes == [0] + [2] * 7, [out + err for _, out, err in done]
    for process, _, err in done:
        if process.returncode == 2:
            assert err.endswith(
                f"no change from v3: {path} is the same schema as v3; nothing was written\n"
            )
    assert assert_store_consistent(project) == ["v1", "v2", "v3"]


@pytest.mark.parametrize("meddling", ["index", "file"])
def test_a_store_changed_during_a_release_by_a_writer_without_the_lock_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch, meddling: str
) -> None:
    """The compare-and-swap: the index is read again, under the lock, before anything is
    renamed into place; a change means another writer, and nothing is written."""
    store = project / "schemas" / "versions"
    real_compare = release_module.compare

    def compare_while_another_writes(*args: Any, **kwargs: Any) -> Any:
        if meddling == "index":
            index = json.loads((store / "index.json").read_text())
            index["versions"][-1]["released"] = "2021-04-28"
            (store / "index.json").write_text(json.dumps(index, indent=4) + "\n")
        else:
            shutil.copy(store / "v2.json", store / "v3.json")
        return real_compare(*args, **kwargs)

    monkeypatch.setattr(release_module, "compare", compare_while_another_writes)
    path = candidate(project.parent, 0)
    before = tree(project)
    result = invoke("release", str(path))
    assert result.code == 2
    assert one_line(result.err), result.err
    assert "nothing was written" in result.err
    if meddling == "index":
        assert "index.json changed while v3 was being released" in result.err
        assert tree(project).keys() == before.keys()  # the other writer's index only
    else:
        assert "v3.json appeared while v3 was being released" in result.err
        assert tree(project).keys() == before.keys() | {"schemas/versions/v3.json"}
    assert tree(project)["CHANGELOG.md"] == before["CHANGELOG.md"]
    assert leftovers(project) == []


def test_a_lock_file_left_by_a_killed_release_does_not_block(project: Path) -> None:
    lock = project / "schemas" / "versions" / ".cws-compat.lock"
    lock.write_text("")
    result = invoke("release", str(candidate(project.parent, 0)))
    assert result.code == 0, result.err
    assert not lock.exists()
    assert assert_store_consistent(project) == ["v1", "v2", "v3"]


# -- an identical release --------------------------------------------------------------------


def test_releasing_the_latest_version_again_is_refused(project: Path) -> None:
    before = tree(project)
    result = invoke("release", "schemas/versions/v2.json")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "cws-compat: error: no change from v2: schemas/versions/v2.json is the same schema "
        "as v2; nothing was written\n"
    )
    # the same schema written differently (keys reordered, other indentation) is no change
    document = json.loads((STORE / "v2.json").read_text())
    reordered = project.parent / "reordered.json"
    reordered.write_text(json.dumps(dict(reversed(document.items())), indent=1))
    again = invoke("release", str(reordered))
    assert again.code == 2
    assert "no change from v2" in again.err
    assert tree(project) == before
    # a changed description is a change (a patch release), not refused
    document["description"] = "The CWS backend event, described anew."
    reordered.write_text(json.dumps(document))
    assert invoke("release", str(reordered)).code == 0
