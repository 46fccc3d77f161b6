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
            f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' for _ in STATE_KEYS)})",
            list(STATE_KEYS),
        ).fetchall()
    except Exception:  # noqa: BLE001 - an older or foreign file: the raw path answers
        return None
    state = dict(rows)
    if len(state) < len(STATE_KEYS):
        return None
    state["cases_now"] = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
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


def _group_by(keys: list[str]) -> str:
    return f"GROUP BY {', '.join(keys)}" if keys else ""


def _select_keys(keys: list[str]) -> str:
    return f"{', '.join(keys)}, " if keys else ""


def _counts_sql(keys: list[str], plan: dict, filters: Filters, params: Params) -> str:
    month = params.add(plan["as_of_month"])
    # Resolved after as_of: in progress then, its rating not known yet (kpi.facts).
    late = f"coalesce(status = 'resolved' AND resolved_month > {month}, false)"
    open_at = f"(status IN ('pending', 'in_progress') OR {late})"
    if plan["mode"] == "month_end":
        overdue = f"sum(n) FILTER (WHERE {open_at} AND due_key <= {month})"
        stalled = f"sum(n) FILTER (WHERE {open_at} AND stall_key <= {month})"
    else:  # by day, from agg_open (see answer)
        overdue = stalled = "0"
    known = lambda column: f"sum({column}) FILTER (WHERE NOT {late})"  # noqa: E731
    return f"""
        SELECT {_select_keys(keys)}
            sum(n) AS received,
            sum(n) FILTER (WHERE status = 'resolved' AND NOT {late}) AS resolved,
            sum(n) FILTER (WHERE status = 'in_progress' OR {late}) AS in_progress,
            sum(n) FILTER (WHERE status = 'pending') AS pending,
            sum(n) FILTER (WHERE status = 'deferred') AS deferred,
            {overdue} AS overdue_open,
            {stalled} AS stalled,
            {known("satisfied + basically_satisfied + dissatisfied")} AS rated,
            {known("satisfied")} AS satisfied,
            {known("basically_satisfied")} AS basically_satisfied,
            {known("dissatisfied")} AS dissatisfied,
            {known("on_time")} AS on_time,
            {known("on_time_known")} AS on_time_known,
            {known("days_n")} AS days_n,
            {known("days_sum")} AS days_sum
        FROM agg_counts WHERE {_where(plan, filters, params)}
        {_group_by(keys)}
    """


def _quantiles_sql(keys: list[str], plan: dict, filters: Filters, params: Params) -> str:
    where = _where(plan, filters, params) + f" AND resolved_month <= {params.add(plan['as_of_month'])}"
    partition = f"PARTITION BY {', '.join(keys)}" if keys else ""
    picks, finals = [], []
    for name, q in QUANTILES.items():
        # DuckDB's quantile_cont: RN = (n-1)·q, lo = x[floor RN], hi = x[ceil RN],
        # lo + (hi - lo)·(RN - floor RN); x[i] is the first day whose running count passes i.
        rn = f"((total - 1)::DOUBLE * {q!r}::DOUBLE)"
        picks += [
            f"min(days) FILTER (WHERE upto > floor({rn})) AS {name}_lo",
            f"min(days) FILTER (WHERE upto > ceil({rn})) AS {name}_hi",
            f"any_value({rn}) AS {name}_rn",
        ]
        finals.append(f"{name}_lo::DOUBLE + ({name}_hi - {name}_lo)::DOUBLE "
                      f"* ({name}_rn - floor({name}_rn)) AS {name}")
    return f"""
        WITH h AS (
            SELECT {_select_keys(keys)} days, sum(n) AS n FROM agg_days WHERE {where}
            GROUP BY ALL
        ), c AS (
            SELECT *, sum(n) OVER ({partition} ORDER BY days ROWS UNBOUNDED PRECEDING) AS upto,
                   sum(n) OVER ({partition}) AS total
            FROM h
        ), p AS (
            SELECT {_select_keys(keys)} {", ".join(picks)} FROM c {_group_by(keys)}
        )
        SELECT {_select_keys(keys)} {", ".join(finals)} FROM p
    """


def _open_sql(keys: list[str], plan: dict, filters: Filters, settings, as_of: date,
              params: Params) -> str:
    stall_cutoff = as_of - timedelta(days=settings.stall_days)
    return f"""
        SELECT {_select_keys(keys)}
            sum(n) FILTER (WHERE kind = 'due' AND day < {params.add(as_of)}) AS overdue_open,
            sum(n) FILTER (WHERE kind = 'progress' AND day < {params.add(stall_cutoff)}) AS stalled
        FROM agg_open WHERE {_where(plan, filters, params)}
        {_group_by(keys)}
    """


def _on(alias: str, keys: list[str]) -> str:
    if not keys:
        return "true"
    return " AND ".join(f"c.{k} IS NOT DISTINCT FROM {alias}.{k}" for k in keys)


def answer(con, keys: list[str], plan: dict, filters: Filters, settings, as_of: date) -> pa.Table:
    """One Arrow table: keys, COUNT_COLUMNS, median_days, p90_days (the base-counts contract)."""
    from kpi.metrics import COUNT_COLUMNS

    params = Params()
    sources = {}
    joins = [f"LEFT JOIN ({_quantiles_sql(keys, plan, filters, params)}) q ON {_on('q', keys)}"]
    if plan["mode"] == "latest":
        joins.append(f"LEFT JOIN ({_open_sql(keys, plan, filters, settings, as_of, params)}) o "
                     f"ON {_on('o', keys)}")
        sources = {"overdue_open": "o.overdue_open", "stalled": "o.stalled"}
    columns = [f"c.{k}" for k in keys]
    columns += [f"coalesce({sources.get(c, 'c.' + c)}, 0)::BIGINT AS {c}" for c in COUNT_COLUMNS]
    columns += ["q.median_days", "q.p90_days"]
    counts = _counts_sql(keys, plan, filters, params)
    sql = f"SELECT {', '.join(columns)} FROM ({counts}) c {' '.join(joins)}"
    return con.sql(sql, params=params.values).to_arrow_table()


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
