"""What the engine produces: a `Change` (one classified difference with its evidence) and
the `Report` that sums changes up per direction. Renderers read these and judge nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compat.modes import Mode
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN, worst
from compat.util.records import Record

if TYPE_CHECKING:
    from compat.engine.witness import Counterexample
    from compat.prove import Failure


class Change(Record):
    _fields = (
        "rule",
        "backward",
        "forward",
        "message",
        "schema_path",
        "old_schema_path",
        "new_schema_path",
        "instance_paths",
        "instance_paths_truncated",
        "old",
        "new",
        "counterexamples",
        "subject",
        "old_node",
        "new_node",
        "failures",
        "places",
    )
    _hidden = frozenset({"failures", "places"})

    def __init__(
        self,
        rule: str,
        backward: str,
        forward: str,
        message: str,
        schema_path: str,
        old_schema_path: str | None,
        new_schema_path: str | None,
        instance_paths: list[str],
        instance_paths_truncated: bool,
        old: Any,
        new: Any,
        counterexamples: list[Counterexample] | None = None,
        subject: str = "",
        old_node: str | None = None,
        new_node: str | None = None,
        failures: list[tuple[str, Failure]] | None = None,
        places: list[tuple[tuple[str, Any], ...]] | None = None,
    ) -> None:
        self.rule = rule
        self.backward = backward
        self.forward = forward
        self.message = message
        self.schema_path = schema_path
        self.old_schema_path = old_schema_path
        self.new_schema_path = new_schema_path
        self.instance_paths = instance_paths
        self.instance_paths_truncated = instance_paths_truncated
        self.old = old
        self.new = new
        self.counterexamples: list[Counterexample] = (
            [] if counterexamples is None else counterexamples
        )
        # what the change is about below its schema path, where the path alone does not say:
        # the property name for `required` and property changes (`auid`), else ""
        self.subject = subject
        # the schema nodes the change sits in (pointers), for tracing validation errors to it
        self.old_node = old_node
        self.new_node = new_node
        # where the prover stopped, for `compatibility-unproven` (not rendered)
        self.failures: list[tuple[str, Failure]] = [] if failures is None else failures
        # `instance_paths` as steps, (kind, value) as diff/facts.py writes them, for matching
        # a validation error's instance path to the change (corpus attribution; not rendered)
        self.places: list[tuple[tuple[str, Any], ...]] = [] if places is None else places

    def verdict(self, direction: str) -> str:
        return self.backward if direction == "backward" else self.forward


class Report(Record):
    _fields = (
        "old",
        "new",
        "old_draft",
        "new_draft",
        "mode",
        "assert_formats",
        "allow_unknown",
        "changes",
        "structural",
    )

    def __init__(
        self,
        old: str,
        new: str,
        old_draft: str,
        new_draft: str,
        mode: str,
        assert_formats: bool,
        allow_unknown: bool,
        changes: list[Change],
        structural: list[Any] | None = None,
    ) -> None:
        self.old = old
        self.new = new
        self.old_draft = old_draft
        self.new_draft = new_draft
        self.mode = mode
        self.assert_formats = assert_formats
        self.allow_unknown = allow_unknown
        self.changes = changes
        # the textual edits (diff/structural.Edit), when a caller asks for them (diff --structural)
        self.structural = structural

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
        """Proven compatible under the mode: every direction the mode checks is
        `compatible` (an unknown change makes it False, whatever --fail-on says)."""
        return all(self.verdict(d) == COMPATIBLE for d in Mode(self.mode).directions)

    @property
    def passed(self) -> bool:
        """Passes under the mode: nothing breaking, and nothing unknown unless unknown changes
        are allowed to pass (--fail-on breaking)."""
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
