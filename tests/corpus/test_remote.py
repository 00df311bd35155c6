"""Reading corpora by URL and by byte range (compat.corpus.remote): every line read exactly
once for any cut, the same partial counts as one pass over the file, clear errors."""

from __future__ import annotations

import gzip
import io
import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from compat.corpus import readers, remote
from compat.corpus.generate import generate_events
from compat.corpus.validate import Partial, Target, _compile, scan
from compat.errors import CompatError
from compat.versioning.sources import load
from tests.conftest import ROOT, STORE

# blank lines, a CRLF line, a run of newlines, a line longer than MAX_LINE (patched to 40),
# malformed lines, and a last line without its newline
TRICKY = (
    b'{"a": 1}\n\n\n{"evt": {"name": "exec"}}\r\n'
    + b'{"date": "'
    + b"x" * 60
    + b'"}\n'
    + b"{oops\n[]\n\n"
    + b'{"usr": {"id": 7}}\n'
    + b'{"process": {"uid": 1180591620717411303424, "gid": 0}}\n'
    + b"\n\n"
    + b'{"last": true}'
)


def _lines(data: bytes, start: int, end: int, chunk: int) -> list[bytes | None]:
    chunks = remote.block_chunks(io.BytesIO(data), start, end, chunk)
    return [line for batch in readers.read_batches(chunks) for line in batch]


def _whole(data: bytes) -> list[bytes | None]:
    return [line for batch in readers.read_batches([data]) for line in batch]


@pytest.mark.parametrize("chunk", [1, 3, 16, 1 << 20])
def test_every_line_is_read_once_whatever_the_cuts(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "MAX_LINE", 40)
    whole = _whole(TRICKY)
    assert None in whole and b"" in whole  # the huge line and the blank ones are there
    for block in range(1, len(TRICKY) + 2):
        ranges = [(s, min(s + block, len(TRICKY))) for s in range(0, len(TRICKY), block)]
        read = [line for s, e in ranges for line in _lines(TRICKY, s, e, chunk)]
        assert read == whole, f"block size {block}"


def test_a_range_holds_the_lines_that_start_in_it() -> None:
    data = b"aa\nbb\ncc\n"
    assert _lines(data, 0, 1, 4) == [b"aa"]  # finishes the line past its end
    assert _lines(data, 1, 3, 4) == []  # "aa" began before; "bb" starts at 3, the next range
    assert _lines(data, 1, 4, 4) == [b"bb"]
    assert _lines(data, 3, 4, 4) == [b"bb"]  # starts right after a newline
    assert _lines(data, 4, 9, 4) == [b"cc"]
    assert _lines(data, 9, 9, 4) == []
    assert _lines(b"", 0, 0, 4) == []


@pytest.fixture(scope="module")
def validators() -> list[Any]:
    return _compile([Target(n, s.draft, s.source.document, False) for n, s in _versions().items()])


def _versions() -> dict[str, Any]:
    return {name: load(name, STORE) for name in ("v1", "v2")}


def test_merged_ranges_give_the_counts_of_one_pass(validators: list[Any]) -> None:
    events = [orjson.dumps(e) for e in generate_events(_versions()["v2"], 30, seed=9)]
    data = b"\n".join([*events[:10], b"", b"{bad", *events[10:], b"[1]"]) + b"\n" + TRICKY
    one = scan(readers.read_batches([data]), validators)
    assert one.malformed >= 4 and any(one.invalid) and one.blank >= 3
    for block in (97, 1000, 4096, len(data)):
        parts = []
        for start in range(0, len(data), block):
            chunks = remote.block_chunks(io.BytesIO(data), start, start + block)
            parts.append(scan(readers.read_batches(chunks), validators))
        assert remote.merged(parts, len(validators)) == one, f"block size {block}"


def test_plan_cuts_plain_files_only(tmp_path: Path) -> None:
    def source(name: str, size: int) -> remote.Source:
        return remote.Source("file", f"/c/{name}", Path(name), size)

    ranges = remote.plan(source("a.jsonl", 10_001), 1000, {})
    assert [(t.start, t.end) for t in ranges][:2] == [(0, 1000), (1000, 2000)]
    assert ranges[-1].end == 10_001 and len(ranges) == 11
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    for name, kind in (("a.jsonl.gz", "gzip"), ("a.ndjson.zst", "zstd"), ("e.json", "event")):
        (task,) = remote.plan(source(name, 10_001), 1000, {"anon": True})
        assert (task.kind, task.start, task.end) == (kind, 0, 10_001)
        assert task.storage_options == {"anon": True}
    (empty,) = remote.plan(source("e.jsonl", 0), 1000, {})
    assert (empty.start, empty.end) == (0, 0)


def test_local_paths_and_file_urls_resolve_as_the_local_engine_lists_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.jsonl").write_text("{}\n")
    (tmp_path / "a-b.jsonl").write_text("{}\n")  # '-' sorts before '/' as text, not as a path
    (tmp_path / "notes.txt").write_text("no")
    expected = readers.expand([tmp_path])
    for spec in (str(tmp_path), tmp_path, f"file://{tmp_path}", f"file://localhost{tmp_path}"):
        found = remote.resolve([spec], {})
        # a file named by a URL is shown as one (file:///path, whichever host named it)
        url = isinstance(spec, str) and spec.startswith("file:")
        assert [s.shown for s in found] == [f"file://{p}" if url else p for p in expected]
        assert [s.path for s in found] == [str(p.absolute()) for p in expected]
        assert all(s.protocol == "file" and s.size == 3 for s in found)


def test_bad_urls_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(CompatError, match=r"ftp://h/x: unknown URL scheme 'ftp://'"):
        remote.resolve(["ftp://h/x"], {})
    with pytest.raises(CompatError, match="no such file or directory"):
        remote.resolve([str(tmp_path / "nope.jsonl")], {})
    with pytest.raises(CompatError, match="no such file or directory"):
        remote.resolve([f"file://{tmp_path}/nope.jsonl"], {})
    with pytest.raises(CompatError, match="name a file on this machine"):
        remote.resolve(["file://elsewhere/x.jsonl"], {})
    with pytest.raises(CompatError, match="no corpus files found"):
        remote.resolve([str(tmp_path)], {})
    with pytest.raises(CompatError, match=r"URLs are read by the Dask engine"):
        remote.local_paths(["s3://bucket/x.jsonl"])
    assert remote.local_paths(["a.jsonl", Path("b")]) == [Path("a.jsonl"), Path("b")]


def test_sizes_and_storage_options_from_the_command_line() -> None:
    assert remote.parse_size("1048576") == 1 << 20
    assert remote.parse_size("64MiB") == 64 << 20
    assert remote.parse_size("100MB") == remote.parse_size("100m") == 100_000_000
    assert remote.parse_size("1 GiB") == 1 << 30
    for bad in ("0", "-1", "12x", "", "1.5G"):
        with pytest.raises(CompatError, match="not a size in bytes"):
            remote.parse_size(bad)
    options = remote.parse_storage_options(
        ["endpoint_url=http://127.0.0.1:9000", "anon=true", 'client_kwargs={"region_name": "x"}']
    )
    assert options == {
        "endpoint_url": "http://127.0.0.1:9000",
        "anon": True,
        "client_kwargs": {"region_name": "x"},
    }
    with pytest.raises(CompatError, match="expected KEY=VALUE"):
        remote.parse_storage_options(["anon"])


def test_a_task_reads_through_fsspec_as_a_local_worker_does(
    tmp_path: Path, validators: list[Any]
) -> None:
    pytest.importorskip("fsspec")
    events = [orjson.dumps(e) for e in generate_events(_versions()["v2"], 20, seed=2)]
    data = b"\n".join([*events, b"{bad"]) + b"\n"
    plain = tmp_path / "c.jsonl"
    plain.write_bytes(data)
    cut = tmp_path / "c.jsonl.gz"
    packed = gzip.compress(data)
    cut.write_bytes(packed[: len(packed) // 2])
    versions = remote.Versions("test", tuple(_targets()))
    for path in (plain, cut):
        (source,) = remote.resolve([str(path)], {})
        parts = [remote.scan_task(versions, t) for t in remote.plan(source, 5000, {})]
        local = readers.open_chunks(path)
        from compat.corpus.validate import scan_stream

        try:
            expected = scan_stream(local[0], local[1], validators)
        finally:
            local[1].close()
        assert remote.merged(parts, 2) == expected
    assert expected.problem is not None and "truncated" in expected.problem


def _targets() -> list[Target]:
    return [Target(n, s.draft, s.source.document, False) for n, s in _versions().items()]


def test_read_errors_fail_the_task_instead_of_looking_truncated(tmp_path: Path) -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise ConnectionResetError("peer went away")

    reads = remote._Reads(Broken(b""))
    with pytest.raises(remote.ReadFailed, match="cannot read: ConnectionResetError"):
        reads.read(10)
    assert not isinstance(remote.ReadFailed("x"), OSError)  # not a stream error
    assert Partial.empty(1).physical_lines == 0


def test_the_dask_engine_without_its_extra_is_a_clear_error(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("{}\n")
    for module in ("dask", "distributed"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    result = cli("corpus", "validate", "--engine", "dask", str(path), "--store", str(STORE))
    assert result.code == 2
    assert result.err == (
        "cws-compat: error: --engine dask needs the dask extra (dask is missing): "
        "pip install 'cws-compat[dask]'\n"
    )
    url = cli("corpus", "validate", "s3://bucket/c.jsonl", "--store", str(STORE))
    assert url.code == 2 and "URLs are read by the Dask engine (--engine dask)" in url.err
    misplaced = cli("corpus", "validate", "--scheduler", "tcp://127.0.0.1:8786", str(path))
    assert misplaced.code == 2 and "--scheduler is an option of the Dask engine" in misplaced.err


def test_the_local_engine_imports_nothing_of_the_extra(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"evt": {"name": "exec"}}\n')
    code = (
        "import sys\n"
        "from compat.cli import run\n"
        f"status = run(['corpus', 'validate', {str(path)!r}, '--store', {str(STORE)!r}])\n"
        "extra = sorted({m.split('.')[0] for m in sys.modules} "
        "& {'dask', 'distributed', 'fsspec', 's3fs'})\n"
        "print(status, extra)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip().endswith("0 []")
