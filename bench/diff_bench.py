"""How the diff grows with schema size, how much memory it takes, and how fast the CLI starts.

Three shapes of synthetic CWS-like schemas with N closed definitions: a tree (D{i} refers to
D{2i+1} and D{2i+2}, depth log2 N, like real event schemas), a chain (D{i} refers to D{i+1}
twice, with a shared leaf definition reached from all), and a linear chain (each definition has
five scalar properties and refers to the next; ten of them get a new required property). Each
size runs in a process of its own: its peak memory (resident set) is read after the first run, so
it is the peak of that one run, and the time is the median of the runs after it. The report
prints the median time (and the median CPU time of the process, steadier on a shared machine),
the time per definition, the peak memory, and the growth exponents of time and peak memory
between the two largest sizes of each shape (1.0 is linear). Then the CLI's start-up
(`cws-compat --help`) and a whole `cws-compat diff v1 v2`, against the interpreter's own
start-up and against `python -c "import jsonschema"`, measured in the same run.

    python bench/diff_bench.py [--shapes tree,chain,linear] [--sizes 1000,2000,...] [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import median_child_seconds, median_seconds  # noqa: E402 - after the path


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


def linear(count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The linear chain, old and new: ten definitions along it gain a required property."""
    definitions: dict[str, Any] = {}
    for i in range(count):
        properties: dict[str, Any] = {
            f"f{j}": {"type": "integer" if j % 2 else "string"} for j in range(5)
        }
        if i + 1 < count:
            properties["next"] = {"$ref": f"#/definitions/D{i + 1}"}
        definitions[f"D{i}"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        }
    old = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {"root": {"$ref": "#/definitions/D0"}},
        "definitions": definitions,
    }
    new = copy.deepcopy(old)
    for k in range(10):
        target = new["definitions"][f"D{(k + 1) * count // 11}"]
        target["properties"]["added"] = {"type": "string"}
        target["required"] = ["added"]
    return old, new


def pair(shape: str, size: int) -> tuple[dict[str, Any], dict[str, Any]]:
    if shape == "linear":
        return linear(size)
    old = synthetic(size, shape)
    new = copy.deepcopy(old)
    new["definitions"]["Leaf"]["properties"]["auid"] = {"type": "integer"}
    new["definitions"]["Leaf"]["required"].append("auid")
    new["definitions"][f"D{size - 2}"]["properties"]["field_0"]["type"] = "integer"
    return old, new


def one(shape: str, size: int, repeat: int) -> None:
    """Measure one shape and size in this process; print seconds, peak MiB and changes."""
    import resource

    from compat.engine.compare import compare
    from compat.schema.load import prepare
    from compat.schema.source import SchemaSource
    from compat.util.deep import run_deep

    old, new = pair(shape, size)

    def run() -> Any:
        def work() -> Any:
            a = prepare(SchemaSource("old", old, ""))
            b = prepare(SchemaSource("new", new, ""))
            return compare(a, b)

        return run_deep(work)

    # the process is fresh: its peak after the first run is the peak of one run (read later,
    # it would include a second run's objects allocated while the first report was alive)
    report = run()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    changes = len(report.changes)
    del report
    cpu: list[float] = []

    def timed() -> None:
        start = time.process_time()  # all threads of the process: run_deep's worker too
        run()
        cpu.append(time.process_time() - start)

    seconds = median_seconds(timed, repeat)
    print(
        json.dumps(
            {"seconds": seconds, "cpu": statistics.median(cpu), "mib": peak, "changes": changes}
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="tree,chain,linear")
    parser.add_argument("--sizes", default=None, help="sizes for every shape [default per shape]")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--source-only",
        action="store_true",
        help="measure start-up without byte-compiling compat/ first",
    )
    parser.add_argument("--one", nargs=2, metavar=("SHAPE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]), args.repeat)
        return
    defaults = {"tree": "1250,2500,5000,10000", "chain": "1000,2000,4000,8000"}
    defaults["linear"] = defaults["chain"]
    header = (
        f"{'shape':>6}  {'definitions':>11}  {'median s':>9}  {'cpu s':>6}  {'ms/def':>7}  "
        f"{'peak MiB':>8}"
    )
    print(header + "  changes")
    for shape in args.shapes.split(","):
        sizes = [int(x) for x in (args.sizes or defaults[shape]).split(",")]
        times: list[float] = []
        peaks: list[float] = []
        for size in sizes:
            out = subprocess.run(
                [sys.executable, __file__, "--one", shape, str(size), "--repeat", str(args.repeat)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            data = json.loads(out.strip().splitlines()[-1])
            times.append(data["seconds"])
            peaks.append(data["mib"])
            print(
                f"{shape:>6}  {size:>11}  {data['seconds']:>9.3f}  {data['cpu']:>6.3f}  "
                f"{data['seconds'] / size * 1000:>7.3f}  {data['mib']:>8.0f}  {data['changes']}"
            )
        if len(sizes) >= 2 and times[-2] > 0:
            scale = math.log(sizes[-1] / sizes[-2])
            exponent = math.log(times[-1] / times[-2]) / scale
            memory = math.log(peaks[-1] / peaks[-2]) / scale
            print(
                f"{shape:>6}  growth exponent {sizes[-2]} -> {sizes[-1]}: {exponent:.2f} "
                f"(peak memory {memory:.2f})"
            )

    def run_command(*command: str) -> Callable[[], None]:
        def run() -> None:
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)

        return run

    if not args.source_only:
        # as `pip install` does for every package it installs (jsonschema's byte code, which
        # the comparison below loads, was written then): otherwise, with PYTHONDONTWRITEBYTECODE
        # set, every run would compile cws-compat from source and jsonschema not
        import compileall

        compileall.compile_dir(str(ROOT / "compat"), quiet=1)
    runs = 15
    floor = median_child_seconds(run_command(sys.executable, "-c", "pass"), runs)
    jsonschema_import = median_child_seconds(
        run_command(sys.executable, "-c", "import jsonschema"), runs
    )
    start = median_child_seconds(run_command(sys.executable, "-m", "compat", "--help"), runs)
    whole = median_child_seconds(
        run_command(sys.executable, "-m", "compat", "diff", "v1", "v2"), runs
    )
    for name, (wall, cpu) in (
        ("python -c pass", floor),
        ("python -c 'import jsonschema'", jsonschema_import),
        ("cws-compat --help", start),
        ("cws-compat diff v1 v2", whole),
    ):
        print(f"start-up: {name:<30} {wall * 1000:>5.0f} ms wall {cpu * 1000:>5.0f} ms CPU")
    print(
        f"ratios (wall, CPU): --help / pass {start[0] / floor[0]:.1f}, {start[1] / floor[1]:.1f}; "
        f"diff v1 v2 / import jsonschema {whole[0] / jsonschema_import[0]:.2f}, "
        f"{whole[1] / jsonschema_import[1]:.2f}"
    )
    cached = Path(importlib.util.cache_from_source(str(ROOT / "compat" / "__init__.py")))
    if not cached.exists():
        # installed packages (jsonschema here) have their byte code written at install time
        print(
            "note: compat/ has no cached byte code (PYTHONDONTWRITEBYTECODE is "
            f"{'set' if sys.flags.dont_write_bytecode else 'not set'}): each cws-compat run "
            "above compiled the package from source"
        )


if __name__ == "__main__":
    main()
