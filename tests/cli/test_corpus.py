"""`cws-compat corpus` as a user runs it."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
import zstandard

from compat.cli import run
from tests.conftest import ROOT
from tests.helpers import blind_engine


def test_generate_to_stdout_and_to_compressed_files(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    result = cli("corpus", "generate", "v2", "-n", "5", "--seed", "3")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 5 and all(json.loads(line) for line in lines)
    for suffix, unpack in (
        (".jsonl.gz", gzip.decompress),
        (".jsonl.zst", zstandard.ZstdDecompressor().decompressobj().decompress),
    ):
        out = tmp_path / f"c{suffix}"
        assert cli("corpus", "generate", "v2", "-n", "5", "--seed", "3", "-o", str(out)).code == 0
        assert unpack(out.read_bytes()).decode().splitlines() == lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl.gz", "c.jsonl.zst"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_generate_shows_progress_on_a_terminal_only(in_repo_root: Path, tmp_path: Path) -> None:
    args = ["corpus", "generate", "v1", "-n", "2500", "--seed", "4"]
    plain_out, plain_err = io.StringIO(), io.StringIO()
    assert run(args, stdout=plain_out, stderr=plain_err) == 0
    assert plain_err.getvalue() == ""  # not a terminal: no bar
    lines = plain_out.getvalue().splitlines()
    assert len(lines) == 2500
    out, err = io.StringIO(), _Terminal()
    assert run(args, stdout=out, stderr=err) == 0
    assert out.getvalue() == plain_out.getvalue()  # the bar never mixes with the events
    assert "generating" in err.getvalue() and "2500/2500" in err.getvalue()
    quiet = _Terminal()
    target = tmp_path / "events.jsonl"
    assert run([*args, "-q", "-o", str(target)], stdout=io.StringIO(), stderr=quiet) == 0
    assert quiet.getvalue() == ""
    assert target.read_text().splitlines() == lines


def test_generate_refuses_unknown_versions(cli: Any, in_repo_root: Path) -> None:
    result = cli("corpus", "generate", "v9", "-n", "1")
    assert result.code == 2
    assert "unknown version 'v9'" in result.err


def test_validate_the_stored_corpora(cli: Any, in_repo_root: Path) -> None:
    result = cli("corpus", "validate", "--workers", "1")
    # v2 events carry dd, which v1 rejects: expected, explained, and so not a failure
    assert result.code == 0, result.out
    assert "schemas/corpora/v1-events.jsonl.gz: 1,500 lines, captured under v1" in result.out
    assert "explained by property-removed (/properties/dd)" in result.out
    assert "UNEXPLAINED" not in result.out


def test_validate_json_report_validates_against_its_schema(cli: Any, in_repo_root: Path) -> None:
    schema = cli("schema", "corpus-report").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    result = cli("corpus", "validate", "--format", "json", "--workers", "2")
    report = result.json()
    jsonschema.Draft202012Validator(schema).validate(report)
    v2_corpus = report["corpora"][1]
    assert v2_corpus["captured_under"] == "v2"
    v1_result = v2_corpus["results"][0]
    assert v1_result["version"] == "v1"
    assert v1_result["valid"] + v1_result["invalid"] + v2_corpus["malformed"] == v2_corpus["lines"]
    assert v1_result["errors"][0]["explained_by"][0]["rule"] == "property-removed"


def test_validate_a_directory_against_named_versions(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    assert (
        cli("corpus", "generate", "v1", "-n", "20", "-o", str(tmp_path / "sub" / "a.jsonl")).code
        == 0
    )
    (tmp_path / "b.jsonl").write_bytes(b'{"evt": {"name": "exec"}}\n\n{oops\n')
    result = cli("corpus", "validate", str(tmp_path), "--against", "v1,v2", "--format", "json")
    assert result.code == 1
    corpora = result.json()["corpora"]
    assert [Path(c["path"]).name for c in corpora] == ["b.jsonl", "a.jsonl"]
    assert corpora[0]["malformed_lines"] == [3] and corpora[0]["blank"] == 1
    assert [r["valid"] for r in corpora[1]["results"]] == [20, 20]
    clean = cli("corpus", "validate", str(tmp_path / "sub"), "--against", "v1")
    assert clean.code == 0


def test_errors_option_bounds_the_groups_shown(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    events = [{"evt": {"name": 1}}, {"usr": {"id": 2}}, {"date": 3}, {"file": {"uid": 0}}]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    full = cli("corpus", "validate", str(path), "--against", "v1", "--format", "json")
    assert full.json()["corpora"][0]["results"][0]["error_groups"] == 4
    bounded = cli(
        "corpus", "validate", str(path), "--against", "v1", "--errors", "2", "--format", "json"
    )
    assert len(bounded.json()["corpora"][0]["results"][0]["errors"]) == 2
    text = cli("corpus", "validate", str(path), "--against", "v1", "--errors", "1")
    assert "(+3 more error groups; --errors to show more)" in text.out


def test_unexplained_rejections_are_loud_and_fail_by_default(
    cli: Any, in_repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blind_engine(monkeypatch)
    stored = "schemas/corpora/v2-events.jsonl.gz"
    for level in ("unexplained", "malformed", "rejected", None):
        result = cli(
            "corpus", "validate", stored, "--workers", "1", *(("--fail-on", level) if level else ())
        )
        assert result.code == 1, (level, result.out)
        assert "UNEXPLAINED" in result.out
        assert "WARNING: 1 error group(s) are not explained" in result.out
    assert "FAILED (--fail-on malformed): 1 unexplained error group(s)" in result.out
    report = cli("corpus", "validate", stored, "--workers", "1", "--format", "json").json()
    assert report["failed"] and report["unexplained"] == 1
    assert report["failures"] == [
        {"kind": "unexplained", "message": "1 unexplained error group(s)"}
    ]
    never = cli("corpus", "validate", stored, "--workers", "1", "--fail-on", "never")
    assert never.code == 0 and "PASSED (--fail-on never)" in never.out


def test_fail_on_levels_on_explained_rejections(cli: Any, in_repo_root: Path) -> None:
    # v1 rejects 903 of the stored v2 events, each explained by the removal of `dd`
    codes = {
        level: cli("corpus", "validate", "--workers", "1", "--fail-on", level).code
        for level in ("unexplained", "malformed", "rejected", "never")
    }
    assert codes == {"unexplained": 0, "malformed": 0, "rejected": 1, "never": 0}
    strict = cli("corpus", "validate", "--workers", "1", "--fail-on", "rejected")
    assert "FAILED (--fail-on rejected): 903 explained rejection(s)" in strict.out


def test_the_settings_choose_the_fail_on_level(cli: Any, store_copy: Path) -> None:
    shutil.copytree(ROOT / "schemas" / "corpora", store_copy.parent / "corpora")
    Path(".cws-compat.toml").write_text('corpus-fail-on = "rejected"\n')
    assert cli("corpus", "validate", "--workers", "1").code == 1
    assert cli("corpus", "validate", "--workers", "1", "--fail-on", "malformed").code == 0
    Path(".cws-compat.toml").write_text('corpus-fail-on = "sometimes"\n')
    bad = cli("corpus", "validate", "--workers", "1")
    assert bad.code == 2 and "corpus-fail-on must be one of" in bad.err


def test_events_rejected_by_their_own_capture_version_are_a_corpus_defect(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    path = tmp_path / "claims-v1.jsonl"
    path.write_bytes(b'{"process": {"uid": "zero", "gid": 0}}\n')
    args = ("corpus", "validate", str(path), "--against", "v1", "--captured-under", "v1")
    result = cli(*args)
    assert result.code == 1
    assert "UNEXPLAINED" not in result.out and "WARNING" not in result.out
    assert "CORPUS DEFECT: 1 event(s) rejected by v1, the version they were captured under" in (
        result.out
    )
    assert "FAILED (--fail-on malformed): 1 event(s) rejected by their own capture version" in (
        result.out
    )
    # a defect is a data problem, not a wrong verdict: --fail-on unexplained lets it pass
    assert cli(*args, "--fail-on", "unexplained").code == 0
    data = cli(*args, "--format", "json").json()
    assert data["defects"] == 1 and data["unexplained"] == 0
    (version,) = data["corpora"][0]["results"]
    assert version["role"] == "capture" and version["unexplained"] == 0
    assert all(g["defect"] and not g["unexplained"] for g in version["errors"])
    markdown = cli(*args, "--format", "markdown").out
    assert "**corpus defect**" in markdown and "**unexplained**" not in markdown


def test_matrix_text_markdown_json(cli: Any, in_repo_root: Path) -> None:
    text = cli("corpus", "matrix", "--workers", "1")
    assert text.code == 0
    assert cli("corpus", "matrix", "--workers", "1", "--fail-on", "rejected").code == 1
    assert text.out.splitlines()[:3] == [
        "version      C1       C2",
        "v1       100.0%*   39.8%",
        "v2       100.0%   100.0%*",
    ]
    assert "C2  schemas/corpora/v2-events.jsonl.gz: 1,500 lines, captured under v2" in text.out
    markdown = cli("corpus", "matrix", "--format", "markdown")
    assert markdown.out.startswith("| version | C1 | C2 |")
    assert "| `v1` | ✅ 100.0% \\* | ❌ 39.8% |" in markdown.out
    data = cli("corpus", "matrix", "--format", "json").json()
    assert data["corpora"][0]["percent_valid"] == {"v1": 100.0, "v2": 100.0}


def test_bad_paths_and_versions_are_exit_2(cli: Any, in_repo_root: Path, tmp_path: Path) -> None:
    missing = cli("corpus", "validate", str(tmp_path / "nope.jsonl"))
    assert missing.code == 2 and "no such file or directory" in missing.err
    empty_dir = cli("corpus", "validate", str(tmp_path))
    assert empty_dir.code == 2 and "no corpus files found" in empty_dir.err
    (tmp_path / "a.jsonl").write_text("{}\n")
    unknown = cli("corpus", "validate", str(tmp_path / "a.jsonl"), "--against", "v1,v7")
    assert unknown.code == 2 and "unknown version 'v7'" in unknown.err


def test_quiet_and_piped_runs_print_no_progress(cli: Any, in_repo_root: Path) -> None:
    result = cli("corpus", "validate", "schemas/corpora/v1-events.jsonl.gz", "--against", "v1")
    assert result.code == 0
    assert result.err == ""


def test_a_directory_of_single_event_files_is_one_corpus(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    events = tmp_path / "events"
    (events / "sub").mkdir(parents=True)
    for seed in (1, 2, 3):
        event = cli("corpus", "generate", "v2", "-n", "1", "--seed", str(seed)).out
        (events / f"e{seed}.json").write_text(event)
    (events / "sub" / "bad.json").write_text('{"process": 5}')
    (events / "sub" / "z.json").write_bytes(b"\x00\xff garbage")
    args = ("corpus", "validate", str(events), "--captured-under", "v2", "--workers", "1")
    data = cli(*args, "--format", "json").json()
    (corpus,) = data["corpora"]
    assert corpus["files"] == ["e1.json", "e2.json", "e3.json", "sub/bad.json", "sub/z.json"]
    assert corpus["lines"] == 5 and corpus["malformed"] == 1
    assert corpus["malformed_reasons"][0]["line"] == 5
    assert data["events"] == 4 and data["validations"] == 8
    v1, v2 = corpus["results"]
    assert (v1["valid"], v1["invalid"], v2["valid"], v2["invalid"]) == (0, 4, 3, 1)
    # bad.json is rejected by v2, its own capture version: a defect under v1 too, not unexplained
    assert data["unexplained"] == 0 and data["defects"] == 1
    text = cli(*args).out
    assert "5 single-event .json files, captured under v2" in text
    assert "first file sub/bad.json" in text and "malformed: 1: first file sub/z.json" in text
    assert "4 events x 2 versions = 8 validations" in text and "validations/s" in text
    per_file = cli(*args, "--per-file", "--format", "json").json()
    assert len(per_file["corpora"]) == 5 and all(c["files"] is None for c in per_file["corpora"])


def test_summaries_say_what_happened(cli: Any, in_repo_root: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"\x00\x01\xfe\xff\n\x89PNG\n")
    text = cli("corpus", "validate", str(garbage), "--against", "v1").out
    assert "no event to validate: every line is malformed" in text
    assert "n/a" not in text and "all valid" not in text and "rejections found" not in text
    assert "0 events x 1 version = 0 validations" in text and "2 malformed line(s)" in text
    events = cli("corpus", "generate", "v1", "-n", "200", "--seed", "5").out.encode()
    cut = tmp_path / "cut.jsonl.zst"
    cut.write_bytes(zstandard.ZstdCompressor().compress(events)[:-40])
    result = cli("corpus", "validate", str(cut), "--against", "v1", "--captured-under", "v1")
    assert result.code == 1 and "rejected" not in result.out.split("\n")[-3]
    assert "1 file(s) truncated or corrupt, read up to the break" in result.out
    assert "FAILED (--fail-on malformed): 1 file(s) not read to the end" in result.out


def test_a_path_that_is_not_utf8_keeps_the_json_report_valid(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    import os

    name = os.fsdecode(b"caf\xe9.jsonl")
    (tmp_path / name).write_text('{"process": 5}\n')
    result = cli("corpus", "validate", str(tmp_path / name), "--against", "v1", "--format", "json")
    assert result.code == 1
    data = json.loads(result.out.encode("utf-8"))
    assert data["corpora"][0]["path"].endswith("caf\\xe9.jsonl")


def _many_versions(root: Path, count: int, corpora: int) -> None:
    """A store of `count` versions, v1..vN, where vK allows `n` up to K; and `corpora` corpora
    of 10 events each, corpus J holding n = 8J .. 8J+9 and captured under v(8J+9)."""
    import hashlib

    versions = root / "schemas" / "versions"
    versions.mkdir(parents=True)
    entries = []
    for k in range(1, count + 1):
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"n": {"type": "integer", "maximum": k}},
        }
        data = json.dumps(document).encode()
        (versions / f"v{k}.json").write_bytes(data)
        entries.append(
            {
                "name": f"v{k}",
                "file": f"v{k}.json",
                "sha256": hashlib.sha256(data).hexdigest(),
                "released": "2024-01-01",
            }
        )
    (versions / "index.json").write_text(json.dumps({"versions": entries}))
    stored = root / "schemas" / "corpora"
    stored.mkdir()
    manifest = []
    for j in range(1, corpora + 1):
        events = "".join(json.dumps({"n": 8 * j + i}) + "\n" for i in range(10))
        (stored / f"c{j}.jsonl").write_text(events)
        manifest.append({"file": f"c{j}.jsonl", "captured_under": f"v{min(count, 8 * j + 9)}"})
    (stored / "manifest.json").write_text(json.dumps({"corpora": manifest}))


def test_matrix_stays_readable_at_100_versions(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_versions(tmp_path, 100, 12)
    monkeypatch.chdir(tmp_path)
    args = ("corpus", "matrix", "--workers", "1", "--fail-on", "never")
    result = cli(*args)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    # versions are rows: 12 corpora do not fit one block of 100 columns, so the rows repeat
    # in a second block for the last corpora; every line fits 100 columns
    assert max(len(line) for line in lines) <= 100
    assert len(result.out) < 16_000
    blocks = [i for i, line in enumerate(lines) if line.startswith("version ")]
    assert len(blocks) == 2
    first = lines[blocks[0]].split()
    assert first == ["version", *(f"C{j}" for j in range(1, 11))]
    assert lines[blocks[1]].split() == ["version", "C11", "C12"]
    rows = lines[blocks[0] + 1 : blocks[0] + 101]
    assert [row.split()[0] for row in rows] == [f"v{k}" for k in range(1, 101)]
    # v50: C5 (n = 40..49) all valid, C6 (n = 48..57) 3 of 10, C7 (56..65) none
    v50 = rows[49].split()
    assert v50[5:8] == ["100.0%", "30.0%", "0.0%"]
    # C5 was captured under v49: its cell there is marked
    assert rows[48].split()[5] == "100.0%*"
    second = lines[blocks[1] + 1 : blocks[1] + 101]
    # C12 (n = 96..105) is captured under v100, which rejects half of it: marked all the same
    assert second[99].split() == ["v100", "100.0%", "50.0%*"]
    legend = [line for line in lines if line.startswith("C")]
    assert legend[0] == "C1  schemas/corpora/c1.jsonl: 10 lines, captured under v17"
    assert legend[-1] == "C12  schemas/corpora/c12.jsonl: 10 lines, captured under v100"
    assert "schemas/corpora/" not in "\n".join(lines[: blocks[1] + 101])  # no paths as headers

    markdown = cli(*args, "--format", "markdown").out
    tables = [line for line in markdown.splitlines() if line.startswith("| version |")]
    assert tables == [
        "| version | " + " | ".join(f"C{j}" for j in range(1, 11)) + " |",
        "| version | C11 | C12 |",
    ]
    assert "| `v50` | ✅ 100.0% | " in markdown
    assert "❌ 30.0% | ❌ 0.0% |" in markdown
    assert "- **C12** `schemas/corpora/c12.jsonl`: 10 lines, captured under v100" in markdown
    assert len(markdown) < 40_000

    data = cli(*args, "--format", "json").json()
    assert data["versions"] == [f"v{k}" for k in range(1, 101)]
    assert data["version_labels"]["v7"] == "v7"
    c6 = data["corpora"][5]
    assert c6["label"] == "C6" and c6["valid"]["v50"] == 3 and c6["invalid"]["v50"] == 7
    assert c6["percent_valid"]["v50"] == 30.0


def test_matrix_labels_schema_files_by_their_stem(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    shutil.copy(in_repo_root / "schemas/versions/v2.json", tmp_path / "next.json")
    args = ("corpus", "matrix", "--workers", "1")
    result = cli(*args, "--against", f"{tmp_path / 'next.json'},v1")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[1].split() == ["next", "100.0%", "100.0%"]
    assert lines[2].split() == ["v1", "100.0%*", "39.8%"]
    assert "versions:" in lines and f"  next  {tmp_path / 'next.json'}" in lines
    # a stem that names a corpus's capture version (v2, not a row here) would read as that
    # version: the file keeps its path
    same = cli(*args, "--against", "schemas/versions/v2.json,v1").out.splitlines()
    assert same[1].split() == ["schemas/versions/v2.json", "100.0%", "100.0%"]
    assert (
        "C2  schemas/corpora/v2-events.jsonl.gz: 1,500 lines, captured under v2 (not a row here)"
        in same
    )


def test_version_labels() -> None:
    from compat.report.corpus import version_labels

    assert version_labels(["v1", "a/b/v2.json", "HEAD~1:schemas/v3.yaml", "c.json"]) == {
        "v1": "v1",
        "a/b/v2.json": "v2",
        "HEAD~1:schemas/v3.yaml": "HEAD~1:v3",
        "c.json": "c",
    }
    # the same stem twice, or a stem naming a capture version: what was given
    assert version_labels(["a/v2.json", "b/v2.json", "v3"]) == {
        "a/v2.json": "a/v2.json",
        "b/v2.json": "b/v2.json",
        "v3": "v3",
    }
    assert version_labels(["x/v1.json"], reserved=["v1"]) == {"x/v1.json": "x/v1.json"}


def test_matrix_percent_is_never_rounded_to_all_or_none() -> None:
    from compat.report.corpus import _matrix_percent

    assert _matrix_percent(2999, 3000) == ">99.9%"  # not 100.0%: one event is rejected
    assert _matrix_percent(1, 3000) == "<0.1%"
    assert _matrix_percent(3000, 3000) == "100.0%" and _matrix_percent(0, 3000) == "0.0%"
    assert _matrix_percent(0, 0) == "n/a"


def test_matrix_says_why_it_fails_in_every_format(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    rejected = tmp_path / "rejected.jsonl"
    rejected.write_text('{"process": 5}\n')
    args = ("corpus", "matrix", str(rejected), "--against", "v1", "--workers", "1")
    why = "FAILED (--fail-on unexplained): 1 rejection(s) with no capture version"
    for fmt in ("text", "markdown"):
        result = cli(*args, "--fail-on", "unexplained", "--format", fmt)
        assert result.code == 1
        assert why in result.out.splitlines()[-1]
    data = cli(*args, "--fail-on", "unexplained", "--format", "json")
    assert data.code == 1
    report = data.json()
    assert report["fail_on"] == "unexplained" and report["failed"] is True
    assert [f["kind"] for f in report["failures"]] == ["untraced"]
    passed = cli(*args, "--fail-on", "never")
    assert passed.code == 0 and passed.out.splitlines()[-1] == "PASSED (--fail-on never)"
    # --captured-under, as validate takes it: the capture version's rejection is a defect
    captured = cli(*args, "--captured-under", "v1", "--format", "json")
    assert captured.code == 1
    (corpus,) = captured.json()["corpora"]
    assert corpus["captured_under"] == "v1"
    assert [f["kind"] for f in captured.json()["failures"]] == ["defect"]
    assert cli(*args, "--captured-under", "v1", "--fail-on", "unexplained").code == 0


def test_all_of_a_directorys_json_files_are_one_corpus(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    events = tmp_path / "ev"
    events.mkdir()
    for name in ("a.json", "b.jsonl", "c.json"):
        (events / name).write_text('{"evt": {}}\n')
    for workers in ("1", "2"):
        data = cli("corpus", "validate", str(events), "--workers", workers, "--format", "json")
        assert data.code == 0, data.err
        corpora = [(c["path"], c["files"]) for c in data.json()["corpora"]]
        assert corpora == [(str(events), ["a.json", "c.json"]), (f"{events}/b.jsonl", None)]
    matrix = cli("corpus", "matrix", str(events), "--workers", "1").out
    assert f"C1  {events}: 2 lines" in matrix and f"C2  {events}/b.jsonl" in matrix
    assert "C3" not in matrix


def test_empty_files_are_not_clean_corpora(cli: Any, in_repo_root: Path, tmp_path: Path) -> None:
    for suffix in (".jsonl.gz", ".jsonl.zst"):
        empty = tmp_path / f"empty{suffix}"
        empty.write_bytes(b"")
        result = cli("corpus", "validate", str(empty), "--against", "v1")
        assert result.code == 1, suffix
        assert "truncated or corrupt" in result.out and "0 lines" in result.out
    events = tmp_path / "events"
    events.mkdir()
    (events / "a.json").write_text('{"evt": {}}')
    (events / "b.json").write_text("")
    (events / "c.json").write_text("  \n")
    data = cli("corpus", "validate", str(events), "--against", "v1", "--format", "json").json()
    (corpus,) = data["corpora"]
    assert (corpus["lines"], corpus["malformed"], corpus["blank"]) == (3, 2, 0)
    assert [r["line"] for r in corpus["malformed_reasons"]] == [2, 3]
    assert data["failed"] and data["events"] == 1


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs /proc/self/mem")
@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".json"])
def test_a_file_that_cannot_be_read_is_an_input_error(
    cli: Any, in_repo_root: Path, tmp_path: Path, suffix: str
) -> None:
    """Reading /proc/self/mem at its start fails (EIO): an input error, never a truncated
    stream that --fail-on unexplained lets pass."""
    unreadable = tmp_path / f"unread{suffix}"
    unreadable.symlink_to("/proc/self/mem")
    for workers in ("1", "2"):
        args = ("corpus", "validate", str(unreadable), "--workers", workers)
        result = cli(*args, "--fail-on", "unexplained")
        assert result.code == 2, (workers, result.out)
        assert result.err == f"cws-compat: error: {unreadable}: cannot read: Input/output error\n"


def test_event_data_in_messages_is_clipped_and_never_html(
    cli: Any, in_repo_root: Path, tmp_path: Path
) -> None:
    huge = "x" * 1_000_000
    script = "<script>alert(1)</script><img src=x onerror=x>"
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"process": {"uid": huge, "gid": 0}})
        + "\n"
        + json.dumps({"process": {"uid": 0, "gid": script}})
        + "\n"
    )
    args = ("corpus", "validate", str(events), "--against", "v1", "--fail-on", "never")
    text = cli(*args).out
    assert max(len(line) for line in text.splitlines()) < 400
    assert "xxx…xxx" in text and "is not of type 'integer'" in text
    markdown = cli(*args, "--format", "markdown").out
    assert max(len(line) for line in markdown.splitlines()) < 600
    assert "<script>" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=x&gt;" in markdown
    # the JSON report keeps the message whole
    data = cli(*args, "--format", "json").json()
    messages = [g["message"] for g in data["corpora"][0]["results"][0]["errors"]]
    assert any(huge in m for m in messages)


def test_clip_keeps_start_and_end() -> None:
    from compat.report.corpus import MAX_SHOWN, clip

    assert clip("short") == "short"
    long = "'" + "a" * 500 + "' is not of type 'integer'"
    clipped = clip(long)
    assert len(clipped) == MAX_SHOWN and clipped.startswith("'aaa")
    assert clipped.endswith("' is not of type 'integer'") and "…" in clipped
    assert all(len(clip("y" * n)) == min(n, MAX_SHOWN) for n in range(190, 210))
