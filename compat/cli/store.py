"""Commands that build the store: `store import-git`."""

from __future__ import annotations

from pathlib import Path

import click

from compat.cli.group import cli, examples
from compat.cli.options import format_option, store_option
from compat.cli.options import settings_for as _settings
from compat.modes import MODES, Mode


@cli.group(
    epilog=examples(
        "a store from every version a schema file had in this repository's history",
        "cws-compat store import-git --path schemas/versions/v2.json --store imported",
    )
)
def store() -> None:
    """Build the store from the git history of a schema file (import-git)."""


@store.command(
    "import-git",
    epilog=examples(
        "what the import would add, writing nothing",
        "cws-compat store import-git --path schemas/versions/v2.json --store imported --dry-run",
        "a schema file renamed once: its name now, then the one it had before",
        "cws-compat store import-git . --path schemas/versions/v2.json "
        "--path schemas/v2.json --store imported",
        "only the commits after a tag or commit (here: none), reported as JSON",
        "cws-compat store import-git --path schemas/versions/v2.json --since HEAD "
        "--store imported --format json",
    ),
)
@click.argument("repo", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--path",
    "paths",
    multiple=True,
    required=True,
    metavar="FILE",
    help="The schema file, from the repository's root (JSON or YAML). Repeat it for the "
    "names the file had before a rename: its current name first, then the older ones.",
)
@click.option(
    "--since",
    default=None,
    metavar="REF",
    help="Import only the commits after REF (a commit, tag or branch in the history of HEAD).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the versions the import would add, writing nothing.",
)
@click.option(
    "--mode",
    type=click.Choice(list(MODES)),
    default=None,
    help="The mode the store is gated in: the changes each new version makes that fail it "
    "are acknowledged [default: backward, or `mode` in the settings]; *-transitive compares "
    "with every earlier version.",
)
@click.option("--assert-formats", is_flag=True, help="Treat `format` as a constraint.")
@format_option("import-git")
@store_option
def import_git(
    repo: Path | None,
    paths: tuple[str, ...],
    since: str | None,
    dry_run: bool,
    mode: str | None,
    assert_formats: bool,
    fmt: str,
    store: Path | None,
) -> int:
    """Add a version to the store for each commit that changed FILE in the first-parent
    history of HEAD in REPO (default: the repository around the current directory).

    Oldest first, a commit makes a version when the file differs as JSON from the version
    before it (a commit that only reformats it is skipped; one that brings back an older
    content, a revert, is a new version). A merge counts as one commit: the commits of a
    merged branch are not versions. Versions are named as release names them (the next vN),
    dated with the commit's committer date, and their index entries record the commit.
    Breaking and unknown changes (under --mode) are acknowledged with the commit as the reason:
    they are history. The changelog is regenerated.

    Run it again to import the commits made since the last imported one. A recorded commit
    that is no longer in the history of HEAD (a rewritten branch) is an error, exit 2.

    All or nothing: the version files, CHANGELOG.md and index.json are written at once, under
    the store's lock; an invalid schema in any commit (exit 2, naming the commit), Ctrl-C or a
    failed write leaves the store as it was. A store directory without index.json (or none at
    all) is started.
    """
    from compat.report.registry import render
    from compat.versioning.importgit import import_git as do_import

    settings = _settings(store)
    chosen = Mode.choose(mode, settings.mode)
    result = do_import(
        repo,
        paths,
        settings.store,
        settings.changelog,
        chosen,
        since=since,
        assert_formats=assert_formats,
        default_draft=settings.default_draft,
        dry_run=dry_run,
        waiting=lambda lock: click.echo(
            f"cws-compat: waiting for another release to finish ({lock})", err=True
        ),
    )
    click.echo(render("import-git", fmt, result), nl=False)
    return 0
