"""`cws-compat store import-git`: the store built from the git history of a schema file.

A schema generated in another repository (the CWS backend schema is
`docs/cloud-workload-security/backend_linux.schema.json` in the agent's repository) has its
versions in git history, not in a folder of copies. The import walks the first-parent history
of HEAD, oldest first: the branch as it landed, so a merged branch's own commits are not
versions, and the merge commit is one when it changed the file. Each commit whose file differs
from the version before it becomes a version:

- "differs" is as JSON (`canonical`: key order, whitespace, line endings and `1.0` for `1`
  aside), the rule `release` refuses a schema by: a commit that only reformats the file is
  skipped. A commit that brings back an older content (a revert) is a new version: the store is
  a timeline, each version compared with the one before it, and the revert's changelog entry
  shows the change undone;
- the version is named as `release` names one (the next `vN`), dated with the commit's
  committer date in the committer's time zone (the day the change landed on the branch, which
  `git log --format=%cs` shows), and its index entry records the commit (`commit`);
- its breaking and unknown changes (under the mode, as `release` would refuse them) are
  acknowledged, with the commit as the reason: they are history, already shipped, and the gate
  must not refuse them when the imported store is committed;
- re-running imports only the commits after the last recorded one; a recorded commit that is no
  longer in the history (a rewritten branch, another repository) is an error;
- the whole import is one all-or-nothing write (version files, CHANGELOG.md, index.json last),
  under the store's lock, with the same compare-and-swap as `release`: whatever stops it (an
  invalid schema in some commit, Ctrl-C, a full disk), the store stays as it was.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from compat.errors import CompatError
from compat.util.files import dump_json, read_bytes, remove_temporaries, write_all_or_nothing
from compat.versioning.store import (
    INDEX_NAME,
    Store,
    VersionEntry,
    content_sha256,
    index_json,
    lf,
    locked,
)

if TYPE_CHECKING:
    from compat.engine.model import Report
    from compat.modes import Mode
    from compat.schema.load import LoadedSchema


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, YYYY-MM-DD, in the committer's time zone
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:12]


@dataclass(frozen=True)
class Imported:
    """A commit that became a version."""

    entry: VersionEntry
    commit: Commit
    path: str  # the name the file had at the commit
    report: Report | None  # against the version before it; None for a store's first version


@dataclass(frozen=True)
class Skipped:
    """A commit that touched the file and made no version, and why."""

    commit: Commit
    reason: str


@dataclass
class ImportResult:
    repository: str
    head: Commit
    branch: str | None  # None: a detached HEAD
    paths: list[str]
    after: list[str] = field(default_factory=list)  # why older commits were left out
    steps: list[Imported | Skipped] = field(default_factory=list)  # oldest first
    written: list[Path] = field(default_factory=list)
    dry_run: bool = False

    @property
    def imported(self) -> list[Imported]:
        return [step for step in self.steps if isinstance(step, Imported)]

    @property
    def skipped(self) -> list[Skipped]:
        return [step for step in self.steps if isinstance(step, Skipped)]


def import_git(
    repo_dir: Path | None,
    paths: Sequence[str],
    store_root: Path,
    changelog: Path,
    mode: Mode,
    since: str | None = None,
    assert_formats: bool = False,
    default_draft: str | None = None,
    dry_run: bool = False,
    waiting: Callable[[Path], None] | None = None,
) -> ImportResult:
    """Import the versions of the file at `paths` (its current name first, then the names it
    had before) from the first-parent history of HEAD in the repository around `repo_dir`."""
    from compat.util.interrupts import stop_signals_blocked
    from compat.versioning.git import open_repo

    names = checked_paths(paths)

    def plan(source: _Source) -> tuple[_Plan, bytes | None]:
        index_data = _read_index(store_root)
        found = _Plan(source, _store(index_data, store_root), mode, assert_formats, default_draft)
        found.run(since, source.since(since))
        return found, index_data

    # git runs with Ctrl-C and SIGTERM blocked: the command is told (Interrupted) and stops,
    # closing the repository; a git killed by a signal sent to the whole process group (the
    # terminal's Ctrl-C) would instead look like git failing
    with stop_signals_blocked():
        repo = open_repo(repo_dir)
        try:
            source = _Source(repo, names)
            # refused before the store is touched: a bad --since, a file never there
            source.since(since)
            source.check_present()
            if dry_run:
                planned, _ = plan(source)
                planned.result.dry_run = True
                return planned.result
            with _store_directory(store_root), locked(store_root, waiting=waiting):
                planned, index_data = plan(source)
                if planned.result.imported:
                    planned.result.written = planned.write(changelog, index_data)
                return planned.result
        finally:
            repo.close()


def checked_paths(paths: Sequence[str]) -> list[str]:
    """The --path values as repository-relative POSIX paths, each once, in the order given."""
    if not paths:
        raise CompatError("give the schema file's path in the repository with --path")
    found: list[str] = []
    for given in paths:
        text = given.replace("\\", "/").strip()
        pure = PurePosixPath(text)
        if not text or pure.is_absolute() or ".." in pure.parts or text.endswith("/"):
            raise CompatError(
                f"--path {given!r}: give the file's path relative to the repository's root "
                "(as `git ls-files` prints it)"
            )
        normal = pure.as_posix()
        if normal == ".":
            raise CompatError(f"--path {given!r}: a file, not the repository's root")
        if normal not in found:
            found.append(normal)
    return found


# -- the repository ----------------------------------------------------------------------------


class _Source:
    """The file's history in one repository: HEAD, its first-parent commits that changed
    the file, and the file at each."""

    def __init__(self, repo: Any, names: list[str]) -> None:
        from compat.versioning.git import commit_at

        self.repo = repo
        self.names = names
        self.where = str(repo.working_tree_dir or repo.git_dir)
        head = commit_at(repo, "HEAD")
        if head is None:
            raise CompatError(f"{self.where}: the repository has no commits yet")
        self.head = self._commit(head)
        try:
            self.branch: str | None = str(repo.active_branch.name)
        except TypeError:  # a detached HEAD
            self.branch = None
        # literal: a name holding `*` or `[` is a name, not a pattern
        self.specs = [f":(literal){name}" for name in names]

    @property
    def shallow(self) -> bool:
        return Path(self.repo.git_dir, "shallow").exists()

    @property
    def head_label(self) -> str:
        return f"HEAD ({self.branch})" if self.branch else f"HEAD ({self.head.short}, detached)"

    def _commit(self, obj: Any) -> Commit:
        date = obj.committed_datetime.date().isoformat()
        return Commit(str(obj.hexsha), date, str(obj.summary))

    def since(self, ref: str | None) -> str | None:
        """--since REF as a commit in the history of HEAD."""
        from compat.versioning.git import commit_at

        if ref is None:
            return None
        found = commit_at(self.repo, ref)
        if found is None:
            raise CompatError(f"--since {ref!r}: unknown git ref in {self.where}")
        sha = str(found.hexsha)
        if not self.contains(sha):
            raise CompatError(
                f"--since {ref!r}: commit {sha[:12]} is not in the history of "
                f"{self.head_label} in {self.where}"
            )
        return sha

    def contains(self, sha: str) -> bool:
        """Is commit `sha` in this repository and an ancestor of HEAD (or HEAD)?"""
        import git

        from compat.versioning.git import commit_at

        if commit_at(self.repo, sha) is None:
            return False
        try:
            return bool(self.repo.is_ancestor(sha, self.head.sha))
        except git.GitCommandError:
            return False

    def _rev_list(self, *args: str) -> list[str]:
        import git

        try:
            out = str(self.repo.git.rev_list(*args, "--", *self.specs))
        except git.GitCommandError as exc:
            stderr = str(getattr(exc, "stderr", "") or "").strip().splitlines()
            detail = stderr[-1].strip().removeprefix("fatal: ") if stderr else str(exc)
            raise CompatError(f"{self.where}: git rev-list failed: {detail}") from None
        return out.split()

    def check_present(self) -> None:
        """Refuse a file that no first-parent commit of HEAD ever had."""
        if not self._rev_list("--first-parent", "-n", "1", self.head.sha):
            raise CompatError(
                f"{' or '.join(self.names)}: never in the first-parent history of "
                f"{self.head_label} in {self.where} (--path takes the file's path from the "
                "repository's root; add the names it had before with more --path)"
            )

    def commits(self, excluded: Sequence[str]) -> list[Commit]:
        """The first-parent commits of HEAD that changed the file under any of its names,
        oldest first, leaving out `excluded` and their history. A merge is compared with its
        first parent only: it is listed when it brought a change to the file."""
        shas = self._rev_list(
            "--first-parent", "--reverse", self.head.sha, *(f"^{sha}" for sha in excluded)
        )
        return [self._commit(self.repo.commit(sha)) for sha in shas]

    def file_at(self, commit: Commit) -> tuple[str, bytes] | None:
        """The file at `commit` under the first of its names that is there, or None."""
        from compat.versioning.git import read_at

        obj = self.repo.commit(commit.sha)
        for name in self.names:
            data = read_at(obj, name)
            if data is not None:
                return name, data
        return None


# -- the store ---------------------------------------------------------------------------------


def _read_index(root: Path) -> bytes | None:
    path = root / INDEX_NAME
    if not path.exists():
        return None
    return read_bytes(path, what="store index")


def _store(index_data: bytes | None, root: Path) -> Store:
    """The store as its index says, or an empty one where there is no index yet (the import
    starts a store), provided no schema file is there that an index would have to list."""
    if index_data is not None:
        return Store.from_index(index_data, str(root / INDEX_NAME), root)
    if root.exists() and not root.is_dir():
        raise CompatError(f"{root}: not a directory, cannot hold a schema store")
    strays = sorted(p.name for p in root.glob("*.json")) if root.is_dir() else []
    if strays:
        raise CompatError(
            f"{root} holds {', '.join(strays)} but no {INDEX_NAME}: not a schema store; "
            "import into an existing store or an empty directory"
        )
    return Store(root, [])


@contextlib.contextmanager
def _store_directory(root: Path) -> Iterator[None]:
    """The store's directory, created (parents too) when missing; those created are removed
    again when nothing was written in them, however the import ends (Ctrl-C included: both
    run shielded)."""
    from compat.util.interrupts import shielded

    missing: list[Path] = []
    for directory in (root, *root.parents):
        if directory.exists():
            break
        missing.append(directory)
    created: list[Path] = []  # deepest first
    try:
        with shielded():
            for directory in reversed(missing):
                try:
                    directory.mkdir()
                except FileExistsError:
                    continue
                except OSError as exc:
                    raise CompatError(
                        f"{directory}: cannot create the store: {exc.strerror}"
                    ) from None
                created.insert(0, directory)
        yield
    finally:
        with shielded():
            if created and not (root / INDEX_NAME).exists():
                # a temporary file an interrupt left in them goes first (the command line
                # removes those anyway, once the command is over: too late for rmdir)
                remove_temporaries()
                _remove_empty(created)


def _remove_empty(directories: list[Path]) -> None:
    for directory in directories:  # deepest first
        with contextlib.suppress(OSError):
            directory.rmdir()


class _Versions:
    """Loaded versions by name: the store's (checksums verified) and the new ones (from their
    bytes), loaded and labelled as `changelog --write` loads them (`store_loader`), so that the
    changelog written here is the one it writes. A few are kept loaded: comparisons go from
    one version to the next."""

    KEEP = 6

    def __init__(self, store: Store) -> None:
        self.store = store
        self.new: dict[str, bytes] = {}
        self._loaded: OrderedDict[str, LoadedSchema] = OrderedDict()

    def __call__(self, name: str) -> LoadedSchema:
        from compat.schema.load import prepare
        from compat.schema.source import from_bytes
        from compat.versioning.sources import stored_source

        loaded = self._loaded.get(name)
        if loaded is None:
            if name in self.new:
                path = self.store.root / f"{name}.json"
                source = from_bytes(self.new[name], name, path, name)
            else:
                source = stored_source(self.store, name)
            loaded = prepare(source)
            self._loaded[name] = loaded
            while len(self._loaded) > self.KEEP:
                self._loaded.popitem(last=False)
        self._loaded.move_to_end(name)
        return loaded


class _Plan:
    """What the import adds to one store: the versions, their entries and the changelog."""

    def __init__(
        self,
        source: _Source,
        store: Store,
        mode: Mode,
        assert_formats: bool,
        default_draft: str | None,
    ) -> None:
        self.source = source
        self.store = store
        self.mode = mode
        self.assert_formats = assert_formats
        self.default_draft = default_draft
        self.entries = list(store.entries)
        self.versions = _Versions(store)
        self.reports: dict[tuple[str, str], Report] = {}
        self.result = ImportResult(source.where, source.head, source.branch, list(source.names))

    def run(self, since: str | None, since_sha: str | None) -> None:
        excluded: list[str] = []
        recorded = self._recorded()
        if recorded is not None:
            name, sha = recorded
            excluded.append(sha)
            self.result.after.append(f"{sha[:12]}, the commit of {name}")
        if since is not None and since_sha is not None:
            excluded.append(since_sha)
            self.result.after.append(f"{since_sha[:12]} (--since {since})")
        if not excluded and self.source.shallow:
            # its history starts at the cut: that commit would pass for the first version
            raise CompatError(
                f"{self.source.where} is a shallow clone: its history is cut, and the commit "
                "at the cut would be imported as the store's first version; run `git fetch "
                "--unshallow` (or give --since REF to import only the commits after REF); "
                "nothing was written"
            )
        for commit in self.source.commits(excluded):
            self._consider(commit)

    def _recorded(self) -> tuple[str, str] | None:
        """The last version imported from git, when it is still in the history of HEAD."""
        for entry in reversed(self.store.entries):
            if entry.commit is None:
                continue
            if not self.source.contains(entry.commit):
                why = "the branch was rewritten, or this is another repository"
                if self.source.shallow:
                    why += ", or this shallow clone lacks it: git fetch --unshallow"
                raise CompatError(
                    f"{self.store.root / INDEX_NAME}: {entry.name} was imported from commit "
                    f"{entry.commit[:12]}, which is not in the history of "
                    f"{self.source.head_label} in {self.source.where} ({why}); nothing was "
                    "written"
                )
            return entry.name, entry.commit
        return None

    def _consider(self, commit: Commit) -> None:
        from compat.schema.load import prepare
        from compat.schema.model import canonical
        from compat.schema.source import from_bytes
        from compat.util.yamlfile import is_yaml

        found = self.source.file_at(commit)
        if found is None:
            self.result.steps.append(Skipped(commit, "the file was removed"))
            return
        path, data = found
        data = lf(data)
        label = f"{path} at commit {commit.short} ({commit.date})"
        try:
            loaded = prepare(
                from_bytes(data, label, name=path), self.default_draft, self.assert_formats
            )
        except CompatError as exc:
            raise CompatError(f"{exc}; nothing was imported") from None
        document = loaded.source.document
        if not isinstance(document, dict):
            raise CompatError(
                f"{label}: the store holds schemas that are JSON objects, found a boolean "
                "schema; nothing was imported"
            )
        if self.entries:
            latest = self.entries[-1].name
            if canonical(self.versions(latest).source.document) == canonical(document):
                self.result.steps.append(Skipped(commit, f"the same JSON as {latest}"))
                return
        if is_yaml(path):
            data = dump_json(document).encode("utf-8")  # the store holds JSON
        self._add(commit, path, data)

    def _add(self, commit: Commit, path: str, data: bytes) -> None:
        from compat.engine.compare import compare
        from compat.versioning.acknowledge import approves, assign

        name = self._next_name()
        if (self.store.root / f"{name}.json").exists():
            raise CompatError(
                f"{self.store.root / f'{name}.json'} already exists and {INDEX_NAME} does not "
                f"list it: remove it or register it with release; nothing was imported"
            )
        self.versions.new[name] = data
        names = [entry.name for entry in self.entries]
        by_name = {entry.name: entry for entry in self.entries}
        previous = names if self.mode.transitive else names[-1:]
        new = self.versions(name)
        reports = []
        for old in previous:
            report = compare(self.versions(old), new, self.mode.plain, self.assert_formats)
            reports.append(report)
        if names and not self.assert_formats:
            # the changelog compares with the defaults: the same changes as here
            self.reports[(names[-1], name)] = reports[-1]

        def carried(report: Report, change: Any) -> bool:
            later = names[names.index(report.old) + 1 :]
            return any(approves(a, change) for v in later for a in by_name[v].acknowledged)

        failing = [c for r in reports for c in r.changes if r.failing(c) and not carried(r, c)]
        reason = f"imported from git history: commit {commit.short} ({commit.date})"
        acks, left = assign(failing, [], reason)
        assert not left  # a blanket reason covers every change
        entry = VersionEntry(
            name, f"{name}.json", content_sha256(data), commit.date, tuple(acks), commit.sha
        )
        self.entries.append(entry)
        last = reports[-1] if reports else None
        self.result.steps.append(Imported(entry, commit, path, last))

    def _next_name(self) -> str:
        from compat.versioning.release import next_name

        return next_name(Store(self.store.root, self.entries))  # as `release` names it

    def write(self, changelog: Path, index_data: bytes | None) -> list[Path]:
        """Every new file, the changelog and the index (last), all or nothing."""
        from compat.versioning.changelog import whole

        root = self.store.root
        index_path = root / INDEX_NAME
        files: dict[Path, bytes] = {}
        for item in self.result.imported:
            files[root / item.entry.file] = self.versions.new[item.entry.name]
        text = whole(self.entries, self.versions, self.reports)
        files[changelog] = text.encode("utf-8")
        files[index_path] = index_json(self.entries).encode("utf-8")  # makes them exist

        def unmoved() -> None:
            """Compare and swap: the store must be as it was read, or nothing is written."""
            now = _read_index(root)
            if now != index_data:
                raise CompatError(
                    f"{index_path} changed during the import (a process that does not take "
                    "the store's lock wrote it); nothing was written: import again"
                )
            for item in self.result.imported:
                if (root / item.entry.file).exists():
                    raise CompatError(
                        f"{root / item.entry.file} appeared during the import; nothing was written"
                    )

        write_all_or_nothing(files, check=unmoved)
        return list(files)
