"""Git access (gitpython): the repository around a directory, refs, files at a ref, and what to
do in shallow clones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compat.errors import CompatError


def open_repo(cwd: Path | None = None) -> Any:
    """The repository around `cwd`: a work tree, a bare repository or the one GIT_DIR names,
    checked to be one git itself agrees to read."""
    import os

    import git

    where = cwd or Path.cwd()
    repo = None
    if not os.environ.get("GIT_DIR"):
        try:
            repo = git.Repo(where, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            repo = None
    try:
        if repo is None:
            # git itself knows every layout (bare repositories, GIT_DIR, git files)
            git_dir = git.Git(str(where)).rev_parse("--absolute-git-dir")
            repo = git.Repo(git_dir)
        else:
            repo.git.rev_parse("--git-dir")  # git refuses some repositories gitpython opens
    except git.GitCommandNotFound:
        raise CompatError("git is not installed (or not on PATH)") from None
    except git.GitCommandError as exc:
        refused(exc, where)
        raise CompatError(f"{where}: not inside a git repository") from None
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise CompatError(f"{where}: not inside a git repository") from None
    return repo


def refused(exc: Any, where: Path | str) -> None:
    """Raise the one-line reason when git refuses the repository outright."""
    stderr = str(getattr(exc, "stderr", "") or "")
    if "dubious ownership" in stderr:
        path = stderr.split("repository at", 1)[-1].split("\n", 1)[0].strip().strip("'")
        path = path or str(where)
        raise CompatError(
            f"git refuses the repository at {path}: dubious ownership (it belongs to another "
            "user); if you trust it, run: git config --global --add safe.directory "
            f"{path}"
        ) from None


def commit_at(repo: Any, ref: str) -> Any:
    """The commit `ref` names, or None."""
    return _commit(repo, ref)


def _commit(repo: Any, ref: str) -> Any:
    import git

    try:
        return repo.commit(ref)
    except git.GitCommandError as exc:
        refused(exc, repo.git_dir)
        return None
    except (git.BadName, ValueError):
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


def resolve(repo: Any, ref: str | None, base_branch: str | None = None) -> tuple[Any, str]:
    """The commit to compare with, and how to name it. Without REF: the
    merge base of HEAD with `base_branch` (a pull request's base, GITHUB_BASE_REF) or else
    with the default branch. A missing ref is fetched from origin when one exists."""
    if ref is None and base_branch:
        pr_base = _branch(repo, base_branch)
        return _merge_base(repo, pr_base), f"merge-base({pr_base})"
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


def _branch(repo: Any, name: str) -> str:
    """A pull request's base branch as a ref: origin's copy (fetched when missing), else a
    local branch of that name."""
    name = name.removeprefix("refs/heads/")
    for candidate in (f"origin/{name}", name):
        if _commit(repo, candidate) is not None:
            return candidate
    if _has_origin(repo) and _fetch(repo, name) and _commit(repo, f"origin/{name}") is not None:
        return f"origin/{name}"
    raise CompatError(
        f"the pull request's base branch {name!r} (GITHUB_BASE_REF) is not in this clone; "
        f"fetch it with: git fetch origin +refs/heads/{name}:refs/remotes/origin/{name}"
    )


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


def renamed_from(repo: Any, commit: Any, path: str) -> str | None:
    """The path at `commit` of the file that git's rename detection (`git diff -M`, between
    `commit` and the work tree, staged and committed files alike) says `path` was renamed
    from; None when git sees no rename to it."""
    import git

    try:
        out = str(
            repo.git.diff(
                str(commit.hexsha), "--name-status", "-z", "-M", "--diff-filter=R", "--no-color"
            )
        )
    except git.GitCommandError:
        return None
    fields = out.split("\0")
    position = 0
    while position + 2 < len(fields):
        status, old, new = fields[position : position + 3]
        if status.startswith("R") and new == path:
            return old
        position += 3
    return None


def work_tree(repo: Any) -> Path:
    """The repository's work tree; a bare repository has none."""
    if repo.bare or repo.working_tree_dir is None:
        raise CompatError(
            f"{repo.git_dir}: a bare repository has no work tree to gate; run this in a clone"
        )
    return Path(repo.working_tree_dir).resolve()


def relative(repo: Any, path: Path) -> str:
    root = work_tree(repo)
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise CompatError(f"{path}: outside the git repository at {root}") from None
