"""Options shared by several commands, and where settings and outputs come from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compat.modes import MODES

if TYPE_CHECKING:
    from collections.abc import Callable

    from click.shell_completion import CompletionItem

    from compat.config import Settings


def settings_for(store: Path | None) -> Settings:
    from compat.config import settings_for

    return settings_for(store)


def store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Schema store directory [default: `store` in the settings (.cws-compat.toml or "
        "[tool.cws-compat]), else the nearest schemas/versions from here up to the repository "
        "root].",
    )(func)


def format_option(subject: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--format`, with the formats the report registry has for `subject`."""
    from compat.report.registry import FORMATS

    choices = FORMATS[subject]
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
    type=click.Choice(list(MODES)),
    default=None,
    help="Compatibility required of each new version [default: backward, or "
    "`mode` in the settings]; *-transitive checks against every earlier version.",
)


fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(["unknown", "breaking"]),
    default=None,
    help="Fail on breaking and unknown changes (unknown), or on breaking changes only "
    "(breaking: unknown ones are reported as warnings) [default: unknown, or `fail-on` in the "
    "settings].",
)

allow_unknown_option = click.option(
    "--allow-unknown",
    is_flag=True,
    help="Let changes the engine cannot decide pass (the same as --fail-on breaking).",
)


def lets_unknown_pass(fail_on: str | None, allow_unknown: bool, settings: Settings) -> bool:
    """--fail-on, --allow-unknown and the `fail-on` setting, as one answer."""
    if allow_unknown:
        if fail_on == "unknown":
            from compat.errors import CompatError

            raise CompatError("--allow-unknown and --fail-on unknown contradict each other")
        return True
    return (fail_on or settings.fail_on or "unknown") == "breaking"


def output_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help=help
    )


def write_output(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    from compat.util.files import atomic_write

    atomic_write(output, text)


# Shell completion (`_CWS_COMPAT_COMPLETE=bash_source cws-compat`, see the README): what a
# SCHEMA, a version list, a rule id or a git ref can be, read when the shell asks. A completion
# never fails: without a store or a repository there is just nothing to offer.


def _store_names(ctx: click.Context) -> list[str]:
    try:
        from compat.versioning.store import Store

        return Store.open(settings_for(ctx.params.get("store")).store).names
    except Exception:  # no store, an unreadable index, bad settings: nothing to offer
        return []


def complete_schema(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A SCHEMA: the store's version names, and files. The file item goes first: bash
    completes files only when no version name matches, zsh and fish offer both."""
    from click.shell_completion import CompletionItem

    names = [name for name in _store_names(ctx) if name.startswith(incomplete)]
    return [CompletionItem(incomplete, type="file"), *map(CompletionItem, names)]


def complete_versions(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A comma-separated list of versions (`--against v1,v2`): the last item completed."""
    from click.shell_completion import CompletionItem

    done, comma, last = incomplete.rpartition(",")
    before = done + comma
    taken = set(done.split(",")) if comma else set()
    names = [n for n in _store_names(ctx) if n.startswith(last) and n not in taken]
    if not comma and "all".startswith(last):
        names.append("all")
    return [CompletionItem(before + name) for name in names]


def complete_rule(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A rule id, with its summary (zsh and fish show it)."""
    from click.shell_completion import CompletionItem

    from compat.rules import RULES

    return [
        CompletionItem(rule.id, help=rule.summary)
        for rule in RULES.values()
        if rule.id.startswith(incomplete)
    ]


def complete_git_ref(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A git ref: the repository's branches, remote branches and tags."""
    from click.shell_completion import CompletionItem

    try:
        from compat.versioning.git import open_repo

        listed = open_repo().git.for_each_ref(
            "--format=%(refname:short)", "refs/heads", "refs/remotes", "refs/tags"
        )
    except Exception:  # not in a repository, no git: nothing to offer
        return []
    refs = sorted({ref for ref in str(listed).splitlines() if ref.startswith(incomplete)})
    return [CompletionItem(ref) for ref in refs]
