"""Commands on the store and its history: check (the CI gate), release, changelog."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compat.cli.group import cli
from compat.cli.options import (
    format_option,
    gate_mode_option,
    output_option,
    store_option,
)
from compat.cli.options import settings_for as _settings
from compat.errors import CompatError
from compat.modes import Mode

if TYPE_CHECKING:
    from compat.config import Settings
    from compat.versioning.gate import GateReport


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--against",
    "ref",
    default=None,
    help="Git ref to compare with (branch, tag, sha, origin/x) [default: the merge "
    "base with the default branch].",
)
@gate_mode_option
@format_option("gate")
@click.option(
    "--corpora", is_flag=True, help="Also re-validate the stored corpora against the new versions."
)
@click.option("--allow-unknown", is_flag=True, help="Let changes the engine cannot decide pass.")
@click.option("--assert-formats", is_flag=True, help="Treat `format` as a constraint.")
@output_option("Also write the report to FILE (e.g. SARIF for code scanning).")
@store_option
def check(
    paths: tuple[Path, ...],
    ref: str | None,
    mode: str | None,
    fmt: str,
    corpora: bool,
    allow_unknown: bool,
    assert_formats: bool,
    output: Path | None,
    store: Path | None,
) -> int:
    """Gate schema changes against a git ref (for pull requests and pre-commit).

    Without PATHS, gates the store: released versions must be unchanged byte for byte, and
    each new version is compared with its predecessor (or every earlier one, transitive).
    With PATHS, gates those schema files against their version at the ref. Breaking or unknown
    changes fail unless acknowledged (in the store's index, or [tool.cws-compat]
    acknowledgements for files). Exit 0 pass, 1 fail, 2 usage or input error.
    """
    from compat.report.registry import render
    from compat.versioning.gate import gate
    from compat.versioning.git import open_repo, resolve

    settings = _settings(store)
    chosen = Mode.choose(mode, settings.mode)
    repo = open_repo()
    commit, label = resolve(repo, ref)
    result = gate(repo, commit, label, list(paths), settings, chosen, allow_unknown, assert_formats)
    if corpora:
        result.corpus = _gate_corpora(result, settings, assert_formats)
    text = render("gate", fmt, result)
    click.echo(text, nl=False)
    if output is not None:
        from compat.util.files import atomic_write

        atomic_write(output, text)
    return 0 if result.passed else 1


@cli.command()
@click.argument("schema", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", default=None, help="Version name [default: the next vN].")
@click.option(
    "--allow-breaking",
    "reason",
    default=None,
    metavar="REASON",
    help="Release even with breaking or unknown changes, recording each as an "
    "acknowledgement with this reason.",
)
@gate_mode_option
@click.option("--assert-formats", is_flag=True, help="Treat `format` as a constraint.")
@format_option("release")
@store_option
def release(
    schema: Path,
    name: str | None,
    reason: str | None,
    mode: str | None,
    assert_formats: bool,
    fmt: str,
    store: Path | None,
) -> int:
    """Add SCHEMA to the store as a new version: the version file, its index entry (sha256,
    date, acknowledgements) and its changelog entry, written all or nothing.

    Breaking or unknown changes against the latest version (every version, transitive) are
    refused with exit 1, writing nothing, unless --allow-breaking gives a reason. A SCHEMA
    identical to the latest version is refused with exit 2 ("no change from vN").

    Releases into one store take turns: each holds the store's lock (.cws-compat.lock in the
    store directory) from reading index.json to writing it, and a store changed meanwhile by
    another writer makes the release refuse (exit 2), writing nothing.
    """
    from compat.report.registry import Style, render
    from compat.versioning.release import release as do_release

    settings = _settings(store)
    chosen = Mode.choose(mode, settings.mode)
    result = do_release(
        schema,
        settings.store,
        settings.changelog,
        name,
        chosen,
        reason,
        assert_formats,
        settings.default_draft,
        waiting=lambda lock: click.echo(
            f"cws-compat: waiting for another release to finish ({lock})", err=True
        ),
    )
    click.echo(render("release", fmt, result, Style(mode=str(chosen))), nl=False)
    return 1 if result.refused else 0


@cli.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--write", is_flag=True, help="Regenerate CHANGELOG.md for the whole store.")
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Exit 1 when CHANGELOG.md is not what --write would produce.",
)
@store_option
def changelog(
    old: str | None, new: str | None, write: bool, check_only: bool, store: Path | None
) -> int:
    """Print the changelog entry for NEW (compared with OLD), or keep CHANGELOG.md in step with
    the store (--write, --check)."""
    from compat.versioning.changelog import store_loader, whole
    from compat.versioning.store import Store

    settings = _settings(store)
    if write or check_only:
        if old or new:
            raise CompatError("--write and --check take no OLD NEW")
        opened = Store.open(settings.store)
        text = whole(opened.entries, store_loader(opened))
        target = settings.changelog
        if check_only:
            current = target.read_text(encoding="utf-8") if target.is_file() else ""
            if current != text:
                click.echo(f"{target} is stale: run `cws-compat changelog --write`", err=True)
                return 1
            click.echo(f"{target} is up to date")
            return 0
        from compat.util.files import atomic_write

        atomic_write(target, text)
        click.echo(f"wrote {target}")
        return 0
    if not old or not new:
        raise CompatError("give OLD and NEW, or --write / --check")
    from compat.versioning.changelog import entry_for

    click.echo(entry_for(old, new, settings.store, settings.default_draft), nl=False)
    return 0


def _gate_corpora(result: GateReport, settings: Settings, assert_formats: bool) -> Any:
    from compat.corpus.run import run_stored

    names = sorted({c.new for c in result.checks})
    report = run_stored(settings, names, assert_formats) if names else None
    if report is None:
        result.notes.append("--corpora: no stored corpora, or no new version to check")
    return report
