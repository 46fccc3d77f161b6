"""Timing helpers of the benchmark: child processes with their peak memory, latency stats."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TAIZHANG = str(VENV_BIN / "taizhang") if (VENV_BIN / "taizhang").exists() else "taizhang"


class StepFailed(RuntimeError):
    """A measured command did not succeed; the message carries its output's tail."""


@dataclass
class ChildRun:
    """One finished child process: wall seconds, peak resident memory, output, CPU seconds
    (user + system, every thread: on a shared machine steadier than the wall time)."""

    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0


def run_child(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> ChildRun:
    """Run cmd to completion; wall time and peak RSS come from wait4 on that very child."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # Read the pipes before reaping, or a chatty child blocks on a full pipe.
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-5:]
        raise StepFailed(f"{' '.join(cmd[:4])} … exited {proc.returncode}: " + " | ".join(tail))
    # ru_maxrss is in KiB on Linux.
    return ChildRun(seconds, usage.ru_maxrss / 1024, stdout, stderr, usage.ru_utime + usage.ru_stime)


def stop_child(proc: subprocess.Popen, timeout: float = 20.0) -> float:
    """Terminate a long-running child (a server) and return its peak RSS in MB."""
    proc.terminate()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_maxrss / 1024
        time.sleep(0.1)
    proc.kill()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024


def median(values: list[float]) -> float:
    """The median of the samples."""
    return float(np.median(values))


def p95(values: list[float]) -> float:
    """The 95th percentile of the samples (linear interpolation)."""
    return float(np.percentile(values, 95))


def time_calls(fn, samples: int, warmup: int = 1) -> list[float]:
    """Milliseconds of `samples` calls of fn after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def remove_db(path: Path) -> None:
    """Delete a DuckDB file and its WAL."""
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
