"""The package's layers import downwards only (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "compat"

# lower numbers are lower layers; a module may import its own layer and those below
LAYERS = {
    "util": 0,
    "errors": 0,
    "modes": 0,
    "config": 6,  # settings name acknowledgements, a versioning notion
    "schema": 1,
    "prove": 2,
    "diff": 3,
    "rules": 4,
    "engine": 5,
    "versioning": 6,
    "corpus": 6,
    "docs": 6,
    "docs_hugo": 6,
    "docs_formats": 6,
    "report": 7,
    "api": 8,  # the Python API: the command line's commands as functions
    "cli": 9,
    "__init__": 9,
    "__main__": 9,
}


def _layer(module: str) -> int:
    parts = module.split(".")
    assert parts[0] == "compat", module
    return LAYERS[parts[1]] if len(parts) > 1 else LAYERS["__init__"]


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("compat"):
            if node.module == "compat":
                found += [f"compat.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("compat.")]
    return found


def test_no_module_imports_a_higher_layer() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        if module == "compat":
            continue
        mine = _layer(module)
        for imported in _imports(path):
            if imported in ("compat", "compat.__version__"):
                continue
            if _layer(imported) > mine:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []
