"""What the engine produces: a `Change` (one classified difference with its evidence) and
the `Report` that sums changes up per direction. Renderers read these and judge nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compat.modes import Mode
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN, worst

if TYPE_CHECKING:
    from compat.engine.witness import Counterexample
    from compat.prove import Failure


@dataclass
class Change:
    rule: str
    backward: str
    forward: str
    message: str
    schema_path: str
    old_schema_path: str | None
    new_schema_path: str | None
    instance_paths: list[str]
    instance_paths_truncated: bool
    old: Any
    new: Any
    counterexamples: list[Counterexample] = field(default_factory=list)
    # the schema nodes the change sits in (pointers), for tracing validation errors to it
    old_node: str | None = None
    new_node: str | None = None
    # where the prover stopped, for `compatibility-unproven` (not rendered)
    failures: list[tuple[str, Failure]] = field(default_factory=list, repr=False)

    def verdict(self, direction: str) -> str:
        return self.backward if direction == "backward" else self.forward


@dataclass
class Report:
    old: str
    new: str
    old_draft: str
    new_draft: str
    mode: str
    assert_formats: bool
    allow_unknown: bool
    changes: list[Change]

    @property
    def backward(self) -> str:
        return worst(*(c.backward for c in self.changes))

    @property
    def forward(self) -> str:
        return worst(*(c.forward for c in self.changes))

    def verdict(self, direction: str) -> str:
        return self.backward if direction == "backward" else self.forward

    @property
    def compatible(self) -> bool:
        """Passes under the mode (unknown passes only when allowed)."""
        passing = {COMPATIBLE, UNKNOWN} if self.allow_unknown else {COMPATIBLE}
        return all(self.verdict(d) in passing for d in Mode(self.mode).directions)

    @property
    def bump(self) -> str:
        """major: not backward compatible; minor: the accepted set grows; patch: nothing a
        validator sees changes; none: no change at all."""
        if not self.changes:
            return "none"
        if self.backward != COMPATIBLE:
            return "major"
        if self.forward != COMPATIBLE:
            return "minor"
        return "patch"

    def failing(self, change: Change) -> bool:
        """Does this change fail the mode?"""
        bad = {BREAKING} if self.allow_unknown else {BREAKING, UNKNOWN}
        return any(change.verdict(d) in bad for d in Mode(self.mode).directions)


def set_verdict(change: Change, direction: str, verdict: str) -> None:
    if direction == "backward":
        change.backward = verdict
    else:
        change.forward = verdict
