"""Where an import spends its time: with TAIZHANG_TIMING=1, `taizhang load` prints one line a
run to stderr,

    timing load 13.41 s (CPU 15.20 s): connect 0.05, read 0.31, csv_read 1.90/3.10, …

(wall seconds per step, then the process's CPU seconds where they differ by more than a
tenth — DuckDB works on several threads; summed over the run's files). `timing load-json
{…}` follows with the same figures for benchmarks/bench.py. On a shared machine the CPU
seconds say more than the wall ones. Steps are laps: each mark charges the time since the
previous one, so a lazy view is charged to the step that runs it. Used to measure, off by
default; the dashboard's script runs use the same variable (dashboard/timing.py). Here, below
every layer, so that the store's aggregate refresh can mark its statements too.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar

ENV = "TAIZHANG_TIMING"
JSON_PREFIX = "timing load-json "
_run: ContextVar["Laps | None"] = ContextVar("taizhang_load_timing", default=None)


class Laps:
    """Seconds per named step, in the order first reached."""

    def __init__(self):
        self.steps: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.started = self._last = time.perf_counter()
        self.started_cpu = self._last_cpu = _cpu()

    def mark(self, name: str) -> None:
        now, cpu = time.perf_counter(), _cpu()
        self.steps[name] = self.steps.get(name, 0.0) + now - self._last
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu - self._last_cpu
        self._last, self._last_cpu = now, cpu

    def lines(self) -> str:
        total, total_cpu = time.perf_counter() - self.started, _cpu() - self.started_cpu
        steps = ", ".join(
            f"{name} {seconds:.2f}" + (f"/{self.cpu[name]:.2f}" if abs(self.cpu[name] - seconds) > 0.1 else "")
            for name, seconds in self.steps.items())
        figures = {"total": round(total, 3), "total_cpu": round(total_cpu, 3),
                   "steps": {name: round(seconds, 3) for name, seconds in self.steps.items()},
                   "steps_cpu": {name: round(seconds, 3) for name, seconds in self.cpu.items()}}
        return (f"timing load {total:.2f} s (CPU {total_cpu:.2f} s): {steps}\n"
                + JSON_PREFIX + json.dumps(figures))


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (DuckDB's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def timed_run():
    """Time the marks made inside (when $TAIZHANG_TIMING is set) and print them at the end."""
    if not os.environ.get(ENV):
        yield
        return
    laps = Laps()
    token = _run.set(laps)
    try:
        yield
    finally:
        _run.reset(token)
        print(laps.lines(), file=sys.stderr, flush=True)


def mark(name: str) -> None:
    """Charge the time since the previous mark to step `name` (nothing when not timing)."""
    laps = _run.get()
    if laps is not None:
        laps.mark(name)
