"""Printing and timing helpers for `make bench`: one JSON line per figure on stdout.

Every figure names the measured value, the reference it is compared with in the same run
and their ratio (value / reference_value: above 1 means slower than the reference).
Timings are never asserted; the benchmarks assert only sanity (row counts).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

# "full": 10,000 subjects / 1,000,000 messages (issue 3); "small": 1,000 / 100,000.
SCALES = {
    "full": {"subjects": 10_000, "messages": 1_000_000},
    "small": {"subjects": 1_000, "messages": 100_000},
}


def scale_name(variable: str = "BENCH_SCALE") -> str:
    name = os.environ.get(variable) or os.environ.get("BENCH_SCALE") or "full"
    if name not in SCALES:
        raise ValueError(f"{variable} must be one of {', '.join(SCALES)}, not {name!r}")
    return name


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 5) if abs(value) < 10 else round(value, 1)
    return value


def emit(
    bench: str,
    *,
    db: str,
    value: float,
    unit: str,
    reference: str | None,
    reference_value: float | None,
    **extra: Any,
) -> dict[str, Any]:
    """Print one figure as one JSON line and return it."""
    ratio = value / reference_value if reference_value else None
    line = {
        "bench": bench,
        "db": db,
        "value": value,
        "unit": unit,
        "reference": reference,
        "reference_value": reference_value,
        "ratio": round(ratio, 2) if ratio is not None else None,
        **extra,
    }
    line = {k: _rounded(v) for k, v in line.items()}
    print(json.dumps(line), flush=True)
    return line


def timed(fn: Callable[[], Any], *, repeat: int) -> tuple[list[float], Any]:
    """Run `fn` `repeat` times; return the wall-clock times (s) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def median(times: list[float]) -> float:
    return statistics.median(times)
