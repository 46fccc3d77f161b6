"""The deadline of a case: the ledger's own due_on, else received_on + the SLA.

The SLA counts calendar days by default; with `sla_calendar = "workdays"` it counts
working days on the Chinese calendar (statutory holidays off, 调休 make-up weekend days
on), as published in the chinese-calendar package, or as a district enters them in the
[calendar] settings for years the package lacks (taizhang.workdays); beyond both a plain
Monday–Friday week is assumed, and the import and the data page say so.
"""

from __future__ import annotations

from datetime import date

import ibis.expr.types as ir

from taizhang.settings import Settings
from taizhang.workdays import is_workday, workday_due_dates  # noqa: F401 (store.sla's API)


def due_shape(settings: Settings, span: tuple[date | None, date | None]) -> tuple:
    """What about the deadlines changes the SQL: the calendar kind, whether a span is known,
    and whether the response limit counts working days."""
    return (settings.sla_calendar, None not in span, settings.response_workdays > 0)


def due_values(settings: Settings, span: tuple[date | None, date | None]) -> dict:
    """The values with_due binds: sla_days, or the working-day offsets and their first day."""
    first, last = span
    values: dict = {}
    if settings.response_workdays > 0 and None not in span:
        values = {"response_offsets": _offsets(first, last, settings.response_workdays, settings),
                  "calendar_first": first}
    if settings.sla_calendar != "workdays":
        return {**values, "sla_days": settings.sla_days}
    if first is None or last is None:
        return values
    return {**values, "due_offsets": _offsets(first, last, settings.sla_days, settings),
            "calendar_first": first}


def _offsets(first: date, last: date, workdays: int, settings: Settings) -> list[int]:
    """Days from each received_on (first … last) to the workdays-th working day after it."""
    return [(due - received).days for received, due in
            workday_due_dates(first, last, workdays, settings.calendar)]


def response_in_time(t: ir.Table, received_time: ir.TimestampValue, settings: Settings,
                     span: tuple[date | None, date | None], slot) -> ir.BooleanValue:
    """Whether the 签收/响应 time `t.responded_at` is within the response limit: on or before
    the response_workdays-th working day after received_on (when set and the span is known),
    else at most response_hours after `received_time`."""
    if settings.response_workdays > 0 and None not in span:
        index = t.received_on.delta(slot("calendar_first", "date"), unit="day")
        offsets = slot("response_offsets", "array<int32>")
        last_day = (t.received_on + offsets[index].as_interval("D")).cast("date")
        return t.responded_at.date() <= last_day
    seconds = t.responded_at.epoch_seconds() - received_time.epoch_seconds()
    return seconds <= slot("response_seconds", "float64")


def with_due(t: ir.Table, settings: Settings, span: tuple[date | None, date | None],
             slot) -> ir.Table:
    """t with a `due` column: due_on, else received_on + sla_days (calendar or working days).

    span = (first, last) received_on of all cases: the days the working-day calendar covers.
    `slot` (store.slot.Slot) hands out the values of due_values().
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
