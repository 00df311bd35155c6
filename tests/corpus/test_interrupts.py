"""Ctrl-C during `corpus validate --workers N` and `corpus generate -o`: a prompt, clean stop
every time (no worker traceback, no worker left running, no temporary file), tried with the real
command line and SIGINT sent to its whole process group, as a terminal does."""

from __future__ import annotations

import gzip
import os
import random
import time
from pathlib import Path

import orjson
import pytest

from compat.corpus import validate
from compat.corpus.generate import generate_events
from compat.corpus.run import run
from compat.errors import CompatError
from compat.versioning.sources import load
from tests.conftest import ROOT, STORE
from tests.processes import classify, interrupted_run, leftovers, timed_run


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain corpus large enough to be split between workers, and a compressed one that
    takes a second or so to validate (handed to the workers in batches)."""
    directory = tmp_path_factory.mktemp("corpora")
    events = [orjson.dumps(e) for e in generate_events(load("v2", STORE), 100, seed=3)]
    plain = b"\n".join(events * (validate.PARALLEL_MIN_BYTES // len(b"\n".join(events)) + 1))
    (directory / "split.jsonl").write_bytes(plain + b"\n")
    (directory / "batches.jsonl.gz").write_bytes(
        gzip.compress(b"\n".join(events * 80) + b"\n", compresslevel=1)
    )
    return directory


def spread(count: int, span: float) -> list[tuple[float, int]]:
    """`count` random moments spread over [0, span), each with 1 to 3 SIGINTs."""
    chooser = random.Random()
    return [
        (chooser.uniform(span * i / count, span * (i + 1) / count), chooser.choice([1, 1, 2, 3]))
        for i in range(count)
    ]


def test_ctrl_c_at_any_moment_of_a_parallel_validation(corpora: Path) -> None:
    args = ["corpus", "validate", str(corpora), "--against", "v2", "--workers", "2", "-q"]
    span = timed_run(args, ROOT)
    seen: dict[str, int] = {}
    for delay, signals in spread(10, span):
        outcome = interrupted_run(args, ROOT, delay, signals)
        what = classify(outcome, f"SIGINT x{signals} at {delay:.3f} s of {span:.2f}: {outcome}", "")
        seen[what] = seen.get(what, 0) + 1
    assert seen.get("interrupted", 0) >= 5, seen
    assert leftovers(corpora, STORE) == []


def test_ctrl_c_at_any_moment_of_corpus_generate(tmp_path: Path) -> None:
    output = tmp_path / "events.jsonl.gz"
    args = ["corpus", "generate", "v2", "-n", "1000", "-o", str(output)]
    span = timed_run(args, ROOT)
    output.unlink()
    seen: dict[str, int] = {}
    for delay, signals in spread(4, span):
        outcome = interrupted_run(args, ROOT, delay, signals)
        what = classify(outcome, f"SIGINT x{signals} at {delay:.3f} s of {span:.2f}: {outcome}", "")
        seen[what] = seen.get(what, 0) + 1
        if output.exists():  # complete, or not there at all
            assert len(gzip.decompress(output.read_bytes()).splitlines()) == 1000
            assert what == "finished"
            output.unlink()
        assert leftovers(tmp_path) == []
    assert seen.get("interrupted", 0) >= 2, seen


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    schema = load("v2", STORE)
    target = validate.Target("v2", schema.draft, schema.source.document, False)
    pool = validate.Workers(2, [target])
    try:
        started = time.monotonic()
        with pytest.raises(CompatError, match=r"stopped unexpectedly \(exit status 3\)"):
            list(pool.map(os._exit, [3]))  # type: ignore[arg-type]
        assert time.monotonic() - started < 5
    finally:
        pool.close(finished=False)
    assert not any(p.is_alive() for p in pool.processes)


def test_results_come_back_in_file_order(
    tmp_path: Path, corpora: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many small batches, finished by the workers in any order, are counted in file order."""
    monkeypatch.setattr(validate, "BATCH_BYTES", 1)  # a batch per line
    lines = (corpora / "split.jsonl").read_bytes().splitlines()[:40]
    lines[7] = b"{broken"
    lines[29] = b'{"date": 1}'
    corpus = tmp_path / "c.jsonl.gz"
    corpus.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    versions = {"v2": load("v2", STORE)}
    one, two = (run([corpus], versions, {}, None, False, n).corpora[0] for n in (1, 2))
    assert two.malformed_lines == one.malformed_lines
    assert [number for number, _ in two.malformed_lines] == [8]
    assert [g.first_line for g in two.results[0].errors] == [30]
    assert two.results[0].valid == one.results[0].valid == 38


@pytest.mark.slow
def test_ctrl_c_while_a_local_dask_cluster_starts(corpora: Path) -> None:
    """The cluster's worker processes start with SIGINT blocked: a Ctrl-C while they import
    (most of the run) kills none of them mid-start, so none prints a traceback; the command
    stops the cluster and says one line."""
    pytest.importorskip("distributed")
    args = ["corpus", "validate", str(corpora / "batches.jsonl.gz"), "--against", "v2"]
    args += ["--engine", "dask", "--workers", "2", "-q"]
    # the whole run, most of it the cluster starting: interrupted at moments spread over it
    span = timed_run(args, ROOT)
    seen: dict[str, int] = {}
    for delay in (span * fraction for fraction in (0.15, 0.3, 0.45, 0.6, 0.75)):
        outcome = interrupted_run(args, ROOT, delay)
        where = f"SIGINT at {delay:.2f} s of {span:.2f}: {outcome}"
        assert not outcome.hung and not outcome.traceback, where
        if outcome.code == 130:
            assert outcome.err == "cws-compat: interrupted\n", where
            seen["interrupted"] = seen.get("interrupted", 0) + 1
        else:
            assert outcome.code == 0 and outcome.err == "", where
    assert seen.get("interrupted", 0) >= 3, seen
