"""The `cws-compat` command line: a thin layer that parses options, calls the library, and
returns an exit status (0 success or compatible, 1 check failed, 2 usage or input error)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from compat import __version__
from compat.errors import CompatError
from compat.modes import MODES

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from compat.config import Settings

GATE_MODES = MODES
EXIT_CODES = """\b
Exit status:
  0  success (for checks: compatible)
  1  the check failed (breaking or unknown changes, rejected events)
  2  usage or input error (bad option, unreadable or invalid input)"""


def _settings(store: Path | None) -> Settings:
    import dataclasses

    from compat.config import load_settings

    settings = load_settings()
    if store is not None:
        return dataclasses.replace(settings, store=store)
    return settings


def store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Schema store directory [default: schemas/versions, or [tool.cws-compat] store].",
    )(func)


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


gate_mode_option = click.option(
    "--mode",
    type=click.Choice(list(GATE_MODES)),
    default=None,
    help="Compatibility required of each new version [default: backward, or "
    "[tool.cws-compat] mode]; *-transitive checks against every earlier version.",
)


def output_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help=help
    )


def _write_output(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    from compat.util.files import atomic_write

    atomic_write(output, text)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.version_option(__version__, "--version", prog_name="cws-compat")
def cli() -> None:
    """Keep the CWS backend event schema safe to evolve.

    Compares versions of a JSON Schema by meaning, per direction: backward (events valid under
    the old version stay valid under the new one) and forward (events valid under the new
    version are valid under the old one).

    Wherever a SCHEMA is expected, give a store version name (v1), a file path, or
    GITREF:PATH (e.g. origin/main:schemas/versions/v2.json).
    """


@cli.command()
@store_option
@format_option("text", "json")
def versions(store: Path | None, fmt: str) -> int:
    """List the versions in the store, oldest first, verifying every checksum."""
    from compat.report.versions import render_versions
    from compat.versioning.store import Store, definitions_of

    opened = Store.open(_settings(store).store)
    rows = []
    for name in opened.names:
        stored = opened.load(name)
        properties = stored.document.get("properties")
        rows.append(
            {
                "name": name,
                "released": stored.entry.released,
                "sha256": stored.entry.sha256,
                "definitions": len(definitions_of(stored.document)),
                "root_properties": len(properties) if isinstance(properties, dict) else 0,
                "file": stored.entry.file,
            }
        )
    click.echo(render_versions(rows, fmt), nl=False)
    return 0


@cli.command()
@click.argument("schema")
@store_option
@output_option("Write to this file (atomically) instead of standard output.")
def docs(schema: str, store: Path | None, output: Path | None) -> int:
    """Write the documentation of SCHEMA in the published backend.md format."""
    from compat import docs as docs_format
    from compat.versioning.sources import resolve

    source = resolve(schema, _settings(store).store)
    _write_output(docs_format.render(source.document), output)
    return 0


@cli.command("import-doc")
@click.argument("document", type=click.Path(path_type=Path, dir_okay=False))
@output_option("Write to this file (atomically) instead of standard output.")
@click.option(
    "--draft",
    type=click.Choice(["4", "6", "7", "2019-09", "2020-12"]),
    default=None,
    help="Declare this draft in $schema (the documentation format does not carry it).",
)
def import_doc(document: Path, output: Path | None, draft: str | None) -> int:
    """Rebuild the JSON Schema from a DOCUMENT in the backend.md format."""
    from compat import docs as docs_format
    from compat.util.files import decode_utf8, dump_json, read_bytes

    text = decode_utf8(read_bytes(document, what="document"), str(document))
    schema = docs_format.with_draft(docs_format.parse(text, str(document)), draft)
    _write_output(dump_json(schema), output)
    return 0


@cli.command()
@click.argument("old")
@click.argument("new")
@store_option
@click.option(
    "--mode",
    type=click.Choice(["backward", "forward", "full"]),
    default=None,
    help="Which direction must be compatible: backward (old events valid under NEW), forward "
    "(new events valid under OLD) or full (both). [default: backward, or [tool.cws-compat] mode]",
)
@format_option("text", "json", "markdown")
@click.option("--allow-unknown", is_flag=True, help="Let changes the engine cannot decide pass.")
@click.option(
    "--assert-formats",
    is_flag=True,
    help="Treat `format` as a constraint (by default it is an annotation, as validators do).",
)
@click.option(
    "--default-draft",
    default=None,
    help="Draft for schemas without $schema (4, 6, 7, 2019-09, 2020-12). [default: 2020-12]",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output [default: on a terminal]."
)
def diff(
    old: str,
    new: str,
    store: Path | None,
    mode: str | None,
    fmt: str,
    allow_unknown: bool,
    assert_formats: bool,
    default_draft: str | None,
    color: bool | None,
) -> int:
    """Compare schema OLD with schema NEW by meaning.

    Every change is classified per direction as compatible, breaking or unknown, with a stable
    rule id (see `cws-compat rules`), the instance paths it reaches in an event, and a checked
    counterexample where one is found. Exits 1 when a change is breaking (or unknown, unless
    --allow-unknown) under the mode.
    """
    from compat.engine.compare import compare
    from compat.report import diff as render
    from compat.versioning.sources import load

    settings = _settings(store)
    draft = default_draft or settings.default_draft
    report = compare(
        load(old, settings.store, draft, assert_formats),
        load(new, settings.store, draft, assert_formats),
        mode=(mode or settings.mode or "backward").removesuffix("-transitive"),
        assert_formats=assert_formats,
        allow_unknown=allow_unknown,
    )
    if fmt == "json":
        text = render.render_json(report)
    elif fmt == "markdown":
        text = render.render_markdown(report)
    else:
        use_color = sys.stdout.isatty() if color is None else color
        text = render.render_text(report, color=use_color)
        click.echo(text, nl=False, color=use_color)
        return 0 if report.compatible else 1
    click.echo(text, nl=False)
    return 0 if report.compatible else 1


@cli.command()
@click.argument("rule_id", required=False)
@format_option("text", "json", "markdown")
def rules(rule_id: str | None, fmt: str) -> int:
    """List the rules (id, backward and forward verdicts, summary), or explain RULE_ID."""
    from compat.report import rules as render
    from compat.rules import RULES

    if rule_id is not None:
        if rule_id not in RULES:
            import difflib

            close = difflib.get_close_matches(rule_id, list(RULES), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CompatError(f"unknown rule {rule_id!r}{hint} (`cws-compat rules` lists them)")
        selected = [RULES[rule_id]]
        if fmt == "text":
            click.echo(render.render_one(selected[0]), nl=False)
            return 0
    else:
        selected = list(RULES.values())
    renderers = {
        "text": render.render_list,
        "json": render.render_json,
        "markdown": render.render_markdown,
    }
    click.echo(renderers[fmt](selected), nl=False)
    return 0


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
@format_option("text", "json", "markdown", "github", "sarif", "junit")
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
    from compat.report.gate import RENDERERS
    from compat.versioning.gate import gate
    from compat.versioning.git import open_repo, resolve

    settings = _settings(store)
    chosen = mode or settings.mode or "backward"  # settings.mode is checked when read
    repo = open_repo()
    commit, label = resolve(repo, ref)
    result = gate(repo, commit, label, list(paths), settings, chosen, allow_unknown, assert_formats)
    if corpora:
        result.corpus = _gate_corpora(result, settings, assert_formats)
    text = RENDERERS[fmt](result)
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
@format_option("text", "json")
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
    refused with exit 1, writing nothing, unless --allow-breaking gives a reason.
    """
    from compat.report.diff import render_text
    from compat.versioning.release import release as do_release

    settings = _settings(store)
    chosen = mode or settings.mode or "backward"  # settings.mode is checked when read
    result = do_release(
        schema,
        settings.store,
        settings.changelog,
        name,
        chosen,
        reason,
        assert_formats,
        settings.default_draft,
    )
    if fmt == "json":
        import json

        click.echo(
            json.dumps(
                {
                    "name": result.name,
                    "released": not result.refused,
                    "refused": [
                        {"rule": c.rule, "schema_path": c.schema_path, "message": c.message}
                        for c in result.refused
                    ],
                    "written": [str(p) for p in result.written],
                },
                indent=2,
            )
        )
    else:
        for report in result.reports:
            click.echo(render_text(report), nl=False)
        if result.refused:
            click.echo(
                f"refused: {len(result.refused)} breaking or unknown change(s) under "
                f"{chosen} mode; nothing was written. Give --allow-breaking REASON to "
                "release anyway."
            )
        else:
            click.echo(f"released {result.name}: " + ", ".join(str(p) for p in result.written))
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


def _gate_corpora(result: Any, settings: Any, assert_formats: bool) -> Any:
    from compat.corpus.run import run_stored

    names = sorted({c.new for c in result.checks})
    report = run_stored(settings, names, assert_formats) if names else None
    if report is None:
        result.notes.append("--corpora: no stored corpora, or no new version to check")
    return report


@cli.group()
def corpus() -> None:
    """Generate event corpora and re-validate them across schema versions."""


@corpus.command("generate")
@click.argument("version")
@click.option(
    "-n",
    "--count",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Number of events.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed: the same seed gives the same events.",
)
@output_option("Write to FILE (atomically; .gz and .zst compressed) instead of standard output.")
@store_option
def corpus_generate(
    version: str, count: int, seed: int, output: Path | None, store: Path | None
) -> int:
    """Write COUNT realistic events valid under VERSION, one JSON object per line."""
    import orjson

    from compat.corpus.generate import generate_events
    from compat.versioning.sources import load

    settings = _settings(store)
    schema = load(version, settings.store, settings.default_draft)
    events = generate_events(schema, count, seed)
    if output is None or str(output) == "-":
        binary = getattr(sys.stdout, "buffer", None)
        for event in events:
            if binary is not None:
                binary.write(orjson.dumps(event) + b"\n")
            else:  # a text-only stream (tests, embedding)
                sys.stdout.write(orjson.dumps(event).decode() + "\n")
        sys.stdout.flush()
        return 0
    from compat.util.files import atomic_stream

    with atomic_stream(output) as handle:
        for event in events:
            handle.write(orjson.dumps(event) + b"\n")
    return 0


def _corpus_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option(
            "--against",
            default="all",
            show_default=True,
            help="Versions to validate against: comma-separated store names or "
            "schema files, or `all`.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes [default: the machine's cores]. Counts are the "
            "same for any number.",
        ),
        click.option(
            "--assert-formats",
            is_flag=True,
            help="Treat `format` as a constraint (by default an annotation).",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress bars."),
        click.option(
            "--color/--no-color",
            default=None,
            help="Colour the text output [default: on a terminal].",
        ),
        store_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _corpus_run(
    paths: tuple[Path, ...],
    against: str,
    captured_under: str | None,
    workers: int | None,
    assert_formats: bool,
    quiet: bool,
    store: Path | None,
) -> Any:
    from compat.corpus.run import run_for

    progress = None
    if not quiet and sys.stderr.isatty():
        progress = _progress_bar()
    try:
        return run_for(
            _settings(store),
            list(paths),
            against,
            captured_under,
            assert_formats,
            workers,
            progress,
        )
    finally:
        if progress is not None:
            progress.close()


class _progress_bar:
    """A rich progress bar per file on standard error (terminals only)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.progress.start()
        self.tasks: dict[Path, Any] = {}

    def __call__(self, path: Path, done: int, total: int) -> None:
        task = self.tasks.get(path)
        if task is None:
            task = self.tasks[path] = self.progress.add_task(path.name, total=total)
        self.progress.update(task, completed=done)

    def close(self) -> None:
        self.progress.stop()


@corpus.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_corpus_options
@click.option(
    "--captured-under",
    default=None,
    help="The version these events were captured under (else from the manifest), "
    "to trace every rejection to the schema change that explains it.",
)
@format_option("text", "json", "markdown")
@click.option(
    "--errors",
    "max_groups",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Error groups shown per corpus and version.",
)
def corpus_validate(
    paths: tuple[Path, ...],
    against: str,
    workers: int | None,
    assert_formats: bool,
    quiet: bool,
    color: bool | None,
    store: Path | None,
    captured_under: str | None,
    fmt: str,
    max_groups: int,
) -> int:
    """Validate the events in PATHS (JSON Lines, .gz, .zst, .json, directories) against
    schema versions.

    Each event is parsed once and checked against every version. Rejections are grouped by
    schema path, keyword and instance path; with a capture version, each group is traced to the
    diff change that explains it, and one that no change explains is reported loudly. Without
    PATHS, the stored corpora (schemas/corpora/manifest.json) are validated. Exits 1 when any
    event is rejected or malformed.
    """
    from compat.report import corpus as render

    report = _corpus_run(paths, against, captured_under, workers, assert_formats, quiet, store)
    if fmt == "json":
        click.echo(render.render_json(report, max_groups), nl=False)
    elif fmt == "markdown":
        click.echo(render.render_markdown(report, max_groups), nl=False)
    else:
        use_color = sys.stdout.isatty() if color is None else color
        click.echo(render.render_text(report, max_groups, use_color), nl=False, color=use_color)
    return 0 if report.ok else 1


@corpus.command("matrix")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_corpus_options
@format_option("text", "markdown", "json")
def corpus_matrix(
    paths: tuple[Path, ...],
    against: str,
    workers: int | None,
    assert_formats: bool,
    quiet: bool,
    color: bool | None,
    store: Path | None,
    fmt: str,
) -> int:
    """Corpora x versions: the percent of each corpus valid under each version.

    Without PATHS, the stored corpora are used. Exits 1 when any event is rejected or
    malformed.
    """
    from compat.report import corpus as render

    report = _corpus_run(paths, against, None, workers, assert_formats, quiet, store)
    if fmt == "markdown":
        click.echo(render.render_matrix_markdown(report), nl=False)
    elif fmt == "json":
        click.echo(render.render_matrix_json(report), nl=False)
    else:
        use_color = sys.stdout.isatty() if color is None else color
        click.echo(render.render_matrix_text(report, use_color), nl=False, color=use_color)
    return 0 if report.ok else 1


@cli.command("schema")
@click.argument("name", type=click.Choice(["report", "corpus-report"]))
def schema_command(name: str) -> int:
    """Print the JSON Schema of a machine-readable output: `report` for `diff --format json`,
    `corpus-report` for `corpus validate --format json`."""
    from importlib import resources

    filename = {"report": "diff-report.schema.json", "corpus-report": "corpus-report.schema.json"}
    text = resources.files("compat.report").joinpath(filename[name]).read_text(encoding="utf-8")
    click.echo(text, nl=False)
    return 0


def run(
    argv: Sequence[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the command line with `argv`; return the exit status instead of exiting."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            from compat.util.deep import run_deep

            # every command runs with room to recurse as deep as the schemas it reads
            result = run_deep(lambda: cli.main(args, prog_name="cws-compat", standalone_mode=False))
        except CompatError as exc:
            click.echo(f"cws-compat: error: {exc}", file=err)
            return exc.exit_code
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except click.ClickException as exc:
            exc.show(file=err)
            return 2
        except click.Abort:
            click.echo("cws-compat: interrupted", file=err)
            return 130
        except KeyboardInterrupt:
            click.echo("cws-compat: interrupted", file=err)
            return 130
    if isinstance(result, int):
        return result
    return 0


def main() -> None:
    try:
        code = run()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    sys.exit(code)
