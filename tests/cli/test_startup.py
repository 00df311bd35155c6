"""Start-up: commands are imported when used, and `diff` imports only what it needs."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from compat.cli.group import COMMANDS, cli, load_all_commands
from tests.conftest import ROOT


def test_the_group_names_each_command_with_its_module_and_summary() -> None:
    load_all_commands()
    assert set(cli.commands) == set(COMMANDS)
    for name, command in cli.commands.items():
        module, summary = COMMANDS[name]
        assert command.callback is not None
        assert command.callback.__module__ == module, name
        assert command.help is not None
        first_paragraph = command.help.split("\n\n")[0]
        assert summary == " ".join(first_paragraph.split()), name


def test_help_lists_every_command_without_importing_them(cli: Any) -> None:
    script = (
        "import sys\n"
        "from compat.cli import run\n"
        "code = run(['--help'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('compat.cli.'))\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert fresh.stderr.split("\n")[0] == "0 ['compat.cli.group']"
    load_all_commands()
    loaded = cli("--help")
    assert loaded.code == 0
    assert fresh.stdout == loaded.out
