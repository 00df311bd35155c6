"""Commands on event corpora: generate, validate, matrix."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compat.cli.group import cli, examples
from compat.cli.options import (
    complete_schema,
    complete_versions,
    format_option,
    output_option,
    store_option,
    write_output,
)
from compat.cli.options import settings_for as _settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@cli.group(
    epilog=examples(
        "1,000 events valid under v2, compressed",
        "cws-compat corpus generate v2 -n 1000 -o events.jsonl.zst",
        "the stored corpora against every version, rejections traced to schema changes",
        "cws-compat corpus validate",
        "percent of each stored corpus valid under each version",
        "cws-compat corpus matrix",
    )
)
def corpus() -> None:
    """Generate event corpora and re-validate them across schema versions."""


@corpus.command(
    "generate",
    epilog=examples(
        "1,000 events valid under v2, compressed",
        "cws-compat corpus generate v2 -n 1000 -o events.jsonl.zst",
        "the same 10 events every time (same seed), to standard output",
        "cws-compat corpus generate v2 -n 10 --seed 7",
    ),
)
@click.argument("version", shell_complete=complete_schema)
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
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@store_option
def corpus_generate(
    version: str, count: int, seed: int, output: Path | None, quiet: bool, store: Path | None
) -> int:
    """Write COUNT realistic events valid under VERSION, one JSON object per line."""
    from compat.corpus.generate import generate_lines
    from compat.versioning.sources import load

    settings = _settings(store)
    schema = load(version, settings.store, settings.default_draft)
    lines = generate_lines(schema, count, seed)
    bar = _count_bar(count) if not quiet and sys.stderr.isatty() else None
    try:
        if output is None or str(output) == "-":
            binary = getattr(sys.stdout, "buffer", None)
            for block in _blocks(lines, bar):
                if binary is not None:
                    binary.write(block)
                else:  # a text-only stream (tests, embedding)
                    sys.stdout.write(block.decode())
            sys.stdout.flush()
            return 0
        from compat.util.files import atomic_stream

        with atomic_stream(output) as handle:
            for block in _blocks(lines, bar):
                handle.write(block)
    finally:
        if bar is not None:
            bar.close()
    return 0


GENERATE_BLOCK = 1024  # events written (and counted on the progress bar) at a time


def _blocks(lines: Iterator[bytes], bar: _count_bar | None) -> Iterator[bytes]:
    """Lines joined into blocks of GENERATE_BLOCK events, each line ending with a newline."""
    pending: list[bytes] = []
    for line in lines:
        pending.append(line)
        if len(pending) == GENERATE_BLOCK:
            pending.append(b"")
            yield b"\n".join(pending)
            if bar is not None:
                bar.advance(GENERATE_BLOCK)
            pending = []
    if pending:
        pending.append(b"")
        yield b"\n".join(pending)
        if bar is not None:
            bar.advance(len(pending) - 1)


class _count_bar:
    """A rich progress bar of events written, on standard error (terminals only)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            Task,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} events/s" if speed else "")

        self.progress = Progress(
            TextColumn("generating"),
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
            # the events go to standard output: leave it alone
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.progress.add_task("events", total=total)
        self.progress.start()

    def advance(self, events: int) -> None:
        self.progress.advance(self.task, events)

    def close(self) -> None:
        self.progress.stop()


def _corpus_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option(
            "--against",
            default="all",
            shell_complete=complete_versions,
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
        click.option(
            "--engine",
            type=click.Choice(["local", "dask"]),
            default="local",
            show_default=True,
            help="Where to validate: worker processes here, or a Dask cluster "
            "(pip install 'cws-compat[dask]'), which also reads file://, s3:// and gs:// URLs.",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="The Dask scheduler to use (tcp://host:8786) [default: a local cluster of "
            "--workers processes].",
        ),
        click.option(
            "--block-size",
            metavar="SIZE",
            default=None,
            help="Bytes of a plain file per Dask task (64MiB, 100MB) [default: about four "
            "per worker, from 1 to 64 MiB].",
        ),
        click.option(
            "--storage-option",
            "storage_options",
            metavar="KEY=VALUE",
            multiple=True,
            help="An fsspec storage option for URLs (endpoint_url=..., anon=true, profile=...); "
            "repeatable; values are JSON or strings.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(["unexplained", "malformed", "rejected", "never"]),
            default=None,
            help="What fails the run (exit 1), each level adding to the one before: "
            "`unexplained`, a rejection no schema change since the capture version explains "
            "(or with no capture version); `malformed`, also malformed lines, files not read "
            "to the end, events rejected by their own capture version; `rejected`, any "
            "rejection; `never`. [default: corpus-fail-on in the settings, else malformed]",
        ),
        click.option(
            "--per-file",
            is_flag=True,
            help="Each single-event .json file found in a directory is a corpus of its own "
            "(by default a directory's .json files are one corpus).",
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
    paths: tuple[str, ...],
    against: str,
    captured_under: str | None,
    workers: int | None,
    assert_formats: bool,
    quiet: bool,
    store: Path | None,
    engine: dict[str, Any],
    fail_on: str | None = None,
) -> Any:
    per_file = bool(engine.pop("per_file", False))
    from compat.api import run_corpora

    bars = not quiet and sys.stderr.isatty()
    progress = _progress_bar() if bars and engine["engine"] == "local" else None
    cluster_progress = _cluster_bar() if bars and engine["engine"] == "dask" else None
    settings = _settings(store)
    try:
        return run_corpora(
            settings,
            paths,
            against,
            captured_under,
            assert_formats,
            workers,
            per_file,
            fail_on,
            progress,
            _engine(workers, cluster_progress, **engine),
        )
    finally:
        for bar in (progress, cluster_progress):
            if bar is not None:
                bar.close()


def _engine(
    workers: int | None,
    progress: Any,
    engine: str,
    scheduler: str | None,
    block_size: str | None,
    storage_options: tuple[str, ...],
) -> Any:
    """None for local workers, else the Dask engine as the options describe it."""
    from compat.errors import CompatError

    if engine == "local":
        for option, value in (
            ("--scheduler", scheduler),
            ("--block-size", block_size),
            ("--storage-option", storage_options),
        ):
            if value:
                raise CompatError(f"{option} is an option of the Dask engine (--engine dask)")
        return None
    if scheduler is not None and workers is not None:
        raise CompatError(
            "--workers sizes the local Dask cluster; the scheduler's cluster has its own workers"
        )
    from compat.corpus.cluster import DaskEngine, DaskOptions
    from compat.corpus.remote import parse_size, parse_storage_options

    options = DaskOptions(
        scheduler=scheduler,
        workers=workers,
        block_size=None if block_size is None else parse_size(block_size),
        storage_options=parse_storage_options(storage_options),
    )
    return DaskEngine(options, progress)


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


class _cluster_bar:
    """Tasks done on the Dask cluster and events per second, on standard error."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("dask tasks"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[events]} events, {task.fields[rate]} events/s"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.progress.start()
        self.task: Any = None
        self.started = 0.0

    def __call__(self, done: int, total: int, events: int) -> None:
        import time

        if self.task is None:
            self.started = time.perf_counter()
            self.task = self.progress.add_task("dask", total=total, events="0", rate="0")
        seconds = max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(
            self.task,
            completed=done,
            total=total,
            events=f"{events:,}",
            rate=f"{events / seconds:,.0f}",
        )

    def close(self) -> None:
        self.progress.stop()


_captured_under_option = click.option(
    "--captured-under",
    default=None,
    shell_complete=complete_schema,
    help="The version these events were captured under (else from the manifest), "
    "to trace every rejection to the schema change that explains it.",
)

# URLs stay strings: a Path would fold s3://bucket into s3:/bucket
_paths_argument = click.argument("paths", nargs=-1, type=click.Path())


@corpus.command(
    "validate",
    epilog=examples(
        "the stored corpora against every version (what CI runs)",
        "cws-compat corpus validate",
        "events captured under v2 against a candidate: each rejection traced to a change",
        "cws-compat corpus validate events.jsonl --against v2,next.json --captured-under v2",
        "JSON for a dashboard, failing only on rejections no schema change explains",
        "cws-compat corpus validate events.jsonl --captured-under v2 --format json "
        "--fail-on unexplained",
        "on a Dask cluster, reading from S3",
        "cws-compat corpus validate s3://bucket/events/ --engine dask "
        "--scheduler tcp://scheduler:8786 --captured-under v2",
    ),
)
@_paths_argument
@_corpus_options
@_captured_under_option
@format_option("corpus")
@output_option(
    "Write the report to FILE (atomically) instead of standard output; with --format html, "
    "one self-contained page to open in a browser."
)
@click.option(
    "--errors",
    "max_groups",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Error groups shown per corpus and version.",
)
def corpus_validate(
    paths: tuple[str, ...],
    against: str,
    workers: int | None,
    assert_formats: bool,
    quiet: bool,
    color: bool | None,
    store: Path | None,
    captured_under: str | None,
    fmt: str,
    output: Path | None,
    max_groups: int,
    fail_on: str | None,
    **engine: Any,
) -> int:
    """Validate the events in PATHS (JSON Lines, .gz, .zst, .json, directories) against
    schema versions.

    Each event is parsed once and checked against every version. Rejections are grouped by
    schema path, keyword and instance path; with a capture version, each group is traced to the
    diff change that explains it, and one that no change explains is reported loudly. Without
    PATHS, the stored corpora (schemas/corpora/manifest.json) are validated. With --engine
    dask, PATHS may be URLs (file://, s3://, gs://) and the work runs on a Dask cluster, with
    the same report. Exits 1 on what --fail-on names (by default: an unexplained rejection,
    a malformed line, a file not read to the end, an event rejected by its own capture
    version), 2 on usage or input errors.
    """
    from compat.report.registry import Style, render

    _check_output(output)
    report = _corpus_run(
        paths, against, captured_under, workers, assert_formats, quiet, store, engine, fail_on
    )
    use_color = _color(fmt, color, output)
    style = Style(color=use_color, max_groups=max_groups)
    _emit(render("corpus", fmt, report, style), output, use_color)
    return 1 if report.failing else 0


@corpus.command(
    "matrix",
    epilog=examples(
        "the stored corpora: percent valid under each version",
        "cws-compat corpus matrix",
        "a markdown table for a pull request comment, never failing (exit 0)",
        "cws-compat corpus matrix events.jsonl --against v1,v2,next.json --format markdown "
        "--fail-on never",
        "events captured under v2: rejections no schema change explains fail the run",
        "cws-compat corpus matrix events.jsonl --captured-under v2 --fail-on unexplained",
    ),
)
@_paths_argument
@_corpus_options
@_captured_under_option
@format_option("matrix")
@output_option(
    "Write the matrix to FILE (atomically) instead of standard output; with --format html, "
    "one self-contained page with a heatmap to open in a browser."
)
def corpus_matrix(
    paths: tuple[str, ...],
    against: str,
    workers: int | None,
    assert_formats: bool,
    quiet: bool,
    color: bool | None,
    store: Path | None,
    captured_under: str | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    **engine: Any,
) -> int:
    """Versions x corpora: the percent of each corpus valid under each version.

    One row per version (a store name, or a schema file's stem) and one column per corpus,
    labelled C1, C2, ... and named in a legend below; * marks the version a corpus was
    captured under. Columns that do not fit 100 characters continue in another block of the
    same rows. Without PATHS, the stored corpora are used. Exits 1 on what --fail-on names,
    as `corpus validate` does, and the last line says why (PASSED or FAILED).
    """
    from compat.report.registry import Style, render

    _check_output(output)
    report = _corpus_run(
        paths, against, captured_under, workers, assert_formats, quiet, store, engine, fail_on
    )
    use_color = _color(fmt, color, output)
    _emit(render("matrix", fmt, report, Style(color=use_color)), output, use_color)
    return 1 if report.failing else 0


def _color(fmt: str, color: bool | None, output: Path | None) -> bool:
    """Colour only text, only on standard output, and there by --color or a terminal."""
    if fmt != "text" or (output is not None and str(output) != "-"):
        return False
    return sys.stdout.isatty() if color is None else color


def _check_output(output: Path | None) -> None:
    """A -o FILE that cannot be written is an error before the run, not after it."""
    if output is None or str(output) == "-":
        return
    from compat.errors import CompatError

    parent = output.parent
    if not parent.is_dir():
        raise CompatError(f"{output}: directory {parent} does not exist")


def _emit(text: str, output: Path | None, color: bool) -> None:
    if output is None or str(output) == "-":
        click.echo(text, nl=False, color=color)
    else:
        write_output(text, output)
