"""One registry for every command's `--format`: which formats a subject has (the first is the
default) and how each is rendered. Renderer modules are imported only when used (start-up
time matters in CI gates and pre-commit hooks)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from compat.util.records import FrozenRecord


class Style(FrozenRecord):
    """What some renderers need beyond the result: colour, how many groups to show, the mode
    a release was held to."""

    _fields = ("color", "max_groups", "mode")
    color: bool
    max_groups: int
    mode: str

    def __init__(self, color: bool = False, max_groups: int = 10, mode: str = "backward") -> None:
        self._set(color=color, max_groups=max_groups, mode=mode)


Renderer = Callable[[Any, Style], str]

FORMATS: dict[str, tuple[str, ...]] = {
    "diff": ("text", "json", "markdown", "html"),
    "rules": ("text", "json", "markdown"),
    "rule": ("text", "json", "markdown"),
    "versions": ("text", "json"),
    "gate": ("text", "json", "markdown", "github", "sarif", "junit", "html"),
    "release": ("text", "json"),
    "import-git": ("text", "json"),
    "corpus": ("text", "json", "markdown", "html"),
    "matrix": ("text", "markdown", "json", "html"),
    "history": ("text", "json", "markdown", "html"),
}


def _html() -> ModuleType:
    """The HTML renderers, one module for every subject (one page skeleton), imported only
    when a page is rendered."""
    from compat.report import html

    return html


def _diff() -> dict[str, Renderer]:
    from compat.report import diff

    return {
        "text": lambda r, s: diff.render_text(r, color=s.color),
        "json": lambda r, s: diff.render_json(r),
        "markdown": lambda r, s: diff.render_markdown(r),
        "html": lambda r, s: _html().render_diff(r),
    }


def _rules() -> dict[str, Renderer]:
    from compat.report import rules

    return {
        "text": lambda r, s: rules.render_list(r),
        "json": lambda r, s: rules.render_json(r),
        "markdown": lambda r, s: rules.render_markdown(r, gate=True),
    }


def _rule() -> dict[str, Renderer]:
    from compat.report import rules

    return {
        "text": lambda r, s: rules.render_one(r),
        "json": lambda r, s: rules.render_json([r]),
        "markdown": lambda r, s: rules.render_markdown([r]),
    }


def _versions() -> dict[str, Renderer]:
    from compat.report import versions

    return {
        "text": lambda r, s: versions.render_versions(r, "text"),
        "json": lambda r, s: versions.render_versions(r, "json"),
    }


def _gate() -> dict[str, Renderer]:
    from compat.report import gate

    def plain(function: Callable[[Any], str]) -> Renderer:
        return lambda result, style: function(result)

    renderers = {name: plain(function) for name, function in gate.RENDERERS.items()}
    renderers["html"] = lambda r, s: _html().render_gate(r)
    return renderers


def _release() -> dict[str, Renderer]:
    from compat.report import release

    return {
        "text": lambda r, s: release.render_text(r, s.mode),
        "json": lambda r, s: release.render_json(r),
    }


def _import_git() -> dict[str, Renderer]:
    from compat.report import importgit

    return {
        "text": lambda r, s: importgit.render_text(r),
        "json": lambda r, s: importgit.render_json(r),
    }


def _corpus() -> dict[str, Renderer]:
    from compat.report import corpus

    return {
        "text": lambda r, s: corpus.render_text(r, s.max_groups, s.color),
        "json": lambda r, s: corpus.render_json(r, s.max_groups),
        "markdown": lambda r, s: corpus.render_markdown(r, s.max_groups),
        "html": lambda r, s: _html().render_corpus(r, s.max_groups),
    }


def _matrix() -> dict[str, Renderer]:
    from compat.report import corpus

    return {
        "text": lambda r, s: corpus.render_matrix_text(r, s.color),
        "markdown": lambda r, s: corpus.render_matrix_markdown(r),
        "json": lambda r, s: corpus.render_matrix_json(r),
        "html": lambda r, s: _html().render_matrix(r, s.max_groups),
    }


def _history() -> dict[str, Renderer]:
    from compat.report import history

    return {
        "text": lambda r, s: history.render_text(r),
        "json": lambda r, s: history.render_json(r),
        "markdown": lambda r, s: history.render_markdown(r),
        "html": lambda r, s: history.render_html(r),
    }


_LOADERS: dict[str, Callable[[], dict[str, Renderer]]] = {
    "diff": _diff,
    "rules": _rules,
    "rule": _rule,
    "versions": _versions,
    "gate": _gate,
    "release": _release,
    "import-git": _import_git,
    "corpus": _corpus,
    "matrix": _matrix,
    "history": _history,
}


def render(subject: str, fmt: str, result: Any, style: Style | None = None) -> str:
    """`result` (a diff report, a gate result, ...) rendered in format `fmt`."""
    if fmt not in FORMATS[subject]:
        raise ValueError(f"{subject} has no {fmt} format")
    return _LOADERS[subject]()[fmt](result, style or Style())
