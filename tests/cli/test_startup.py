"""Start-up: commands are imported when used, and `diff` imports only what it needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
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


# Imported by a `diff` whose changes are all compatible, the modules below would be pure
# start-up cost: python-jsonschema (and referencing) is only for confirming counterexamples and
# asserting formats, the corpus and versioning commands have their own modules.
NOT_FOR_A_COMPATIBLE_DIFF = (
    "jsonschema",
    "referencing",
    "jsonschema_specifications",
    "compat.corpus",
    "compat.cli.corpus",
    "compat.cli.versioning",
    "compat.engine.witness",
)

IMPORTS = """\
import json, sys
from pathlib import Path

def loaded():
    return sorted(sys.modules)

import compat.cli
after_import = loaded()
code = compat.cli.run(["diff", "old.json", "new.json", "--format", "json"])
print(json.dumps({"code": code, "after_import": after_import, "after_diff": loaded()}),
      file=sys.stderr)
"""


def _diff_in_a_process(tmp_path: Path, old: Any, new: Any, fmt: str) -> tuple[Any, str]:
    """`cws-compat diff old.json new.json --format FMT` in a fresh interpreter: the modules
    loaded after import and after the diff (with the exit code), and standard output."""
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new), encoding="utf-8")
    script = IMPORTS.replace('"--format", "json"', f'"--format", "{fmt}"')
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stderr.splitlines()[-1]), proc.stdout


def _unwanted(modules: list[str]) -> list[str]:
    return [
        m for m in modules for p in NOT_FOR_A_COMPATIBLE_DIFF if m == p or m.startswith(f"{p}.")
    ]


def test_a_compatible_diff_imports_neither_jsonschema_nor_the_corpus_modules(
    tmp_path: Path,
) -> None:
    old = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"pid": {"type": "integer"}, "name": {"type": "string"}},
        "required": ["pid"],
    }
    new = {
        **old,
        "description": "A process event.",
        "definitions": {"Unused": {"type": "string", "format": "date-time"}},
    }
    result, out = _diff_in_a_process(tmp_path, old, new, "json")
    assert result["code"] == 0
    report = json.loads(out)
    assert (report["backward"], report["forward"]) == ("compatible", "compatible")
    assert "compat.engine.compare" not in result["after_import"]
    assert _unwanted(result["after_import"]) == []
    assert "compat.engine.compare" in result["after_diff"]
    assert _unwanted(result["after_diff"]) == []


def test_a_text_diff_with_a_counterexample_does_not_import_jsonschema(tmp_path: Path) -> None:
    # the shipped v1 -> v2 is like this: a property added to a closed object (forward breaking,
    # with a counterexample confirmed by jsonschema-rs and the engine's evaluator); the message
    # python-jsonschema would give is worked out only for the formats that show it
    old = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {"pid": {"type": "integer"}},
    }
    new = {**old, "properties": {"pid": {"type": "integer"}, "dd": {"type": "object"}}}
    for fmt, imported in (("text", False), ("json", True)):
        result, out = _diff_in_a_process(tmp_path, old, new, fmt)
        assert "counterexample" in out
        assert ("jsonschema" in result["after_diff"]) is imported, fmt
    assert "/: Additional properties are not allowed ('dd' was unexpected)" in out
