"""A corpus run: scan every file against every version, explain the error groups with
jsonschema, and trace each group to the schema change that explains it."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from compat.config import CORPUS_FAIL_ON, Settings
from compat.corpus.readers import SUFFIXES
from compat.corpus.validate import FileScan, Group, Runner, Target, read_exact
from compat.engine.compare import compare
from compat.engine.model import Change, Report
from compat.rules import COMPATIBLE
from compat.schema.load import LoadedSchema

# Another engine's scan of every file (compat.corpus.cluster): FileScans in file order.
Scans = Callable[[list[Target]], Iterable[FileScan]]


@dataclass
class Explanation:
    rule: str
    schema_path: str
    message: str


@dataclass
class ErrorGroup:
    schema_path: str
    keyword: str
    instance_path: str
    message: str
    count: int
    first_line: int
    confirmed: bool  # jsonschema rejects the first event there too
    explained_by: list[Explanation] | None  # None: no capture version to compare with
    # rejected by the corpus's own capture version: a bad capture or a wrong manifest, which
    # no schema change can explain (and none should)
    defect: bool = False

    @property
    def unexplained(self) -> bool:
        return not self.defect and self.explained_by is not None and not self.explained_by


# How a version's rejections of a corpus are judged
CAPTURE = "capture"  # the corpus's own capture version: a rejection is a corpus defect
TRACED = "traced"  # each group traced to the changes since the capture version
UNTRACED = "untraced"  # no capture version (or not one this store has): nothing to trace to


@dataclass
class VersionResult:
    version: str
    valid: int
    invalid: int
    errors: list[ErrorGroup]
    role: str = UNTRACED

    @property
    def unexplained(self) -> int:
        return sum(1 for g in self.errors if g.unexplained)

    @property
    def defects(self) -> int:
        """Events rejected by the version they were captured under."""
        return self.invalid if self.role == CAPTURE else 0

    @property
    def untraced(self) -> int:
        """Rejected events with no capture version to trace the rejection to."""
        return self.invalid if self.role == UNTRACED else 0


@dataclass
class CorpusResult:
    path: str
    captured_under: str | None
    lines: int
    blank: int
    malformed: int
    malformed_lines: list[tuple[int, str]]
    problem: str | None
    results: list[VersionResult]
    # a directory's single-event .json files read as one corpus: the files, in order (a
    # "line" number is then the number of the file in this list, from 1)
    files: list[str] | None = None

    def where(self, line: int) -> str:
        """Line `line` of the corpus, as a person finds it."""
        if self.files is not None and 1 <= line <= len(self.files):
            return f"file {self.files[line - 1]}"
        return f"line {line}"


@dataclass
class CorpusReport:
    versions: list[str]
    assert_formats: bool
    corpora: list[CorpusResult]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    fail_on: str = "malformed"  # what fails the run (failures())

    @property
    def failing(self) -> list[tuple[str, str]]:
        """Why the run fails at its fail_on level; empty when it passes."""
        return failures(self, self.fail_on)

    @property
    def events(self) -> int:
        return sum(c.lines - c.malformed for c in self.corpora)

    @property
    def validations(self) -> int:
        """Events times the versions each was checked against (every version, except in the
        gate's run, where each corpus meets the new versions and its own capture version)."""
        return sum((c.lines - c.malformed) * len(c.results) for c in self.corpora)

    @property
    def rejections(self) -> int:
        """Validations that rejected their event."""
        return sum(r.invalid for c in self.corpora for r in c.results)

    @property
    def rejected(self) -> bool:
        return self.rejections > 0

    @property
    def defects(self) -> int:
        """Events rejected by their own capture version (bad captures, wrong manifests)."""
        return sum(r.defects for c in self.corpora for r in c.results)

    @property
    def untraced(self) -> int:
        """Rejections with no capture version to trace them to."""
        return sum(r.untraced for c in self.corpora for r in c.results)

    @property
    def problems(self) -> int:
        """Files not read to their end (truncated, corrupt)."""
        return sum(1 for c in self.corpora if c.problem)

    @property
    def malformed(self) -> int:
        return sum(c.malformed for c in self.corpora)

    @property
    def unexplained(self) -> int:
        return sum(r.unexplained for c in self.corpora for r in c.results)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.malformed and not any(c.problem for c in self.corpora)


FAIL_ON = CORPUS_FAIL_ON
DEFAULT_FAIL_ON = "malformed"  # the default for CI, documented in the README


def fail_level(option: str | None, settings: Settings) -> str:
    """--fail-on, else the settings' corpus-fail-on, else the default."""
    return option or settings.corpus_fail_on or DEFAULT_FAIL_ON


def failures(report: CorpusReport, fail_on: str) -> list[tuple[str, str]]:
    """Why the run fails under `--fail-on`, as (kind, what) pairs; none: it passes. Each level
    fails on what the one before it fails on, and more: `unexplained` on rejections that no
    schema change since the capture version explains (or that have no capture version to trace
    them to); `malformed` also on malformed lines, files not read to their end, and events
    rejected by their own capture version; `rejected` on any rejection; `never` on nothing."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"unknown fail-on level {fail_on!r}")
    if fail_on == "never":
        return []
    found = []
    if report.unexplained:
        found.append(("unexplained", f"{report.unexplained:,} unexplained error group(s)"))
    if report.untraced:
        found.append(
            (
                "untraced",
                f"{report.untraced:,} rejection(s) with no capture version to trace them to "
                "(--captured-under, or the manifest)",
            )
        )
    if fail_on in ("malformed", "rejected"):
        if report.malformed:
            found.append(("malformed", f"{report.malformed:,} malformed line(s)"))
        if report.problems:
            found.append(("truncated", f"{report.problems:,} file(s) not read to the end"))
        if report.defects:
            found.append(
                ("defect", f"{report.defects:,} event(s) rejected by their own capture version")
            )
    if fail_on == "rejected":
        others = report.rejections - report.defects - report.untraced
        if others:
            found.append(("rejected", f"{others:,} explained rejection(s)"))
    return found


def pointer(tokens: tuple[Any, ...]) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def instance_text(pattern: tuple[Any, ...]) -> str:
    out = ""
    for part in pattern:
        if part == "[]":
            out += "[]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(root)"


def _node_of(path: tuple[Any, ...]) -> str:
    """The schema node a keyword location belongs to."""
    return pointer(path[:-1])


def _parent_instance(path: str) -> str:
    if path.endswith("[]"):
        return path[:-2] or "(root)"
    head, dot, _ = path.rpartition(".")
    return head if dot else "(root)"


def explains(change: Change, schema_path: tuple[Any, ...], instance: str) -> bool:
    """Could `change` be why the new version rejects an event at this keyword and place?"""
    if change.backward == COMPATIBLE or change.new_node is None:
        return False
    keyword = pointer(schema_path)
    node = _node_of(schema_path)
    in_schema = change.new_node == node or change.new_node.startswith(keyword + "/")
    if not in_schema:
        return False
    if change.instance_paths_truncated or not change.instance_paths:
        return True
    return any(
        p == instance
        or _parent_instance(p) == instance
        or p.startswith(instance + ".")
        or p.startswith(instance + "[")
        for p in change.instance_paths
    )


class Attributor:
    """Diff reports from each capture version to each target version, computed once."""

    def __init__(self, loaded: dict[str, LoadedSchema], assert_formats: bool) -> None:
        self.loaded = loaded
        self.assert_formats = assert_formats
        self._reports: dict[tuple[str, str], Report] = {}

    def report(self, captured: str, version: str) -> Report | None:
        if captured not in self.loaded or version not in self.loaded:
            return None
        key = (captured, version)
        if key not in self._reports:
            self._reports[key] = compare(
                self.loaded[captured], self.loaded[version], assert_formats=self.assert_formats
            )
        return self._reports[key]


def run(
    files: list[Path],
    loaded: dict[str, LoadedSchema],
    captures: dict[Path, str],
    captured_under: str | None,
    assert_formats: bool,
    workers: int,
    progress: Callable[[Path, int, int], None] | None = None,
    known: dict[str, LoadedSchema] | None = None,
    scans: Scans | None = None,
    directories: Sequence[Path | str] = (),
) -> CorpusReport:
    """Validate every file against every version in `loaded` (in order); rejections are traced
    through diffs from each corpus's capture version (looked up in `known` too). With `scans`,
    the files are scanned by another engine (the Dask one) instead of local workers."""
    names = list(loaded)
    targets = [
        Target(name, s.draft, s.source.document, assert_formats) for name, s in loaded.items()
    ]
    references = {name: _reference(s, assert_formats) for name, s in loaded.items()}
    attributor = Attributor({**(known or {}), **loaded}, assert_formats)
    started = time.perf_counter()
    corpora = []
    if scans is not None:
        for scanned, members in _merged(scans(targets), directories):
            capture = captured_under or _manifest_capture(scanned.path, captures)
            corpora.append(_result(scanned, names, capture, references, attributor, members))
        return CorpusReport(names, assert_formats, corpora, time.perf_counter() - started)
    if directories:
        # one corpus per directory of single-event files: scan them all, then merge
        with Runner(targets, workers) as runner:
            scanned_all = list(runner.scan_all(files))
        for scanned, members in _merged(scanned_all, directories):
            capture = captured_under or _manifest_capture(scanned.path, captures)
            corpora.append(_result(scanned, names, capture, references, attributor, members))
        return CorpusReport(names, assert_formats, corpora, time.perf_counter() - started)
    sizes = {path: path.stat().st_size for path in files}

    def tick(path: Path, done: int) -> None:
        if progress is not None:
            progress(path, done, sizes[path])

    with Runner(targets, workers) as runner:
        for scanned in runner.scan_all(files, tick):
            path = cast(Path, scanned.path)
            capture = captured_under or captures.get(path.resolve())
            corpora.append(_result(scanned, names, capture, references, attributor))
            tick(path, sizes[path])
    return CorpusReport(names, assert_formats, corpora, time.perf_counter() - started)


def _manifest_capture(path: Path | str, captures: dict[Path, str]) -> str | None:
    """The capture version the manifest gives a local file (named by a path or a file://
    URL); None for other URLs."""
    from compat.corpus.remote import local_path, split_url

    if isinstance(path, str):
        if split_url(path)[0] != "file":
            return None
        path = local_path(path)
    return captures.get(path.resolve())


def _single_event(path: Path | str) -> bool:
    name = str(path)
    return name.endswith(".json")


def _home(path: Path | str, directories: Sequence[Path | str]) -> Path | str | None:
    """The directory given on the command line that `path` was found in, if any."""
    for directory in directories:
        if isinstance(path, Path) and isinstance(directory, Path):
            if path.absolute().is_relative_to(directory.absolute()):
                return directory
        elif str(path).startswith(str(directory).rstrip("/") + "/"):
            return directory
    return None


def _merged(
    scanned: Iterable[FileScan], directories: Sequence[Path | str]
) -> list[tuple[FileScan, list[str] | None]]:
    """The scans, with all the single-event .json files found in each directory given merged
    into one corpus named after the directory (its files listed, in order), where its first
    one was: JSON Lines files among them, wherever they sort, do not split it in two."""
    found: list[tuple[FileScan, list[str] | None]] = []
    homes: dict[Path | str, tuple[FileScan, list[str]]] = {}
    for scan in scanned:
        where = _home(scan.path, directories) if _single_event(scan.path) else None
        if where is None:
            found.append((scan, None))
            continue
        corpus = homes.get(where)
        if corpus is None:
            corpus = homes[where] = (FileScan(where, scan.partial), [])
            found.append(corpus)
        else:
            corpus[0].partial.absorb(scan.partial)
        corpus[1].append(_relative(scan.path, where))
    return found


def _relative(path: Path | str, directory: Path | str) -> str:
    if isinstance(path, Path) and isinstance(directory, Path):
        return printable(str(path.absolute().relative_to(directory.absolute())))
    return printable(str(path)[len(str(directory).rstrip("/")) + 1 :])


def _shown(path: Path | str) -> str:
    """The path as the user would type it: relative to the current directory when inside it
    (a URL as it is)."""
    if isinstance(path, str):
        return printable(path)
    try:
        return printable(str(path.resolve().relative_to(Path.cwd().resolve())))
    except ValueError:
        return printable(str(path))


def printable(name: str) -> str:
    """A file name as text that any output can hold: bytes that are not UTF-8 (which Python
    keeps as lone surrogates) become \\xNN escapes, so the JSON report stays valid JSON."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def _reference(schema: LoadedSchema, assert_formats: bool) -> Any:
    from compat.schema.drafts import validator_class
    from compat.schema.formats import reference_checker

    cls = validator_class(schema.draft)
    return cls(
        schema.source.document, format_checker=reference_checker(schema.draft, assert_formats)
    )


def _result(
    scanned: FileScan,
    names: list[str],
    capture: str | None,
    references: dict[str, Any],
    attributor: Attributor,
    members: list[str] | None = None,
) -> CorpusResult:
    part = scanned.partial
    results = []
    for index, name in enumerate(names):
        report = None
        if capture is None:
            role = UNTRACED
        elif capture == name:
            role = CAPTURE
        else:
            report = attributor.report(capture, name)
            role = TRACED if report is not None else UNTRACED
        groups = [
            _group(key, group, references[name], report, role)
            for key, group in part.groups[index].items()
        ]
        if role == TRACED and capture in references:
            # a group whose first event its own capture version rejects too is that event's
            # defect showing again, not a change to explain
            for found, group in zip(groups, part.groups[index].values(), strict=True):
                if found.unexplained and _rejects(references[capture], group.first_event):
                    found.defect = True
        groups.sort(key=lambda g: (-g.count, g.first_line, g.schema_path))
        results.append(VersionResult(name, part.valid[index], part.invalid[index], groups, role))
    return CorpusResult(
        path=_shown(scanned.path),
        captured_under=capture,
        lines=part.physical_lines - part.blank,
        blank=part.blank,
        malformed=part.malformed,
        malformed_lines=part.malformed_lines,
        problem=part.problem,
        results=results,
        files=members,
    )


def _group(
    key: tuple[tuple[Any, ...], tuple[Any, ...]],
    group: Group,
    reference: Any,
    report: Report | None,
    role: str,
) -> ErrorGroup:
    schema_path, pattern = key
    instance = instance_text(pattern)
    message, confirmed = _explain(reference, group, schema_path, pattern)
    explained: list[Explanation] | None = None
    if role == TRACED and report is not None:
        explained = [
            Explanation(c.rule, c.schema_path, c.message)
            for c in report.changes
            if explains(c, schema_path, instance)
        ]
    return ErrorGroup(
        schema_path=pointer(schema_path),
        keyword=str(schema_path[-1]) if schema_path else "",
        instance_path=instance,
        message=message,
        count=group.count,
        first_line=group.first_line,
        confirmed=confirmed,
        explained_by=explained,
        defect=role == CAPTURE,
    )


def _rejects(reference: Any, event: bytes) -> bool:
    try:
        return not reference.is_valid(read_exact(event))
    except (ValueError, RecursionError):
        return False


def _explain(
    reference: Any, group: Group, schema_path: tuple[Any, ...], pattern: tuple[Any, ...]
) -> tuple[str, bool]:
    """jsonschema's own message for the group's first event (and whether it agrees)."""
    node: Any = reference.schema
    try:
        for token in schema_path[:-1]:
            node = node[token]
        event = read_exact(group.first_event)
        for error in reference.iter_errors(event):
            for found in _flatten(error):
                where = tuple("[]" if isinstance(p, int) else p for p in found.absolute_path)
                # jsonschema's paths follow $refs as written; compare the subschema itself
                if (
                    found.schema is node
                    and found.validator == schema_path[-1]
                    and (where == pattern)
                ):
                    return str(found.message), True
    except (KeyError, IndexError, TypeError, RecursionError, ValueError):
        pass
    return group.message, False


def _flatten(error: Any) -> list[Any]:
    found = [error]
    for child in error.context or ():
        found += _flatten(child)
    return found


class Engine(Protocol):
    """Somewhere else to scan files (compat.corpus.cluster.DaskEngine)."""

    def prepare(self, specs: list[Path | str]) -> Scans:
        """Find the files of `specs` (paths or URLs) now; scan them when called."""
        ...


def run_for(
    settings: Settings,
    paths: Sequence[Path | str],
    against: str,
    captured_under: str | None,
    assert_formats: bool,
    workers: int | None,
    progress: Callable[[Path, int, int], None] | None = None,
    engine: Engine | None = None,
    per_file: bool = False,
) -> CorpusReport:
    """A corpus run as the CLI asks for it: PATHS (or the stored corpora) against the
    versions named in `against` (`all`: the whole store), on local workers or `engine`."""
    from compat.corpus.manifest import capture_versions, corpora_dir, read_manifest
    from compat.corpus.remote import local_paths
    from compat.corpus.validate import corpus_files, default_workers
    from compat.errors import CompatError
    from compat.versioning.sources import load
    from compat.versioning.store import Store

    directory = settings.corpora or corpora_dir(settings.store)
    specs: list[Path | str] = list(paths)
    if not specs:
        stored = read_manifest(directory)
        if not stored:
            raise CompatError(f"no PATH given and no stored corpora in {directory}")
        specs = [c.path for c in stored]
    files = corpus_files(local_paths(specs)) if engine is None else []
    scans = engine.prepare(specs) if engine is not None else None
    names = [n.strip() for n in against.split(",") if n.strip()]
    if names == ["all"]:
        names = Store.open(settings.store).names
    if not names:
        raise CompatError("--against names no version")

    def get(spec: str) -> LoadedSchema:
        return load(spec, settings.store, settings.default_draft, assert_formats)

    loaded = {name: get(name) for name in names}
    captures = capture_versions(directory)
    known: dict[str, LoadedSchema] = {}
    if captured_under is not None and captured_under not in loaded:
        known[captured_under] = get(captured_under)
    for name in sorted(set(captures.values()) - set(loaded) - set(known)):
        # a manifest naming a version this store does not have: nothing to trace against
        with contextlib.suppress(CompatError):
            known[name] = get(name)
    return run(
        files,
        loaded,
        captures,
        captured_under,
        assert_formats,
        workers or default_workers(),
        progress,
        known,
        scans,
        [] if per_file else _directories(specs),
    )


def _directories(specs: Sequence[Path | str]) -> list[Path | str]:
    """The specs that name local directories (URLs of prefixes: those not naming a file)."""
    from compat.corpus.remote import file_url, local_path, split_url

    found: list[Path | str] = []
    for spec in specs:
        scheme, _ = split_url(spec) if isinstance(spec, str) else (None, "")
        if scheme is None and Path(spec).is_dir():
            found.append(Path(spec))
        elif scheme == "file":
            path = local_path(str(spec))
            if path.is_dir():
                found.append(file_url(path))  # as the engine shows the files in it
        elif scheme is not None and not str(spec).endswith(SUFFIXES):
            found.append(str(spec).rstrip("/"))  # a prefix named as a directory is
    return found


def run_stored(
    settings: Settings, versions: list[str], assert_formats: bool
) -> CorpusReport | None:
    """The stored corpora against `versions` (for the gate's --corpora), each corpus also
    against the version it was captured under when the store has it, so that an event its own
    capture version rejects is a corpus defect there as in `corpus validate`, never an
    unexplained rejection; None without any stored corpora. Corpora with the same versions to
    meet are validated together, in the manifest's order of their first corpus."""
    from compat.corpus.manifest import corpora_dir, read_manifest
    from compat.versioning.store import Store

    stored = read_manifest(settings.corpora or corpora_dir(settings.store))
    if not stored:
        return None
    order = Store.open(settings.store).names

    def rank(name: str) -> tuple[int, str]:
        return (order.index(name) if name in order else len(order), name)

    groups: dict[tuple[str, ...], list[Path | str]] = {}
    for corpus in stored:
        own = {corpus.captured_under} if corpus.captured_under in order else set()
        key = tuple(sorted(set(versions) | own, key=rank))
        groups.setdefault(key, []).append(corpus.path)
    reports = [
        run_for(settings, paths, ",".join(names), None, assert_formats, None)
        for names, paths in groups.items()
    ]
    every = sorted({v for r in reports for v in r.versions}, key=rank)
    return CorpusReport(
        every,
        assert_formats,
        [c for r in reports for c in r.corpora],
        sum(r.seconds for r in reports),
        [n for r in reports for n in r.notes],
    )
