"""The proof behind every compatible verdict: a rule that misjudges a change cannot make the
report say compatible (compat/engine/settle.py)."""

from __future__ import annotations

from typing import Any

import pytest

from compat import rules
from compat.diff.facts import Fact
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN
from compat.rules.base import Judgement
from tests.helpers import compare_docs


def _lying_judge(fact: Fact) -> Judgement:
    name = fact.args["name"]
    return Judgement("required-added", f"{name} required (misjudged)", COMPATIBLE, COMPATIBLE)


@pytest.fixture
def lying_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(rules.JUDGES, "required-added", _lying_judge)


def test_a_rule_that_calls_a_break_compatible_is_overruled(lying_rule: Any) -> None:
    old = {"type": "object", "properties": {"a": {"type": "integer"}}}
    new = {**old, "required": ["a"]}
    report = compare_docs(old, new)
    assert report.backward == BREAKING
    assert not report.compatible
    nets = [c for c in report.changes if c.rule == "compatibility-unproven"]
    assert len(nets) == 1
    net = nets[0]
    assert net.backward == BREAKING and net.forward == COMPATIBLE
    assert net.schema_path == "/required/a"
    assert net.instance_paths == ["(root)"]
    (example,) = net.counterexamples
    assert example.direction == "backward" and "a" not in example.instance


def test_the_net_stays_silent_where_the_rules_are_right() -> None:
    old = {"type": "object", "properties": {"a": {"type": "integer"}}}
    new = {**old, "required": ["a"]}
    report = compare_docs(old, new)
    assert [c.rule for c in report.changes] == ["required-added"]


def test_a_proof_turns_unknown_into_compatible() -> None:
    # allOf branches reordered and one written twice: the walk pairs branches by position and
    # sees changes it cannot judge; the prover shows both sides accept the same values
    old = {"allOf": [{"type": "string"}, {"maxLength": 5}]}
    new = {"allOf": [{"maxLength": 5}, {"type": "string"}, {"type": "string"}]}
    report = compare_docs(old, new)
    assert (report.backward, report.forward) == (COMPATIBLE, COMPATIBLE)
    assert all(c.verdict(d) != UNKNOWN for c in report.changes for d in ("backward", "forward"))


def test_a_misjudged_change_is_not_hidden_behind_an_honest_break(lying_rule: Any) -> None:
    # the gate lets acknowledged breaks pass, so a wrong "compatible" beside one must still
    # show up as a change of its own
    old = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    new = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
        "required": ["a"],
    }
    report = compare_docs(old, new)
    rules_seen = {c.rule for c in report.changes}
    assert "type-changed" in rules_seen
    nets = [c for c in report.changes if c.rule == "compatibility-unproven"]
    assert [c.schema_path for c in nets] == ["/required/a"]
    assert nets[0].backward == BREAKING
