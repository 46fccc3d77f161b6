"""Cached, typed loaders: the dashboard's only way to the data (every number from kpi/).

A script run opens one read-only connection on its first cache miss and closes it when
the run ends (`release`, called by app.py), so `taizhang load` in another process can
write between two clicks; each query runs on its own cursor.
Cache keys include the data's version (`source`: the file's size and times, or on a
ClickHouse warehouse the published generation), so new data shows on the next interaction
without a restart. Only small results are cached: KPI tables, one page of cases.

On a ClickHouse warehouse (`taizhang serve --warehouse URL`) every question goes through
the warehouse's reader (taizhang.warehouse.reading): a script run reads the generation
current when it first asked, and nothing else, until it ends. Imports go through
`taizhang load --warehouse URL` (the one writer), not the Data page.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from taizhang.kpi import api as kpi
from taizhang.dashboard.state import View, drill_into, filters_for
from taizhang.filters import Filters
from taizhang.kpi import fastpath
from taizhang.kpi.scope import restrict
from taizhang.kpi.supervision import SUPERVISION_KINDS
from taizhang.access import LOCAL, Person
from taizhang.db import DatabaseBusy, connect, data_version, db_path, writer_waiting
from taizhang.filters import month_bounds, shift_months
from taizhang.settings import load_settings
from taizhang.warehouse import ENV_WAREHOUSE, Warehouse, WarehouseError, parse

CACHE_TTL_SECONDS = 600
CACHE_ENTRIES = 512
# A reader waits this long for a writer's lock before the page says "busy".
READ_WAIT_SECONDS = float(os.environ.get("TAIZHANG_READ_WAIT", "15"))
CASE_PAGE_SIZE = 500


def database_file() -> Path:
    """The database this server shows: $TAIZHANG_DB (set by `taizhang serve --db`). On a
    ClickHouse warehouse, its local DuckDB file (the normaliser): the access tables' home."""
    return db_path(os.environ.get("TAIZHANG_DB"))


def warehouse() -> Warehouse | None:
    """The ClickHouse warehouse this server shows ($TAIZHANG_WAREHOUSE, set by `taizhang
    serve --warehouse`), or None: the DuckDB file of database_file()."""
    url = os.environ.get(ENV_WAREHOUSE, "").strip()
    found = parse(url) if url else None
    return None if found is None or found.is_duckdb else found


def on_warehouse() -> bool:
    """Whether this server reads a ClickHouse warehouse (imports: `taizhang load --warehouse`)."""
    return warehouse() is not None


def source() -> tuple[str, tuple]:
    """(what this server reads, the version of its data): every cache key holds both. A
    DuckDB file: its path, its size and times (taizhang.db.data_version). A warehouse: its
    URL without password, and the generation this script run reads (opened on first use)."""
    wh = warehouse()
    if wh is None:
        path = database_file()
        return str(path), data_version(path)
    _connection(wh.display())
    return wh.display(), (_run.generation,)


# Opening the file costs 30–70 ms (DuckDB loads its catalog), so a script run opens it once,
# on its first cache miss, and app.py closes it when the run ends (`release`): nothing stays
# open between two clicks. Each Streamlit session runs its script in its own thread.
_run = threading.local()


def _connection(path: str):
    """This script run's read-only connection, opened on first use: DuckDB's, or on a
    warehouse (`path` its display URL) an ibis backend bound to the generation current then."""
    if getattr(_run, "con", None) is None or _run.path != path:
        release()
        wh = warehouse()
        if wh is None:
            _run.con = connect(path, read_only=True, wait_seconds=READ_WAIT_SECONDS)
        else:
            from taizhang.warehouse import reading

            stack = ExitStack()
            _run.con = stack.enter_context(reading(wh))
            _run.stack, _run.generation = stack, str(_run.con.con.database)
        _run.path = path
    return _run.con


def release() -> None:
    """Close this run's connection so another process (`taizhang load`) can write."""
    con, _run.con = getattr(_run, "con", None), None
    stack, _run.stack = getattr(_run, "stack", None), None
    if stack is not None:
        stack.close()
    elif con is not None:
        con.close()


# Who this thread's questions are for: set by app.py for each script run (dashboard.access),
# and by a download's builder for the thread that builds it. Every query below takes its
# street scope and `pii` from here, so no page can ask past them.
PII_FUNCTIONS = (kpi.case_list, kpi.case_detail, kpi.data_quality_cases)  # those with a reporter


def act_as(person: Person | None) -> None:
    """Run this thread's later questions for `person` (None: nobody)."""
    _run.person = person


def current_person() -> Person:
    """The person this thread's questions are for; with login on and nobody set, no access."""
    person = getattr(_run, "person", None)
    if person is not None:
        return person
    from taizhang.dashboard.access import NoAccess, login_on

    if login_on():
        raise NoAccess("no person for this question")
    return LOCAL


def _access(person: Person, function: Callable | None = None, args: tuple = ()) -> tuple:
    """The part of a cache key and of a query that depends on who asks: (streets, pii).

    The district's street ranking (every street's totals and score, no case) is open to a
    street user when [access] street_sees_district_ranking says so.
    """
    if person.scoped and function is kpi.ranking and args[:1] == ("street",) \
            and load_settings().street_sees_district_ranking:
        return (None, False)
    return (person.streets, person.pii)


@contextmanager
def _cursor(path: str, access: tuple):
    """A cursor on this run's connection, restricted to the person's streets (kpi.scope).
    On a warehouse, the run's reader bound for this question to the generation, or for a
    street-scoped person to that generation's scope database (kpi.scope makes it once).
    An unrestricted DuckDB cursor reads the aggregate tables' state of the connection
    (read once a run, not once a question: kpi.fastpath.share)."""
    if warehouse() is not None:
        ib = _connection(path)
        client = ib.con
        client.database = _run.generation  # a scoped question before left it on its scope
        try:
            if access[0] is not None:
                restrict(ib, access[0])
            yield ib
        finally:
            client.database = _run.generation
        return
    con = _connection(path)
    cursor = con.cursor()  # each query on its own cursor
    try:
        if access[0] is None:
            fastpath.share(cursor, con)
        else:
            restrict(cursor, access[0])
        yield cursor
    finally:
        cursor.close()


def _key(function: Callable) -> str:
    """A function's cache key: its module and name (Streamlit does not hash the function
    itself, passed as an underscored argument)."""
    return f"{function.__module__}.{function.__qualname__}"


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_ENTRIES, show_spinner=False)
def _query(key: str, _function: Callable, path: str, version: tuple, access: tuple, args: tuple,
           kwargs: tuple):
    # `key` names `_function` in the cache key; `version` is unused in the body on purpose:
    # it is part of the cache key, and so is `access` (streets, pii): one person's answers
    # are never another's.
    kwargs = dict(kwargs)
    if access[1] and _function in PII_FUNCTIONS:
        kwargs["pii"] = True
    with _cursor(path, access) as cursor:
        return _function(cursor, *args, **kwargs)


def _load(function: Callable, *args, **kwargs):
    """kpi.<function>(connection, *args, **kwargs) for this thread's person, cached."""
    return _load_from(None, function, *args, **kwargs)


def _load_from(path: Path | None, function: Callable, *args, **kwargs):
    """_load from the DuckDB file `path`, or (None) from what this server reads."""
    access = _access(current_person(), function, args)
    where, version = source() if path is None else (str(path), data_version(path))
    return _query(_key(function), function, where, version, access, args,
                  tuple(sorted(kwargs.items())))


def chart(builder: Callable, loader: Callable, args: tuple, **options) -> dict:
    """builder(loader(*args), **options): a chart's plotly figure (a taizhang.charts
    builder) over one of the loaders below, as a dict, built once per data version."""
    return _chart(_key(builder), _key(loader), builder, loader, args, tuple(sorted(options.items())),
                  *source(), current_person())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _chart(builder_key: str, loader_key: str, _builder: Callable, _loader: Callable, args: tuple,
           options: tuple, path: str, version: tuple, person: Person) -> dict:
    # The keys name `_builder` and `_loader`; `path`, `version` and `person` are part of the
    # cache key: new data, new chart, and one person's chart is never another's (the
    # loader asks for `person`).
    return _builder(_loader(*args), **dict(options)).to_dict()


def street_page(view: View, path: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """What the Areas page shows for the street of `view`: its communities' ranking, its
    headline (from the DuckDB file `path`, else from what this server reads)."""
    return (_load_from(path, kpi.ranking, "community", filters_for(replace(view, community=None))),
            _load_from(path, kpi.headline, filters_for(view)))


# One background thread answers, ahead of the click, what a click on a street's bar will
# ask for (street_page, and the street's trend), so the click finds its answers cached.
# It is one thread so that it never takes more than one of the machine's cores from the
# people using it. It works only for the views readers are on now: at most
# PREFETCH_PENDING jobs wait, and a newer view pushes out the oldest waiting one (anyone
# can vary `?as_of=`: a job per distinct URL would queue for minutes). It opens the file
# once for a burst of queued jobs (opening costs 30–70 ms of CPU: once per question tripled
# the prefetch's CPU) and closes it when the queue is empty; before each question it looks
# whether a writer is waiting (taizhang.db.writer_waiting) and if so closes the file and
# stops, so `taizhang load` waits at most about one query.
# It keeps nothing of its own: what it computes lands in the same small caches a click
# fills (rankings, a headline, a trend: a few kB a street), never a page of cases.
# `taizhang serve` turns it on (TAIZHANG_PREFETCH=1); AppTest runs and scripts do without it.
PREFETCH = os.environ.get("TAIZHANG_PREFETCH") == "1"
PREFETCH_PENDING = 2
PREFETCH_REMEMBERED = 64  # jobs done or queued, by key, so a view is warmed once


class _Prefetcher:
    """One worker thread and a queue of at most `pending` jobs, newest kept."""

    def __init__(self, pending: int = PREFETCH_PENDING, remembered: int = PREFETCH_REMEMBERED):
        self.pending, self.remembered = pending, remembered
        self.jobs: OrderedDict[tuple, tuple] = OrderedDict()  # key -> arguments of _warm_streets
        self.seen: OrderedDict[tuple, None] = OrderedDict()
        self.most_pending = 0  # the longest the queue has been (tests read it)
        self.lock = threading.Condition()
        self.worker: threading.Thread | None = None

    def submit(self, key: tuple, *job) -> None:
        with self.lock:
            if key in self.seen:
                return
            self.seen[key] = None
            while len(self.seen) > self.remembered:
                self.seen.popitem(last=False)
            self.jobs[key] = job
            while len(self.jobs) > self.pending:  # the oldest view waiting is no longer needed
                dropped, _ = self.jobs.popitem(last=False)
                self.seen.pop(dropped, None)  # a reader who comes back to it gets it again
            self.most_pending = max(self.most_pending, len(self.jobs))
            if self.worker is None or not self.worker.is_alive():
                self.worker = threading.Thread(target=self._work, name="taizhang-prefetch", daemon=True)
                self.worker.start()
            self.lock.notify()

    def _work(self) -> None:
        """Run the queued jobs, newest first, on one connection (this thread's, opened at
        the first question not cached); close it once the queue is empty."""
        try:
            while True:
                with self.lock:
                    if not self.jobs:
                        release()  # before the worker is seen gone: idle() means the file is free
                        self.worker = None
                        return
                    _, job = self.jobs.popitem(last=True)  # the newest view first
                if _warm_streets(*job, keep_open=True) is False:
                    self.drop()  # a writer waits: the file is closed, the rest can wait
        finally:
            release()  # after an error too (nothing to do when closed already)

    def drop(self) -> None:
        """Forget the waiting jobs (a reader who comes back to their view queues it again)."""
        with self.lock:
            while self.jobs:
                dropped, _ = self.jobs.popitem()
                self.seen.pop(dropped, None)

    def idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running (tests); False on timeout."""
        worker = self.worker
        if worker is not None:
            worker.join(timeout)
        return self.worker is None and not self.jobs


_prefetcher = _Prefetcher()


def prefetch_streets(view: View) -> None:
    """Queue computing a street's click (street_page, trend) for every street, best first.

    Once per data version and filters: the street a view is drilled into does not
    matter (every street is computed), nor its language (the answers are numbers).
    """
    person = current_person()
    if not PREFETCH or person.scoped or on_warehouse():
        # A scoped person's answers are theirs alone: nothing to share ahead. A warehouse
        # serves many readers itself (and chDB's one client is this process's).
        return
    path = database_file()
    filters = filters_for(view, areas=False)
    key = (str(path), data_version(path), filters, _access(person))
    # The view at district level: every filter it carries (a field added to View later
    # too) reaches the prefetched answers' keys, as it reaches the click's.
    _prefetcher.submit(key, path, drill_into(view, "district", None), filters, person)


class _WriterWaiting(Exception):
    """A writer waits for the file: the prefetch gives way."""


def _warm_streets(path: Path, view: View, filters: Filters, person: Person | None = None,
                  keep_open: bool = False) -> bool:
    """Answer every street's click of `view` ahead (see _Prefetcher); False when it gave
    way to a writer. With `keep_open` (the prefetch's burst) this thread's connection
    stays open for the next job, unless a writer waits."""
    act_as(person)  # the answers land under the keys of the person who will click

    def one(function: Callable, *args):
        """One question; none while a writer waits (the file is closed for it at once)."""
        if writer_waiting(path):
            raise _WriterWaiting
        return function(*args)

    try:
        streets = one(_load_from, path, kpi.ranking, "street", filters)
        views = [drill_into(view, "street", street)
                 for street in streets.sort_values("rank")["street"] if isinstance(street, str)]
        # Not the street's categories (kpi.status_counts, 40–50 ms a street at 10M): the
        # click's run computes them after sending its communities, which gives the browser
        # time to draw those alone; cached, they came with them and three clicks of nine
        # took over 300 ms (measured: docs/performance.md, "fourth round").
        for street_view in views:
            community_view = replace(street_view, community=None)
            one(_load_from, path, kpi.ranking, "community", filters_for(community_view))
            one(_load_from, path, kpi.headline, filters_for(street_view))
            one(_load_from, path, kpi.trend, filters_for(street_view), 12)
    except (_WriterWaiting, DatabaseBusy):
        keep_open = False  # the click asks again, after the import
        return False
    except Exception:  # noqa: BLE001 - a failed guess costs nothing: the click asks again
        traceback.print_exc(file=sys.stderr)
    finally:
        if not keep_open:
            release()
        act_as(None)
    return True


def database_status() -> tuple[str, dict]:
    """('missing' | 'empty' | 'ok', dataset_info): whether there is data to show."""
    path = database_file()
    if warehouse() is None and not path.exists():
        return "missing", {}
    try:
        info = _load(kpi.dataset_info)
    except (duckdb.CatalogException, WarehouseError):  # no schema yet; nothing published yet
        return "empty", {}
    return ("ok" if info.get("cases") else "empty"), info


def assumed_calendar_years(info: dict) -> list[int]:
    """Years of the data whose working days are assumed Monday–Friday (see kpi)."""
    return kpi.assumed_calendar_years(info)


def filter_options() -> dict:
    """Choices for the sidebar: streets, {street: communities} (registry order), categories, channels."""
    areas = metrics(("street", "community"), Filters())
    communities: dict[str, list[str]] = {}
    for street, community in zip(areas["street"], areas["community"]):
        if isinstance(street, str) and isinstance(community, str):
            communities.setdefault(street, []).append(community)
    return {
        "streets": list(communities),
        "communities": communities,
        "categories": _names(metrics(("category",), Filters()), "category"),
        "channels": _names(metrics(("channel",), Filters()), "channel"),
    }


def _names(frame: pd.DataFrame, column: str) -> list[str]:
    return [v for v in frame[column].tolist() if isinstance(v, str) and v]


def dataset_info() -> dict:
    """kpi.dataset_info: is_demo, date range, default as_of, counts of rejects and areas."""
    return _load(kpi.dataset_info)


def headline(filters: Filters, step: int = 1) -> dict:
    """kpi.headline: the slice's metrics with the like period before (`step` months back)
    and the year before, and the deltas."""
    return _load(kpi.headline, filters, step=step) if step != 1 else _load(kpi.headline, filters)


def metrics(by: tuple[str, ...], filters: Filters) -> pd.DataFrame:
    """kpi.metrics grouped by `by` (street/community rows include every registry area)."""
    return _load(kpi.metrics, tuple(by), filters)


def status_counts(by: tuple[str, ...], filters: Filters) -> pd.DataFrame:
    """kpi.status_counts: each group's received cases by status (metrics' columns of those
    names), for a chart of cases by status."""
    return _load(kpi.status_counts, tuple(by), filters)


def trend(filters: Filters, months: int = 12) -> pd.DataFrame:
    """kpi.trend: the last `months` months of the slice."""
    return _load(kpi.trend, filters, months)


def ranking(level: str, filters: Filters) -> pd.DataFrame:
    """kpi.ranking of streets, communities or officials with score, rank and rank change."""
    return _load(kpi.ranking, level, filters)


def rank_history(filters: Filters, months: int = 12) -> pd.DataFrame:
    """Each street's rank in each of the `months` months ending with the slice's end
    (kpi.metrics by street and month ranks within each month)."""
    end = filters.date_to or filters.as_of or database_status()[1].get("as_of")
    start = month_bounds(shift_months(end, -(months - 1)).strftime("%Y-%m"))[0]
    window = replace(filters, date_from=start, date_to=end)
    return metrics(("street", "month"), window)


def case_list(filters: Filters, search: str | None = None, limit: int = CASE_PAGE_SIZE,
              offset: int = 0) -> pd.DataFrame:
    """kpi.case_list: one page of the slice's cases, names masked."""
    return _load(kpi.case_list, filters, search=search or None, limit=limit, offset=offset)


def case_count(filters: Filters) -> int:
    """How many cases the slice holds (kpi.metrics' received)."""
    frame = metrics((), filters)
    return int(frame["received"].iloc[0]) if len(frame) else 0


# The 督办 list of a city is millions of rows (10M cases: 2.5M rows, 22 s and 5 GB to list
# them all), so the page shows the most urgent cases and the count, and the download is
# capped (an .xlsx sheet holds at most 1,048,576 rows; 100,000 rows take ~45 s to write here).
SUPERVISION_PAGE_CASES = 500
SUPERVISION_EXPORT_CASES = 5000


def supervision_page(filters: Filters, kinds: tuple[str, ...] | None = None,
                     limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """The first `limit` cases of the 督办 list, one row each, and how many cases it holds.

    kpi.supervision_cases (the list every surface shows); with `kinds`, only cases of
    those kinds. `limit` defaults to SUPERVISION_PAGE_CASES.
    """
    limit = limit or SUPERVISION_PAGE_CASES
    return _load(kpi.supervision_cases, filters, limit=limit, **_kinds(kinds))


def supervision_export(filters: Filters, kinds: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, int, object]:
    """(the first SUPERVISION_EXPORT_CASES cases of the 督办 list, how many it holds, its as-of
    date), for a download.

    Not cached (thousands of rows), and it runs when the download is clicked, outside any
    script run, so it closes its own connection.
    """
    try:
        access = _access(current_person())
        with _cursor(source()[0], access) as cursor:
            rows, total = kpi.supervision_cases(cursor, filters, limit=SUPERVISION_EXPORT_CASES,
                                                **_kinds(kinds))
            return rows, total, kpi.list_as_of(cursor, filters)
    finally:
        release()


def list_as_of(filters: Filters):
    """kpi.list_as_of: the date the 督办 list of `filters` is as of."""
    return _load(kpi.list_as_of, filters)


def supervision_breakdown(filters: Filters, by: str, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """kpi.supervision_breakdown: the list's cases by responsible_unit, official or tier."""
    return _load(kpi.supervision_breakdown, filters, by, **_kinds(kinds))


def _kinds(kinds: tuple[str, ...] | None) -> dict:
    """supervision_summary's kinds= argument: only for a subset of the kinds."""
    if kinds and set(kinds) != set(SUPERVISION_KINDS):
        return {"kinds": tuple(k for k in SUPERVISION_KINDS if k in kinds)}
    return {}


def supervision_counts(filters: Filters) -> dict[str, int]:
    """kpi.supervision_kind_counts: {kind: cases of the 督办 list} — overdue, stalled,
    dissatisfied, reopened."""
    return _load(kpi.supervision_kind_counts, filters)


def case_detail(case_id: str) -> dict | None:
    """kpi.case_detail: one case with its officials and meeting, names masked without `pii`.

    A case opened with names shown is written to the audit log (once per session and case).
    """
    case = _load(kpi.case_detail, case_id)
    person = current_person()
    seen = st.session_state.setdefault("access-pii-seen", set())
    if case and person.pii and case_id not in seen:
        audit("pii_view", case_id, {"street": case.get("street"), "community": case.get("community")})
        seen.add(case_id)
    return case


def audit(action: str, what: str | None, detail: dict | None = None,
          person: Person | None = None) -> None:
    """Write one audit entry for `person` (default: this thread's), closing this thread's
    connection first (the writer needs the file to itself)."""
    from taizhang.dashboard import access

    release()
    access.audit(database_file(), person or current_person(), action, what, detail)


def case_history(case_id: str) -> pd.DataFrame:
    """kpi.case_history: received, each status seen across imports, progress, resolved, closed."""
    return _load(kpi.case_history, case_id)


def case_reasons(case_id: str, as_of=None) -> pd.DataFrame:
    """kpi.case_reasons: why the case is on the 督办 list as of `as_of` (empty: it is not)."""
    return _load(kpi.case_reasons, case_id, as_of=as_of)




def definitions() -> list[dict]:
    """kpi.definitions with the settings in use: the glossary's rows."""
    return kpi.definitions(settings())


def case_timeline(case_id: str) -> pd.DataFrame:
    """kpi.case_timeline: the case's status changes, oldest first."""
    return _load(kpi.case_timeline, case_id)


def official_table(filters: Filters) -> pd.DataFrame:
    """kpi.official_table: per-official metrics with meetings attended and attendance."""
    return _load(kpi.official_table, filters)


def meetings_summary(filters: Filters) -> pd.DataFrame:
    """kpi.meetings_summary: meetings held per street and community against the 2+4 rule."""
    return _load(kpi.meetings_summary, filters)


def data_quality(filters: Filters | None = None) -> pd.DataFrame:
    """kpi.data_quality: data-quality flags with counts."""
    return _load(kpi.data_quality, filters)


def data_quality_cases(flag: str) -> pd.DataFrame:
    """kpi.data_quality_cases: the cases behind one data-quality count (rejects for one flag)."""
    return _load(kpi.data_quality_cases, flag)


def fast_path() -> tuple[dict, object]:
    """kpi.fast_path_status (the aggregate tables: current, stale and why, or absent) and
    kpi.last_fallback (this server's latest question answered from the cases, and why)."""
    return _load(kpi.fast_path_status), kpi.last_fallback()


def imports_history() -> pd.DataFrame:
    """kpi.imports_history: every import, newest first."""
    return _load(kpi.imports_history)


def imported_file(sha256: str) -> dict | None:
    """The latest import of a file with these bytes that went in (ok or unchanged), or None.

    None for a street user: their file goes to the import, whose street check speaks first
    (another street's file is refused for its scope; their own again is "unchanged"), and
    what another street imported, and when, is not theirs to learn."""
    if (warehouse() is None and not database_file().exists()) or current_person().scoped:
        return None
    try:
        history = imports_history()
    except (duckdb.CatalogException, WarehouseError):  # nothing imported yet
        return None
    same = history[(history["sha256"] == sha256) & history["status"].isin(["ok", "unchanged"])]
    return None if same.empty else same.iloc[0].to_dict()


def rejects_list() -> pd.DataFrame:
    """kpi.rejects_list: every rejected row with its reason and file."""
    return _load(kpi.rejects_list)


def import_ledgers(path: Path, files: list[Path]) -> list:
    """Import uploaded ledgers with the ordinary ETL (etl.load.load_paths) in a child process.

    DuckDB refuses a writing connection in a process that has the same file open
    read-only (another session's query may be running), so the writer gets its own
    process, exactly like `taizhang load`. Returns the ImportSummary of each file.

    Only a person whose role may upload gets here (PermissionError otherwise); a street
    user's file is refused whole when any of its rows is of another street. Every file
    is written to the audit log, refused ones too.
    """
    from taizhang.i18n import t

    person = current_person()
    if not person.may_upload():
        raise PermissionError(t("access.upload_denied", "zh", role=person.role) + " / "
                              + t("access.upload_denied", "en", role=person.role))
    if on_warehouse():  # the page offers no upload there; refused should anything still call
        raise PermissionError(t("data.upload_warehouse", "zh", url=warehouse().display()) + " / "
                              + t("data.upload_warehouse", "en", url=warehouse().display()))
    release()
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_load_paths, str(path), [str(f) for f in files], person).result()


def _load_paths(path: str, files: list[str], person: Person = LOCAL) -> list:
    from taizhang.etl.load import load_paths
    from taizhang.access import record_to

    summaries = load_paths(path, files, streets=person.streets)
    for summary in summaries:
        # the hash the import computed as it read the file (not a second read of it)
        record_to(path, person.who, "upload_refused" if summary.out_of_scope else "upload",
                  Path(summary.file).name, {
            "sha256": summary.sha256 or None, "status": summary.status, "rows_read": summary.rows_read,
            "rows_new": summary.rows_new, "rows_updated": summary.rows_updated,
            "rows_rejected": summary.rows_rejected, "error": summary.error})
    return summaries


def report_html(month: str, scope: tuple[tuple[str, str], ...] | None, lang: str) -> str:
    """The monthly report's HTML (report.build.report_html) for a month and scope."""
    person = current_person()
    if scope is None and person.scoped and len(person.streets) == 1:
        scope = (("street", person.streets[0]),)  # their street's report, titled so
    return _report_html(*source(), _access(person), month, scope, lang)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def _report_html(path: str, version: tuple, access: tuple, month: str, scope, lang: str) -> str:
    from taizhang.report.build import report_html as build

    with _cursor(path, access) as cursor:
        return build(cursor, month, scope=dict(scope) if scope else None, lang=lang)


def meetings_compliance(filters: Filters) -> pd.DataFrame:
    """kpi.meetings_compliance: the 2+4 table of every registry street and community."""
    return _load(kpi.meetings_compliance, filters)


def funnel(filters: Filters, level: str = "street") -> pd.DataFrame:
    """kpi.funnel: consultations → suggestions → solved, by street or community."""
    return _load(kpi.funnel, filters, level=level)


def service_groups(filters: Filters) -> pd.DataFrame:
    """kpi.service_groups: every registry community with its service group and cases."""
    return _load(kpi.service_groups, filters)


def matter_shares(filters: Filters) -> pd.DataFrame:
    """kpi.matter_shares: 三事分流 per street."""
    return _load(kpi.matter_shares, filters)


def signoff(filters: Filters, by: str = "street") -> pd.DataFrame:
    """kpi.signoff: 销号 per street (by='street') or for the slice (by='')."""
    return _load(kpi.signoff, filters, by=by)


def deputies(filters: Filters) -> pd.DataFrame:
    """kpi.deputies: the deputies' (认领代表) table."""
    return _load(kpi.deputies, filters)


def recurring_problems(filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """kpi.recurring_problems: (groups, cases) of the slice's recurring problems."""
    return _load(kpi.recurring_problems, filters)


def seed_totals(kind: str, frame: pd.DataFrame) -> dict:
    """The totals of a seed table: meetings (2+4 and feedback), funnel, groups (coverage)."""
    from taizhang.kpi import seeds

    return {"meetings": seeds.meetings_overview, "funnel": seeds.funnel_totals,
            "groups": seeds.service_coverage}[kind](frame)


def settings():
    """The settings in use (taizhang.toml): targets drawn on the charts."""
    from taizhang.settings import load_settings
    return load_settings()
