"""The differential soundness harness (bench/soundness.py) in the test suite.

A few hundred generated pairs, fixed seed: no `compatible` verdict may be refuted by a witness
and the engine may not crash. The other tests show the harness can fail at all: its witness
search finds the document that breaks a known breaking pair, and a verdict falsely claimed
compatible is reported as unsound.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from bench import soundness
from bench.soundness import (
    CLASSES,
    Pair,
    check_pair,
    describe,
    find_witness,
    generate_pair,
    hypothesis_documents,
    oracle,
    run,
    write_failures,
)

SEED = 20240611
PAIRS = 400


def test_generated_pairs_have_no_unsound_verdicts_and_no_crashes() -> None:
    # witness search without hypothesis draws (the slow part) keeps this well under a minute;
    # `python bench/soundness.py` runs the full search
    summary = run(PAIRS, seed=SEED, budget=0.1, hypothesis_examples=0)
    assert summary.pairs == PAIRS
    assert summary.proven > PAIRS // 2, "too few compatible verdicts to test anything"
    failures = summary.unsound + summary.false_breaks + summary.crashes
    assert not failures, f"{summary.line()}\n" + "\n".join(describe(f) for f in failures)


def test_witness_search_finds_a_newly_required_property() -> None:
    old: Any = {"type": "object"}
    new: Any = {"type": "object", "required": ["a"]}
    search = find_witness(old, new, budget=2.0, hypothesis_examples=0)
    assert search.witness is not None
    assert oracle(old)(search.witness.value)
    assert not oracle(new)(search.witness.value)
    # the reverse direction holds: nothing new accepts is rejected by old
    assert find_witness(new, old, budget=0.5, hypothesis_examples=5).witness is None


def test_witness_search_reaches_beyond_the_generic_values() -> None:
    # only a string of 5 or more characters ending in "z" separates these
    old: Any = {"type": "string", "minLength": 5}
    new: Any = {"type": "string", "minLength": 5, "pattern": "^[^z]*$"}
    search = find_witness(old, new, budget=3.0, hypothesis_examples=50)
    assert search.witness is not None, f"no witness in {search.judged} documents"


def test_hypothesis_draws_are_valid_documents() -> None:
    # hypothesis-jsonschema 0.23.1 now and then fails inside its own object strategy (an
    # internal assertion, seen once in a full CI run): the harness survives it, so this test
    # asks for draws from several schemas and checks every draw it gets
    schemas: list[Any] = [
        {"type": "integer", "minimum": 3, "maximum": 9},
        {"type": "string", "maxLength": 4},
        {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
    ]
    drawn: list[tuple[Any, Any]] = []
    for schema in schemas:
        with contextlib.suppress(AssertionError):
            hypothesis_documents(
                schema, 5, lambda value, schema=schema: drawn.append((schema, value))
            )
    assert len({json.dumps(schema) for schema, _ in drawn}) >= 2
    assert all(oracle(schema)(value) for schema, value in drawn)


def test_a_wrong_compatible_verdict_is_reported_as_unsound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class AlwaysCompatible:
        def verdict(self, direction: str) -> str:
            return "compatible"

    monkeypatch.setattr(soundness, "compare_docs", lambda old, new: AlwaysCompatible())
    pair = Pair(0, "test", {"type": "object"}, {"type": "object", "required": ["a"]})
    result = check_pair(pair, budget=1.0, hypothesis_examples=0)
    assert [(f.kind, f.direction) for f in result.failures] == [("unsound", "backward")]


def test_a_counterexample_the_reference_does_not_confirm_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    # valid under both: no counterexample at all
    wrong = SimpleNamespace(direction="backward", instance={"a": 1})

    class Claims:
        changes = (SimpleNamespace(counterexamples=[wrong]),)

        def verdict(self, direction: str) -> str:
            return "breaking" if direction == "backward" else "compatible"

    monkeypatch.setattr(soundness, "compare_docs", lambda old, new: Claims())
    pair = Pair(0, "test", {"type": "object"}, {"type": "object"})
    result = check_pair(pair, budget=0.2, hypothesis_examples=0)
    assert [(f.kind, f.direction) for f in result.failures] == [("false break", "backward")]


def test_an_engine_crash_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(old: Any, new: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(soundness, "compare_docs", explode)
    result = check_pair(Pair(0, "test", {}, {}), budget=0.1, hypothesis_examples=0)
    assert result.outcome == "crash"
    assert "ValueError: boom" in describe(result.failures[0])


def test_pairs_are_deterministic_and_cover_every_class() -> None:
    pairs = [generate_pair(SEED, i) for i in range(len(CLASSES))]
    assert {p.cls for p in pairs} == set(CLASSES)
    again = [generate_pair(SEED, i) for i in range(len(CLASSES))]
    assert [(p.old, p.new) for p in pairs] == [(p.old, p.new) for p in again]


def test_failures_are_written_as_json_lines(tmp_path: Path) -> None:
    result = check_pair(Pair(3, "test", {}, {}), budget=0.1, hypothesis_examples=0)
    failure = soundness.Failure("unsound", result.pair, direction="forward", witness=-0.0)
    out = tmp_path / "failures.jsonl"
    write_failures(out, [failure, failure], seed=7)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2
    assert records[0]["witness"] == 0 and records[0]["direction"] == "forward"
    assert records[0]["seed"] == 7 and records[0]["pair"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["failures.jsonl"]  # no temporary left
