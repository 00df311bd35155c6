"""Start-up: commands are imported when used, and `diff` imports only what it needs."""

from __future__ import annotations

from compat.cli.group import COMMAND_MODULES, cli, load_all_commands


def test_every_command_is_defined_by_the_module_the_group_names() -> None:
    load_all_commands()
    assert set(cli.commands) == set(COMMAND_MODULES)
    for name, command in cli.commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == COMMAND_MODULES[name], name
