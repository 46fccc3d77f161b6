"""The dashboard's prefetch (dashboard.loaders.prefetch_streets): a bounded queue that keeps
the newest views, and a database file that is free again once its work is done, so that
`taizhang load` in another process gets in."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest

from taizhang.dashboard import loaders
from taizhang.dashboard.state import View
from taizhang.db import connect


@pytest.fixture
def prefetching(monkeypatch, tmp_path):
    """Prefetch on, a fresh queue, the dashboard pointed at a database file."""
    monkeypatch.setattr(loaders, "PREFETCH", True)
    monkeypatch.setattr(loaders, "_prefetcher", loaders._Prefetcher())

    def point(path):
        monkeypatch.setenv("TAIZHANG_DB", str(path))
        return path
    return point


def test_many_distinct_filters_never_queue_more_than_the_bound(prefetching, monkeypatch, tmp_path):
    """Readers vary ?as_of= forty times while the worker is busy: at most PREFETCH_PENDING
    jobs ever wait, and what runs after the busy one is the newest views, not the oldest."""
    db = prefetching(tmp_path / "t.duckdb")
    connect(db).close()
    started, go, ran = threading.Event(), threading.Event(), []

    def warm(path, view, filters, person=None):
        ran.append(filters.as_of)
        started.set()
        go.wait(10)
    monkeypatch.setattr(loaders, "_warm_streets", warm)

    days = [date(2022, 1, 1) + timedelta(days=n) for n in range(40)]
    loaders.prefetch_streets(replace(View(), as_of=days[0]))
    assert started.wait(10)  # the first job runs and holds the worker
    for day in days[1:]:
        loaders.prefetch_streets(replace(View(), as_of=day))
        assert len(loaders._prefetcher.jobs) <= loaders.PREFETCH_PENDING
    go.set()
    assert loaders._prefetcher.idle(10)
    assert loaders._prefetcher.most_pending == loaders.PREFETCH_PENDING == 2
    assert ran == [days[0], days[-1], days[-2]]  # the newest first; the 37 in between dropped
    loaders.prefetch_streets(replace(View(), as_of=days[-1]))  # done already: not again
    assert loaders._prefetcher.idle(10) and ran == [days[0], days[-1], days[-2]]


WRITE = "import sys, duckdb; c = duckdb.connect(sys.argv[1]); c.execute('CREATE TABLE written AS SELECT 1 AS x'); c.close()"


def test_after_the_prefetch_no_connection_to_the_file_remains(prefetching, demo_db_copy):
    """The real prefetch over the demo: afterwards another process opens the file for
    writing at once (DuckDB refuses a writer while any other process has it open)."""
    db = prefetching(demo_db_copy)
    queries = []
    real = loaders._query

    def counted(*args, **kwargs):
        queries.append(args[0])
        return real(*args, **kwargs)
    loaders._query.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loaders, "_query", counted)
        loaders.prefetch_streets(View())
        assert loaders._prefetcher.idle(300)
    assert len(queries) > 11 * 3  # every street's communities, headline and trend were asked
    written = subprocess.run([sys.executable, "-c", WRITE, str(db)], capture_output=True, text=True, timeout=60)
    assert written.returncode == 0, written.stderr


def test_a_waiting_writer_stops_the_prefetch(prefetching, demo_db_copy, monkeypatch):
    """While a writer waits for the file (its marker, taizhang.db.writer_waiting), the
    prefetch opens it no more: no question is asked."""
    db = prefetching(demo_db_copy)
    asked = []
    monkeypatch.setattr(loaders, "_load_from", lambda *a, **k: asked.append(a))
    marker = db.parent / f"{db.name}.writer-waiting"
    marker.touch()
    loaders.prefetch_streets(View())
    assert loaders._prefetcher.idle(30)
    assert asked == []
    marker.unlink()  # without the marker the same job asks its first question
    loaders._warm_streets(db, View(), loaders.filters_for(View(), areas=False))
    assert len(asked) == 1


WAITING_WRITER = """
import sys
from taizhang.db import connect
con = connect(sys.argv[1], wait_seconds=60)
con.execute("CREATE TABLE written AS SELECT 1 AS x")
con.close()
"""


def test_a_writer_that_finds_the_file_open_says_it_waits_then_gets_in(tmp_path):
    """taizhang.db.connect for writing, in another process, while this one reads: it leaves
    the marker writer_waiting sees, gets in once the reader closes, and removes the marker."""
    import time

    from taizhang.db import writer_waiting

    db = tmp_path / "t.duckdb"
    connect(db).close()
    reader = connect(db, read_only=True)
    writer = subprocess.Popen([sys.executable, "-c", WAITING_WRITER, str(db)], stderr=subprocess.PIPE, text=True,
                              env={"PYTHONPATH": str(loaders.Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin"})
    try:
        deadline = time.monotonic() + 30
        while not writer_waiting(db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert writer_waiting(db)
        assert writer.poll() is None  # still waiting: the reader holds the file
    finally:
        reader.close()
    assert writer.wait(60) == 0, writer.stderr.read()
    assert not writer_waiting(db)
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT x FROM written").fetchone() == (1,)
