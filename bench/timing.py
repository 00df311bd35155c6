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


def median_cpu_seconds(func: Callable[[], Any], repeat: int) -> float:
    """CPU time of this process (for work done in it): less swayed by other load than wall
    time."""
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        func()
        samples.append(time.process_time() - start)
    return statistics.median(samples)
