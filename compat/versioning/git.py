"""Git access (gitpython): the repository around a directory, refs, files at a ref, and what to
do in shallow clones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compat.errors import CompatError


def open_repo(cwd: Path | None = None) -> Any:
    import git

    try:
        return git.Repo(cwd or Path.cwd(), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise CompatError(f"{cwd or Path.cwd()}: not inside a git repository") from None


def commit_at(repo: Any, ref: str) -> Any:
    """The commit `ref` names, or None."""
    return _commit(repo, ref)


def _commit(repo: Any, ref: str) -> Any:
    import git

    try:
        return repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        return None


def default_branch(repo: Any) -> str | None:
    """origin's default branch (origin/HEAD), else a local or remote main or master."""
    try:
        head = repo.git.symbolic_ref("refs/remotes/origin/HEAD", "--short")
        if head:
            return str(head)
    except Exception:  # gitpython raises GitCommandError; no origin/HEAD is normal
        pass
    for name in ("origin/main", "origin/master", "main", "master"):
        if _commit(repo, name) is not None:
            return name
    if _has_origin(repo):
        # a single-branch (CI) clone knows no other branch: ask origin for the usual ones
        for name in ("main", "master"):
            if _fetch(repo, name):
                return f"origin/{name}"
    return None


def resolve(repo: Any, ref: str | None) -> tuple[Any, str]:
    """The commit to compare with, and how to name it. Without REF: the merge base of HEAD
    with the default branch. A missing ref is fetched from origin when one exists."""
    if ref is None:
        branch = default_branch(repo)
        if branch is None:
            hint = ""
            if _has_origin(repo):
                hint = (
                    ", or fetch it with: git fetch origin +refs/heads/main:refs/remotes/origin/main"
                )
            raise CompatError(
                f"cannot find the default branch to compare with; give --against REF{hint}"
            )
        base = _merge_base(repo, branch)
        return base, f"merge-base({branch})"
    commit = _commit(repo, ref)
    name = ref.removeprefix("origin/")
    if commit is None and _has_origin(repo) and _fetch(repo, name):
        commit = (
            _commit(repo, ref) or _commit(repo, f"origin/{name}") or _commit(repo, "FETCH_HEAD")
        )
    if commit is None:
        hint = ""
        if _has_origin(repo):
            hint = f"; fetch it with: git fetch origin +refs/heads/{name}:refs/remotes/origin/"
            hint += name
        raise CompatError(f"unknown git ref {ref!r}{hint}")
    return commit, ref


def _has_origin(repo: Any) -> bool:
    return any(remote.name == "origin" for remote in repo.remotes)


def _fetch(repo: Any, ref: str, *extra: str) -> bool:
    """Fetch a branch into refs/remotes/origin/ (or a tag or sha into FETCH_HEAD)."""
    import git

    for spec in (f"+refs/heads/{ref}:refs/remotes/origin/{ref}", ref):
        try:
            repo.git.fetch("--quiet", *extra, "origin", spec)
            return True
        except git.GitCommandError:
            continue
    return False


def _merge_base(repo: Any, branch: str) -> Any:
    import git

    def base() -> Any:
        try:
            found = repo.merge_base("HEAD", branch)
        except git.GitCommandError:
            return None
        return found[0] if found else None

    found = base()
    shallow = Path(repo.git_dir, "shallow").exists()
    if found is None and shallow and _has_origin(repo):
        # a shallow clone may lack the fork point: deepen, then unshallow, before giving up
        name = branch.removeprefix("origin/")
        _fetch(repo, name, "--deepen=200")
        found = base()
        if found is None:
            _fetch(repo, name, "--unshallow")
            found = base()
    if found is None:
        name = branch.removeprefix("origin/")
        if shallow:
            raise CompatError(
                f"the merge base with {branch} is not in this shallow clone; fix it with: "
                f"git fetch --unshallow origin {name}"
            )
        raise CompatError(f"HEAD and {branch} have no common history; give --against REF")
    return found


def read_at(commit: Any, path: str) -> bytes | None:
    """The bytes of `path` (relative to the repository root) at `commit`, None if absent."""
    try:
        blob = commit.tree / path
    except KeyError:
        return None
    if blob.type != "blob":
        return None
    data: bytes = blob.data_stream.read()
    return data


def relative(repo: Any, path: Path) -> str:
    root = Path(repo.working_tree_dir).resolve()
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise CompatError(f"{path}: outside the git repository at {root}") from None
