"""Small timing helpers: repeat a measurement and keep the median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(action: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Run `action` warmup + repeats times; return the median duration of the timed runs."""
    for _ in range(warmup):
        action()
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median durations of two actions measured in alternation, so drift hits both alike."""
    first()
    second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeats):
        for action, sink in ((first, a), (second, b)):
            started = time.perf_counter()
            action()
            sink.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)
