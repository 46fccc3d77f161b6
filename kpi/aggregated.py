"""The fast path: base counts read from the aggregate tables instead of every case.

kpi.metrics.base_counts asks `base_counts(...)` first; it answers, with exactly the
numbers the raw path would give, when the question allows, and returns None otherwise:

- no official in the grouping or the filters (a case counts once per official there);
- at most one dimension besides district/street/community and month (the grains of
  etl/aggregates.py: district, street, community, category, channel, matter_class);
- as_of on or after the latest received/resolved date (the default), or the last day of a
  month (month-end keys make "resolved after as_of", overdue and stalled exact);
- the period starting on a month's first day and ending on a month's last day (or after
  the data), since cells are months of received_on;
- the tables built with the current SLA and stall settings and holding every case.

Closure days are whole days, so summing per-cell histograms gives medians and p90s equal
to DuckDB's quantile_cont over the cases (same interpolation, computed the same way).
"""

from __future__ import annotations

import calendar
import weakref
from datetime import date

import ibis
import numpy as np
import pyarrow as pa

from taizhang.etl import aggregates
from taizhang.kpi import cells, runner
from taizhang.kpi.cells import NO_MONTH
from taizhang.kpi.filters import Filters

AREA_DIMENSIONS = ("district", "street", "community")
QUANTILES = {"median": 0.5, "p90": 0.9}
# Closure in whole minutes becomes hours as the raw path does: quantile first, then / 60.
UNITS = {"days": 1.0, "hours": 60.0}


def _raw_connection(ib):
    return ib.con if hasattr(ib, "con") else ib


STATE_KEYS = (
    aggregates.META_SETTINGS, aggregates.META_CASES, aggregates.META_MAX_DATE,
    aggregates.META_FIRST_RECEIVED, aggregates.META_LAST_RECEIVED, aggregates.META_LATEST_CASE_DATE,
)
# One statement for everything a question needs to know before it is asked: the aggregate
# tables' record, the number of cases now, the latest import's as_of, a hash of the
# database's columns (compiled SQL names columns; kpi.runner.DataContext.schema). The
# registry's rows come with it (AREAS_SQL; zero rows of areas, kpi.inmemory: the registry
# changes without a refresh), as state["areas"]: a tuple of (district, street, community).
STATE_SQL = f"""
SELECT key, value FROM meta WHERE key LIKE 'aggregates%'
UNION ALL SELECT 'cases_now', count(*)::VARCHAR FROM cases
UNION ALL SELECT 'latest_import', ({runner.LATEST_IMPORT_SQL})::VARCHAR
UNION ALL SELECT 'schema', ({runner.SCHEMA_SQL})::VARCHAR
UNION ALL SELECT 'read_only', readonly::VARCHAR FROM duckdb_databases()
          WHERE database_name = current_database()
"""
AREAS_SQL = "SELECT district, street, community FROM areas ORDER BY district, street, community"
Area = tuple[str, str, str]  # (district, street, community) of the registry
# The state of read-only connections: nothing can change their data while they are open
# (DuckDB locks the file against writers), so it is read once per connection.
_read_only_states: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def read_state(con) -> dict | None:
    """The aggregate tables' record with cases_now, latest_import and schema; None for a foreign file."""
    state = _read_only_states.get(con)
    if state is not None:
        return state
    try:
        state: dict = dict(con.execute(runner.parsed(con, STATE_SQL)).fetchall())
        areas: tuple[Area, ...] = tuple(con.execute(AREAS_SQL).fetchall())
        state["areas"] = areas
    except Exception:  # noqa: BLE001 - an older or foreign file: the raw path answers
        return None
    state["cases_now"] = int(state["cases_now"])
    if state.get("read_only") == "true":
        _read_only_states[con] = state
    return state


def _state(con) -> dict | None:
    """The state when the aggregate tables hold a complete record, else None."""
    state = read_state(con)
    if state is None or any(key not in state for key in STATE_KEYS):
        return None
    return state


def is_current(state: dict | None) -> bool:
    """Whether the tables cover exactly the cases there are now."""
    return state is not None and all(key in state for key in STATE_KEYS) \
        and int(state[aggregates.META_CASES]) == state["cases_now"]


def data_dates(con, state: dict | None = None) -> tuple[date | None, date | None, date | None] | None:
    """(first received_on, last received_on, latest case date) as recorded with the
    aggregates, without scanning the cases; None when the record is missing or stale."""
    state = state if state is not None else read_state(_raw_connection(con))
    if not is_current(state):
        return None
    read = lambda key: date.fromisoformat(state[key]) if state[key] else None  # noqa: E731
    return (read(aggregates.META_FIRST_RECEIVED), read(aggregates.META_LAST_RECEIVED),
            read(aggregates.META_LATEST_CASE_DATE))


def choose_grain(by: tuple[str, ...], filters: Filters) -> str | None:
    """The smallest grain holding every dimension grouped or filtered on, or None."""
    if "official" in by or filters.values("official"):
        return None
    needed = {d for d in by if d != "month"}
    needed |= {d for d, _ in filters.where if d != "month"}
    for grain, keys in aggregates.GRAINS.items():
        if needed <= set(keys):
            return grain
    return None


def _month(d: date) -> str:
    return d.strftime("%Y-%m")


def _is_month_end(d: date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def _plan(by, filters: Filters, settings, as_of: date, state: dict) -> dict | None:
    """Where the question can be answered exactly from the tables: grain, months, mode."""
    if state[aggregates.META_SETTINGS] != aggregates.settings_fingerprint(settings):
        return None
    if int(state[aggregates.META_CASES]) != state["cases_now"] or not aggregates.supported(settings):
        return None
    grain = choose_grain(by, filters)
    if grain is None:
        return None
    latest = date.fromisoformat(state[aggregates.META_MAX_DATE]) if state[aggregates.META_MAX_DATE] else None
    if latest is None or as_of >= latest:
        last_month = NO_MONTH  # nothing was resolved after as_of, every case received by then
        mode = "latest"
    elif _is_month_end(as_of):
        last_month, mode = _month(as_of), "month_end"
    else:
        return None
    first = None
    if filters.date_from is not None:
        if filters.date_from.day != 1:
            return None
        first = _month(filters.date_from)
    end = None
    if filters.date_to is not None and not (latest is not None and filters.date_to >= latest):
        if not _is_month_end(filters.date_to):
            return None
        end = _month(filters.date_to)
    if mode == "month_end":
        end = min(end, last_month) if end else last_month
    return {"grain": grain, "first": first, "end": end, "mode": mode, "as_of_month": last_month}


def quantiles(days: pa.ListArray, counts: pa.ListArray, unit: str = "days") -> dict[str, pa.Array]:
    """median_days and p90_days per row from its histogram (days ascending, counts); with
    unit="hours", median_hours and p90_hours from a histogram of whole minutes.

    As DuckDB's quantile_cont over the expanded values: RN = (n−1)·q, lo = x[floor RN],
    hi = x[ceil RN], lo + (hi − lo)·(RN − floor RN); x[i] is the first day whose running
    count passes i. Rows without resolved cases get NULL.
    """
    offsets = days.offsets.to_numpy()
    starts, ends = offsets[:-1], offsets[1:]
    empty = ends == starts
    values = days.values.to_numpy(zero_copy_only=False).astype(np.float64)
    running = np.cumsum(counts.values.to_numpy(zero_copy_only=False).astype(np.int64))
    running_at = np.r_[0, running]                      # running count before position i
    before, totals = running_at[starts], running_at[ends] - running_at[starts]
    out = {}
    for name, q in QUANTILES.items():
        rn = (totals - 1).astype(np.float64) * q
        pick = lambda i: values[np.minimum(  # noqa: E731
            np.searchsorted(running, before + i, side="right"), len(values) - 1)] if len(values) \
            else np.zeros(len(starts))
        lo, hi = pick(np.floor(rn)), pick(np.ceil(rn))
        value = lo + (hi - lo) * (rn - np.floor(rn))
        if unit == "hours":
            value = value / UNITS[unit]
        out[f"{name}_{unit}"] = pa.array(value, type=pa.float64(), mask=empty)
    return out


def base_counts(ib, by, filters: Filters, settings, as_of: date, state: dict | None = None):
    """Base counts per group (Arrow) from the aggregate tables, or None when they cannot answer exactly.

    `state`: read_state() of this database moments ago (kpi.runner.DataContext.state).
    """
    from taizhang.kpi.metrics import group_columns

    con = _raw_connection(ib)
    state = state if state is not None else read_state(con)
    if state is None or any(key not in state for key in STATE_KEYS):
        return None
    plan = _plan(tuple(by), filters, settings, as_of, state)
    if plan is None:
        return None
    keys = list(group_columns(tuple(by)))
    return cells.base_counts(con, state, keys, plan, filters, settings, as_of, quantiles)


_schemas: dict[str, object] = {}


def memtable(table: pa.Table):
    """The base counts as an ibis memtable (its schema inferred once per shape: ~2 ms each)."""
    key = str(table.schema)
    schema = _schemas.get(key)
    if schema is None:
        schema = _schemas[key] = ibis.memtable(table).schema()
    return ibis.memtable(table, schema=schema)


def received_by_area(ib, state: dict | None) -> list[tuple] | None:
    """(street, community, cases) of every community cell, or None when the tables are not current.

    Whatever the settings: received counts do not depend on the SLA or stall days. One
    small statement over agg_counts: the dataset facts need no histograms.
    """
    con = _raw_connection(ib)
    state = state if state is not None else read_state(con)
    if not is_current(state):
        return None
    return con.execute(runner.parsed(con, RECEIVED_BY_AREA_SQL)).fetchall()


RECEIVED_BY_AREA_SQL = """
SELECT street, community, sum(n) FROM agg_counts WHERE grain = 'community' GROUP BY ALL
"""
