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
import ibis.expr.types as ir

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


def due_shape(settings: Settings, span: tuple[date | None, date | None]) -> tuple:
    """What about the deadline changes the SQL: the calendar kind, and whether a span is known."""
    return (settings.sla_calendar, None not in span)


def due_values(settings: Settings, span: tuple[date | None, date | None]) -> dict:
    """The values with_due binds: sla_days, or the working-day offsets and their first day."""
    if settings.sla_calendar != "workdays":
        return {"sla_days": settings.sla_days}
    first, last = span
    if first is None or last is None:
        return {}
    pairs = workday_due_dates(first, last, settings.sla_days)
    return {"due_offsets": [(due - received).days for received, due in pairs],
            "calendar_first": first}


def with_due(t: ir.Table, settings: Settings, span: tuple[date | None, date | None],
             slot) -> ir.Table:
    """t with a `due` column: due_on, else received_on + sla_days (calendar or working days).

    span = (first, last) received_on of all cases: the days the working-day calendar covers.
    `slot` (kpi.runner.Slot) hands out the values of due_values().
    """
    if settings.sla_calendar != "workdays":
        default_due = (t.received_on + slot("sla_days", "int64").as_interval("D")).cast("date")
        return t.mutate(due=t.due_on.fill_null(default_due))
    first, last = span
    if first is None or last is None:
        return t.mutate(due=t.due_on)
    # The calendar travels inside the query as one array: days from received_on to due,
    # indexed by days since `first` (bound like any value, and needing no table).
    offsets = slot("due_offsets", "array<int32>")
    index = t.received_on.delta(slot("calendar_first", "date"), unit="day")
    default_due = (t.received_on + offsets[index].as_interval("D")).cast("date")
    return t.mutate(due=t.due_on.fill_null(default_due))
