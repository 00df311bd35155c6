from __future__ import annotations

import contextlib
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_an_empty_compressed_file_is_truncated(tmp_path: Path, suffix: str) -> None:
    """0 bytes hold no stream at all (gzip -t and zstd -t: unexpected end of file), unlike
    the compressed form of no lines."""
    path = tmp_path / f"c{suffix}"
    path.write_bytes(b"")
    chunks, raw = readers.open_chunks(path)
    with raw, pytest.raises(readers.Truncated, match="empty"):
        list(chunks)


@given(
    st.lists(
        st.sampled_from([b"a", b"bb", b"\n", b"x" * 13, b"{}", b"\n\n", b"", b"\nc\n"]),
        max_size=30,
    ),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=1, max_value=40),
    st.booleans(),
    st.booleans(),
)
def test_blocks_for_workers_hold_the_same_lines(
    parts: list[bytes], chunk: int, batch: int, breaks: bool, empties: bool
) -> None:
    """The blocks a compressed file is cut into for the workers (validate._blocks) hold the
    lines `read_batches` finds, for any chunking and block size, with empty chunks from the
    decompressor or not: huge lines skipped, and where the stream breaks, the unfinished line
    dropped."""
    from compat.corpus import validate

    data = b"".join(parts)
    with pytest.MonkeyPatch.context() as patch:
        for module in (readers, validate):
            patch.setattr(module, "MAX_LINE", 10)
        patch.setattr(validate, "BATCH_BYTES", batch)

        def chunks() -> Iterator[bytes]:
            for piece in readers.raw_chunks(io.BytesIO(data), None, chunk):
                yield piece
                if empties:
                    yield b""
            if breaks:
                raise readers.Truncated("cut")

        expected: list[bytes | None] = []
        with contextlib.suppress(readers.Truncated):
            for lines in readers.read_batches(chunks()):
                expected += lines
        stopped: list[BaseException] = []
        got = [
            line
            for block in validate._blocks(chunks(), io.BytesIO(), None, stopped)
            for line in validate.block_lines(validate.joined(block))
        ]
    assert got == expected
    assert len(stopped) == int(breaks)
