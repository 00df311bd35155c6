"""The `cws-compat` command group; commands register on it from their modules.

The group knows which module defines each command and imports that module only when the
command is looked up (run, or listed by `--help`): `cws-compat diff` never pays for the corpus
or versioning commands (start-up time matters in CI gates and pre-commit hooks).
"""

from __future__ import annotations

import importlib

import click

from compat import __version__
from compat.cli.options import EXIT_CODES

# command name -> the module that defines it (tests check this against the modules)
COMMAND_MODULES = {
    "versions": "compat.cli.schemas",
    "docs": "compat.cli.schemas",
    "import-doc": "compat.cli.schemas",
    "diff": "compat.cli.schemas",
    "rules": "compat.cli.schemas",
    "schema": "compat.cli.schemas",
    "check": "compat.cli.versioning",
    "release": "compat.cli.versioning",
    "changelog": "compat.cli.versioning",
    "corpus": "compat.cli.corpus",
}


class LazyGroup(click.Group):
    """A group whose commands' modules are imported on first use of a command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in COMMAND_MODULES:
                importlib.import_module(COMMAND_MODULES[cmd_name])
            else:
                # an unknown name: click suggests close matches from every registered command
                load_all_commands()
        return self.commands.get(cmd_name)


def load_all_commands() -> None:
    """Import every command module, so that all commands are registered on the group."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(module)


@click.group(
    cls=LazyGroup,
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
