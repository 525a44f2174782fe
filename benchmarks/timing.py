"""Timing helpers shared by the benchmarks: median wall (and CPU) time of a call after one warm-up."""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Median wall time and median process CPU time (ms) of ``fn`` after one warm-up. CPU time is what the
    work costs whatever else the shared machine runs; wall time is what a user waits."""
    fn()   # warm-up: lazy imports, allocator, caches
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time (ms) of ``fn`` over ``repeats`` calls after one warm-up."""
    return timed(fn, repeats)[0]
