"""The Python API: compare schemas, read and release store versions, re-validate corpora.

Each function here is what a command does, through the same code: `diff` is `cws-compat
diff`, `Store.release` is `cws-compat release`, `validate_corpus` is `cws-compat corpus
validate`, and each result's `to_dict()` is what the command prints with `--format json`.
Options left out (None) are taken from the project's settings (`.cws-compat.toml` or
`[tool.cws-compat]`, found from the current directory) as the command line takes them, and a
store version name is looked up in the store the command line would use. Bad input raises
`CompatError` with the command's one-line message.

`compat/__init__.py` re-exports the public names and imports this module on first use; this
module imports the engine only inside the functions that need it (`import compat` and the
command line's start-up stay cheap). See docs/api.md.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast

from compat.errors import CompatError

if TYPE_CHECKING:
    from typing import TypeAlias

    from compat.config import Settings
    from compat.corpus.run import CorpusReport as _CorpusRun
    from compat.corpus.run import Engine
    from compat.diff.structural import Edit as _Edit
    from compat.engine.model import Change as _Change
    from compat.engine.model import Report as _Report
    from compat.engine.witness import Counterexample as _Counterexample
    from compat.schema.load import LoadedSchema
    from compat.schema.source import SchemaSource
    from compat.versioning.release import ReleaseResult
    from compat.versioning.store import Store as _Opened

__all__ = [
    "Change",
    "CompatError",
    "CorpusReport",
    "CorpusResult",
    "Counterexample",
    "Edit",
    "ErrorGroup",
    "Explanation",
    "Failure",
    "MalformedLine",
    "Release",
    "ReleaseRefused",
    "Report",
    "Store",
    "Version",
    "VersionResult",
    "diff",
    "validate_corpus",
]

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
"""Any JSON value, as `json.loads` returns it."""

SchemaLike: TypeAlias = "Mapping[str, object] | bool | str | os.PathLike[str]"
"""A schema: a document (a dict, or a boolean schema), a path to a JSON or YAML file, or a
string the command line takes for a SCHEMA (a store version name, a path, `GITREF:PATH`)."""

ModeName = Literal["backward", "forward", "full"]
ReleaseMode = Literal[
    "backward", "forward", "full", "backward-transitive", "forward-transitive", "full-transitive"
]
FailOn = Literal["unknown", "breaking"]
CorpusFailOn = Literal["unexplained", "malformed", "rejected", "never"]
Verdict = Literal["compatible", "breaking", "unknown"]
Bump = Literal["major", "minor", "patch", "none"]

T = TypeVar("T")

# One call at a time: `_run` changes process-wide settings (recursion limit, thread stack
# size, the unraisable hook) while a call runs.
_ONE_AT_A_TIME = threading.RLock()


# C extensions the calls import on first use. Ctrl-C reaches the thread running a call as an
# asynchronous exception, and one that lands while such a module initialises can crash the
# interpreter (seen: SIGSEGV inside orjson's initialisation); they are imported first in the
# calling thread, where a Ctrl-C is a plain KeyboardInterrupt.
_NATIVE = ("orjson", "zstandard", "jsonschema_rs", "rpds", "yaml")


def _run(work: Callable[[], T]) -> T:
    """Run `work` as the command line runs a command: in a thread with room to recurse as
    deep as the schemas it reads (util/deep.py). Ctrl-C stops it and raises
    KeyboardInterrupt here."""
    import contextlib
    import importlib

    from compat.util.deep import run_deep
    from compat.util.interrupts import Interrupted, forwarded_sigint

    for name in _NATIVE:
        if name not in sys.modules:
            with contextlib.suppress(ImportError):  # an optional one that is not installed
                importlib.import_module(name)
    with _ONE_AT_A_TIME, forwarded_sigint():
        try:
            return run_deep(work)
        except Interrupted:
            raise KeyboardInterrupt from None


def _plain(data: Any) -> Any:
    """A copy of JSON data as `json.loads` gives it back: the caller may change it freely."""
    import json

    return json.loads(json.dumps(data, ensure_ascii=False))


def _handed_out(value: Any) -> JSONValue:
    """A JSON value a result holds, as a property hands it out: a fresh copy of an object or
    an array (made where it may nest as deep as the schemas), so that nothing the caller does
    with it changes the result or its `to_dict()`."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return cast("JSONValue", value)
    return cast("JSONValue", _run(lambda: _plain(value)))


# -- inputs -------------------------------------------------------------------------------------


# Arguments are checked where they come in: a wrong type is a TypeError naming the argument,
# never an AttributeError from deep inside the code that would have used it.


def _wrong_type(name: str, expected: str, value: object) -> TypeError:
    return TypeError(f"{name}: expected {expected}, not {type(value).__name__}")


def _text(value: object, name: str) -> str | None:
    """An optional string argument."""
    if value is None or isinstance(value, str):
        return value
    raise _wrong_type(name, "a string", value)


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _wrong_type(name, "True or False", value)


def _count(value: object, name: str) -> int | None:
    """An optional whole number (not a bool, though Python counts bools as ints)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _wrong_type(name, "an integer", value)


def _path(value: object, name: str) -> Path | None:
    """An optional path: a string or an `os.PathLike` (of a string)."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        found = os.fspath(value)
        if isinstance(found, str):
            return Path(found)
    raise _wrong_type(name, "a path (a str or os.PathLike)", value)


def _draft(value: object) -> str | None:
    """`default_draft` as `--default-draft` takes it: a draft's name or number (`"2020-12"`,
    `"draft-07"`, `"7"`), or the number as an int (`4`, `6`, `7`). An unknown one is refused,
    as by the command, when a schema without `$schema` needs it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None or isinstance(value, str):
        return value
    raise _wrong_type("default_draft", "a draft (4, 6, 7, '2019-09' or '2020-12')", value)


def _settings(store: object) -> Settings:
    from compat.config import settings_for

    if isinstance(store, Store):
        return settings_for(store.path)
    return settings_for(_path(store, "store"))


def _choice(value: str | None, known: Sequence[str], what: str) -> None:
    if value is not None and value not in known:
        raise CompatError(f"unknown {what} {value!r} (known: {', '.join(known)})")


def _document_bytes(document: Mapping[str, object] | bool, label: str) -> bytes:
    """A document given as Python values, as the JSON text of a file holding it: what JSON
    cannot hold (a non-string key, NaN, a set, a circular reference) is refused here, and the
    text then takes the one path every schema file takes (`schema.source.from_bytes`)."""
    import json
    import math

    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(document, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, Mapping):
            if id(value) in seen:
                continue
            seen.add(id(value))
            for key, item in value.items():
                if not isinstance(key, str):
                    raise CompatError(
                        f"{label}: {where or '/'}: the key {key!r} is not a string (JSON object "
                        "keys are strings)"
                    )
                stack.append((item, f"{where}/{key.replace('~', '~0').replace('/', '~1')}"))
        elif isinstance(value, (list, tuple)):
            if id(value) in seen:
                continue
            seen.add(id(value))
            stack.extend((item, f"{where}/{n}") for n, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise CompatError(f"{label}: {where or '/'}: {value} is not a JSON number")
        elif isinstance(value, int) and limit and value.bit_length() > limit * 3.3219:
            # more decimal digits than Python writes (as a file's integer is refused)
            raise CompatError(
                f"{label}: {where or '/'}: an integer longer than the {limit:,} digits allowed"
            )
        elif value is not None and not isinstance(value, (str, int, float)):
            raise CompatError(
                f"{label}: {where or '/'}: a value of type {type(value).__name__} is not JSON"
            )

    def mapping(value: object) -> object:
        if isinstance(value, Mapping):
            return dict(value)
        raise TypeError(type(value).__name__)  # not reached: refused above

    try:
        text = json.dumps(document, allow_nan=False, default=mapping)
    except ValueError as exc:  # a circular reference, an integer too long to write
        raise CompatError(f"{label}: {exc}") from None
    return text.encode("ascii")


def _source(schema: SchemaLike, label: str, store_root: Path) -> SchemaSource:
    """Where a schema comes from, for each kind of input `diff` takes."""
    from compat.schema.source import from_bytes, load_file
    from compat.versioning.sources import resolve

    if isinstance(schema, str):
        return resolve(schema, store_root)  # as the command line reads a SCHEMA
    if isinstance(schema, os.PathLike):
        return load_file(Path(schema))
    if isinstance(schema, (Mapping, bool)):
        return from_bytes(_document_bytes(schema, label), label)
    raise TypeError(
        f"{label}: expected a schema document (a dict or a bool), a path or a store version "
        f"name, not {type(schema).__name__}"
    )


def _loaded(
    schema: SchemaLike, label: str, settings: Settings, draft: str | None, assert_formats: bool
) -> LoadedSchema:
    from compat.schema.load import prepare

    return prepare(_source(schema, label, settings.store), draft, assert_formats)


# -- the shared implementations of the commands -------------------------------------------------


def compare_schemas(
    old: SchemaLike,
    new: SchemaLike,
    settings: Settings,
    mode: str | None,
    default_draft: str | None,
    assert_formats: bool,
    allow_unknown: bool,
    structural: bool,
) -> _Report:
    """`cws-compat diff` and `diff()`: both schemas loaded and compared by meaning; `mode`
    and `default_draft` None take the settings' (else backward and 2020-12)."""
    from compat.engine.compare import compare
    from compat.modes import Mode

    draft = default_draft or settings.default_draft
    old_schema = _loaded(old, "old", settings, draft, assert_formats)
    new_schema = _loaded(new, "new", settings, draft, assert_formats)
    report = compare(
        old_schema,
        new_schema,
        mode=Mode.choose(mode, settings.mode).plain,
        assert_formats=assert_formats,
        allow_unknown=allow_unknown,
    )
    if structural:
        from compat.diff.structural import edits

        report.structural = edits(old_schema.source.document, new_schema.source.document)
    return report


def run_corpora(
    settings: Settings,
    paths: Sequence[str],
    against: str,
    captured_under: str | None,
    assert_formats: bool,
    workers: int | None,
    per_file: bool,
    fail_on: str | None,
    progress: Callable[[Path, int, int], None] | None = None,
    engine: Engine | None = None,
) -> _CorpusRun:
    """`cws-compat corpus validate` (and `matrix`) and `validate_corpus()`: PATHS (none: the
    stored corpora) against the versions `against` names, judged at `fail_on` (None: the
    settings', else malformed)."""
    from compat.corpus.run import fail_level, run_for

    report = run_for(
        settings,
        list(paths),
        against,
        captured_under,
        assert_formats,
        workers,
        progress,
        engine,
        per_file,
    )
    report.fail_on = fail_level(fail_on, settings)
    return report


# -- diff ---------------------------------------------------------------------------------------


def diff(
    old: SchemaLike,
    new: SchemaLike,
    *,
    mode: ModeName | None = None,
    default_draft: str | int | None = None,
    assert_formats: bool = False,
    fail_on: FailOn | None = None,
    structural: bool = False,
    store: str | os.PathLike[str] | Store | None = None,
) -> Report:
    """Compare schema `old` with schema `new` by meaning, as `cws-compat diff OLD NEW` does.

    `old` and `new` are each a schema document (a dict, or True/False), a path to a JSON or
    YAML file (a `pathlib.Path`; a string is read as the command line reads a SCHEMA: a store
    version name, a path, or `GITREF:PATH`). Version names are looked up in `store` (default:
    the store the command line uses from the current directory).

    `mode` (backward, forward, full) says which directions must be compatible for the report
    to pass; `default_draft` is the draft of a schema without `$schema` (4, 6, 7, 2019-09,
    2020-12; a number may be an int, as `--default-draft 4`); `assert_formats` makes `format`
    a constraint; `fail_on="breaking"` lets unknown changes pass; `structural` adds every
    textual edit. Left out, `mode`, `default_draft` and
    `fail_on` come from the settings, else backward, 2020-12 and unknown.

    Raises CompatError (an unknown version, an unreadable file, a document that is not a
    schema...) with the command's one-line message.
    """
    from compat.modes import PLAIN

    _choice(_text(mode, "mode"), PLAIN, "mode")
    _choice(_text(fail_on, "fail_on"), ("unknown", "breaking"), "fail-on level")
    draft = _draft(default_draft)
    _flag(assert_formats, "assert_formats")
    _flag(structural, "structural")
    settings = _settings(store)
    allow_unknown = (fail_on or settings.fail_on or "unknown") == "breaking"
    return Report(
        _run(
            lambda: compare_schemas(
                old,
                new,
                settings,
                mode,
                draft,
                assert_formats,
                allow_unknown,
                structural,
            )
        )
    )


class Counterexample:
    """A document valid under one version and rejected by the other: the proof of a
    breaking verdict, checked by two validators before it is reported."""

    __slots__ = ("_example",)

    def __init__(self, example: _Counterexample) -> None:
        self._example = example

    @property
    def direction(self) -> Literal["backward", "forward"]:
        """`backward`: valid under the old schema and rejected by the new; `forward`: the
        reverse."""
        return cast(Literal["backward", "forward"], self._example.direction)

    @property
    def instance(self) -> JSONValue:
        """The document (an event); a copy."""
        return _handed_out(self._example.instance)

    @property
    def instance_path(self) -> str:
        """Where in the document the schemas disagree (`dd`, `process.credentials.uid`)."""
        return self._example.instance_path

    @property
    def valid_under(self) -> str:
        """The schema that accepts it (its label: a version name or a path)."""
        return self._example.valid_under

    @property
    def rejected_by(self) -> str:
        """The schema that rejects it."""
        return self._example.rejected_by

    @property
    def error(self) -> str:
        """Why `rejected_by` rejects it, in python-jsonschema's words."""
        return _run(lambda: self._example.error)

    def to_dict(self) -> dict[str, JSONValue]:
        """As a counterexample in `diff --format json`."""
        from compat.report.diff import counterexample_json

        data = _run(lambda: _plain(counterexample_json(self._example)))
        return cast("dict[str, JSONValue]", data)

    def __repr__(self) -> str:
        return (
            f"<Counterexample {self.direction}: valid under {self.valid_under}, rejected by "
            f"{self.rejected_by} at {self.instance_path or '(root)'}>"
        )


class Change:
    """One difference between the two schemas, with its rule and its verdict per direction."""

    __slots__ = ("_change",)

    def __init__(self, change: _Change) -> None:
        self._change = change

    @property
    def rule(self) -> str:
        """The rule's stable id (`property-added`); `cws-compat rules ID` explains it."""
        return self._change.rule

    @property
    def backward(self) -> Verdict:
        """Is every document the old schema accepts still accepted by the new one?"""
        return cast(Verdict, self._change.backward)

    @property
    def forward(self) -> Verdict:
        """Is every document the new schema accepts accepted by the old one?"""
        return cast(Verdict, self._change.forward)

    @property
    def schema_path(self) -> str:
        """JSON pointer to the changed keyword in the new schema (in the old one when the
        keyword is gone)."""
        return self._change.schema_path

    @property
    def old_schema_path(self) -> str | None:
        """Its pointer in the old schema; None when it is new."""
        return self._change.old_schema_path

    @property
    def new_schema_path(self) -> str | None:
        """Its pointer in the new schema; None when it is gone."""
        return self._change.new_schema_path

    @property
    def instance_paths(self) -> tuple[str, ...]:
        """Where in a document the change applies (`process.ancestors[].credentials.uid`)."""
        return tuple(self._change.instance_paths)

    @property
    def instance_paths_truncated(self) -> bool:
        """True when more places than `instance_paths` lists are reached."""
        return self._change.instance_paths_truncated

    @property
    def old(self) -> JSONValue:
        """The keyword's value in the old schema (None when absent); a copy."""
        return _handed_out(self._change.old)

    @property
    def new(self) -> JSONValue:
        """The keyword's value in the new schema (None when absent); a copy."""
        return _handed_out(self._change.new)

    @property
    def message(self) -> str:
        """What changed, in a sentence."""
        return self._change.message

    @property
    def counterexample(self) -> Counterexample | None:
        """The first counterexample found, if any."""
        found = self.counterexamples
        return found[0] if found else None

    @property
    def counterexamples(self) -> tuple[Counterexample, ...]:
        """Every counterexample found (at most one per direction)."""
        return tuple(Counterexample(c) for c in self._change.counterexamples)

    def to_dict(self) -> dict[str, JSONValue]:
        """As a change in `diff --format json`."""
        from compat.report.diff import change_json

        return cast("dict[str, JSONValue]", _run(lambda: _plain(change_json(self._change))))

    def __repr__(self) -> str:
        return (
            f"<Change {self.rule} at {self.schema_path or '/'}: backward {self.backward}, "
            f"forward {self.forward}>"
        )


class Edit:
    """A textual edit from the old document to the new one (`structural=True`): annotations
    included, judged by nothing."""

    __slots__ = ("_edit",)

    def __init__(self, edit: _Edit) -> None:
        self._edit = edit

    @property
    def pointer(self) -> str:
        """Where: in the new document for additions and changes, in the old one for
        removals."""
        return self._edit.pointer

    @property
    def kind(self) -> Literal["changed", "added", "removed"]:
        """`changed`, `added` or `removed`."""
        return cast(Literal["changed", "added", "removed"], self._edit.kind)

    @property
    def old(self) -> JSONValue:
        """The old value (None for an addition); a copy."""
        return _handed_out(self._edit.old)

    @property
    def new(self) -> JSONValue:
        """The new value (None for a removal); a copy."""
        return _handed_out(self._edit.new)

    def to_dict(self) -> dict[str, JSONValue]:
        """As an edit in `diff --structural --format json`."""
        return cast("dict[str, JSONValue]", _run(lambda: _plain(self._edit.to_json())))

    def __repr__(self) -> str:
        return f"<Edit {self.kind} {self.pointer}>"


class Report:
    """What `diff` found: every change, the verdict per direction and under the mode.

    Its fields are those of `cws-compat diff --format json`, and `to_dict()` is that JSON.
    A report is not built directly: `diff` returns one.
    """

    __slots__ = ("_changes", "_report")

    def __init__(self, report: _Report) -> None:
        self._report = report
        self._changes = tuple(Change(c) for c in report.changes)

    @property
    def old(self) -> str:
        """The old schema's label: the version name, the path, `GITREF:PATH`, or `old` for a
        document."""
        return self._report.old

    @property
    def new(self) -> str:
        """The new schema's label."""
        return self._report.new

    @property
    def old_draft(self) -> str:
        """The old schema's draft (`draft-04`, ..., `2020-12`)."""
        return self._report.old_draft

    @property
    def new_draft(self) -> str:
        """The new schema's draft."""
        return self._report.new_draft

    @property
    def mode(self) -> ModeName:
        """The directions that must be compatible: backward, forward or full."""
        return cast(ModeName, self._report.mode)

    @property
    def assert_formats(self) -> bool:
        """Whether `format` was a constraint (else an annotation)."""
        return self._report.assert_formats

    @property
    def allow_unknown(self) -> bool:
        """Whether unknown changes pass (`fail_on="breaking"`)."""
        return self._report.allow_unknown

    @property
    def compatible(self) -> bool:
        """Proven compatible under the mode: every direction it checks is `compatible` (an
        unknown change makes it False)."""
        return self._report.compatible

    @property
    def passed(self) -> bool:
        """Passes under the mode (what the command's exit status follows): nothing breaking,
        and nothing unknown unless unknown changes are allowed."""
        return self._report.passed

    @property
    def backward(self) -> Verdict:
        """The worst backward verdict of the changes (`compatible` without changes)."""
        return cast(Verdict, self._report.backward)

    @property
    def forward(self) -> Verdict:
        """The worst forward verdict of the changes."""
        return cast(Verdict, self._report.forward)

    @property
    def backward_compatible(self) -> bool:
        """Every document valid under the old schema is proven valid under the new one."""
        return self._report.backward == "compatible"

    @property
    def forward_compatible(self) -> bool:
        """Every document valid under the new schema is proven valid under the old one."""
        return self._report.forward == "compatible"

    @property
    def bump(self) -> Bump:
        """`major` (not backward compatible), `minor` (the accepted set only grows), `patch`
        (nothing a validator sees changes) or `none` (no change)."""
        return cast(Bump, self._report.bump)

    @property
    def changes(self) -> tuple[Change, ...]:
        """Every change, the most severe first."""
        return self._changes

    @property
    def breaking(self) -> tuple[Change, ...]:
        """The changes that are breaking in a direction the mode checks."""
        return self._in_mode(("breaking",))

    @property
    def failing(self) -> tuple[Change, ...]:
        """The changes that fail the mode: breaking ones, and unknown ones unless allowed."""
        return tuple(c for c in self._changes if self._report.failing(c._change))

    @property
    def structural(self) -> tuple[Edit, ...] | None:
        """Every textual edit, with `structural=True`; else None."""
        edits = self._report.structural
        return None if edits is None else tuple(Edit(e) for e in edits)

    def compatible_under(self, mode: ModeName) -> bool:
        """Proven compatible under `mode`, whatever mode the report was made for (the
        verdicts per direction do not depend on it)."""
        from compat.modes import PLAIN, Mode

        _choice(_text(mode, "mode"), PLAIN, "mode")
        return all(self._report.verdict(d) == "compatible" for d in Mode(mode).directions)

    def _in_mode(self, verdicts: tuple[str, ...]) -> tuple[Change, ...]:
        from compat.modes import Mode

        directions = Mode(self._report.mode).directions
        return tuple(
            c for c in self._changes if any(c._change.verdict(d) in verdicts for d in directions)
        )

    def to_dict(self) -> dict[str, JSONValue]:
        """The report exactly as `cws-compat diff --format json` prints it (parsed)."""
        from compat.report.diff import to_json_data

        return cast("dict[str, JSONValue]", _run(lambda: _plain(to_json_data(self._report))))

    def __repr__(self) -> str:
        count = len(self._changes)
        return (
            f"<Report {self.old} -> {self.new} ({self.mode}): backward {self.backward}, "
            f"forward {self.forward}, bump {self.bump}, {count} change{'s' * (count != 1)}>"
        )


# -- data views ---------------------------------------------------------------------------------


class _View:
    """A typed, read-only view of one object of a command's JSON output."""

    __slots__ = ("_data",)
    _shown: ClassVar[tuple[str, ...]] = ()

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def to_dict(self) -> dict[str, JSONValue]:
        """As the command's `--format json` output holds it (a copy)."""
        return cast("dict[str, JSONValue]", _plain(self._data))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _View)
        return self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # equal by content, which can change: as a dict

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={self._data[key]!r}" for key in self._shown)
        return f"<{type(self).__name__} {shown}>"


# -- the store ----------------------------------------------------------------------------------


class Version(_View):
    """A released version, as `cws-compat versions --format json` lists it."""

    __slots__ = ()
    _shown = ("name", "released")

    @property
    def name(self) -> str:
        """The version's name (`v2`)."""
        return cast(str, self._data["name"])

    @property
    def released(self) -> str:
        """Its release date (YYYY-MM-DD)."""
        return cast(str, self._data["released"])

    @property
    def sha256(self) -> str:
        """The sha256 of its file with LF line endings, as the index records it (verified)."""
        return cast(str, self._data["sha256"])

    @property
    def definitions(self) -> int:
        """How many named definitions (`definitions`, `$defs`) it has."""
        return cast(int, self._data["definitions"])

    @property
    def root_properties(self) -> int:
        """How many properties its root object has."""
        return cast(int, self._data["root_properties"])

    @property
    def file(self) -> str:
        """Its file name in the store."""
        return cast(str, self._data["file"])


class ReleaseRefused(CompatError):
    """`Store.release` refused breaking or unknown changes that have no reason: nothing was
    written. `release` holds the result (its `refused` changes and their selectors)."""

    exit_code = 1  # as `cws-compat release` exits when it refuses them

    def __init__(self, release: Release) -> None:
        selectors = ", ".join(release.selector(c) for c in release.refused)
        super().__init__(
            f"refused: {len(release.refused)} breaking or unknown change(s) under "
            f"{release.mode} mode without a reason; nothing was written (give each a reason "
            f"in acks={{SELECTOR: REASON}}, or one for all in allow_breaking): {selectors}"
        )
        self.release = release


class Release:
    """What `Store.release` did: the version written, and the comparisons behind it.

    `to_dict()` is what `cws-compat release --format json` prints."""

    __slots__ = ("_mode", "_result")

    def __init__(self, result: ReleaseResult, mode: str) -> None:
        self._result = result
        self._mode = mode

    @property
    def mode(self) -> ReleaseMode:
        """The mode the release was held to (from the settings when not given)."""
        return cast(ReleaseMode, self._mode)

    @property
    def name(self) -> str:
        """The version's name."""
        return self._result.name

    @property
    def released(self) -> bool:
        """Whether the version was written (False in `ReleaseRefused.release`)."""
        return not self._result.refused

    @property
    def written(self) -> tuple[Path, ...]:
        """The files written: the version, the changelog, the index (last)."""
        return tuple(self._result.written)

    @property
    def reports(self) -> tuple[Report, ...]:
        """The comparisons with the latest version (with every version, transitive)."""
        return tuple(Report(r) for r in self._result.reports)

    @property
    def refused(self) -> tuple[Change, ...]:
        """The breaking or unknown changes that had no reason (none once released)."""
        return tuple(Change(c) for c in self._result.refused)

    def selector(self, change: Change) -> str:
        """The selector that names `change` in `acks` (`RULE@SCHEMA_PATH[#SUBJECT]`, or its
        fingerprint where that is ambiguous)."""
        from compat.versioning.acknowledge import fingerprint

        if not isinstance(change, Change):
            raise _wrong_type("change", "a Change", change)
        return self._result.selectors()[fingerprint(change._change)]

    def to_dict(self) -> dict[str, JSONValue]:
        """The result exactly as `cws-compat release --format json` prints it (parsed)."""
        from compat.report.release import to_json_data

        return cast("dict[str, JSONValue]", _plain(to_json_data(self._result)))

    def __repr__(self) -> str:
        state = "released" if self.released else f"refused ({len(self._result.refused)})"
        return f"<Release {self.name}: {state}>"


class Store:
    """A schema store: the released versions of a schema in a directory (`schemas/versions`),
    each immutable and checksummed, listed in its `index.json`.

    `Store()` opens the store the command line would use from the current directory (the
    `store` setting, else the nearest `schemas/versions` up to the repository root).
    Raises CompatError when the directory holds no store.
    """

    __slots__ = ("_root",)

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        from compat.versioning.store import Store as Opened

        root = _path(path, "path") or _settings(None).store
        Opened.open(root)  # refuses a directory without a store now, not at first use
        self._root = root

    @property
    def path(self) -> Path:
        """The store's directory."""
        return self._root

    @property
    def names(self) -> tuple[str, ...]:
        """The versions' names, oldest first (from the index, as it is now)."""
        return tuple(self._opened().names)

    @property
    def versions(self) -> tuple[Version, ...]:
        """Every version, oldest first, as `cws-compat versions` lists them: each file is
        read and its checksum verified (CompatError when one was modified)."""
        from compat.versioning.store import version_rows

        return tuple(Version(row) for row in _run(lambda: version_rows(self._opened())))

    def load(self, name: str) -> dict[str, JSONValue]:
        """The schema document of version `name`, its checksum verified. Raises CompatError
        for an unknown name (listing the known ones) or a modified file."""
        if not isinstance(name, str):
            raise _wrong_type("name", "a version name (a string)", name)
        return cast("dict[str, JSONValue]", _run(lambda: self._opened().load(name).document))

    def release(
        self,
        schema: str | os.PathLike[str] | Mapping[str, object],
        *,
        name: str | None = None,
        mode: ReleaseMode | None = None,
        acks: Mapping[str, str] | None = None,
        allow_breaking: str | None = None,
        assert_formats: bool = False,
        default_draft: str | int | None = None,
        changelog: str | os.PathLike[str] | None = None,
    ) -> Release:
        """Add `schema` (a path to a JSON or YAML file, or a document) as a new version, as
        `cws-compat release` does: the version file, its index entry and the changelog,
        written all or nothing, one release into a store at a time.

        `name` defaults to the next `vN`. Each breaking or unknown change against the latest
        version (every version, in a transitive `mode`) needs a reason: its own in `acks`
        (selector -> reason, as `--ack SELECTOR=REASON`) or `allow_breaking`'s. Without one,
        ReleaseRefused is raised and nothing is written; other refusals (a schema identical
        to the latest version, an existing name, a store changed meanwhile) raise
        CompatError with the command's message. `mode`, `default_draft` and `changelog` (the
        changelog file rewritten with the new entry) left out come from the settings, as the
        command's: the `changelog` setting, else CHANGELOG.md beside the project whose settings
        or store are found from the current directory, whatever store this one is.
        """
        from compat.modes import Mode
        from compat.versioning.acknowledge import parse_reason
        from compat.versioning.release import release

        _text(name, "name")
        _text(mode, "mode")
        _text(allow_breaking, "allow_breaking")
        _flag(assert_formats, "assert_formats")
        changelog = _path(changelog, "changelog")
        if acks is not None and not (
            isinstance(acks, Mapping)
            and all(isinstance(s, str) and isinstance(r, str) for s, r in acks.items())
        ):
            raise _wrong_type("acks", "a mapping of selectors to reasons (strings)", acks)
        settings = _settings(self._root)
        chosen = Mode.choose(mode, settings.mode)
        draft = _draft(default_draft) or settings.default_draft
        reasons = [parse_reason(f"{s}={r}", "acks") for s, r in (acks or {}).items()]
        data: bytes | None = None
        if isinstance(schema, (str, os.PathLike)):
            path = Path(schema)
        elif isinstance(schema, Mapping):
            from compat.util.files import dump_json

            path = Path("<document>")
            # the store holds JSON in its own layout: the document as a JSON file would hold it
            document = _plain_document(schema, str(path))
            data = dump_json(document).encode("utf-8")
        else:
            raise TypeError(
                f"expected a path or a schema document (a dict), not {type(schema).__name__}"
            )
        result = _run(
            lambda: release(
                path,
                settings.store,
                settings.changelog if changelog is None else Path(changelog),
                name,
                chosen,
                allow_breaking,
                assert_formats,
                draft,
                reasons=reasons,
                data=data,
            )
        )
        made = Release(result, str(chosen))
        if result.refused:
            raise ReleaseRefused(made)
        return made

    def _opened(self) -> _Opened:
        from compat.versioning.store import Store as Opened

        return Opened.open(self._root)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __repr__(self) -> str:
        return f"<Store {self._root}: {', '.join(self.names) or 'no versions'}>"


def _plain_document(document: Mapping[str, object], label: str) -> Any:
    """A document as the JSON values a file would hold (refused as `_document_bytes` refuses)."""
    import json

    return json.loads(_document_bytes(document, label))


# -- corpora ------------------------------------------------------------------------------------


def validate_corpus(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
    *,
    versions: str | Sequence[str | os.PathLike[str]] = "all",
    captured_under: str | None = None,
    store: str | os.PathLike[str] | Store | None = None,
    workers: int | None = None,
    fail_on: CorpusFailOn | None = None,
    assert_formats: bool = False,
    per_file: bool = False,
    errors: int | None = 10,
) -> CorpusReport:
    """Re-validate stored events against schema versions, as `cws-compat corpus validate`
    does.

    `paths`: files (JSON Lines, `.gz`, `.zst`, single-event `.json`) and directories; none:
    the stored corpora of the manifest. `versions`: `"all"` (the whole store) or the version
    names (or schema files) to validate against. Each rejection is traced to the schema change
    that explains it when the capture version is known (the manifest, or `captured_under`).
    `fail_on` says what makes the report `failed` (unexplained, malformed, rejected, never;
    left out: the settings', else malformed). `workers`: processes (default: the cores).
    `errors`: error groups kept per corpus and version (None: all).
    """
    levels = ("unexplained", "malformed", "rejected", "never")
    _choice(_text(fail_on, "fail_on"), levels, "fail-on level")
    workers = _count(workers, "workers")
    if workers is not None and workers < 1:
        raise CompatError(f"workers must be at least 1, not {workers}")
    errors = _count(errors, "errors")
    if errors is not None and errors < 0:
        raise CompatError(f"errors must be at least 0, not {errors}")
    _text(captured_under, "captured_under")
    _flag(assert_formats, "assert_formats")
    _flag(per_file, "per_file")
    specs = [str(p) for p in _paths(paths, "paths")]
    if isinstance(versions, str):
        against = versions
    else:
        names = [str(v) for v in _paths(versions, "versions")]
        for version in names:
            if "," in version:
                raise CompatError(f"version {version!r}: a name or file holding ',' cannot be read")
        against = ",".join(names)
    settings = _settings(store)

    def work() -> dict[str, Any]:
        from compat.report.corpus import to_json_data

        report = run_corpora(
            settings, specs, against, captured_under, assert_formats, workers, per_file, fail_on
        )
        return to_json_data(report, sys.maxsize if errors is None else errors)

    return CorpusReport(_run(work))


def _paths(value: object, name: str) -> list[Path | str]:
    """A path, or an iterable of paths (strings or `os.PathLike`): strings are kept as they
    are (a version name is one)."""
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    elif isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise _wrong_type(name, "a path or an iterable of paths", value)
    found: list[Path | str] = []
    for item in value:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, os.PathLike) and isinstance(os.fspath(item), str):
            found.append(Path(os.fspath(item)))
        else:
            raise TypeError(
                f"{name}: expected paths (str or os.PathLike), not an item of type "
                f"{type(item).__name__}"
            )
    return found


class Failure(_View):
    """One reason a corpus run fails at its `fail_on` level."""

    __slots__ = ()
    _shown = ("kind", "message")

    @property
    def kind(self) -> str:
        """`unexplained`, `untraced`, `malformed`, `truncated`, `defect` or `rejected`."""
        return cast(str, self._data["kind"])

    @property
    def message(self) -> str:
        """What, counted (`3 malformed line(s)`)."""
        return cast(str, self._data["message"])


class MalformedLine(_View):
    """A line that is no JSON object, and why."""

    __slots__ = ()
    _shown = ("line", "reason")

    @property
    def line(self) -> int:
        """Its number, from 1 (for a directory read as one corpus: its file's number)."""
        return cast(int, self._data["line"])

    @property
    def reason(self) -> str:
        """Why it was not read as an event."""
        return cast(str, self._data["reason"])


class Explanation(_View):
    """A schema change that explains an error group: the rule and where it is."""

    __slots__ = ()
    _shown = ("rule", "schema_path")

    @property
    def rule(self) -> str:
        """The change's rule id."""
        return cast(str, self._data["rule"])

    @property
    def schema_path(self) -> str:
        """The change's schema path."""
        return cast(str, self._data["schema_path"])

    @property
    def message(self) -> str:
        """The change's message."""
        return cast(str, self._data["message"])


class ErrorGroup(_View):
    """Rejections of one version grouped by schema path, keyword and instance path."""

    __slots__ = ()
    _shown = ("keyword", "instance_path", "count")

    @property
    def schema_path(self) -> str:
        """JSON pointer to the failing keyword in the version's schema."""
        return cast(str, self._data["schema_path"])

    @property
    def keyword(self) -> str:
        """The failing keyword (`additionalProperties`, `required`, ...)."""
        return cast(str, self._data["keyword"])

    @property
    def instance_path(self) -> str:
        """Where in the events (`process.ancestors[].credentials`)."""
        return cast(str, self._data["instance_path"])

    @property
    def message(self) -> str:
        """The first event's error, in python-jsonschema's words."""
        return cast(str, self._data["message"])

    @property
    def count(self) -> int:
        """How many events."""
        return cast(int, self._data["count"])

    @property
    def first_line(self) -> int:
        """The line of the first of them."""
        return cast(int, self._data["first_line"])

    @property
    def confirmed(self) -> bool:
        """python-jsonschema rejects the first event there too."""
        return cast(bool, self._data["confirmed"])

    @property
    def explained_by(self) -> tuple[Explanation, ...] | None:
        """The schema changes since the capture version that explain it; None without a
        capture version."""
        found = self._data["explained_by"]
        return None if found is None else tuple(Explanation(e) for e in found)

    @property
    def unexplained(self) -> bool:
        """No change explains it, though the capture version is known."""
        return cast(bool, self._data["unexplained"])

    @property
    def defect(self) -> bool:
        """Rejected by the corpus's own capture version: a bad capture, no schema change."""
        return cast(bool, self._data["defect"])


class VersionResult(_View):
    """One corpus against one version."""

    __slots__ = ()
    _shown = ("version", "valid", "invalid")

    @property
    def version(self) -> str:
        """The version (a store name, or a schema file)."""
        return cast(str, self._data["version"])

    @property
    def role(self) -> Literal["capture", "traced", "untraced"]:
        """`capture`: the corpus's own capture version; `traced`: rejections are traced to
        the changes since then; `untraced`: no capture version to trace them to."""
        return cast(Literal["capture", "traced", "untraced"], self._data["role"])

    @property
    def valid(self) -> int:
        """Events it accepts."""
        return cast(int, self._data["valid"])

    @property
    def invalid(self) -> int:
        """Events it rejects."""
        return cast(int, self._data["invalid"])

    @property
    def error_groups(self) -> int:
        """How many error groups (`errors` keeps the first ones)."""
        return cast(int, self._data["error_groups"])

    @property
    def unexplained(self) -> int:
        """Error groups that no schema change explains."""
        return cast(int, self._data["unexplained"])

    @property
    def errors(self) -> tuple[ErrorGroup, ...]:
        """The error groups kept (`validate_corpus(errors=...)`), the largest first."""
        return tuple(ErrorGroup(g) for g in self._data["errors"])


class CorpusResult(_View):
    """One corpus: its lines, and a result per version."""

    __slots__ = ()
    _shown = ("path", "lines")

    @property
    def path(self) -> str:
        """The file or directory (relative to the current directory when inside it)."""
        return cast(str, self._data["path"])

    @property
    def captured_under(self) -> str | None:
        """The version the events were captured under, when known."""
        return cast("str | None", self._data["captured_under"])

    @property
    def files(self) -> tuple[str, ...] | None:
        """For a directory of single-event `.json` files: the files, in line order."""
        found = self._data["files"]
        return None if found is None else tuple(found)

    @property
    def lines(self) -> int:
        """Non-blank lines."""
        return cast(int, self._data["lines"])

    @property
    def blank(self) -> int:
        """Blank lines."""
        return cast(int, self._data["blank"])

    @property
    def malformed(self) -> int:
        """Lines that are no JSON object."""
        return cast(int, self._data["malformed"])

    @property
    def malformed_lines(self) -> tuple[int, ...]:
        """Their numbers."""
        return tuple(self._data["malformed_lines"])

    @property
    def malformed_reasons(self) -> tuple[MalformedLine, ...]:
        """Their numbers and why each was refused."""
        return tuple(MalformedLine(m) for m in self._data["malformed_reasons"])

    @property
    def problem(self) -> str | None:
        """Why the file was not read to its end (truncated, corrupt), if so."""
        return cast("str | None", self._data["problem"])

    @property
    def results(self) -> tuple[VersionResult, ...]:
        """One per version, in the report's order of versions."""
        return tuple(VersionResult(r) for r in self._data["results"])


class CorpusReport(_View):
    """What `validate_corpus` found: per corpus and version, valid and rejected events, the
    rejections grouped and traced to the schema changes that explain them.

    Its fields are those of `cws-compat corpus validate --format json`, and `to_dict()` is
    that JSON. A report is not built directly: `validate_corpus` returns one.
    """

    __slots__ = ()
    _shown = ("versions", "events", "rejections", "failed")

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions validated against."""
        return tuple(self._data["versions"])

    @property
    def assert_formats(self) -> bool:
        """Whether `format` was a constraint."""
        return cast(bool, self._data["assert_formats"])

    @property
    def ok(self) -> bool:
        """Nothing rejected, nothing malformed, every file read to its end."""
        return cast(bool, self._data["ok"])

    @property
    def fail_on(self) -> CorpusFailOn:
        """The level the run was judged at."""
        return cast(CorpusFailOn, self._data["fail_on"])

    @property
    def failed(self) -> bool:
        """The run fails at its `fail_on` level (the command exits 1)."""
        return cast(bool, self._data["failed"])

    @property
    def failures(self) -> tuple[Failure, ...]:
        """Why it fails; empty when it passes."""
        return tuple(Failure(f) for f in self._data["failures"])

    @property
    def events(self) -> int:
        """Events read (lines that are JSON objects)."""
        return cast(int, self._data["events"])

    @property
    def validations(self) -> int:
        """Events times the versions each was checked against."""
        return cast(int, self._data["validations"])

    @property
    def rejections(self) -> int:
        """Validations that rejected their event."""
        return cast(int, self._data["rejections"])

    @property
    def malformed(self) -> int:
        """Malformed lines."""
        return cast(int, self._data["malformed"])

    @property
    def defects(self) -> int:
        """Events rejected by their own capture version."""
        return cast(int, self._data["defects"])

    @property
    def untraced(self) -> int:
        """Rejections with no capture version to trace them to."""
        return cast(int, self._data["untraced"])

    @property
    def unexplained(self) -> int:
        """Error groups that no schema change since the capture version explains."""
        return cast(int, self._data["unexplained"])

    @property
    def corpora(self) -> tuple[CorpusResult, ...]:
        """One per corpus, in the order given."""
        return tuple(CorpusResult(c) for c in self._data["corpora"])
