"""The same two schemas give the same report, whatever ran before in the process."""

from __future__ import annotations

from typing import Any

from bench.soundness import generate_pair
from compat.errors import CompatError
from compat.report.registry import render
from tests.helpers import compare_docs

# pairs whose proofs split into cases over several atoms, where the order of atoms (once
# their memory addresses) decided which counterexample was found
PAIRS = [(1, 71), (1, 218), (2, 363), (1, 254)]


def report(seed: int, index: int) -> str:
    pair = generate_pair(seed, index)
    try:
        return render("diff", "json", compare_docs(pair.old, pair.new))
    except CompatError as error:  # a pair the engine refuses, with its reason
        return str(error)


def test_reports_do_not_depend_on_what_ran_before() -> None:
    first = {key: report(*key) for key in PAIRS}
    ballast: list[Any] = []
    for round_ in range(3):
        ballast += [{"n": i} for i in range(5000 * (round_ + 1))]  # move the allocator along
        for index in range(20):
            report(3, index)
        for key in reversed(PAIRS):
            assert report(*key) == first[key], key
