"""The deadline of a case: the ledger's own due_on, else received_on + the SLA.

The SLA counts calendar days by default; with `sla_calendar = "workdays"` it counts
working days on the Chinese calendar (statutory holidays off, 调休 make-up weekend days
on), as published in the chinese-calendar package. That package covers the years it
has official data for; beyond them a plain Monday–Friday week is assumed.
"""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import ibis
import ibis.expr.types as ir

from kpi.filters import to_date
from taizhang.settings import Settings


def is_workday(d: date) -> bool:
    """True when d is a working day in mainland China (Mon–Fri outside the package's years)."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return d.weekday() < 5


@lru_cache(maxsize=16)
def workday_due_dates(first: date, last: date, workdays: int) -> tuple[tuple[date, date], ...]:
    """(received_on, due) for every day from first to last: due is the workdays-th working day after."""
    # Enough room after `last` for `workdays` working days across the longest holiday.
    horizon = last + timedelta(days=workdays * 2 + 30)
    days = [first + timedelta(days=i) for i in range((horizon - first).days + 1)]
    working = [d for d in days if is_workday(d)]
    pairs = []
    for d in days:
        if d > last:
            break
        nth = bisect.bisect_right(working, d) + max(workdays, 1) - 1
        pairs.append((d, working[nth] if workdays > 0 else d))
    return tuple(pairs)


def with_due(ib: ibis.BaseBackend, t: ir.Table, settings: Settings) -> ir.Table:
    """t with a `due` column: due_on, else received_on + sla_days (calendar or working days)."""
    if settings.sla_calendar != "workdays":
        default_due = (t.received_on + ibis.interval(days=settings.sla_days)).cast("date")
        return t.mutate(due=t.due_on.fill_null(default_due))
    bounds = ib.table("cases").aggregate(
        first=ib.table("cases").received_on.min(), last=ib.table("cases").received_on.max()
    ).execute()
    first, last = to_date(bounds["first"].iloc[0]), to_date(bounds["last"].iloc[0])
    if first is None:  # no cases at all
        return t.mutate(due=t.due_on)
    pairs = workday_due_dates(first, last, settings.sla_days)
    calendar = ibis.memtable(
        {"sla_received_on": [p[0] for p in pairs], "sla_due": [p[1] for p in pairs]},
        schema={"sla_received_on": "date", "sla_due": "date"},
    )
    joined = t.left_join(calendar, t.received_on == calendar.sla_received_on)
    joined = joined.mutate(due=joined.due_on.fill_null(joined.sla_due))
    return joined.drop("sla_received_on", "sla_due")

