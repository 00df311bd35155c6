"""The Dask engine on a real `distributed.LocalCluster` (worker processes) and an S3 endpoint
of the tests' own (moto's standalone server on 127.0.0.1): reports identical to the local
engine's for local files, file:// and s3:// URLs and any cut; failed tasks retried and
counted once; clear errors. Needs `pip install -e '.[test,dask]'` (.ci/run installs it)."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard

pytest.importorskip("distributed")
pytest.importorskip("s3fs")
pytest.importorskip("moto.server")

import dask
from distributed import Client

from compat.corpus import validate
from compat.corpus.cluster import DaskOptions, local_cluster, run_tasks
from compat.corpus.generate import generate_events
from compat.corpus.remote import Source
from compat.corpus.validate import Runner, Target
from compat.versioning.sources import load
from tests.conftest import STORE, invoke
from tests.corpus import flaky

BUCKET = "cws-corpora"


def _versions() -> dict[str, Any]:
    return {name: load(name, STORE) for name in ("v1", "v2")}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every kind of file, with every kind of trouble: rejections (explained, and one no
    change explains), malformed and blank lines, CRLF, integers beyond 64 bits, a last line
    without its newline, a truncated .gz, a pretty-printed single event."""
    root = tmp_path_factory.mktemp("corpora") / "corpora"
    (root / "sub").mkdir(parents=True)
    versions = _versions()
    v2 = [orjson.dumps(e) for e in generate_events(versions["v2"], 60, seed=11)]
    v1 = [orjson.dumps(e) for e in generate_events(versions["v1"], 30, seed=12)]
    mixed = [
        *v2[:20],
        b"",
        b"{not json",
        b'{"process": {"uid": "zero", "gid": 0}}',  # rejected by both versions: unexplained
        b"[1, 2]",
        b'{"usr": {"id": "\xff"}}',
        v2[20] + b"\r",
        b'{"process": {"uid": 1180591620717411303424, "gid": 0}}',
        b"   ",
        *v2[21:],
    ]
    (root / "a-mixed.jsonl").write_bytes(b"\n".join(mixed))  # no newline at the end
    (root / "b.jsonl.gz").write_bytes(gzip.compress(b"\n".join([*v1, b"{bad"]) + b"\n"))
    packed = gzip.compress(b"\n".join(v2) + b"\n")
    (root / "c-cut.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    zstd = zstandard.ZstdCompressor().compress(b"\n".join(v2[:15]) + b"\n")
    (root / "d.jsonl.zst").write_bytes(zstd)
    (root / "e.json").write_text(json.dumps(json.loads(v2[0]), indent=2))
    (root / "sub" / "f.ndjson").write_bytes(b"\r\n".join(v1[:10]) + b"\r\n\r\n")
    (root / "g-empty.jsonl.gz").write_bytes(b"")  # no stream at all: truncated
    (root / "sub" / "g-blank.json").write_bytes(b" \n\t\n")  # no event: malformed
    return root


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")  # no look-up off this machine
    with local_cluster(2) as cluster, Client(cluster, set_as_default=False) as client:
        client.register_plugin(flaky.Register())
        flaky.register()
        yield client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3(corpora: Path) -> Iterator[dict[str, Any]]:
    """moto's S3 server on 127.0.0.1, holding the corpora under s3://cws-corpora/corpora/."""
    import s3fs

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "moto's server stopped"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto's server did not start"
                time.sleep(0.1)
        options = {
            "endpoint_url": f"http://127.0.0.1:{port}",
            "key": "testing",
            "secret": "testing",
        }
        fs = s3fs.S3FileSystem(**options)
        fs.mkdir(BUCKET)
        for path in sorted(corpora.rglob("*")):
            if path.is_file():
                fs.pipe(f"{BUCKET}/corpora/{path.relative_to(corpora)}", path.read_bytes())
        yield options
    finally:
        server.terminate()
        server.wait(30)


def _validate(*args: str) -> tuple[int, Any]:
    result = invoke(
        "corpus",
        "validate",
        *args,
        "--against",
        "v1,v2",
        "--captured-under",
        "v2",
        "--errors",
        "1000",
        "--per-file",  # each file's report compared across engines
        "--format",
        "json",
        "--store",
        str(STORE),
    )
    assert result.code in (0, 1), result.err
    assert result.err == ""  # no progress off a terminal, no logs, no warnings
    return result.code, result.json()


def _names(report: Any) -> tuple[list[str], Any]:
    """The corpora's paths relative to the corpora directory, and the report without them."""
    names = []
    for corpus in report["corpora"]:
        names.append(corpus.pop("path").split("/corpora/", 1)[1])
        # the report's own counts must add up, every time
        for result in corpus["results"]:
            assert result["valid"] + result["invalid"] + corpus["malformed"] == corpus["lines"]
    return names, report


@pytest.fixture(scope="module")
def local_report(corpora: Path) -> tuple[int, Any]:
    return _validate(str(corpora), "--workers", "1")


def test_the_local_report_has_every_kind_of_trouble(local_report: tuple[int, Any]) -> None:
    code, report = local_report
    assert code == 1
    names, report = _names(json.loads(json.dumps(report)))
    assert names == [
        "a-mixed.jsonl",
        "b.jsonl.gz",
        "c-cut.jsonl.gz",
        "d.jsonl.zst",
        "e.json",
        "g-empty.jsonl.gz",
        "sub/f.ndjson",
        "sub/g-blank.json",
    ]
    mixed, gz, cut = report["corpora"][:3]
    assert mixed["malformed"] == 3 and mixed["blank"] == 2 and mixed["lines"] == 65
    assert gz["malformed_lines"] == [31]
    assert cut["problem"] is not None and "truncated" in cut["problem"] and cut["lines"] > 0
    groups = mixed["results"][0]["errors"]
    assert any(g["explained_by"] for g in groups)
    # rejected by v2 too, the capture version: a corpus defect, never unexplained
    assert any(g["defect"] and not g["unexplained"] for g in groups)
    assert report["corpora"][4]["lines"] == 1 and report["corpora"][6]["blank"] == 1
    empty, blank = report["corpora"][5], report["corpora"][7]
    assert empty["lines"] == 0 and "truncated or corrupt" in empty["problem"]
    assert (blank["lines"], blank["malformed"], blank["blank"]) == (1, 1, 0)


def test_the_same_report_on_dask_over_paths_urls_and_s3(
    corpora: Path,
    cluster: Any,
    s3: dict[str, Any],
    local_report: tuple[int, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = _names(json.loads(json.dumps(local_report[1])))
    scheduler = ["--engine", "dask", "--scheduler", cluster.scheduler.address]
    storage = [f"--storage-option={k}={json.dumps(v)}" for k, v in s3.items()]
    s3_url = f"s3://{BUCKET}/corpora"
    # ranges as long as the first line: cuts fall right at line starts, and in between
    line = str((corpora / "a-mixed.jsonl").read_bytes().index(b"\n") + 1)
    runs = {
        "dask, local paths, 4 KB ranges": [*scheduler, str(corpora), "--block-size", "4093"],
        "dask, file://, 1 KB ranges": [*scheduler, f"file://{corpora}", "--block-size", "1000"],
        "dask, ranges of a line": [*scheduler, str(corpora), "--block-size", line],
        "dask, s3://, whole files": [*scheduler, s3_url, *storage],
        "dask, s3://, 7 KB ranges": [*scheduler, s3_url, *storage, "--block-size", "7919"],
    }
    for label, args in runs.items():
        code, report = _validate(*args)
        first = report["corpora"][0]["path"]
        # shown as the local engine shows them; URLs as they are
        shown = s3_url if "s3" in label else f"file://{corpora}" if "file" in label else corpora
        assert first == f"{shown}/a-mixed.jsonl", label
        assert code == local_report[0], label
        assert _names(report) == expected, label
    # and local workers splitting the plain files agree too
    monkeypatch.setattr(validate, "PARALLEL_MIN_BYTES", 0)
    assert _names(_validate(str(corpora), "--workers", "2")[1]) == expected


def test_a_directory_is_one_corpus_on_dask_as_locally(corpora: Path, cluster: Any) -> None:
    def grouped(*args: str) -> tuple[int, Any]:
        result = invoke(
            "corpus", "validate", *args, "--against", "v1,v2", "--captured-under", "v2",
            "--format", "json", "--store", str(STORE),
        )  # fmt: skip
        assert result.code in (0, 1), result.err
        return result.code, result.json()

    local = grouped(str(corpora))
    remote = grouped("--engine", "dask", "--scheduler", cluster.scheduler.address, str(corpora))
    assert remote == local
    # the single-event .json files form one corpus, named by the directory, listing them
    (singles,) = [c for c in local[1]["corpora"] if c["files"]]
    assert singles["path"] == str(corpora) and singles["files"]


def test_a_directory_is_one_corpus_whatever_names_it(
    cluster: Any, s3: dict[str, Any], tmp_path: Path
) -> None:
    """All the .json files of a directory are one corpus, also with JSON Lines files sorted
    among them, on either engine, named by a path, a file:// URL or an s3:// prefix."""
    import s3fs

    evts = tmp_path / "evts"
    (evts / "sub").mkdir(parents=True)
    event = b'{"process": {"uid": 0, "gid": 0}}'
    for name in ("a.json", "b.jsonl", "c.json", "sub/d.json", "sub/e.jsonl.gz"):
        data = gzip.compress(event + b"\n") if name.endswith(".gz") else event + b"\n"
        (evts / name).write_bytes(data)
    fs = s3fs.S3FileSystem(**s3)
    for path in sorted(evts.rglob("*")):
        if path.is_file():
            fs.pipe(f"{BUCKET}/evts/{path.relative_to(evts)}", path.read_bytes())
    storage = [f"--storage-option={k}={json.dumps(v)}" for k, v in s3.items()]
    scheduler = ["--engine", "dask", "--scheduler", cluster.scheduler.address]
    runs = {
        str(evts): ["--workers", "1", str(evts)],
        f"file://{evts}": [*scheduler, f"file://{evts}"],
        f"s3://{BUCKET}/evts": [*scheduler, f"s3://{BUCKET}/evts/", *storage],
    }
    for named, args in runs.items():
        result = invoke(
            "corpus", "validate", *args, "--against", "v1", "--format", "json",
            "--store", str(STORE),
        )  # fmt: skip
        assert result.code == 0 and result.err == "", (named, result.err)
        report = result.json()
        paths = [(c["path"], c["files"]) for c in report["corpora"]]
        assert paths == [
            (named, ["a.json", "c.json", "sub/d.json"]),
            (f"{named}/b.jsonl", None),
            (f"{named}/sub/e.jsonl.gz", None),
        ], named


def test_a_local_cluster_of_its_own(corpora: Path, local_report: tuple[int, Any]) -> None:
    code, report = _validate(str(corpora), "--engine", "dask", "--workers", "2")
    assert (code, report) == local_report


def _local_partials(paths: list[Path], targets: list[Target]) -> list[Any]:
    with Runner(targets, 1) as runner:
        return [runner.scan(path).partial for path in paths]


@pytest.mark.parametrize("how", ["raise", "exit"])
def test_failed_tasks_are_retried_and_counted_once(
    how: str, corpora: Path, cluster: Any, tmp_path: Path
) -> None:
    """Tasks fail part-way through (after lines were scanned); with `exit` the worker running
    it dies. Dask runs them again; the results are those of one clean pass."""
    targets = [Target(n, s.draft, s.source.document, False) for n, s in _versions().items()]
    paths = [corpora / "a-mixed.jsonl", corpora / "c-cut.jsonl.gz"]
    sources = [Source("flaky", str(p), p, p.stat().st_size) for p in paths]
    marks = tmp_path / "marks"
    marks.mkdir()
    # raising: every task of both files fails once; exiting: only the .gz (a worker restart each)
    options = DaskOptions(
        block_size=50_000,
        storage_options={"marks": str(marks), "how": how, "only": "" if how == "raise" else "gz"},
    )
    seen: list[tuple[int, int, int]] = []
    scans = run_tasks(cluster, sources, targets, options, lambda *p: seen.append(p))
    assert [s.partial for s in scans] == _local_partials(paths, targets)
    failed = sorted(mark.name.split("-")[0] for mark in marks.iterdir())
    if how == "exit":
        assert failed == ["c"]  # the .gz task, once
    else:
        # every task failed once, but a range that ends right after a newline, which has
        # nothing left to read past its end
        data = paths[0].read_bytes()
        ends = [min(start + 50_000, len(data)) for start in range(0, len(data), 50_000)]
        quiet = sum(1 for end in ends if data[end - 1 : end] == b"\n")
        assert failed.count("a") == len(ends) - quiet > 0
        assert failed.count("c") == 1
    # progress: every task once, events only of the results kept
    assert [d for d, _, _ in seen] == list(range(len(seen)))
    assert seen[-1][0] == seen[-1][1] == len(seen) - 1
    assert seen[-1][2] == sum(
        s.partial.physical_lines - s.partial.blank - s.partial.malformed for s in scans
    )


def test_bad_input_is_a_one_line_error(
    corpora: Path, cluster: Any, s3: dict[str, Any], in_repo_root: Path, tmp_path: Path
) -> None:
    scheduler = ["--engine", "dask", "--scheduler", cluster.scheduler.address]
    storage = [f"--storage-option={k}={json.dumps(v)}" for k, v in s3.items()]
    unreadable = tmp_path / "unread.jsonl.gz"
    unreadable.symlink_to("/proc/self/mem")  # reading it fails: an input error, as locally
    cases = {
        str(unreadable): "cannot read",
        f"s3://{BUCKET}/nope.jsonl": "no such file or directory",
        "ftp://host/x.jsonl": "unknown URL scheme 'ftp://'",
        str(corpora / "nope.jsonl"): "no such file or directory",
    }
    for url, message in cases.items():
        result = invoke("corpus", "validate", *scheduler, url, *storage)
        assert result.code == 2, result.err
        assert message in result.err and result.err.count("\n") == 1, result.err
    closed = invoke(
        "corpus", "validate", "--engine", "dask", "--scheduler", f"127.0.0.1:{_free_port()}"
    )
    assert closed.code == 2 and closed.err.startswith(
        "cws-compat: error: cannot reach the Dask scheduler at 127.0.0.1:"
    )
    assert closed.err.count("\n") == 1
    both = invoke("corpus", "validate", *scheduler, "--workers", "2", str(corpora))
    assert both.code == 2 and "--workers sizes the local Dask cluster" in both.err


def test_a_scheduler_without_workers_is_an_error(corpora: Path, in_repo_root: Path) -> None:
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        local_cluster(0) as empty,
    ):
        result = invoke(
            "corpus", "validate", "--engine", "dask", "--scheduler", empty.scheduler_address
        )
    assert result.code == 2 and "has no workers" in result.err
