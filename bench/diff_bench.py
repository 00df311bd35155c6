"""How the diff grows with schema size, and how fast the CLI starts.

Synthetic CWS-like schemas with N definitions (closed objects, each referring to the next, with a
shared leaf definition reached from all of them) are compared with a copy carrying a change at
the far end. The report prints, per size, the median of several runs and the time per
definition, so growth is visible; and the CLI's start-up (`cws-compat --help`) against the
interpreter's own start-up (`python -c pass`), measured in the same run, as a ratio.

    python bench/diff_bench.py [--sizes 250,500,1000,2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import median_seconds  # noqa: E402 - after the path is set


def synthetic(count: int, shape: str = "tree") -> dict[str, Any]:
    """`count` definitions: in a tree (D{i} refers to D{2i+1} and D{2i+2}, depth log2 count,
    like real event schemas) or a chain (D{i} refers to D{i+1}: depth count, the worst case
    for instance paths and counterexamples)."""
    definitions: dict[str, Any] = {
        "Leaf": {
            "type": "object",
            "additionalProperties": False,
            "required": ["uid"],
            "properties": {"uid": {"type": "integer"}, "name": {"type": "string"}},
        }
    }
    for i in range(count - 1):
        properties: dict[str, Any] = {
            f"field_{j}": {"type": "string", "description": f"Field {j} of D{i}"} for j in range(6)
        }
        properties["leaf"] = {"$ref": "#/definitions/Leaf"}
        children = [i + 1] if shape == "chain" else [2 * i + 1, 2 * i + 2]
        children = [c for c in children if c < count - 1]
        if children:
            properties["next"] = {"$ref": f"#/definitions/D{children[0]}"}
            properties["many"] = {
                "type": "array",
                "items": {"$ref": f"#/definitions/D{children[-1]}"},
            }
        definitions[f"D{i}"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        }
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {"root": {"$ref": "#/definitions/D0"}},
        "definitions": definitions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shapes", default="tree,chain")
    args = parser.parse_args()

    from compat.engine.compare import compare
    from compat.schema.load import prepare
    from compat.schema.source import SchemaSource
    from compat.util.deep import run_deep

    print(f"{'shape':>5}  {'definitions':>11}  {'median s':>9}  {'ms/definition':>13}  changes")
    for shape, size in (
        (sh, int(sz)) for sh in args.shapes.split(",") for sz in args.sizes.split(",")
    ):
        old = synthetic(size, shape)
        new = copy.deepcopy(old)
        new["definitions"]["Leaf"]["properties"]["auid"] = {"type": "integer"}
        new["definitions"]["Leaf"]["required"].append("auid")
        last = f"D{size - 2}"
        new["definitions"][last]["properties"]["field_0"]["type"] = "integer"

        def run(old: Any = old, new: Any = new) -> Any:
            def work() -> Any:
                a = prepare(SchemaSource("old", old, ""))
                b = prepare(SchemaSource("new", new, ""))
                return compare(a, b)

            return run_deep(work)

        report = run()
        seconds = median_seconds(run, args.repeat)
        per = seconds / size * 1000
        print(f"{shape:>5}  {size:>11}  {seconds:>9.3f}  {per:>13.3f}  {len(report.changes)}")

    def cli_help() -> None:
        subprocess.run(
            [sys.executable, "-m", "compat", "--help"], check=True, stdout=subprocess.DEVNULL
        )

    def bare() -> None:
        subprocess.run([sys.executable, "-c", "pass"], check=True)

    floor = median_seconds(bare, 7)
    start = median_seconds(cli_help, 7)
    print(
        f"start-up: cws-compat --help {start * 1000:.0f} ms, python -c pass "
        f"{floor * 1000:.0f} ms (floor), ratio {start / floor:.1f}"
    )


if __name__ == "__main__":
    main()
