"""The `cws-compat` command group; commands register on it from their modules.

The group knows which module defines each command and imports that module only when the
command is run: `cws-compat diff` never pays for the corpus or versioning commands, and
`cws-compat --help` lists every command from its summary here without importing any of them
(start-up time matters in CI gates and pre-commit hooks).
"""

from __future__ import annotations

import importlib
from gettext import gettext

import click

from compat import __version__

EXIT_CODES = """\b
Exit status:
  0  success (for checks: compatible)
  1  the check failed (breaking or unknown changes, rejected events)
  2  usage or input error (bad option, unreadable or invalid input, unwritable output)
  130  interrupted (Ctrl-C)"""


def examples(*lines: str) -> str:
    """A help epilog of examples, kept as written (click's \\b): each command line starts
    with `cws-compat` (one too long for the help's width continues on the next lines, after
    a `\\`, as a shell reads it); any other line is a comment on the command after it.
    tests/cli/test_examples.py runs every example in a scratch project."""
    body: list[str] = []
    for line in lines:
        if not line.startswith("cws-compat"):
            body.append(f"  # {line}")
            continue
        current = "  "
        pieces = [
            piece
            for group in _cut(line, " --")
            for piece in ([group] if len(group) + 4 < EXAMPLE_WIDTH else _cut(group, " "))
        ]
        for word in pieces:
            if current.strip() and len(current) + len(word) > EXAMPLE_WIDTH:
                body.append(current + " \\")
                current = "    "
            current += word if current.isspace() else " " + word
        body.append(current)
    return "\b\nExamples:\n" + "\n".join(body)


EXAMPLE_WIDTH = 94  # in the epilog's indentation, within the help's 100 characters


def _cut(command: str, before: str) -> list[str]:
    """`command` cut at each space that starts `before` outside quotes: where a line may break
    (before each option, or, in an option too long for a line, between words)."""
    groups = [""]
    quote = ""
    for i, char in enumerate(command):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == " " and command.startswith(before, i):
            groups.append("")
            continue
        groups[-1] += char
    return groups


# command name -> (the module that defines it, the first paragraph of its help, as `--help`
# lists it). A test holds both to the commands the modules define.
COMMANDS: dict[str, tuple[str, str]] = {
    "changelog": (
        "compat.cli.versioning",
        "Print the changelog entry for NEW (compared with OLD), or keep CHANGELOG.md in step "
        "with the store (--write, --check).",
    ),
    "check": (
        "compat.cli.versioning",
        "Gate schema changes against a git ref (for pull requests and pre-commit).",
    ),
    "corpus": (
        "compat.cli.corpus",
        "Generate event corpora and re-validate them across schema versions.",
    ),
    "diff": ("compat.cli.schemas", "Compare schema OLD with schema NEW by meaning."),
    "docs": (
        "compat.cli.schemas",
        "Write the documentation of SCHEMA in a published format: the seed backend.md, or the "
        "Hugo page (--style hugo).",
    ),
    "history": (
        "compat.cli.history",
        "Show the history of every field of the events across the store's versions, or of "
        "the field at INSTANCE_PATH.",
    ),
    "import-doc": (
        "compat.cli.schemas",
        "Rebuild the JSON Schema from a DOCUMENT in either published format (seed backend.md "
        "or Hugo page), detected from its content.",
    ),
    "release": (
        "compat.cli.versioning",
        "Add SCHEMA (JSON or YAML; stored as JSON) to the store as a new version: the version "
        "file, its index entry (sha256, date, acknowledgements) and its changelog entry, "
        "written all or nothing.",
    ),
    "rules": (
        "compat.cli.schemas",
        "List the rules (id, backward and forward verdicts, summary), or explain RULE_ID.",
    ),
    "schema": (
        "compat.cli.schemas",
        "Print the JSON Schema of a command's JSON output (NAME: check, diff, versions, ...), "
        "or list them.",
    ),
    "store": (
        "compat.cli.store",
        "Build the store from the git history of a schema file (import-git).",
    ),
    "versions": (
        "compat.cli.schemas",
        "List the versions in the store, oldest first, verifying every checksum.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands' modules are imported on first use of a command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in COMMANDS:
                importlib.import_module(COMMANDS[cmd_name][0])
            else:
                # an unknown name: click suggests close matches from every registered command
                load_all_commands()
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, as click writes it, from the summaries above for the
        commands not imported yet."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                command = click.Command(name, help=COMMANDS[name][1])
            if not command.hidden:
                commands.append((name, command))
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        with formatter.section(gettext("Commands")):
            formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in commands])


def load_all_commands() -> None:
    """Import every command module, so that all commands are registered on the group."""
    for module in sorted({module for module, _ in COMMANDS.values()}):
        importlib.import_module(module)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES
    + "\n\n"
    + examples(
        "compare the two shipped versions (v2 adds the optional `dd`: backward compatible)",
        "cws-compat diff v1 v2",
        "gate a pull request's schema changes against the base branch",
        "cws-compat check",
        "one rule of the catalogue, with a before/after example",
        "cws-compat rules required-added",
    ),
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
