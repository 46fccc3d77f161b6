"""A dashboard server in the background: `taizhang serve` on a free port, started and
stopped by the end-to-end tests and the benchmark (one way, not two)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(db: Path, log: Path, timeout: float = 90.0, port: int | None = None,
          env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start `taizhang serve` for `db` (output to `log`) and wait until it answers; → (process, url).

    `port`: a given one (a login's redirect address names it), else a free one. `env`:
    variables to add to the server's environment (e.g. $TAIZHANG_CONFIG).
    """
    port = port or free_port()
    with log.open("w") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "taizhang", "--db", str(db), "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(f"taizhang serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started (its process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
