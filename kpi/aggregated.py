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
from datetime import date, timedelta

import ibis
import numpy as np
import pyarrow as pa

from etl import aggregates
from kpi.filters import Filters

AREA_DIMENSIONS = ("district", "street", "community")
NO_MONTH = "9999-12"  # a month after every resolved_month: "nothing resolved after as_of"
QUANTILES = {"median_days": 0.5, "p90_days": 0.9}


def _raw_connection(ib):
    return ib.con if hasattr(ib, "con") else ib


STATE_KEYS = (
    aggregates.META_SETTINGS, aggregates.META_CASES, aggregates.META_MAX_DATE,
    aggregates.META_FIRST_RECEIVED, aggregates.META_LAST_RECEIVED, aggregates.META_LATEST_CASE_DATE,
)


def _state(con) -> dict | None:
    """The aggregate tables' recorded settings, case count and dates, or None."""
    try:
        rows = con.execute(
            f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' for _ in STATE_KEYS)}) "
            "UNION ALL SELECT 'cases_now', count(*)::VARCHAR FROM cases",
            list(STATE_KEYS),
        ).fetchall()
    except Exception:  # noqa: BLE001 - an older or foreign file: the raw path answers
        return None
    state = dict(rows)
    if len(state) < len(STATE_KEYS) + 1:
        return None
    state["cases_now"] = int(state["cases_now"])
    return state


def data_dates(con) -> tuple[date | None, date | None, date | None] | None:
    """(first received_on, last received_on, latest case date) as recorded with the
    aggregates, without scanning the cases; None when the record is missing or stale."""
    state = _state(_raw_connection(con))
    if state is None or int(state[aggregates.META_CASES]) != state["cases_now"]:
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


class Params:
    """Named bind parameters ($p0, $p1 …): every value reaches DuckDB bound, never in the text."""

    def __init__(self):
        self.values: dict[str, object] = {}

    def add(self, value) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def _where(plan: dict, filters: Filters, params: Params) -> str:
    """WHERE clause selecting the grain's rows in the slice."""
    clauses = [f"grain = {params.add(plan['grain'])}"]
    if plan["first"]:
        clauses.append(f"month >= {params.add(plan['first'])}")
    if plan["end"]:
        clauses.append(f"month <= {params.add(plan['end'])}")
    for dim in (*aggregates.DIMENSION_COLUMNS, "month"):  # identifiers from a fixed list
        values = filters.values(dim)
        if values:
            clauses.append(f"{dim} IN ({', '.join(params.add(v) for v in values)})")
    return " AND ".join(clauses)


def _group_key(keys: list[str]) -> str:
    """SQL of one text per group (NULL-safe), to match rows of separate queries in Python."""
    if not keys:
        return "''"
    return "concat_ws(chr(31), " + ", ".join(f"coalesce({k}, chr(30))" for k in keys) + ")"


def _select_keys(keys: list[str]) -> str:
    return "".join(f"{k}, " for k in keys)


def _group_by(keys: list[str]) -> str:
    return f"GROUP BY {', '.join(keys)}" if keys else ""


def _counts_sql(keys: list[str], plan: dict, filters: Filters, params: Params) -> str:
    month = params.add(plan["as_of_month"])
    if plan["mode"] == "month_end":
        overdue = f"open_at AND due_key <= {month}"
        stalled = f"open_at AND stall_key <= {month}"
    else:  # by day, from agg_open (see answer)
        overdue = stalled = "false"
    counted = ("satisfied", "basically_satisfied", "dissatisfied", "on_time", "on_time_known",
               "days_n", "days_sum")
    # late: resolved after as_of, so in progress then and its rating not known yet (kpi.facts).
    return f"""
        SELECT {_select_keys(keys)} {_group_key(keys)} AS gk,
            sum(n) AS received,
            coalesce(sum(n) FILTER (WHERE status = 'resolved' AND NOT late), 0) AS resolved,
            coalesce(sum(n) FILTER (WHERE status = 'in_progress' OR late), 0) AS in_progress,
            coalesce(sum(n) FILTER (WHERE status = 'pending'), 0) AS pending,
            coalesce(sum(n) FILTER (WHERE status = 'deferred'), 0) AS deferred,
            coalesce(sum(n) FILTER (WHERE overdue), 0) AS overdue_open,
            coalesce(sum(n) FILTER (WHERE stalled), 0) AS stalled,
            coalesce(sum(satisfied + basically_satisfied + dissatisfied) FILTER (WHERE NOT late), 0)
                AS rated,
            {", ".join(f"coalesce(sum({c}) FILTER (WHERE NOT late), 0) AS {c}" for c in counted)}
        FROM (
            SELECT *, {overdue} AS overdue, {stalled} AS stalled FROM (
                SELECT *, status IN ('pending', 'in_progress') OR late AS open_at FROM (
                    SELECT *, coalesce(status = 'resolved' AND resolved_month > {month}, false) AS late
                    FROM agg_counts WHERE {_where(plan, filters, params)}
                )
            )
        )
        {_group_by(keys)}
    """


def _histogram_sql(keys: list[str], plan: dict, filters: Filters, params: Params) -> str:
    where = _where(plan, filters, params) + f" AND resolved_month <= {params.add(plan['as_of_month'])}"
    # Group by the key columns first: the group key text is then made once per group.
    return f"""
        SELECT {_group_key(keys)} AS gk, list(days ORDER BY days) AS days, list(n ORDER BY days) AS n
        FROM (
            SELECT {_select_keys(keys)} days, sum(n) AS n FROM agg_days WHERE {where}
            GROUP BY {_select_keys(keys)} days
        ) {_group_by(keys)}
    """


def _open_sql(keys: list[str], plan: dict, filters: Filters, settings, as_of: date,
              params: Params) -> str:
    stall_cutoff = as_of - timedelta(days=settings.stall_days)
    return f"""
        SELECT {_group_key(keys)} AS gk,
            coalesce(sum(n) FILTER (WHERE kind = 'due' AND day < {params.add(as_of)}), 0) AS overdue_open,
            coalesce(sum(n) FILTER (WHERE kind = 'progress' AND day < {params.add(stall_cutoff)}), 0)
                AS stalled
        FROM agg_open WHERE {_where(plan, filters, params)}
        {_group_by(keys)}
    """


def quantiles(days: pa.ListArray, counts: pa.ListArray) -> dict[str, pa.Array]:
    """median_days and p90_days per row from its histogram (days ascending, counts).

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
        out[name] = pa.array(lo + (hi - lo) * (rn - np.floor(rn)), type=pa.float64(), mask=empty)
    return out


def answer(con, keys: list[str], plan: dict, filters: Filters, settings, as_of: date) -> pa.Table:
    """One Arrow table: keys, COUNT_COLUMNS, median_days, p90_days (the base-counts contract)."""
    from kpi.metrics import COUNT_COLUMNS

    params = Params()
    parts = [f"WITH c AS ({_counts_sql(keys, plan, filters, params)}), "
             f"h AS ({_histogram_sql(keys, plan, filters, params)})"]
    select = "SELECT c.*, h.days AS hist_days, h.n AS hist_n"
    joins = "FROM c LEFT JOIN h ON c.gk = h.gk"
    if plan["mode"] == "latest":
        parts.append(f", o AS ({_open_sql(keys, plan, filters, settings, as_of, params)})")
        select += ", coalesce(o.overdue_open, 0) AS open_overdue, coalesce(o.stalled, 0) AS open_stalled"
        joins += " LEFT JOIN o ON c.gk = o.gk"
    # One statement: on a busy 2-core machine each extra round trip costs more than its work.
    table = con.sql(" ".join([*parts, select, joins]), params=params.values).to_arrow_table()
    columns = {k: table.column(k) for k in keys}
    for c in COUNT_COLUMNS:
        source = {"overdue_open": "open_overdue", "stalled": "open_stalled"}.get(c, c) \
            if plan["mode"] == "latest" else c
        columns[c] = table.column(source).cast(pa.int64())
    columns.update(quantiles(table.column("hist_days").combine_chunks(),
                             table.column("hist_n").combine_chunks()))
    return pa.table(columns)


def base_counts(ib, by, filters: Filters, settings, as_of: date):
    """Base counts per group from the aggregate tables, or None when they cannot answer exactly."""
    from kpi.metrics import group_columns

    con = _raw_connection(ib)
    state = _state(con)
    if state is None:
        return None
    plan = _plan(tuple(by), filters, settings, as_of, state)
    if plan is None:
        return None
    return ibis.memtable(answer(con, list(group_columns(tuple(by))), plan, filters, settings, as_of))
