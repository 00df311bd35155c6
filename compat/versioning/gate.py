"""The CI gate (`cws-compat check`): compare schema changes with a git ref and fail on
unacknowledged breaking (or unknown) changes, and on anything done to the store outside
`release`: a released version edited, removed or re-indexed, a version file nobody
registered, an index entry whose checksum or file is wrong.

Everything the gate finds is reported, each with how to proceed, so that every output
format (text, markdown, workflow annotations, SARIF, JUnit) can show it; a failure of the
gate is exit 1, never an input error. Released versions are always read as they are at the
ref (the bytes that were released), so an edit to one never stops the comparison of the
versions a pull request adds.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compat.config import Settings
from compat.diff.structural import Edit, edits
from compat.engine.compare import compare
from compat.engine.model import Change, Report
from compat.errors import CompatError
from compat.modes import Mode
from compat.rules import BREAKING, COMPATIBLE, UNKNOWN
from compat.schema.load import LoadedSchema, prepare
from compat.schema.source import from_bytes
from compat.versioning.acknowledge import (
    PLACEHOLDER,
    Acknowledgement,
    approves,
    digest,
    fingerprint,
    selector,
    selectors,
)
from compat.versioning.store import (
    INDEX_NAME,
    NAME_RE,
    Store,
    VersionEntry,
    checksum_matches,
    content_sha256,
    same_content,
)

SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class ProblemKind:
    """What the gate refuses outright, as documented in SARIF rules and --help."""

    id: str
    summary: str
    description: str


PROBLEM_KINDS = {
    kind.id: kind
    for kind in (
        ProblemKind(
            "released-version-modified",
            "A released schema version was changed in place.",
            "Released versions are immutable: their bytes and their index entry are what "
            "every consumer of that version relies on. A change to the schema is released as "
            "a new version with `cws-compat release`.",
        ),
        ProblemKind(
            "released-version-removed",
            "A released schema version was deleted or dropped from the index.",
            "Released versions stay in the store for good: consumers of a version and the "
            "comparisons of later versions depend on it.",
        ),
        ProblemKind(
            "store-index-invalid",
            "The store's index.json is missing, empty or unreadable.",
            "index.json lists the released versions with their checksums; without it nothing "
            "in the store can be checked. It is restored from the base, never rebuilt by "
            "releasing the versions again.",
        ),
        ProblemKind(
            "released-versions-reordered",
            "Released versions changed place in index.json, or a version was put among them.",
            "index.json lists versions in release order: each version is compared with the one "
            "before it, and the latest is what the next release is compared with. Released "
            "entries keep their order and place; new versions are appended after the last "
            "released one.",
        ),
        ProblemKind(
            "unregistered-version-file",
            "A schema file in the store is not in index.json.",
            "Only `cws-compat release` adds versions: it checks the new version against the "
            "earlier ones and writes its file, checksum, acknowledgements and changelog entry "
            "together. A file copied into the store by hand is none of these.",
        ),
        ProblemKind(
            "version-checksum-mismatch",
            "A new version's file does not match the sha256 its index entry records.",
            "The index records the sha256 of each version file; after a mismatch is merged, "
            "every command refuses the store.",
        ),
        ProblemKind(
            "version-file-missing",
            "A new index entry names a version file that does not exist.",
            "Each index entry names its version file in the store.",
        ),
        ProblemKind(
            "version-file-shared",
            "A new index entry names the file of another version.",
            "Each version has a file of its own; two entries on one file would make the new "
            "version whatever the other one is, and an edit of either both.",
        ),
        ProblemKind(
            "schema-file-deleted",
            "A gated schema file was deleted.",
            "A schema file named to the gate existed at the ref and no longer does.",
        ),
        ProblemKind(
            "schema-file-uncompared",
            "A gated schema file could not be compared with anything.",
            "The file is new since the ref: no file at its path there, no rename git detects, "
            "and no schema store to compare it with. A gate that compares nothing proves "
            "nothing, and a renamed file changed beyond git's rename detection would pass "
            "unseen; a schema that is really new passes with --allow-new.",
        ),
        ProblemKind(
            "unexplained-corpus-rejection",
            "A stored event is rejected with no breaking or unknown change to explain it.",
            "Every rejection of a stored event by a new version must be explained by a change "
            "the gate reports as breaking or unknown; one that is not means a verdict was "
            "wrong.",
        ),
        ProblemKind(
            "corpus-evidence-failed",
            "The stored corpora fail the gate's --corpus-fail-on level for another reason.",
            "Stored corpora are evidence only when they are sound: malformed lines, a file not "
            "read to its end and events rejected by their own capture version (a bad capture "
            "or a wrong manifest) fail the gate by default; with --corpus-fail-on rejected, any "
            "rejection does.",
        ),
    )
}


@dataclass
class Problem:
    """Something the gate refuses outright, where it is, and how to proceed."""

    kind: str
    message: str
    file: str
    fix: str
    line: int = 1
    col: int = 1
    edits: list[Edit] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return digest(f"{self.kind}\0{self.file}\0{self.message}".encode())


@dataclass(frozen=True)
class Target:
    """Where an acknowledgement of a check's changes goes: a store version's index entry, or
    the settings file (for a file gated by path, with the base it approves a change from)."""

    store_version: str | None = None
    index: str = ""  # the store's index.json, repository-relative
    settings: str = ""  # the settings file, as shown
    table: str = "[[acknowledgements]]"
    path: str = ""  # the gated file, relative to the settings file
    base: str | None = None


@dataclass(frozen=True)
class Approval:
    ack: Acknowledgement
    where: str  # the version whose entry holds it, or the settings file


@dataclass
class Check:
    """One comparison the gate made: OLD against NEW (a repository-relative file)."""

    old: str
    new: str
    file: str
    text: str
    report: Report
    acknowledged: dict[int, Approval] = field(default_factory=dict)
    target: Target = field(default_factory=Target)
    note: str = ""
    # fingerprint -> --ack selector, where RULE@PATH#SUBJECT would name several changes of
    # the same new version (transitive comparisons)
    selectors: dict[str, str] = field(default_factory=dict)

    def failing(self) -> list[Change]:
        return [
            c
            for i, c in enumerate(self.report.changes)
            if self.report.failing(c) and i not in self.acknowledged
        ]

    def warnings(self) -> list[Change]:
        """Unknown changes that do not fail (--fail-on breaking) and are not acknowledged."""
        directions = Mode(self.report.mode).directions
        return [
            c
            for i, c in enumerate(self.report.changes)
            if i not in self.acknowledged
            and not self.report.failing(c)
            and any(c.verdict(d) == UNKNOWN for d in directions)
        ]

    def position(self, change: Change) -> tuple[int, int]:
        return locate(self.file, self.text, change.new_schema_path or change.schema_path)

    def selector(self, change: Change) -> str:
        """The --ack selector naming this change alone among its version's changes."""
        return self.selectors.get(fingerprint(change)) or selector(change)

    def fix(self, change: Change) -> str:
        """How to proceed with a failing change: the acknowledgement to paste, ready."""
        reason = PLACEHOLDER
        target = self.target
        lines = []
        if target.store_version is not None:
            entry = acknowledgement_json(change, reason)
            lines += [
                f'to accept it, add to "acknowledged" of {target.store_version} in {target.index}:',
                json.dumps(entry, ensure_ascii=False),
                f"(`cws-compat release SCHEMA --ack '{self.selector(change)}=WHY'` records it "
                "when releasing)",
            ]
        else:
            lines += [f"to accept it, add to {target.settings}:", target.table]
            values = {"path": target.path, **acknowledgement_json(change, reason, target.base)}
            lines += [
                f"{key} = {json.dumps(text, ensure_ascii=False)}" for key, text in values.items()
            ]
        verdicts = {change.verdict(d) for d in Mode(self.report.mode).directions}
        if UNKNOWN in verdicts and BREAKING not in verdicts:
            lines.append("or let unknown changes pass with --fail-on breaking")
        return "\n".join(lines)


def acknowledgement_json(change: Change, reason: str, base: str | None = None) -> dict[str, str]:
    data = {"rule": change.rule, "schema_path": change.schema_path}
    if change.subject:
        data["subject"] = change.subject
    data["fingerprint"] = fingerprint(change)
    if base is not None:
        data["base"] = base
    data["reason"] = reason
    return data


@dataclass(frozen=True)
class Stale:
    """An acknowledgement that approves nothing in this run, and why."""

    where: str
    ack: Acknowledgement
    why: str


@dataclass
class GateReport:
    ref: str
    mode: str
    checks: list[Check]
    problems: list[Problem]
    stale: list[Stale]
    notes: list[str]
    corpus: Any = None  # a CorpusReport when --corpora
    sha: str = ""  # the commit compared with
    fail_on: str = "unknown"
    rules_url: str | None = None

    @property
    def passed(self) -> bool:
        return not self.problems and not any(c.failing() for c in self.checks)

    @property
    def bump(self) -> str:
        """The largest bump among the comparisons (major > minor > patch > none)."""
        order = ("none", "patch", "minor", "major")
        return max((c.report.bump for c in self.checks), key=order.index, default="none")

    @property
    def compatible(self) -> bool:
        """Every comparison proven compatible under the mode (unknown is not compatible,
        whether or not it fails the gate: that is `passed`), and nothing found that leaves
        the comparisons without ground (a released version edited, a broken index, a file
        compared with nothing, an unexplained rejection)."""
        return not self.problems and all(c.report.compatible for c in self.checks)


def locate(file: str, text: str, pointer: str | None) -> tuple[int, int]:
    """(line, column) of a JSON pointer in a schema file's text, JSON or YAML."""
    from compat.util.yamlfile import is_yaml

    if is_yaml(file):
        from compat.util.yamlfile import locate as locate_yaml

        return locate_yaml(text, pointer)
    from compat.util.jsonpos import locate as locate_json

    return locate_json(text, pointer)


def _loaded(
    label: str, data: bytes, file: str, settings: Settings, assert_formats: bool
) -> LoadedSchema:
    return prepare(from_bytes(data, label, name=file), settings.default_draft, assert_formats)


def gate(
    repo: Any,
    commit: Any,
    ref_label: str,
    paths: list[Path],
    settings: Settings,
    mode: Mode,
    allow_unknown: bool,
    assert_formats: bool,
    store_given: bool = False,
    allow_new: bool = False,
) -> GateReport:
    """Gate the store (without `paths`, or when one of them is in it) and the files in
    `paths`. The released versions are those of the store the base commit had, where the
    base's own settings put it (read at the base): a pull request that moves the store, or
    points `store` elsewhere, is held to them all the same. `store_given`: the store was
    named on the command line (--store), for both sides. `allow_new`: a gated file with
    nothing to compare it with is a note, not a failure."""
    from compat.config import store_in_tree
    from compat.versioning.git import read_at, relative, work_tree

    report = GateReport(
        ref_label,
        str(mode),
        [],
        [],
        [],
        [],
        sha=str(commit.hexsha),
        fail_on="breaking" if allow_unknown else "unknown",
        rules_url=settings.rules_url,
    )
    store_rel = relative(repo, settings.store)
    gate_store = not paths
    files: list[Path] = []
    for path in paths:
        rel = relative(repo, path)
        if rel == store_rel or rel.startswith(store_rel + "/"):
            gate_store = True
        else:
            files.append(path)
    if store_given:
        base_store: str | None = store_rel
    else:
        try:
            start = relative(repo, Path.cwd())
        except CompatError:
            start = ""
        base_store = store_in_tree(lambda file: read_at(commit, file), start)
    context = _Context(
        report,
        commit,
        store_rel,
        settings,
        mode,
        allow_unknown,
        assert_formats,
        base_store,
        allow_new,
        work_tree(repo),
    )
    if gate_store:
        _StoreGate(context).run()
    for path in files:
        _gate_file(context, repo, path)
    return report


@dataclass
class _Context:
    report: GateReport
    commit: Any
    store_rel: str
    settings: Settings
    mode: Mode
    allow_unknown: bool
    assert_formats: bool
    base_store: str | None = None  # where the store was at the base, repository-relative
    allow_new: bool = False  # a gated file with nothing to compare it with passes
    root: Path | None = None  # the work tree, to which `rel` paths are relative

    def here(self, rel: str) -> str:
        """A repository-relative path as a command run here takes it (relative to the
        current directory, quoted for the shell)."""
        import shlex

        if self.root is None:
            return shlex.quote(rel)
        return shlex.quote(Path(os.path.relpath(self.root / rel, Path.cwd())).as_posix())

    def compare(self, old: LoadedSchema, new: LoadedSchema) -> Report:
        return compare(old, new, self.mode.plain, self.assert_formats, self.allow_unknown)

    def load(self, label: str, data: bytes, file: str) -> LoadedSchema:
        return _loaded(label, data, file, self.settings, self.assert_formats)

    def restore(self, rel: str, base_rel: str | None = None) -> str:
        """The command that puts `rel` back as it is at the base (where it was `base_rel`)."""
        if base_rel is None or base_rel == rel:
            return f"git checkout {self.report.sha[:12]} -- {self.here(rel)}"
        return f"git show {self.report.sha[:12]}:{base_rel} > {self.here(rel)}"


def _uncompared(context: _Context, rel: str) -> None:
    """A gated file with nothing to compare it with: no file at the base, no rename git
    detects, no store. It fails, unless new files are allowed: a gate that compared nothing
    proves nothing, and a rename git does not detect would otherwise pass unseen."""
    report = context.report
    what = (
        f"{rel} is new since {report.ref}: there is no file at {rel} there, git detects no "
        f"rename to it, and there is no schema store at {context.store_rel} to compare it with"
    )
    if context.allow_new:
        report.notes.append(f"{what}: nothing compared (--allow-new)")
        return
    report.problems.append(
        Problem(
            "schema-file-uncompared",
            f"{what}, so nothing was compared",
            rel,
            "if it replaces another file, commit the rename (`git mv OLD "
            f"{context.here(rel)}`) before changing it, so that git follows it, or compare the "
            f"two with `cws-compat diff {report.sha[:12]}:OLD {context.here(rel)}`; if it is a "
            "new schema, run the "
            "gate with --allow-new (the action's `allow-new: true`) for this pull request",
        )
    )


def _gate_file(context: _Context, repo: Any, path: Path) -> None:
    from compat.versioning.git import read_at, relative, renamed_from, work_tree

    report, settings = context.report, context.settings
    rel = relative(repo, path)
    before = read_at(context.commit, rel)
    if not path.is_file():
        if before is None:
            raise CompatError(f"{path}: no such file")
        report.problems.append(
            Problem(
                "schema-file-deleted",
                f"{rel} was deleted (it exists at {report.ref})",
                rel,
                f"restore it with `{context.restore(rel)}`, or stop gating it",
            )
        )
        return
    data = path.read_bytes()
    new = context.load(rel, data, rel)
    note = ""
    origin = renamed_from(repo, context.commit, rel) if before is None else None
    if origin is not None:
        before = read_at(context.commit, origin)
    if before is not None and origin is not None:
        old = context.load(f"{report.ref}:{origin}", before, origin)
        note = f"{rel} was renamed from {origin} since {report.ref}: compared with {origin} there"
        report.notes.append(note)
    elif before is None:
        latest = _latest_version(settings)
        if latest is None:
            _uncompared(context, rel)
            return
        name, file, before = latest
        old = context.load(f"{name} (latest store version)", before, file)
        note = f"{rel} is new since {report.ref}: compared with the latest store version {name}"
        report.notes.append(note)
    else:
        old = context.load(f"{report.ref}:{rel}", before, rel)
    result = context.compare(old, new)
    base = digest(before)
    home = settings.source.parent if settings.source is not None else work_tree(repo)
    shown = (
        os.path.relpath(settings.source, Path.cwd())
        if settings.source is not None
        else f"{os.path.relpath(home / '.cws-compat.toml', Path.cwd())} (a new file; in a "
        "pyproject.toml, the table is [[tool.cws-compat.acknowledgements]])"
    )
    table = (
        "[[tool.cws-compat.acknowledgements]]"
        if settings.source is not None and settings.source.name == "pyproject.toml"
        else "[[acknowledgements]]"
    )
    target = Target(
        settings=shown,
        table=table,
        path=Path(os.path.relpath(path.resolve(), home.resolve())).as_posix(),
        base=base,
    )
    acks = settings.acknowledgements.get(str(path.resolve()), ())
    check = Check(old.label, new.label, rel, data.decode("utf-8"), result, target=target, note=note)
    used: set[Acknowledgement] = set()
    for index, change in enumerate(result.changes):
        for ack in acks:
            if approves(ack, change, base):
                check.acknowledged[index] = Approval(ack, shown)
                used.add(ack)
                break
    report.checks.append(check)
    report.stale += [_stale(rel, a, result.changes) for a in acks if a not in used]


def _latest_version(settings: Settings) -> tuple[str, str, bytes] | None:
    """The store's latest version (name, file, bytes), None without a store."""
    if not (settings.store / INDEX_NAME).is_file():
        return None
    store = Store.open(settings.store)
    if not store.names:
        return None
    stored = store.load(store.names[-1])
    return stored.entry.name, stored.entry.file, stored.data


def _stale(where: str, ack: Acknowledgement, changes: list[Change]) -> Stale:
    if ack.fingerprint is None:
        return Stale(
            where,
            ack,
            "has no fingerprint, so it approves nothing (acknowledgements name one exact "
            "change now): replace it with the one the failing change shows",
        )
    near = [c for c in changes if c.rule == ack.rule and c.schema_path == ack.schema_path]
    if ack.base is not None and any(fingerprint(c) == ack.fingerprint for c in near):
        return Stale(
            where,
            ack,
            "approves this change from another base (the file has changed there since): "
            "review it again and update its base",
        )
    return Stale(where, ack, "matches no change")


class _StoreGate:
    """Released versions unchanged and in their place, no stray files, each new version
    compared with its predecessor (or every earlier version, transitive), acknowledgements
    matched. The released versions are read at the base, from the store the base had."""

    def __init__(self, context: _Context) -> None:
        self.context = context
        self.report = context.report
        self.root = context.settings.store
        self.base_rel = context.base_store
        self.store = Store(self.root, [])
        self.released: dict[str, VersionEntry] = {}
        self.released_bytes: dict[str, bytes | None] = {}

    def run(self) -> None:
        from compat.versioning.git import read_at

        commit, ref = self.context.commit, self.report.ref
        before_index = None
        if self.base_rel is not None:
            before_index = read_at(commit, self._base(INDEX_NAME))
        if before_index is not None:
            label = f"{ref}:{self._base(INDEX_NAME)}"
            for entry in Store.from_index(before_index, label, self.root).entries:
                self.released[entry.name] = entry
                self.released_bytes[entry.name] = read_at(commit, self._base(entry.file))
        moved = self.base_rel is not None and self.base_rel != self.context.store_rel
        if moved and before_index is not None:
            self.report.notes.append(
                f"the store was at {self.base_rel} at {ref} and is at "
                f"{self.context.store_rel} now: its released versions are checked there"
            )
        if not self._open(before_index is not None, moved):
            return
        for entry in self.released.values():
            self._released_unchanged(entry, moved)
        self._released_in_place()
        self._unregistered_files()
        self._compare_new_versions()

    def _open(self, indexed_at_base: bool, moved: bool) -> bool:
        """Open the pull request's store; when the base had an index and this one is missing,
        empty or unreadable, that is a failure of the gate (False: nothing more to check)."""
        index_rel = self._rel(INDEX_NAME)
        if not indexed_at_base:
            self.store = Store.open(self.root)  # no store on either side: an input error
            return True
        try:
            self.store = Store.open(self.root)
            return True
        except CompatError as exc:
            missing = not (self.root / INDEX_NAME).is_file()
            what = "is missing" if missing else f"is not a valid store index ({exc})"
        restore = self.context.restore(index_rel, self._base(INDEX_NAME))
        fix = f"restore it with `{restore}`"
        if not missing:
            fix = f"correct what the error names, or {fix} and add new versions with release"
        if moved:
            fix += (
                f"; or point `store` in the settings back at {self.base_rel}, where the store "
                f"is at {self.report.ref}"
            )
        fix += "; never re-release versions that are already released"
        self.report.problems.append(
            Problem(
                "store-index-invalid",
                f"{index_rel} {what}: the released versions "
                f"({', '.join(self.released) or 'none'}) cannot be checked",
                index_rel,
                fix,
            )
        )
        for entry in self.released.values():  # a store deleted whole: name each version
            file_rel = self._rel(entry.file)
            if not (self.root / entry.file).is_file():
                restore = self.context.restore(file_rel, self._base(entry.file))
                self.report.problems.append(
                    Problem(
                        "released-version-removed",
                        f"released version {entry.name} ({file_rel}) was deleted",
                        file_rel,
                        f"restore it with `{restore}`",
                    )
                )
        return False

    def _base(self, file: str) -> str:
        """A store file where the store was at the base."""
        return f"{self.base_rel}/{file}"

    def _rel(self, file: str) -> str:
        return f"{self.context.store_rel}/{file}"

    def _released_unchanged(self, entry: VersionEntry, moved: bool) -> None:
        name = entry.name
        index_rel = self._rel(INDEX_NAME)
        restore = self.context.restore(self._rel(entry.file), self._base(entry.file))
        moved_hint = (
            f" (the store was at {self.base_rel} at {self.report.ref}: move it whole, with "
            f"every released version, or point `store` back there)"
            if moved
            else ""
        )
        if name not in self.store:
            self.report.problems.append(
                Problem(
                    "released-version-removed",
                    f"released version {name} was removed from the store index {index_rel}",
                    index_rel,
                    f"put its entry back in {index_rel} as it is in "
                    f"{self._base(INDEX_NAME)} at {self.report.ref} (`"
                    f"{self.context.restore(index_rel, self._base(INDEX_NAME))}` restores the "
                    f"whole index as it was; then release again what this change adds)"
                    f"{moved_hint}",
                )
            )
            return
        current = self.store.entry(name)
        path = self.root / current.file
        file_rel = self._rel(current.file)
        old_bytes = self.released_bytes.get(name)
        new_bytes = path.read_bytes() if path.is_file() else None
        if new_bytes is None:
            self.report.problems.append(
                Problem(
                    "released-version-removed",
                    f"released version {name} ({file_rel}) was deleted",
                    file_rel,
                    f"restore it with `{restore}`{moved_hint}",
                )
            )
            return
        file_changed = old_bytes is not None and not same_content(old_bytes, new_bytes)
        entry_changed = current.to_json() != entry.to_json()
        if not file_changed and not entry_changed:
            return
        found: list[Edit] = []
        parts: list[str] = []
        fixes: list[str] = []
        if file_changed:
            assert old_bytes is not None
            file_edits = self._file_edits(name, old_bytes, new_bytes, current.file)
            found += file_edits
            count = len(file_edits)
            parts.append(
                f"its file: {count} edit{'s' if count != 1 else ''}"
                if count
                else "its file: whitespace or key order only"
            )
            fixes.append(f"restore it with `{restore}`")
        if entry_changed:
            prefix = f"{INDEX_NAME}#/versions/{self.store.names.index(name)}"
            entry_edits = edits(entry.to_json(), current.to_json())
            found += [Edit(prefix + e.pointer, e.kind, e.old, e.new) for e in entry_edits]
            parts.append(f"its index entry: {len(entry_edits)} edit(s)")
            fixes.append(f"put {name}'s entry in {index_rel} back as it is at {self.report.ref}")
        if file_changed:
            text = new_bytes.decode("utf-8", "replace")
            pointer = found[0].pointer if found and found[0].pointer[:1] in ("", "/") else ""
            where, (line, col) = file_rel, locate(file_rel, text, pointer)
        else:
            where, (line, col) = self._index_position(name)
        self.report.problems.append(
            Problem(
                "released-version-modified",
                f"released version {name} ({file_rel}) was modified ({'; '.join(parts)}); "
                "released versions are immutable: add a new version instead",
                where,
                " and ".join(fixes) + ", then release the change as a new version: "
                "`cws-compat release path/to/schema.json`",
                line,
                col,
                found,
            )
        )

    def _index_position(self, name: str) -> tuple[str, tuple[int, int]]:
        index_rel = self._rel(INDEX_NAME)
        index_text = (self.root / INDEX_NAME).read_text(encoding="utf-8", errors="replace")
        pointer = f"/versions/{self.store.names.index(name)}"
        return index_rel, locate(index_rel, index_text, pointer)

    def _released_in_place(self) -> None:
        """Released versions keep their order and their positions at the head of the index;
        new versions come after the last released one."""
        expected = [name for name in self.released if name in self.store]
        actual = self.store.names[: len(expected)]
        if actual == expected:
            return
        index_rel = self._rel(INDEX_NAME)
        last = next(reversed(self.released))
        wrong = next(i for i, (a, b) in enumerate(zip(actual, expected, strict=True)) if a != b)
        where, (line, col) = self._index_position(actual[wrong])
        self.report.problems.append(
            Problem(
                "released-versions-reordered",
                f"{index_rel} lists versions in the order {', '.join(self.store.names)}; at "
                f"{self.report.ref} the released ones are {', '.join(self.released)}, in that "
                "order: released versions keep their place, and new versions come after "
                f"{last}",
                where,
                f"put the released entries back in {index_rel} in their order at "
                f"{self.report.ref} ({', '.join(expected)}) and add new versions after {last}, "
                "as `cws-compat release` does",
                line,
                col,
            )
        )

    def _file_edits(self, name: str, old: bytes, new: bytes, file: str) -> list[Edit]:
        try:
            before = from_bytes(old, f"{self.report.ref}:{name}", name=file).document
            after = from_bytes(new, name, name=file).document
        except CompatError as exc:
            return [Edit("", "changed", None, f"(no longer a schema document: {exc})")]
        return edits(before, after)

    def _unregistered_files(self) -> None:
        # a released version's file whose entry is gone is a removed entry (reported as such,
        # with the index to restore), never a file to release again
        listed = {entry.file for entry in self.store.entries}
        listed |= {entry.file for entry in self.released.values()}
        for path in sorted(self.root.iterdir() if self.root.is_dir() else ()):
            if (
                not path.is_file()
                or path.name.startswith(".")
                or path.name == INDEX_NAME
                or path.suffix.lower() not in SCHEMA_SUFFIXES
                or path.name in listed
            ):
                continue
            rel = self._rel(path.name)
            stem = path.stem
            name = f" --name {stem}" if NAME_RE.match(stem) and stem not in self.store else ""
            moved = f"{stem}.candidate{path.suffix}"
            self.report.problems.append(
                Problem(
                    "unregistered-version-file",
                    f"{rel} is in the store but not in {self._rel(INDEX_NAME)}: it is no "
                    "released version, and no comparison was made for it",
                    rel,
                    f"register it as a version with release, which checks it against the "
                    f"store: `mv {self.context.here(rel)} {shlex.quote(moved)} && "
                    f"cws-compat release {shlex.quote(moved)}{name}`; or "
                    "remove it from the store",
                )
            )

    def _data(self, name: str) -> bytes | None:
        """What version `name` is, for comparisons: the released bytes for a version
        released at the ref, the file for a new one (checked against its entry)."""
        if name in self.released and self.released_bytes.get(name) is not None:
            return self.released_bytes[name]
        entry = self.store.entry(name)
        path = self.root / entry.file
        rel = self._rel(entry.file)
        if not path.is_file():
            self.report.problems.append(
                Problem(
                    "version-file-missing",
                    f"{name} is in {self._rel(INDEX_NAME)} but its file {rel} does not exist",
                    self._rel(INDEX_NAME),
                    f"add {rel}, or remove {name}'s entry; `cws-compat release` writes both",
                )
            )
            return None
        data = path.read_bytes()
        if not checksum_matches(data, entry.sha256) and name not in self.released:
            actual = content_sha256(data)
            self.report.problems.append(
                Problem(
                    "version-checksum-mismatch",
                    f"{rel} has sha256 {actual[:12]}..., but {self._rel(INDEX_NAME)} records "
                    f"{entry.sha256[:12]}... for {name}",
                    rel,
                    "add versions with `cws-compat release`, which writes the file and its "
                    f"checksum together; if {rel} is the intended content, record its "
                    f"sha256 {actual}",
                )
            )
        return data

    def _acks(self, name: str) -> tuple[Acknowledgement, ...]:
        entry = self.released.get(name) or self.store.entry(name)
        return entry.acknowledged

    def _compare_new_versions(self) -> None:
        # the released versions in their order at the base, then the new ones as listed:
        # each new version's predecessor is the base's latest, then each new one in turn
        names = [n for n in self.released if n in self.store]
        names += [n for n in self.store.names if n not in self.released]
        transitive = self.context.mode.transitive
        cache: dict[str, LoadedSchema | None] = {}

        def loaded(name: str) -> LoadedSchema | None:
            if name not in cache:
                data = self._data(name)
                file = self.store.entry(name).file
                cache[name] = None if data is None else self.context.load(name, data, file)
            return cache[name]

        files = {self.store.entry(n).file: n for n in names if n in self.released}
        for position, name in enumerate(names):
            if name in self.released:
                continue
            file = self.store.entry(name).file
            if file in files:
                rel = self._rel(file)
                self.report.problems.append(
                    Problem(
                        "version-file-shared",
                        f"new version {name} names {rel}, the file of version {files[file]}: "
                        "each version has a file of its own",
                        self._rel(INDEX_NAME),
                        f"remove the entry of {name} and release the new schema with "
                        "`cws-compat release SCHEMA`, which writes its file and entry",
                    )
                )
                continue
            files[file] = name
            if position == 0:
                self.report.notes.append(f"{name} is the first version: nothing to compare with")
                continue
            new = loaded(name)
            if new is None:
                continue
            entry = self.store.entry(name)
            own = self._acks(name)
            used: set[Acknowledgement] = set()
            changes: list[Change] = []
            predecessors = names[:position] if transitive else names[position - 1 : position]
            for previous in predecessors:
                old = loaded(previous)
                if old is None:
                    continue
                result = self.context.compare(old, new)
                # versions between `previous` and `name` made changes of their own, which
                # show up again here: their acknowledgements carry over
                between = names[names.index(previous) + 1 : position]
                carried = [(a, v) for v in between for a in self._acks(v)]
                check = Check(
                    previous,
                    name,
                    self._rel(entry.file),
                    new.source.text,
                    result,
                    target=Target(store_version=name, index=self._rel(INDEX_NAME)),
                )
                for index, change in enumerate(result.changes):
                    approval = next(
                        (Approval(a, name) for a in own if approves(a, change)), None
                    ) or next((Approval(a, v) for a, v in carried if approves(a, change)), None)
                    if approval is not None:
                        check.acknowledged[index] = approval
                        if approval.where == name:
                            used.add(approval.ack)
                self.report.checks.append(check)
                changes += result.changes
            version_checks = [c for c in self.report.checks if c.new == name]
            named = selectors(change for c in version_checks for change in c.failing())
            for check in version_checks:
                check.selectors = named
            self.report.stale += [_stale(name, a, changes) for a in own if a not in used]


def add_corpus_evidence(result: GateReport, corpus: Any) -> None:
    """The stored corpora's verdict at their fail_on level (corpus.failing): an unexplained
    rejection is one problem, anything else the level fails on another."""
    result.corpus = corpus
    if corpus is None:
        return
    versions = ", ".join(corpus.versions)
    command = f"cws-compat corpus validate --against {','.join(corpus.versions)}"
    failing = corpus.failing
    others = [what for kind, what in failing if kind != "unexplained"]
    if others:
        result.problems.append(
            Problem(
                "corpus-evidence-failed",
                f"stored corpora against {versions} (--corpus-fail-on {corpus.fail_on}): "
                + "; ".join(others),
                result.checks[-1].file if result.checks else "",
                f"see them with `{command}`: repair or "
                "recapture a corpus with malformed lines, a truncated file or events its own "
                "capture version rejects (or fix its manifest entry)",
            )
        )
    if not any(kind == "unexplained" for kind, _ in failing):
        return
    result.problems.append(
        Problem(
            "unexplained-corpus-rejection",
            f"{corpus.unexplained} group(s) of stored events are rejected by {versions} with no "
            "breaking or unknown change to explain them",
            result.checks[-1].file if result.checks else "",
            f"see them with `{command}`; a rejection no "
            "change explains means a verdict was wrong: report it with one of the events",
        )
    )


def verdict_of(change: Change, directions: tuple[str, ...]) -> str:
    """The worst verdict of a change over the mode's directions."""
    order = (COMPATIBLE, UNKNOWN, BREAKING)
    return max((change.verdict(d) for d in directions), key=order.index)
