from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from compat.corpus import readers
from compat.errors import CompatError


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 12, 100, 1 << 20])
def test_batches_split_lines_and_skip_huge_ones(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "MAX_LINE", 10)
    data = b"a\n\nbb\n" + b"x" * 25 + b"\nccc\nlast"
    chunks = readers.raw_chunks(io.BytesIO(data), None, chunk)
    lines = [line for batch in readers.read_batches(chunks) for line in batch]
    assert lines == [b"a", b"", b"bb", None, b"ccc", b"last"]


def test_batches_respect_a_byte_limit() -> None:
    chunks = readers.raw_chunks(io.BytesIO(b"one\ntwo\nthree\n"), 8, 3)
    lines = [line for batch in readers.read_batches(chunks) for line in batch]
    assert lines == [b"one", b"two"]


def test_huge_last_line_without_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_LINE", 4)
    chunks = readers.raw_chunks(io.BytesIO(b"ok\n" + b"y" * 9), None, 2)
    lines = [line for batch in readers.read_batches(chunks) for line in batch]
    assert lines == [b"ok", None]


def test_split_ranges_cut_at_line_starts(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    content = b"".join(b'{"n": %d}\n' % i for i in range(1000))
    path.write_bytes(content)
    ranges = readers.split_ranges(path, 7)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(content)
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end == start
        assert content[start - 1 : start] == b"\n"
    assert b"".join(content[s:e] for s, e in ranges) == content


def test_expand_finds_corpus_files_recursively(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.jsonl").write_text("{}\n")
    (tmp_path / "a" / "y.jsonl.gz").write_bytes(b"")
    (tmp_path / "a" / "notes.txt").write_text("no")
    (tmp_path / "z.json").write_text("{}")
    found = readers.expand([tmp_path])
    assert [p.name for p in found] == ["x.jsonl", "y.jsonl.gz", "z.json"]


def test_expand_refuses_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(CompatError, match="no such file or directory"):
        readers.expand([tmp_path / "nope.jsonl"])


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_multi_member_compressed_files_are_read_whole(tmp_path: Path, suffix: str) -> None:
    import gzip

    import zstandard

    def pack(data: bytes) -> bytes:
        if suffix.endswith(".gz"):
            return gzip.compress(data)
        return zstandard.ZstdCompressor().compress(data)

    path = tmp_path / f"c{suffix}"
    path.write_bytes(pack(b"1\n2\n") + pack(b"3\n"))
    chunks, raw = readers.open_chunks(path, chunk=5)
    with raw:
        lines = [line for batch in readers.read_batches(chunks) for line in batch]
    assert lines == [b"1", b"2", b"3"]
