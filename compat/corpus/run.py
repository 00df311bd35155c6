"""A corpus run: scan every file against every version, explain the error groups with
jsonschema, and trace each group to the schema change that explains it."""

from __future__ import annotations

import contextlib
import os
import re
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
    # every event of the group is rejected by the corpus's own capture version: a bad capture
    # or a wrong manifest, which no schema change can explain (and none should)
    defect: bool = False
    # decided per event (a group's events need not share one fate): how many of its events
    # the capture version rejects too, and how many no change explains
    defects: int = 0
    unexplained_events: int = 0

    @property
    def unexplained(self) -> bool:
        return self.explained_by is not None and self.unexplained_events > 0


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


def _tokens(path: str) -> tuple[str, ...]:
    if not path:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:])


# Keywords whose failures a change to a sibling keyword of the same node can cause: a
# property removed from `properties` is what `additionalProperties: false` then rejects, a
# changed `if` changes which events `then` and `else` judge, a shorter `items` array hands
# items over to `additionalItems`, and so on.
_FAMILIES = (
    frozenset({"if", "then", "else"}),
    frozenset({"items", "additionalItems", "prefixItems", "unevaluatedItems"}),
    frozenset({"contains", "minContains", "maxContains"}),
    frozenset({"properties", "patternProperties", "additionalProperties", "unevaluatedProperties"}),
    frozenset({"dependencies", "dependentRequired", "dependentSchemas"}),
    frozenset({"minimum", "exclusiveMinimum"}),
    frozenset({"maximum", "exclusiveMaximum"}),
    frozenset({"enum", "const"}),
)
# what the prover calls the values a node admits (type, enum, const, bounds together): where it
# stopped there, any keyword of the node may be the one that fails
_VALUES = "values"
# keywords followed by a name or an index (not a keyword) in a schema path
_NAMED = frozenset(
    {"properties", "patternProperties", "definitions", "$defs", "dependencies"}
    | {"dependentSchemas", "dependentRequired", "allOf", "anyOf", "oneOf", "prefixItems"}
)


def _keyword_at(tokens: tuple[str, ...], index: int) -> bool:
    """Whether tokens[index] is a keyword, not a property name or an index."""
    at = 0
    while at < index:
        token = tokens[at]
        skip = token in _NAMED or (
            token == "items" and at + 1 < len(tokens) and tokens[at + 1].isdigit()
        )
        at += 2 if skip else 1
    return at == index


def _location(change: Change) -> tuple[str, ...] | None:
    """Where the change sits in the new version: its schema path there, else (a removal) its
    old path below its node rebased onto the node's new place, else its node."""
    if change.new_schema_path is not None:
        return _tokens(change.new_schema_path)
    if change.new_node is None:
        return None
    node = _tokens(change.new_node)
    old, old_node = change.old_schema_path, change.old_node
    if old is not None and old_node is not None:
        below = _tokens(old)
        above = _tokens(old_node)
        if below[: len(above)] == above:
            return node + below[len(above) :]
    return node


# keywords that refer elsewhere: a change to one changes what every keyword it leads to judges
_REFERENCES = frozenset({"$ref", "$dynamicRef", "$recursiveRef"})


def _schema_related(
    location: tuple[str, ...], keyword: tuple[str, ...], below: Iterable[tuple[str, ...]] = ()
) -> bool:
    """Could a change at `location` make the keyword at `keyword` fail? When the keyword is the
    change or inside it (a keyword of an added allOf branch), when the change is inside the
    keyword (an anyOf branch removed) or inside a definition the keyword reaches by reference
    (`below`), when the change is to a reference, or when both sit in the same node under
    keywords that judge together (_FAMILIES)."""
    if location and location[-1] in _REFERENCES:
        return True
    if any(location[: len(target)] == target for target in below):
        return True
    common = 0
    for mine, theirs in zip(location, keyword, strict=False):
        if mine != theirs:
            break
        common += 1
    if common in (len(location), len(keyword)):
        return True
    return _keyword_at(keyword, common) and (
        location[common] == _VALUES
        or any(location[common] in family and keyword[common] in family for family in _FAMILIES)
    )


def _step_matches(step: tuple[str, Any], token: Any) -> bool:
    """Whether a step of a change's instance path (diff/facts.py) reaches the event's step
    `token` (a property name, or "[]" for an array item)."""
    kind, value = step
    if kind == "prop":
        return bool(token == value)
    if kind in ("item", "index"):
        return bool(token == "[]")
    if kind == "additional":
        return bool(token != "[]")
    if kind == "pattern":
        return token != "[]" and _search(str(value), str(token))
    # property names ("names") are judged at their object, never below it
    return kind != "names"


def _search(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return True  # a regex Python reads otherwise: it may match


# keywords whose failure stands for failures in their subschemas, which it does not report
# (every anyOf branch failed, somewhere below the value it judges)
_SUMMARIES = frozenset({"anyOf", "oneOf", "not", "contains", "dependentSchemas"})


def _instance_related(
    place: tuple[tuple[str, Any], ...],
    instance: tuple[Any, ...],
    names: tuple[str, ...],
    summary: bool = False,
) -> bool:
    """Could a change that applies at `place` be why an event fails at `instance`? When the
    failure is at the place or below it, or at the object (array) the place is a member of:
    then, where the error names properties (a missing required one, unexpected ones), one of
    them must be the member the change is about."""
    size = len(place)
    if (
        summary
        and len(instance) <= size
        and all(_step_matches(place[i], instance[i]) for i in range(len(instance)))
    ):
        return True
    if len(instance) >= size and all(_step_matches(place[i], instance[i]) for i in range(size)):
        return True
    if (
        size
        and len(instance) == size - 1
        and all(_step_matches(place[i], instance[i]) for i in range(size - 1))
    ):
        last = place[-1]
        return not names or last[0] == "names" or any(_step_matches(last, n) for n in names)
    return False


def references_below(document: Any, keyword: tuple[Any, ...]) -> list[tuple[str, ...]]:
    """The local definitions (`#/...` pointers) that the subschema at `keyword` in `document`
    reaches through references, directly or through other definitions: a failing `anyOf`
    reports no error of its branches, and a change in a definition a branch refers to may be
    why every branch fails."""
    found: list[tuple[str, ...]] = []
    seen: set[tuple[str, ...]] = set()
    stack: list[Any] = [_at_pointer(document, tuple(str(t) for t in keyword))]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
        elif isinstance(node, dict):
            for name, value in node.items():
                if name == "$ref" and isinstance(value, str) and value.startswith("#/"):
                    target = _tokens(value[1:])
                    if target not in seen:
                        seen.add(target)
                        found.append(target)
                        stack.append(_at_pointer(document, target))
                elif isinstance(value, dict | list):
                    stack.append(value)
    return found


def keyword_pointers(document: Any, schema_path: tuple[Any, ...]) -> list[tuple[str, ...]]:
    """Where a failing keyword may sit in the document: jsonschema-rs writes its path from the
    root of the schema resource it is in, and a subschema with an `$id` (`id`) is a resource of its
    own; so the path itself, and each resource's pointer followed by it, where that names a
    keyword of the document."""
    keyword = tuple(str(token) for token in schema_path)
    found = [keyword]
    stack: list[tuple[tuple[str, ...], Any]] = [((), document)]
    while stack:
        at, node = stack.pop()
        if isinstance(node, list):
            stack += [((*at, str(i)), item) for i, item in enumerate(node)]
            continue
        if not isinstance(node, dict):
            continue
        # draft-04 names it `id`
        if at and keyword and isinstance(node.get("$id", node.get("id")), str):
            holder = _at_pointer(node, keyword[:-1])
            if isinstance(holder, dict) and keyword[-1] in holder:
                found.append(at + keyword)
        for name, value in node.items():
            if isinstance(value, dict | list):
                stack.append(((*at, name), value))
    return found


def _at_pointer(document: Any, tokens: tuple[str, ...]) -> Any:
    node = document
    for token in tokens:
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def explains(
    change: Change,
    schema_path: tuple[Any, ...],
    instance: tuple[Any, ...],
    names: tuple[str, ...] = (),
    below: Iterable[tuple[str, ...]] = (),
    reach: Callable[[tuple[str, ...]], list[tuple[str, ...]]] | None = None,
) -> bool:
    """Could `change` be why the new version rejects an event at this keyword (its schema
    path), this place in the event (its instance path pattern, "[]" for any item) and, where
    the error names properties (`names`: missing or unexpected ones), these properties?
    `below`: the definitions the keyword reaches by reference (references_below); `reach`:
    those a pointer of the new version reaches."""
    if change.backward == COMPATIBLE:
        return False
    location = _location(change)
    keyword = tuple(str(token) for token in schema_path)
    if location is None:
        return False
    if not _schema_related(location, keyword, below):
        # or the change (a property added, say) reaches the keyword by reference
        reached = reach(location) if reach is not None else []
        if not any(keyword[: len(target)] == target for target in reached):
            return False
    if change.instance_paths_truncated or not change.places:
        return True  # every place it reaches is not listed: any may be
    summary = bool(keyword) and keyword[-1] in _SUMMARIES
    return any(_instance_related(place, instance, names, summary) for place in change.places)


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
        # the capture version's bit in each event's mask of rejecting versions, when it is
        # among the versions checked: an event it rejects is a corpus defect wherever it fails
        own = names.index(capture) if capture in names and role == TRACED else None
        groups = [
            _group(key, group, references[name], report, role, own)
            for key, group in part.groups[index].items()
        ]
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
    own: int | None = None,
) -> ErrorGroup:
    """The group as reported; with a diff from the capture version (`report`), each of its
    events is a corpus defect (the capture version, bit `own` of its mask, rejects it too),
    explained by the changes that could make its error, or unexplained."""
    schema_path, pattern = key
    message, confirmed = _explain(reference, group, schema_path, pattern)
    explained: list[Explanation] | None = None
    defects = unexplained = 0
    if role == CAPTURE:
        defects = group.count
    elif role == TRACED and report is not None:
        causes: dict[int, None] = {}  # the changes explaining some event, in report order
        by_names: dict[tuple[str, ...], list[int]] = {}
        document = reference.schema
        reached: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

        def reach(location: tuple[str, ...]) -> list[tuple[str, ...]]:
            if location not in reached:
                reached[location] = references_below(document, location)
            return reached[location]

        places = keyword_pointers(document, schema_path)
        below = [t for place in places for t in references_below(reference.schema, place)]
        for (names, mask), count in sorted(group.kinds.items()):
            if own is not None and mask >> own & 1:
                defects += count
                continue
            found = by_names.get(names)
            if found is None:
                found = by_names[names] = [
                    i
                    for i, change in enumerate(report.changes)
                    if any(explains(change, at, pattern, names, below, reach) for at in places)
                ]
            if not found:
                unexplained += count
            causes.update(dict.fromkeys(found))
        explained = [
            Explanation(c.rule, c.schema_path, c.message)
            for i, c in enumerate(report.changes)
            if i in causes
        ]
    return ErrorGroup(
        schema_path=pointer(schema_path),
        keyword=str(schema_path[-1]) if schema_path else "",
        instance_path=instance_text(pattern),
        message=message,
        count=group.count,
        first_line=group.first_line,
        confirmed=confirmed,
        explained_by=explained,
        defect=defects == group.count,
        defects=defects,
        unexplained_events=unexplained,
    )


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
