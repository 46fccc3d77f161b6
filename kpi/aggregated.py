"""The fast path: base counts read from the aggregate tables instead of every case.

kpi.metrics.base_counts asks `base_counts(...)` first; it answers, with exactly the
numbers the raw path would give, when the question allows, and returns None otherwise:

- no official in the grouping or the filters (a case counts once per official there);
- at most one dimension besides district/street/community and month (the grains of
  store/aggregates.py: district, street, community, category, channel, matter_class);
- as_of on or after the latest received/resolved date (the default), or the last day of a
  month (month-end keys make "resolved after as_of", overdue and stalled exact);
- the period starting on a month's first day and ending on a month's last day (or after
  the data), since cells are months of received_on;
- the tables built by this code's definition, with the current SLA and stall settings,
  and holding every case.

When it cannot, kpi.fastpath logs why (a reason code and its text) and keeps the reason
for the data page.

Closure days are whole days, so summing per-cell histograms gives the medians and p90s of
the raw path, which reads its histograms from the cases: both interpolate them with
store.rules.quantiles.
"""

from __future__ import annotations

import calendar
from datetime import date

from taizhang.store import aggregates
from taizhang.kpi import cells, fastpath, runner
from taizhang.kpi.cells import NO_MONTH
from taizhang.filters import Filters

AREA_DIMENSIONS = ("district", "street", "community")


def _raw_connection(ib):
    return ib.con if hasattr(ib, "con") else ib


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


def _plan(by, filters: Filters, as_of: date, state: dict) -> tuple[dict | None, str, str]:
    """Where the question can be answered exactly from the tables (grain, months, mode),
    else None with the reason (a code of kpi.fastpath.QUESTION_REASONS) and its detail;
    the tables themselves are usable (kpi.fastpath.usable)."""
    grain = choose_grain(by, filters)
    if grain is None:
        if "official" in by or filters.values("official"):
            return None, "official", ""
        needed = sorted({d for d in by if d != "month"} | {d for d, _ in filters.where if d != "month"})
        return None, "grain", "+".join(needed)
    latest = date.fromisoformat(state[aggregates.META_MAX_DATE]) if state[aggregates.META_MAX_DATE] else None
    if latest is None or as_of >= latest:
        last_month = NO_MONTH  # nothing was resolved after as_of, every case received by then
        mode = "latest"
    elif _is_month_end(as_of):
        last_month, mode = _month(as_of), "month_end"
    else:
        return None, "as_of", as_of.isoformat()
    first = None
    if filters.date_from is not None:
        if filters.date_from.day != 1:
            return None, "period", filters.date_from.isoformat()
        first = _month(filters.date_from)
    end = None
    if filters.date_to is not None and not (latest is not None and filters.date_to >= latest):
        if not _is_month_end(filters.date_to):
            return None, "period", filters.date_to.isoformat()
        end = _month(filters.date_to)
    if mode == "month_end":
        end = min(end, last_month) if end else last_month
    return {"grain": grain, "first": first, "end": end, "mode": mode, "as_of_month": last_month}, "", ""


def base_counts(ib, by, filters: Filters, settings, as_of: date, state: dict | None = None):
    """Base counts per group (Arrow) from the aggregate tables, or None when they cannot answer exactly.

    `state`: read_state() of this database moments ago (kpi.runner.DataContext.state).
    When None is the answer, kpi.fastpath has logged why.
    """
    con = _raw_connection(ib)
    state = state if state is not None else fastpath.read_state(con)
    if not fastpath.usable(state, settings, con):
        return None
    plan, reason, detail = _plan(tuple(by), filters, as_of, state)
    if plan is None:
        fastpath.fell_back(reason, detail)
        return None
    # The group columns are the dimensions themselves: no official reaches a plan.
    return cells.base_counts(con, state, list(by), plan, filters, settings, as_of)


def received_by_area(ib, state: dict | None) -> list[tuple] | None:
    """(street, community, cases) of every community cell, or None when the tables are not current.

    Whatever the settings: received counts do not depend on the SLA or stall days. One
    small statement over agg_counts: the dataset facts need no histograms.
    """
    con = _raw_connection(ib)
    state = state if state is not None else fastpath.read_state(con)
    if not fastpath.is_current(state):
        return None
    rows = runner.fetch(con, RECEIVED_BY_AREA_SQL, arrow=True)
    return list(zip(*(column.to_pylist() for column in rows.columns)))


RECEIVED_BY_AREA_SQL = """
SELECT street, community, sum(n) FROM agg_counts WHERE grain = 'community' GROUP BY ALL
"""
