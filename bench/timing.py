"""Timing helpers shared by the benchmarks: medians, since these machines are shared and noisy."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_seconds(func: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def median_child_seconds(func: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Medians of the wall time and of the CPU time (user + system) of the child processes
    `func` runs: the CPU time is what other load on a shared machine changes least."""
    import resource

    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        func()
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def median_cpu_seconds(func: Callable[[], Any], repeat: int) -> float:
    """CPU time of this process (for work done in it): less swayed by other load than wall
    time."""
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        func()
        samples.append(time.process_time() - start)
    return statistics.median(samples)
