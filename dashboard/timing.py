"""Where a script run spends its time: with TAIZHANG_TIMING=1, each run prints one line to
the server log, `timing overview 212 ms: view 1, navigation 3, status 40, cards 180, …`
(milliseconds since the run started). Used to measure, off by default."""

from __future__ import annotations

import os
import sys
import threading
import time

ENABLED = bool(os.environ.get("TAIZHANG_TIMING"))
_run = threading.local()


def start() -> None:
    """Begin timing this script run."""
    if ENABLED:
        _run.marks = [("start", time.perf_counter())]


def mark(name: str) -> None:
    """Note that this run has reached `name`."""
    if ENABLED and getattr(_run, "marks", None):
        _run.marks.append((name, time.perf_counter()))


def report(page: str) -> None:
    """Print this run's marks (ms since its start) to the server log."""
    marks = getattr(_run, "marks", None) if ENABLED else None
    if not marks:
        return
    began = marks[0][1]
    steps = ", ".join(f"{name} {1000 * (at - began):.0f}" for name, at in marks[1:])
    print(f"timing {page} {1000 * (time.perf_counter() - began):.0f} ms: {steps}",
          file=sys.stderr, flush=True)
    _run.marks = None
