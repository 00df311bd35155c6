"""Commands on the store and its history: check (the CI gate), release, changelog."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from compat.cli.group import cli, examples
from compat.cli.options import (
    allow_unknown_option,
    complete_git_ref,
    complete_schema,
    fail_on_option,
    format_option,
    gate_mode_option,
    lets_unknown_pass,
    store_option,
)
from compat.cli.options import settings_for as _settings
from compat.errors import CompatError
from compat.modes import Mode

if TYPE_CHECKING:
    from compat.config import Settings
    from compat.versioning.gate import GateReport


@cli.command(
    epilog=examples(
        "in a pull request: the store against the merge base with the base branch",
        "cws-compat check",
        "against a given ref, in both directions",
        "cws-compat check --against origin/main --mode full",
        "files, each against itself at the ref, else the latest version (exit 1: it breaks)",
        "cws-compat check next.json --against main",
        "for CI: annotations in the log, SARIF and JSON in files, from one comparison",
        "cws-compat check --format github --output sarif=cws-compat.sarif "
        "--output json=cws-compat.json",
        "also re-validate the stored corpora against the new versions",
        "cws-compat check --corpora",
    )
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--against",
    "ref",
    default=None,
    shell_complete=complete_git_ref,
    help="Git ref to compare with (branch, tag, sha, origin/x) [default: the merge base with "
    "the pull request's base branch (GITHUB_BASE_REF), else with the default branch].",
)
@gate_mode_option
@format_option("gate")
@click.option(
    "--corpora",
    is_flag=True,
    help="Also re-validate the stored corpora against the new versions, each corpus with its "
    "own capture version too (an event that rejects is a corpus defect).",
)
@click.option(
    "--corpus-fail-on",
    type=click.Choice(["unexplained", "malformed", "rejected", "never"]),
    default=None,
    help="With --corpora, what in the stored corpora fails the gate, as `corpus validate "
    "--fail-on` [default: corpus-fail-on in the settings, else malformed].",
)
@fail_on_option
@allow_unknown_option
@click.option("--assert-formats", is_flag=True, help="Treat `format` as a constraint.")
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="[FORMAT=]FILE",
    help="Also write the report to FILE, in FORMAT (text, json, markdown, github, sarif, junit, "
    "html; default: --format); repeat it to write several formats from the one comparison. Checked "
    "before the run: an unknown FORMAT or a missing directory is an error (a file whose name "
    "holds '=' is written as ./NAME).",
)
@click.option(
    "--allow-new",
    is_flag=True,
    help="A gated file new since the ref with nothing to compare it with (no file at the "
    "ref, no rename git detects, no store) passes with a note instead of failing.",
)
@store_option
def check(
    paths: tuple[Path, ...],
    ref: str | None,
    mode: str | None,
    fmt: str,
    corpora: bool,
    corpus_fail_on: str | None,
    fail_on: str | None,
    allow_unknown: bool,
    assert_formats: bool,
    outputs: tuple[str, ...],
    allow_new: bool,
    store: Path | None,
) -> int:
    """Gate schema changes against a git ref (for pull requests and pre-commit).

    Without PATHS, gates the store the ref had (where the ref's settings put it): released
    versions must be unchanged byte for byte, CRLF read as LF (and so must their index
    entries), in their order at the head of index.json; every schema file in the store must
    be a registered version, and each new version is compared with its predecessor (or every
    earlier one, transitive). With PATHS, gates those schema files (JSON or YAML) against
    their version at the ref, or at the path git's rename detection says they had there; a
    file new since the ref is compared with the store's latest version, and one with nothing
    to compare it with fails (unless --allow-new). Breaking
    or unknown changes fail unless acknowledged, exactly: in the version's index entry, or in
    the settings (.cws-compat.toml or [tool.cws-compat]) for files. Every failure says how to
    proceed. Exit 0 pass, 1 fail, 2 usage or input error.
    """
    import os

    from compat.report.registry import render
    from compat.versioning.gate import gate
    from compat.versioning.git import open_repo, resolve

    targets = _outputs(outputs, fmt)
    settings = _settings(store)
    chosen = Mode.choose(mode, settings.mode)
    passing_unknown = lets_unknown_pass(fail_on, allow_unknown, settings)
    repo = open_repo()
    commit, label = resolve(repo, ref, os.environ.get("GITHUB_BASE_REF") or None)
    result = gate(
        repo,
        commit,
        label,
        list(paths),
        settings,
        chosen,
        passing_unknown,
        assert_formats,
        store_given=store is not None,
        allow_new=allow_new,
    )
    result.rules_url = settings.rules_url or os.environ.get("CWS_COMPAT_RULES_URL") or None
    if corpora:
        _gate_corpora(result, settings, assert_formats, corpus_fail_on)
    elif corpus_fail_on is not None:
        raise CompatError("--corpus-fail-on applies to --corpora")
    click.echo(render("gate", fmt, result), nl=False)
    from compat.util.files import atomic_write

    for target_fmt, target in targets:
        atomic_write(target, render("gate", target_fmt, result))
    return 0 if result.passed else 1


def _outputs(values: tuple[str, ...], default: str) -> list[tuple[str, Path]]:
    """`--output [FORMAT=]FILE` values as (format, file)."""
    import os
    import re

    from compat.report.registry import FORMATS

    known = FORMATS["gate"]
    found: list[tuple[str, Path]] = []
    for value in values:
        fmt, equals, file = value.partition("=")
        if equals and fmt not in known and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", fmt):
            raise CompatError(
                f"--output {value!r}: unknown format {fmt!r} (known: {', '.join(known)}); "
                f"for a file whose name holds '=', write it as ./{value}"
            )
        if not equals or fmt not in known:
            fmt, file = default, value
        if not file:
            raise CompatError(f"--output {value!r}: no file name")
        path = Path(file)
        if path.is_dir():
            raise CompatError(f"--output {value!r}: {file} is a directory")
        # checked before the comparison runs, so that a typo does not cost a whole run
        parent = path.parent
        if not parent.is_dir():
            raise CompatError(f"--output {value!r}: no directory {parent} to write {path.name} in")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise CompatError(f"--output {value!r}: cannot write in {parent}")
        where = os.path.realpath(path)
        for other_fmt, other in found:
            if os.path.realpath(other) == where:
                raise CompatError(
                    f"--output {value!r}: {file} is already the {other_fmt} output; one file "
                    "holds one report"
                )
        if os.path.isfile(os.path.join(os.path.dirname(where), "index.json")):
            raise CompatError(
                f"--output {value!r}: {file} is in a schema store (beside its index.json); "
                "write reports elsewhere"
            )
        found.append((fmt, path))
    return found


@cli.command(
    epilog=examples(
        "a schema file as the next version (refused when a change breaks: exit 1)",
        "cws-compat release next.json",
        "with a reason for its breaking change (a refusal prints each --ack to complete)",
        "cws-compat release next.json "
        "--ack 'required-added@/definitions/ProcessCredentials/required#auid=agents send it'",
        "named, with one reason for every breaking change",
        "cws-compat release next.json --name v3 --allow-breaking 'coordinated agent upgrade'",
    )
)
@click.argument("schema", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", default=None, help="Version name [default: the next vN].")
@click.option(
    "--ack",
    "acks",
    multiple=True,
    metavar="SELECTOR=REASON",
    help="Release with this breaking or unknown change, recording REASON as its "
    "acknowledgement. SELECTOR is RULE@SCHEMA_PATH, RULE@SCHEMA_PATH#SUBJECT (when several "
    "changes share a path) or the change's fingerprint; a refused release prints each one. "
    "Repeat it for each change.",
)
@click.option(
    "--ack-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Read --ack values from FILE, one SELECTOR=REASON per line (# starts a comment).",
)
@click.option(
    "--allow-breaking",
    "reason",
    default=None,
    metavar="REASON",
    help="Release even with breaking or unknown changes, recording REASON as the "
    "acknowledgement of each that has no --ack of its own.",
)
@gate_mode_option
@click.option("--assert-formats", is_flag=True, help="Treat `format` as a constraint.")
@format_option("release")
@store_option
def release(
    schema: Path,
    name: str | None,
    acks: tuple[str, ...],
    ack_file: Path | None,
    reason: str | None,
    mode: str | None,
    assert_formats: bool,
    fmt: str,
    store: Path | None,
) -> int:
    """Add SCHEMA (JSON or YAML; stored as JSON) to the store as a new version: the version
    file, its index entry (sha256, date, acknowledgements) and its changelog entry, written
    all or nothing.

    Breaking or unknown changes against the latest version (every version, transitive) are
    refused with exit 1, writing nothing, unless each has a reason: its own (--ack, --ack-file)
    or --allow-breaking's. A refusal prints the --ack for each change, ready to complete. A
    SCHEMA identical to the latest version is refused with exit 2 ("no change from vN").

    Releases into one store take turns: each holds the store's lock (.cws-compat.lock in the
    store directory) from reading index.json to writing it, and a store changed meanwhile by
    another writer makes the release refuse (exit 2), writing nothing.
    """
    from compat.report.registry import Style, render
    from compat.versioning.acknowledge import parse_reason, read_reasons
    from compat.versioning.release import release as do_release

    reasons = [parse_reason(text) for text in acks]
    if ack_file is not None:
        from compat.util.files import decode_utf8, read_bytes

        data = read_bytes(ack_file, what="acknowledgements file")
        reasons += read_reasons(decode_utf8(data, str(ack_file)), str(ack_file))
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
        reasons=reasons,
        waiting=lambda lock: click.echo(
            f"cws-compat: waiting for another release to finish ({lock})", err=True
        ),
    )
    click.echo(render("release", fmt, result, Style(mode=str(chosen))), nl=False)
    return 1 if result.refused else 0


@cli.command(
    epilog=examples(
        "the entry of v2, as CHANGELOG.md has it",
        "cws-compat changelog v1 v2",
        "the entry a candidate would get (without --label: Unreleased)",
        "cws-compat changelog v2 next.json --label v3",
        "regenerate CHANGELOG.md from the store; in CI, fail when it is stale",
        "cws-compat changelog --write",
        "cws-compat changelog --check",
    )
)
@click.argument("old", required=False, shell_complete=complete_schema)
@click.argument("new", required=False, shell_complete=complete_schema)
@click.option("--write", is_flag=True, help="Regenerate CHANGELOG.md for the whole store.")
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Exit 1 when CHANGELOG.md is not what --write would produce.",
)
@click.option(
    "--label",
    metavar="NAME",
    default=None,
    help="The version name in the heading when NEW is not a released version (a file, "
    "GITREF:PATH), dated today [default: Unreleased, undated].",
)
@store_option
def changelog(
    old: str | None,
    new: str | None,
    write: bool,
    check_only: bool,
    label: str | None,
    store: Path | None,
) -> int:
    """Print the changelog entry for NEW (compared with OLD), or keep CHANGELOG.md in step with
    the store (--write, --check).

    Headings name versions, never files: a released NEW (by name, or its file in the store)
    by its name and release date; any other NEW by --label, else as "Unreleased" (Keep a
    Changelog's heading for what is not released yet). An OLD that is not a released version
    is named after its file ("next" for next.json).
    """
    from compat.versioning.changelog import store_loader, whole
    from compat.versioning.store import Store

    settings = _settings(store)
    if write or check_only:
        if old or new or label:
            raise CompatError("--write and --check take no OLD NEW or --label")
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

    click.echo(entry_for(old, new, settings.store, settings.default_draft, label), nl=False)
    return 0


def _gate_corpora(
    result: GateReport, settings: Settings, assert_formats: bool, fail_on: str | None
) -> None:
    from compat.corpus.run import fail_level, run_stored
    from compat.versioning.gate import add_corpus_evidence

    names = sorted({c.new for c in result.checks if c.target.store_version is not None})
    report = None
    if names:
        try:
            report = run_stored(settings, names, assert_formats)
        except CompatError as exc:
            result.notes.append(f"--corpora: not run: {exc}")
            return
    if report is None:
        result.notes.append("--corpora: no stored corpora, or no new version to check")
    else:
        report.fail_on = fail_level(fail_on, settings)
    add_corpus_evidence(result, report)
