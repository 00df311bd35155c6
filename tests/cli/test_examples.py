"""Every command's `--help` shows examples, and every example works.

The test walks the command group as it is (every command and subcommand, whoever added
them), reads the "Examples:" block of each help, parses each example with its command's own
parser (an unknown option, a bad choice, a missing argument fail here), and runs each one in
a fresh copy of a scratch project, where it must exit 0 or 1 (a check may fail), never 2.

The scratch project an example can rely on (see `_template`):
- a git clone whose `origin/main` (and `main`) holds the shipped store (`schemas/versions`,
  v1 and v2), the stored corpora (`schemas/corpora`) and `CHANGELOG.md`, checked out on a
  branch `pr` with no change to them;
- untracked beside them: `next.json` (v2 with `credentials.auid` made required: backward
  breaking, the change `required-added@/definitions/ProcessCredentials/required#auid`),
  `events.jsonl` (200 events generated under v2, seed 1) and `backend.md` (`docs v2`).
Examples that reach a remote resource (an argument holding `://`: S3, a Dask scheduler) are
parsed, not run: tests never use the network.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compat.cli.group import cli, examples, load_all_commands
from tests.conftest import ROOT, invoke
from tests.versioning.scratch import breaking, git, store_repository


def _paths() -> list[tuple[str, ...]]:
    """Every command path of the group: () for the group itself, ("corpus", "validate")..."""
    load_all_commands()
    found: list[tuple[str, ...]] = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        found.append(prefix)
        ctx = click.Context(group, info_name=" ".join(("cws-compat", *prefix)))
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))
            else:
                found.append((*prefix, name))

    walk(cli, ())
    return found


PATHS = _paths()


def _help(path: tuple[str, ...]) -> str:
    result = invoke(*path, "--help")
    assert result.code == 0, result.err
    return result.out


class Example:
    """An example command, and the exit status its comment promises (`exit N`), if any."""

    def __init__(self, command: str, comment: str) -> None:
        self.command = command
        found = re.search(r"\bexit (\d+)", comment)
        self.expected = None if found is None else int(found.group(1))


def examples_in(text: str) -> list[Example]:
    """The examples of a help text, continuation lines joined."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "Examples:"]
    assert len(starts) == 1, "one Examples: block"
    found: list[Example] = []
    pending = comment = ""
    for line in lines[starts[0] + 1 :]:
        assert len(line) <= 100, f"wider than the help: {line}"
        stripped = line.strip()
        if pending:
            pending += " " + stripped
        elif stripped.startswith("cws-compat"):
            pending = stripped
        elif stripped.startswith("#"):
            comment = stripped
            continue
        elif not stripped:
            continue
        else:
            break
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
        else:
            found.append(Example(pending, comment))
            pending = comment = ""
    assert not pending, f"an example ends with a continuation: {pending}"
    return found


def arguments(example: str) -> list[str]:
    """The example's arguments after `cws-compat`, up to a shell redirection or pipe."""
    lexer = shlex.shlex(example, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words: list[str] = []
    for word in lexer:
        if word in {">", ">>", "|", "<", "&&", ";"}:
            break
        words.append(word)
    assert words[0] == "cws-compat", example
    return words[1:]


def parse(args: list[str]) -> tuple[str, ...]:
    """Parse `args` as the command line would, without running anything: the command path."""
    command: click.Command = cli
    ctx = click.Context(cli, info_name="cws-compat")
    path: list[str] = []
    while isinstance(command, click.Group):
        name, sub, args = command.resolve_command(ctx, args)
        assert name is not None and sub is not None
        path.append(name)
        command = sub
        if isinstance(command, click.Group):
            ctx = click.Context(command, info_name=name, parent=ctx)
    with command.make_context(path[-1], list(args), parent=ctx):
        pass
    return tuple(path)


ALL_EXAMPLES = {example.command: example for path in PATHS for example in examples_in(_help(path))}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "cws-compat")
def test_every_command_help_has_examples_of_itself(path: tuple[str, ...]) -> None:
    found = examples_in(_help(path))
    assert found, f"cws-compat {' '.join(path)} --help has no example"
    for example in found:
        assert parse(arguments(example.command))[: len(path)] == path, example.command


def test_the_walk_sees_every_command_and_subcommand() -> None:
    assert {(), ("diff",), ("check",), ("corpus",), ("corpus", "validate")} <= set(PATHS)
    load_all_commands()
    assert {p[0] for p in PATHS if p} == set(cli.commands)


@pytest.mark.parametrize(
    "example",
    [
        "cws-compat diff v1 v2 --mode sideways",
        "cws-compat diff v1",
        "cws-compat check --no-such-option",
        "cws-compat corpus generate v2 -n -3",
        "cws-compat corpus validat",
    ],
)
def test_a_wrong_example_fails_to_parse(example: str) -> None:
    with pytest.raises(click.UsageError):
        parse(arguments(example))


def test_examples_are_read_whole_from_a_help_text() -> None:
    text = (
        "Options:\n  -h, --help  Show this message and exit.\n\n  Examples:\n"
        "    # one\n    cws-compat diff v1 v2\n    cws-compat check --format github \\\n"
        "      --output sarif=x.sarif\n"
    )
    found = examples_in(text)
    assert [e.command for e in found] == [
        "cws-compat diff v1 v2",
        "cws-compat check --format github --output sarif=x.sarif",
    ]
    assert [e.expected for e in found] == [None, None]
    (promised,) = examples_in("Examples:\n  # breaks (exit 1)\n  cws-compat diff v2 v1\n")
    assert promised.expected == 1
    assert arguments("cws-compat rules --format markdown > docs/rules.md") == [
        "rules",
        "--format",
        "markdown",
    ]


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scratch project of the module docstring, built once and copied per example."""
    base = tmp_path_factory.mktemp("examples")
    origin = store_repository(base / "origin", branch=None)
    project = base / "project"
    git(base, "clone", "-q", str(origin), str(project))
    git(project, "checkout", "-qb", "pr")
    document = json.loads((ROOT / "schemas/versions/v2.json").read_text())
    breaking(document)
    (project / "next.json").write_text(json.dumps(document, indent=4) + "\n")
    for args, output in (
        (["corpus", "generate", "v2", "-n", "200", "--seed", "1", "-q"], "events.jsonl"),
        (["docs", "v2"], "backend.md"),
    ):
        result = invoke(*args, "--store", str(project / "schemas/versions"))
        assert result.code == 0, result.err
        (project / output).write_text(result.out)
    return project


def _runs(example: str) -> bool:
    return not any("://" in word for word in arguments(example))


@pytest.mark.parametrize("command", sorted(ALL_EXAMPLES), ids=lambda e: e[11:60])
def test_every_example_runs(
    command: str, _template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = arguments(command)
    parse(args)
    if not _runs(command):
        return
    project = tmp_path / "project"
    shutil.copytree(_template, project, symlinks=True)
    monkeypatch.chdir(project)
    result = invoke(*args)
    expected = ALL_EXAMPLES[command].expected
    allowed = (0, 1) if expected is None else (expected,)
    assert result.code in allowed, f"{command}: exit {result.code}: {result.err}"
    assert "Traceback" not in result.err
    written = [
        Path(value.rpartition("=")[2])
        for option, value in itertools.pairwise(args)
        if option in ("-o", "--output")
    ]
    for path in written:
        assert (project / path).is_file(), f"{command}: wrote no {path}"
    assert written or result.out.strip(), f"{command}: printed nothing"


def test_remote_examples_are_the_only_ones_not_run() -> None:
    skipped = [command for command in ALL_EXAMPLES if not _runs(command)]
    assert all("--engine dask" in command for command in skipped), skipped
    assert len(ALL_EXAMPLES) - len(skipped) >= len(PATHS)


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789./=,", min_size=1, max_size=30)
_quoted = st.builds(lambda a, b: f"'{a} --{b}'", _word, _word)
_option = st.builds(lambda name, value: f"--{name} {value}", _word, st.one_of(_word, _quoted))


@given(st.lists(st.one_of(_word, _option), min_size=1, max_size=12))
def test_a_long_example_breaks_between_options_and_reads_back_whole(parts: list[str]) -> None:
    command = " ".join(["cws-compat", *parts])
    text = "\n".join("  " + line for line in examples("a comment", command).splitlines()[1:])
    (found,) = examples_in(text)  # lines within 100 characters, joined as a shell joins them
    assert found.command == command
    for line in text.splitlines()[2:]:
        assert line.count("'") % 2 == 0, "a line breaks inside quotes"
