"""Where the database lives and how every process opens it.

DuckDB lets one process write a file, or several processes read it, never both at once.
The dashboard therefore opens the file only for the moment a query runs (a short
read-only connection), and a writer (`taizhang load`) that finds the file busy waits and
retries instead of failing. Both sides retry on a lock conflict for `wait_seconds`.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

DEFAULT_DB = Path("data/taizhang.duckdb")
# The demo's own file: `taizhang demo` and `make run` rebuild it, never DEFAULT_DB.
DEMO_DB = Path("data/demo.duckdb")
ENV_DB = "TAIZHANG_DB"
# DuckDB's default is 80% of RAM; a dashboard and a loader side by side must not fight.
DEFAULT_MEMORY_LIMIT = os.environ.get("TAIZHANG_MEMORY_LIMIT", "2GB")
# `taizhang load` keeps a file's rows in temp tables: past this DuckDB writes them to its
# temp directory (next to the database file) instead of growing. 10 million rows load in
# 1GB (peak RSS 1.35 GB) since schema 3 dropped the key indexes, which cannot be spilled.
LOAD_MEMORY_LIMIT = os.environ.get("TAIZHANG_LOAD_MEMORY_LIMIT", "1GB")


class DatabaseBusy(RuntimeError):
    """The database file stayed locked by another process for longer than we waited."""


def db_path(arg: str | os.PathLike | None = None) -> Path:
    """The database file: the --db argument, else $TAIZHANG_DB, else data/taizhang.duckdb."""
    if arg:
        return Path(arg)
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    return DEFAULT_DB


def demo_db_path(arg: str | os.PathLike | None = None) -> Path:
    """The demo's database file: the --db argument, else data/demo.duckdb ($TAIZHANG_DB,
    a user's own database, is never the demo's unless named with --db)."""
    return Path(arg) if arg else DEMO_DB


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def connect(
    path: str | os.PathLike,
    *,
    read_only: bool = False,
    wait_seconds: float = 60.0,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> duckdb.DuckDBPyConnection:
    """Open the database file, waiting while another process holds a conflicting lock."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    marker = None
    try:
        while True:
            try:
                return duckdb.connect(
                    str(path), read_only=read_only, config={"memory_limit": memory_limit}
                )
            except duckdb.IOException as exc:
                if not _is_lock_conflict(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(
                        f"数据库正被其他程序占用 / the database {path} is in use by another "
                        f"process (waited {wait_seconds:.0f} s). Try again when the import ends."
                    ) from exc
                if not read_only and marker is None:  # background readers step aside (writer_waiting)
                    marker = _writer_marker(path)
                    marker.touch()
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)


def _writer_marker(path: Path) -> Path:
    return Path(f"{path}.writer-waiting")


def writer_waiting(path: str | os.PathLike) -> bool:
    """Whether a writer is waiting for the file now: work nobody asked for yet (the
    dashboard's prefetch) stops opening it. A marker left by a killed writer counts only
    for as long as a writer could have waited."""
    try:
        age = time.time() - _writer_marker(Path(path)).stat().st_mtime
    except FileNotFoundError:
        return False
    return age < 120


@contextmanager
def reading(path: str | os.PathLike, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection, closed on exit so writers can get in."""
    con = connect(path, read_only=True, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


def data_version(path: str | os.PathLike) -> tuple:
    """A cheap fingerprint of the file's contents (size and mtime of the file and its WAL).

    Dashboard caches key on it, so new data shows on the next interaction without a restart.
    """
    path = Path(path)
    parts: list = []
    for p in (path, Path(str(path) + ".wal")):
        try:
            st = p.stat()
            parts.append((st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            parts.append(None)
    return tuple(parts)
