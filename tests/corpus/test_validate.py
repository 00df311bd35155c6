"""Scanning corpora: counts that add up, bad lines reported, the same for any worker count."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from compat.corpus import validate
from compat.corpus.generate import generate_events
from compat.corpus.run import run
from compat.errors import CompatError
from compat.versioning.sources import load
from tests.conftest import STORE


@pytest.fixture(scope="module")
def versions() -> dict[str, Any]:
    return {name: load(name, STORE) for name in ("v1", "v2")}


@pytest.fixture(scope="module")
def v2_events(versions: dict[str, Any]) -> list[bytes]:
    return [orjson.dumps(e) for e in generate_events(versions["v2"], 120, seed=5)]


BAD_LINES = [
    b"{not json",
    b"[1, 2, 3]",
    b'"a string"',
    b'{"date": NaN}',
    b'{"usr": {"id": "\xff"}}',
    b"[" * 5000 + b"]" * 5000,
    b'{"usr": {"id": "\\ud800"}}',
]


def _write(path: Path, lines: list[bytes]) -> Path:
    data = b"\n".join(lines) + b"\n"
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def _run(files: list[Path], versions: dict[str, Any], workers: int = 1, **kw: Any) -> Any:
    return run(files, versions, {}, kw.get("captured_under"), False, workers, known=versions)


def test_counts_add_up_and_bad_lines_are_reported(
    tmp_path: Path, versions: dict[str, Any], v2_events: list[bytes]
) -> None:
    lines = [*v2_events[:10], b"", b"   ", *BAD_LINES, *v2_events[10:20]]
    report = _run([_write(tmp_path / "c.jsonl", lines)], versions)
    corpus = report.corpora[0]
    assert corpus.blank == 2
    assert corpus.lines == len(lines) - 2
    assert corpus.malformed == len(BAD_LINES)
    assert [n for n, _ in corpus.malformed_lines] == list(range(13, 13 + len(BAD_LINES)))
    reasons = dict(corpus.malformed_lines)
    assert reasons[14] == "not a JSON object"
    assert reasons[16].startswith("not JSON")  # invalid UTF-8
    for result in corpus.results:
        assert result.valid + result.invalid + corpus.malformed == corpus.lines
    v2 = corpus.results[1]
    assert (v2.valid, v2.invalid) == (20, 0)
    v1 = corpus.results[0]
    with_dd = sum(1 for line in lines[:10] + lines[-10:] if b'"dd"' in line)
    assert v1.invalid == with_dd > 0


def test_empty_file_and_single_event_json(
    tmp_path: Path, versions: dict[str, Any], v2_events: list[bytes]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    single = tmp_path / "event.json"
    single.write_text(json.dumps(json.loads(v2_events[0]), indent=2))
    report = _run([empty, single], versions)
    assert report.corpora[0].lines == 0
    assert report.corpora[1].lines == 1
    assert report.corpora[1].results[1].valid == 1


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_compressed_corpora_and_truncated_ones(
    tmp_path: Path, versions: dict[str, Any], v2_events: list[bytes], suffix: str
) -> None:
    path = _write(tmp_path / f"c{suffix}", v2_events)
    whole = _run([path], versions).corpora[0]
    assert whole.lines == len(v2_events) and whole.problem is None
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    cut = _run([path], versions).corpora[0]
    assert cut.problem is not None and "truncated or corrupt" in cut.problem
    assert 0 < cut.lines < len(v2_events)
    for result in cut.results:
        assert result.valid + result.invalid + cut.malformed == cut.lines


def test_integers_beyond_64_bits_stay_integers(tmp_path: Path, versions: dict[str, Any]) -> None:
    event = b'{"process": {"uid": 1180591620717411303424, "gid": 0}}'
    report = _run([_write(tmp_path / "big.jsonl", [event])], versions)
    assert [r.valid for r in report.corpora[0].results] == [1, 1]


def test_negative_integers_below_64_bits_stay_integers(
    tmp_path: Path, versions: dict[str, Any]
) -> None:
    """19 digits, but below -2**63: orjson reads a float, which draft-04 `integer` rejects."""
    event = b'{"dd": {"span_id": -9223372036854775809}}'
    report = _run([_write(tmp_path / "big.jsonl", [event])], versions)
    assert [(r.valid, r.invalid) for r in report.corpora[0].results] == [(0, 1), (1, 0)]
    assert report.corpora[0].results[0].errors[0].keyword == "additionalProperties"  # v1: no dd


_BIG = st.one_of(
    st.integers(min_value=2**63 - 3, max_value=2**64 + 3),
    st.integers(min_value=-(2**63) - 3, max_value=-(2**63) + 3),
    st.integers(min_value=10**20 - 3, max_value=10**20 + 3),
    st.integers(min_value=-(10**30), max_value=10**30),
)


@given(
    st.dictionaries(st.sampled_from(["c", "e", "lo", "hi", "m", "x", "u"]), _BIG, min_size=1),
    st.sampled_from(
        ["http://json-schema.org/draft-04/schema#", "https://json-schema.org/draft/2020-12/schema"]
    ),
)
def test_big_integers_get_the_verdict_of_the_exact_event(event: dict[str, int], draft: str) -> None:
    """Equality, bounds, multiples and negations see the integer itself, not orjson's nearest
    float: each verdict is python-jsonschema's on the exactly read event, accepted or not."""
    import jsonschema

    schema = {
        "$schema": draft,
        "type": "object",
        "properties": {
            "c": {"const": 10**20 + 1},
            "e": {"enum": [2**64 + 1, -(2**63) - 1]},
            "lo": {"minimum": 2**63 + 1},
            "hi": {"maximum": -(2**63) - 2},
            "m": {"multipleOf": 3},
            "x": {"not": {"type": "integer"}},
            "u": {"type": "integer"},
        },
    }
    line = json.dumps(event).encode()
    expected = jsonschema.validators.validator_for(schema)(schema).is_valid(json.loads(line))
    checker = validate.Checker(validate.Target("t", _draft_name(draft), schema, False))
    result = validate.scan([[line]], [checker])
    assert (result.valid[0], result.invalid[0]) == ((1, 0) if expected else (0, 1))


def _draft_name(uri: str) -> str:
    return "draft-04" if "draft-04" in uri else "2020-12"


def test_same_counts_for_any_number_of_workers(
    tmp_path: Path,
    versions: dict[str, Any],
    v2_events: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(validate, "PARALLEL_MIN_BYTES", 0)  # split even small files
    lines = [*v2_events, b"{bad", b"", *v2_events[:30], b"[]"]
    plain = _write(tmp_path / "c.jsonl", lines)
    zipped = _write(tmp_path / "c.jsonl.gz", lines)

    def summary(workers: int) -> Any:
        report = _run([plain, zipped], versions, workers)
        return [
            (
                c.lines,
                c.blank,
                c.malformed,
                c.malformed_lines,
                [
                    (
                        r.valid,
                        r.invalid,
                        [
                            (g.schema_path, g.instance_path, g.count, g.first_line, g.message)
                            for g in r.errors
                        ],
                    )
                    for r in c.results
                ],
            )
            for c in report.corpora
        ]

    one = summary(1)
    assert one == summary(2) == summary(3)
    assert one[0] == one[1]


def _report_json(files: list[Path], versions: dict[str, Any], workers: int) -> bytes:
    """The whole JSON report, less its timings."""
    from compat.report.corpus import render_json

    report = _run(files, versions, workers)
    report.seconds = 0.0
    return render_json(report, 1000).encode()


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_one_compressed_file_on_two_workers_gives_the_same_report(
    tmp_path: Path,
    versions: dict[str, Any],
    v2_events: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
) -> None:
    """Blocks of a few lines each (so that many go to each worker), malformed lines, blank
    ones, no final newline, and the same file truncated: the report is byte for byte the one
    worker's."""
    monkeypatch.setattr(validate, "BATCH_BYTES", 3000)
    lines = [*v2_events[:40], *BAD_LINES, b"", b"  ", *v2_events[40:], b"{bad", *v2_events[:9]]
    data = b"\n".join(lines)  # no final newline
    whole = tmp_path / f"c{suffix}"
    whole.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else zstandard.compress(data))
    packed = whole.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    for path in (whole, cut):
        one = _report_json([path], versions, 1)
        assert one == _report_json([path], versions, 2) == _report_json([path], versions, 3)
        with monkeypatch.context() as small:
            small.setattr(validate, "SLOT_BYTES", 8000)  # larger blocks go down the pipes
            assert _report_json([path], versions, 2) == one
    report = _run([whole, cut], versions, 2)
    assert report.corpora[0].lines == len(lines) - 2 and report.corpora[0].problem is None
    assert report.corpora[0].malformed == len(BAD_LINES) + 1
    assert report.corpora[1].problem is not None
    assert 40 < report.corpora[1].lines < report.corpora[0].lines


def test_rejections_are_grouped_with_first_lines(
    tmp_path: Path, versions: dict[str, Any], v2_events: list[bytes]
) -> None:
    report = _run([_write(tmp_path / "c.jsonl", v2_events)], versions)
    groups = report.corpora[0].results[0].errors
    assert len(groups) == 1
    group = groups[0]
    assert (group.schema_path, group.keyword, group.instance_path) == (
        "/additionalProperties",
        "additionalProperties",
        "(root)",
    )
    first = next(i for i, line in enumerate(v2_events, start=1) if b'"dd"' in line)
    assert group.first_line == first
    assert group.confirmed
    assert "'dd' was unexpected" in group.message


LONG = re.compile(rb"\d{20}")  # how _exact found long numbers before: the same lines now


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=30),
            st.integers(min_value=0, max_value=10**30).map(lambda n: str(n).encode()),
            st.sampled_from([b"0" * 19, b"9" * 20, "\u0663".encode() * 25, b"\x00" * 20]),
        ),
        max_size=8,
    )
)
def test_the_long_number_test_is_the_regex(parts: list[bytes]) -> None:
    line = b"".join(parts)
    found = validate._LONG_NUMBER in line.translate(validate._DIGITS)
    assert found == (LONG.search(line) is not None)


def test_several_compressed_files_are_spread_over_the_workers(
    tmp_path: Path, versions: dict[str, Any], v2_events: list[bytes]
) -> None:
    """Compressed files of about the same size are each scanned whole by one worker, and the
    report is byte for byte the one worker's: malformed lines, blank ones, a truncated file,
    an empty one, and a plain file in between (which breaks the run of compressed ones)."""
    lines = [*v2_events[:50], *BAD_LINES, b"", *v2_events[50:]]
    files = [_write(tmp_path / f"c{n}.jsonl{s}", lines) for n, s in enumerate([".gz", ".zst"] * 2)]
    packed = files[1].read_bytes()
    files[1].write_bytes(packed[: len(packed) // 2])  # truncated
    plain = _write(tmp_path / "plain.jsonl", lines[:20])
    empty = tmp_path / "empty.jsonl.gz"
    empty.write_bytes(gzip.compress(b""))
    more = [_write(tmp_path / f"d{n}.jsonl.gz", lines[n:]) for n in range(4)]
    every = [*files, plain, empty, *more]
    one = _report_json(every, versions, 1)
    assert _report_json(every, versions, 2) == one

    schema = versions["v2"]
    targets = [validate.Target("v2", schema.draft, schema.source.document, False)]
    with validate.Runner(targets, 2) as runner:
        seen = [(scan.path, scan.partial.physical_lines) for scan in runner.scan_all(every)]
    assert runner.spread == len(files) + 1 + len(more)  # all but the plain file
    assert [path for path, _ in seen] == every
    with validate.Runner(targets, 1) as runner:
        assert [(s.path, s.partial.physical_lines) for s in runner.scan_all(every)] == seen
    assert runner.spread == 0


def test_spreading_whole_files_is_chosen_when_it_ends_sooner() -> None:
    assert validate.spread_pays([10, 10], 2)
    assert validate.spread_pays([5] * 7, 2)
    assert validate.spread_pays([9, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2)
    assert not validate.spread_pays([100, 1], 2)  # one file is most of the work
    assert not validate.spread_pays([10], 2)
    assert not validate.spread_pays([10, 10, 10], 1)


def test_a_task_that_fails_fails_in_task_order(
    tmp_path: Path, versions: dict[str, Any], v2_events: list[bytes]
) -> None:
    """A later file that cannot be read while an earlier one is still being scanned: the
    earlier one's result comes first, then the error, as with one worker."""
    big = _write(tmp_path / "big.jsonl.gz", v2_events * 20)
    schema = versions["v2"]
    pool = validate.Workers(2, [validate.Target("v2", schema.draft, schema.source.document, False)])
    try:
        results = pool.map(validate._scan_whole, [str(big), str(tmp_path / "gone.jsonl.gz")])
        assert next(results).physical_lines == len(v2_events) * 20
        with pytest.raises(CompatError, match=r"gone\.jsonl\.gz: cannot read"):
            next(results)
    finally:
        pool.close(finished=False)
