"""The dashboard's prefetch (dashboard.loaders.prefetch_streets): a bounded queue that keeps
the newest views, and a database file that is free again once its work is done, so that
`taizhang load` in another process gets in."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from taizhang.dashboard import loaders
from taizhang.dashboard.state import View
from taizhang.db import connect
from taizhang.filters import Filters

ROOT = str(Path(__file__).resolve().parent.parent)


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

    def warm(path, view, filters, person=None, keep_open=False):
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


def _streets(db) -> int:
    """How many named streets the district ranking of `db` has (a job asks 1 + 3 a street)."""
    from taizhang.db import reading
    from taizhang.kpi import api as kpi

    with reading(db) as con:
        return sum(isinstance(s, str) for s in kpi.ranking(con, "street", kpi.Filters())["street"])


@pytest.fixture
def counted(monkeypatch):
    """Every opening of the file by the loaders, and every question the prefetch asks,
    recorded (the real ones run); `hold(n, until)` makes question n wait for until()."""
    opened, asked, held = [], [], {}
    real_connect, real_load = loaders.connect, loaders._load_from

    def connect(*args, **kwargs):
        opened.append(args[0])
        return real_connect(*args, **kwargs)

    def load(*args, **kwargs):
        asked.append(args[1:])
        if len(asked) in held:
            held[len(asked)]()
        return real_load(*args, **kwargs)
    monkeypatch.setattr(loaders, "connect", connect)
    monkeypatch.setattr(loaders, "_load_from", load)
    loaders._query.clear()
    return opened, asked, held


def test_a_burst_of_queued_views_opens_the_file_once(prefetching, demo_db_copy, counted):
    """Three views queued behind one another (a reader changes the as-of date while the
    first is being warmed): the prefetch opens the file once for the whole burst, asks
    every street's questions of each view, and leaves the file free when the queue is empty."""
    db = prefetching(demo_db_copy)
    opened, asked, held = counted
    running, go = threading.Event(), threading.Event()
    held[1] = lambda: running.set() or go.wait(60)  # the first job's first question waits
    views = [replace(View(), as_of=date(2022, 7, day)) for day in (31, 30, 29)]
    loaders.prefetch_streets(views[0])
    assert running.wait(60)
    for view in views[1:]:
        loaders.prefetch_streets(view)
    assert len(loaders._prefetcher.jobs) == 2  # queued behind the running one
    go.set()
    assert loaders._prefetcher.idle(300)
    assert {next(a for a in args if isinstance(a, Filters)).as_of for args in asked} \
        == {view.as_of for view in views}
    assert len(asked) == 3 * (1 + 3 * _streets(db))  # every question of the three views
    assert opened == [str(db)]  # once for the burst (a question each: 3 × 34 openings)
    written = subprocess.run([sys.executable, "-c", WRITE, str(db)], capture_output=True, text=True, timeout=60)
    assert written.returncode == 0, written.stderr


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
    from taizhang.db import writer_waiting

    db = tmp_path / "t.duckdb"
    connect(db).close()
    reader = connect(db, read_only=True)
    writer = subprocess.Popen([sys.executable, "-c", WAITING_WRITER, str(db)], stderr=subprocess.PIPE, text=True,
                              env={"PYTHONPATH": ROOT, "PATH": "/usr/bin:/bin"})
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


def test_a_writer_who_comes_during_a_burst_waits_one_question(prefetching, demo_db_copy, counted):
    """`taizhang load`'s connect in another process, while the prefetch holds the file in
    the middle of a burst: the question running then finishes, the prefetch asks no more
    (the view queued behind it is dropped), closes the file, and the writer gets in."""
    from taizhang.db import writer_waiting

    db = prefetching(demo_db_copy)
    opened, asked, held = counted
    writer = None

    def start_writer_and_wait_until_it_waits():
        nonlocal writer
        writer = subprocess.Popen([sys.executable, "-c", WAITING_WRITER, str(db)], stderr=subprocess.PIPE,
                                  text=True, env={"PYTHONPATH": ROOT, "PATH": "/usr/bin:/bin"})
        deadline = time.monotonic() + 60
        while not writer_waiting(db) and time.monotonic() < deadline:
            time.sleep(0.05)
    held[5] = start_writer_and_wait_until_it_waits  # the file is open: questions 1–4 ran
    loaders.prefetch_streets(View())
    loaders.prefetch_streets(replace(View(), as_of=date(2022, 7, 30)))  # queued behind it
    assert loaders._prefetcher.idle(120)
    assert writer is not None and writer.wait(60) == 0, writer.stderr.read()
    assert len(asked) == 5  # the fifth was running when the writer came; none after it
    assert opened == [str(db)] and not loaders._prefetcher.jobs
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT x FROM written").fetchone() == (1,)
