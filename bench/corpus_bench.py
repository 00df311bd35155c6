"""Corpus validation speed against the floor of just parsing the same lines with orjson.

Generates a corpus of realistic ~5 KB events (cached under the temp directory), then measures,
in the same run and as medians of several repeats (CPU time of this process, except where
workers are compared, which is wall time):

- the floor: reading the file and orjson.loads of every line;
- `corpus validate` against one version, against two versions, and with two workers;
- `corpus validate` of a corpus where a given fraction of the events is rejected (v2 events
  with `dd` against v1, mixed with events v1 accepts), against the floor on that corpus;
- `corpus generate`: events generated per second, checked and serialised;
- peak memory of a validation run for the corpus and for one four times larger.

Targets (one core): one version >= 0.6 of the floor; two versions <= 1.3 x the one-version
time; two workers >= 1.7 x one worker; 60% rejected >= 0.4 of the floor; generation >= 20,000
events/s.

With `--engine dask`, the local engine with N workers against the Dask engine on a
LocalCluster of N worker processes (started once, timed apart), same corpus and version.

    python bench/corpus_bench.py [--events 20000] [--repeat 5] [--rejected 0.6]
    python bench/corpus_bench.py --engine dask --workers 2 [--events 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import median_cpu_seconds, median_seconds  # noqa: E402 - after the path is set


def _cached(name: str) -> Path:
    """A file in the temp directory named after the generator that made it."""
    import hashlib

    made_by = hashlib.sha256((ROOT / "compat" / "corpus" / "generate.py").read_bytes())
    return Path(tempfile.gettempdir()) / f"cws-compat-bench-{made_by.hexdigest()[:8]}-{name}"


def _schema(version: str) -> Any:
    from compat.versioning.sources import load

    return load(version, ROOT / "schemas" / "versions")


def corpus(events: int, version: str = "v2", copies: int = 1) -> Path:
    from compat.corpus.generate import generate_lines

    base = _cached(f"{version}-{events}.jsonl")
    if not base.exists():
        tmp = base.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            for line in generate_lines(_schema(version), events, seed=42):
                handle.write(line + b"\n")
        tmp.replace(base)
    if copies == 1:
        return base
    bigger = base.with_name(base.stem + f"-x{copies}.jsonl")
    if not bigger.exists():
        import shutil

        with bigger.open("wb") as out:
            for _ in range(copies):
                with base.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)
    return bigger


def compressed(path: Path, kind: str) -> Path:
    """`path` compressed as one .gz (level 6) or one single-frame .zst (level 3), cached."""
    packed = path.with_name(path.name + (".gz" if kind == "gzip" else ".zst"))
    if not packed.exists():
        tmp = packed.with_name(packed.name + ".tmp")
        data = path.read_bytes()
        if kind == "gzip":
            import gzip

            tmp.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
        else:
            import zstandard

            tmp.write_bytes(zstandard.ZstdCompressor(level=3).compress(data))
        tmp.replace(packed)
    return packed


def parts(path: Path, count: int) -> list[Path]:
    """`path` cut into `count` .gz files of about the same number of lines, cached."""
    import gzip

    made = [path.with_name(f"{path.name}.part{n + 1}of{count}.gz") for n in range(count)]
    if not all(part.exists() for part in made):
        lines = path.read_bytes().splitlines(keepends=True)
        size = -(-len(lines) // count)
        for n, part in enumerate(made):
            tmp = part.with_name(part.name + ".tmp")
            data = b"".join(lines[n * size : (n + 1) * size])
            tmp.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
            tmp.replace(part)
    return made


def workers_on_one_file(path: Path | list[Path], repeat: int) -> dict[str, float]:
    """Wall and CPU time (this process and its worker processes) of validating one file (or
    several, one after the other) against v2 with one worker and with two, interleaved so that
    a busy moment of a shared machine weighs on both alike; medians of `repeat`."""
    import resource
    import statistics
    import time

    samples: dict[str, list[float]] = {"wall_1": [], "cpu_1": [], "wall_2": [], "cpu_2": []}
    for _ in range(repeat):
        for workers in (1, 2):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu, wall = time.process_time(), time.perf_counter()
            validate(path, ["v2"], workers)
            wall = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = time.process_time() - cpu
            cpu += after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            samples[f"wall_{workers}"].append(wall)
            samples[f"cpu_{workers}"].append(cpu)
    return {key: statistics.median(values) for key, values in samples.items()}


def tree_peak_memory_mb(path: Path, workers: int) -> float:
    """Peak resident memory of a validation run against v2: the process's own peak plus the
    peaks of its worker processes (VmHWM of each, summed: an upper bound of the tree's)."""
    code = (
        f"import sys, resource; sys.path.insert(0, {str(ROOT)!r}); "
        "import bench.corpus_bench as b; import compat.corpus.validate as v; "
        "peaks = []; close = v.Workers.close\n"
        "def spy(self, finished):\n"
        "    for p in self.processes:\n"
        "        try: peaks.append(int([l.split()[1] for l in open(f'/proc/{p.pid}/status') "
        "if l.startswith('VmHWM')][0]))\n"
        "        except OSError: pass\n"
        "    close(self, finished)\n"
        "v.Workers.close = spy\n"
        f"b.validate(__import__('pathlib').Path({str(path)!r}), ['v2'], {workers})\n"
        "own = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(own) + sum(peaks))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(out.stdout.strip()) / 1024


def rejecting(events: int, rejected: float) -> Path:
    """`events` generated v2 events of which exactly the fraction `rejected`, spread evenly,
    carry `dd` (which v1 rejects) and the others do not (v1 accepts them)."""
    from compat.corpus.generate import generate_lines

    path = _cached(f"rejected-{rejected:g}-{events}.jsonl")
    if path.exists():
        return path
    with_dd: list[bytes] = []
    without: list[bytes] = []
    lines = generate_lines(_schema("v2"), 1 << 40, seed=43)
    out = []
    for index in range(events):
        # line `index` is rejected when the running count of rejections steps up there
        pool = with_dd if int((index + 1) * rejected) > int(index * rejected) else without
        while not pool:
            line = next(lines)
            (with_dd if b'"dd":' in line else without).append(line)
        out.append(pool.pop())
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(b"".join(line + b"\n" for line in out))
    tmp.replace(path)
    return path


def generate(count: int) -> int:
    from compat.corpus.generate import generate_lines

    return sum(1 for _ in generate_lines(_schema("v2"), count, seed=44))


def floor(path: Path) -> int:
    import orjson

    from compat.corpus.readers import raw_chunks, read_batches

    count = 0
    loads = orjson.loads
    with path.open("rb") as handle:
        for batch in read_batches(raw_chunks(handle, None)):
            for line in batch:
                if line:
                    loads(line)
                    count += 1
    return count


def validate(path: Path | list[Path], versions: list[str], workers: int, known: bool = True) -> Any:
    """A run's partial counts (of the last file); `known=False` builds the errors of every
    rejected event."""
    from compat.corpus.validate import Runner, Target
    from compat.versioning.sources import load

    targets = []
    for name in versions:
        schema = load(name, ROOT / "schemas" / "versions")
        targets.append(Target(name, schema.draft, schema.source.document, False))
    with Runner(targets, workers) as runner:
        if not known:
            for checker in runner.validators:
                checker.known = None
        if isinstance(path, list):
            return [scan.partial for scan in runner.scan_all(path)][-1]
        return runner.scan(path).partial


def peak_memory_mb(path: Path) -> float:
    # VmHWM, not ru_maxrss: the latter survives exec and would report this process's peak
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import bench.corpus_bench as b; "
        f"b.validate(__import__('pathlib').Path({str(path)!r}), ['v1', 'v2'], 1); "
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(out.stdout.strip()) / 1024


def dask_engine(events: int, workers: int, repeat: int) -> None:
    """Events/s of the local engine and of the Dask engine, with `workers` processes each:
    both warm (pool or cluster started, validators compiled), and a whole local run."""
    import statistics
    import time

    from distributed import Client

    from compat.corpus.cluster import DaskOptions, local_cluster, run_tasks
    from compat.corpus.remote import resolve
    from compat.corpus.validate import Runner, Target
    from compat.versioning.sources import load

    path = corpus(events, "v1")
    count = floor(path)
    schema = load("v2", ROOT / "schemas" / "versions")
    targets = [Target("v2", schema.draft, schema.source.document, False)]
    sources = resolve([path], {})
    print(f"corpus (v1 events against v2): {count:,} events, {path.stat().st_size / 1e6:.1f} MB")
    results = {"local_run": median_seconds(lambda: validate(path, ["v2"], workers), repeat)}
    samples: dict[str, list[float]] = {"floor": [], "local": [], "dask": []}
    with Runner(targets, workers) as runner:  # its pool forked before any cluster thread runs
        started = time.perf_counter()
        with local_cluster(workers) as cluster, Client(cluster, set_as_default=False) as client:
            results["start"] = time.perf_counter() - started
            parts = run_tasks(client, sources, targets, DaskOptions())  # compiles on the workers
            assert parts[0].partial == runner.scan(path).partial
            # interleaved, so that a busy moment of a shared machine weighs on all three alike
            for _ in range(repeat):
                samples["floor"].append(median_seconds(lambda: floor(path), 1))
                samples["local"].append(median_seconds(lambda: runner.scan(path), 1))
                samples["dask"].append(
                    median_seconds(lambda: run_tasks(client, sources, targets, DaskOptions()), 1)
                )
    results.update({key: statistics.median(values) for key, values in samples.items()})

    def rate(key: str) -> str:
        return f"{count / results[key]:>9,.0f} events/s"

    print(f"floor (orjson.loads, one process):          {rate('floor')}")
    print(f"local engine, {workers} workers, a whole run:     {rate('local_run')}")
    print(f"local engine, {workers} workers, pool started:    {rate('local')}")
    print(
        f"dask engine, {workers} workers, cluster started: {rate('dask')}   "
        f"ratio to local {results['local'] / results['dask']:.2f} "
        f"(LocalCluster start: {results['start']:.1f} s)"
    )
    print(json.dumps({k: round(v, 4) for k, v in results.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--rejected",
        type=float,
        default=0.6,
        help="fraction of the events v1 rejects in the rejection-heavy corpus (default 0.6)",
    )
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    parser.add_argument("--workers", type=int, default=2, help="with --engine dask")
    args = parser.parse_args()
    if args.engine == "dask":
        dask_engine(args.events, args.workers, args.repeat)
        return

    # v1 events are valid under v1 and v2: the steady state, where every check says yes
    path = corpus(args.events, "v1")
    size = path.stat().st_size
    count = floor(path)
    per_event = size / count / 1e3
    print(f"corpus (v1 events): {count:,} events, {size / 1e6:.1f} MB, {per_event:.1f} KB/event")

    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}
    cpu["floor"] = median_cpu_seconds(lambda: floor(path), args.repeat)
    cpu["one"] = median_cpu_seconds(lambda: validate(path, ["v2"], 1), args.repeat)
    cpu["two"] = median_cpu_seconds(lambda: validate(path, ["v1", "v2"], 1), args.repeat)
    wall["one"] = median_seconds(lambda: validate(path, ["v2"], 1), args.repeat)
    wall["one_w2"] = median_seconds(lambda: validate(path, ["v2"], 2), args.repeat)
    # v2 events with `dd` against v1, mixed with events v1 accepts: rejections grouped
    mixed = rejecting(args.events, args.rejected)
    cpu["floor_mixed"] = median_cpu_seconds(lambda: floor(mixed), args.repeat)
    cpu["rejecting"] = median_cpu_seconds(lambda: validate(mixed, ["v1"], 1), args.repeat)
    cpu["rejecting_built"] = median_cpu_seconds(
        lambda: validate(mixed, ["v1"], 1, known=False), args.repeat
    )
    generated = max(args.events, 10_000)
    cpu["generate"] = median_cpu_seconds(lambda: generate(generated), args.repeat)

    def rate(seconds: float, events: int = count) -> str:
        return f"{events / seconds:>9,.0f} events/s"

    def show(label: str, seconds: float, note: str = "", events: int = count) -> None:
        print(f"{label + ':':<40}{rate(seconds, events)}   {note}".rstrip())

    show("floor (orjson.loads of every line)", cpu["floor"])
    show(
        "validate, one version, one worker",
        cpu["one"],
        f"ratio to floor {cpu['floor'] / cpu['one']:.2f} (target >= 0.6)",
    )
    show(
        "validate, two versions, one worker",
        cpu["two"],
        f"time vs one version {cpu['two'] / cpu['one']:.2f} (target <= 1.3)",
    )
    show(
        "validate, one version, two workers",
        wall["one_w2"],
        f"speed-up vs one worker {wall['one'] / wall['one_w2']:.2f} (target >= 1.7, wall time)",
    )
    part = validate(mixed, ["v1"], 1)
    share = part.invalid[0] / (part.valid[0] + part.invalid[0])
    show(f"floor, {share:.0%} rejected corpus", cpu["floor_mixed"])
    show(
        f"validate, {share:.0%} rejected, one worker",
        cpu["rejecting"],
        f"ratio to floor {cpu['floor_mixed'] / cpu['rejecting']:.2f} (target >= 0.4)",
    )
    show(
        "  the same, every error built",
        cpu["rejecting_built"],
        f"ratio to floor {cpu['floor_mixed'] / cpu['rejecting_built']:.2f}",
    )
    show(
        "generate, v2, one core",
        cpu["generate"],
        "(target >= 20,000 events/s)",
        events=generated,
    )
    for kind in ("gzip", "zstd"):
        packed = compressed(path, kind)
        times = workers_on_one_file(packed, args.repeat)
        print(
            f"one .{'gz' if kind == 'gzip' else 'zst'} file, 1 worker: "
            f"{count / times['wall_1']:,.0f} events/s ({times['cpu_1']:.2f} s CPU); 2 workers: "
            f"{count / times['wall_2']:,.0f} events/s ({times['cpu_2']:.2f} s CPU), speed-up "
            f"{times['wall_1'] / times['wall_2']:.2f} (target >= 1.6, wall time; on two free "
            f"cores at most {2 * times['cpu_1'] / times['cpu_2']:.2f}, from CPU); peak memory of "
            f"the process tree with 2 workers {tree_peak_memory_mb(packed, 2):.0f} MB, plain file "
            f"{tree_peak_memory_mb(path, 2):.0f} MB"
        )
        wall.update({f"{kind}_{k}": round(v, 4) for k, v in times.items()})
    four = parts(path, 4)
    times = workers_on_one_file(four, args.repeat)
    print(
        f"four .gz files, 1 worker: {count / times['wall_1']:,.0f} events/s; 2 workers: "
        f"{count / times['wall_2']:,.0f} events/s, speed-up {times['wall_1'] / times['wall_2']:.2f}"
        f" (each worker decompresses whole files of its own)"
    )
    wall.update({f"gzip4_{k}": round(v, 4) for k, v in times.items()})
    small = peak_memory_mb(path)
    large = peak_memory_mb(corpus(args.events, "v1", copies=4))
    print(
        f"peak memory, two versions: {small:.0f} MB for {count:,} events, "
        f"{large:.0f} MB for {4 * count:,} events"
    )
    print(json.dumps({"cpu": {k: round(v, 4) for k, v in cpu.items()}, "wall": wall}))


if __name__ == "__main__":
    main()
