"""Working days on the mainland Chinese calendar: the chinese-calendar package's years, a
district's own schedule for the years it lacks (the [calendar] settings), Monday–Friday past
both. Used by the SLA (store.sla) and by the notes that say which years were assumed."""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

# The years the package has the State Council's schedule for (2004–2026 in 1.11).
PACKAGE_YEARS = frozenset(d.year for d in (*chinese_calendar.holidays, *chinese_calendar.workdays))

# A schedule: ((year, holidays, make-up workdays), …), as Settings.calendar holds it.
Schedule = tuple[tuple[int, tuple[date, ...], tuple[date, ...]], ...]


@lru_cache(maxsize=16)
def _years(schedule: Schedule) -> dict[int, tuple[frozenset, frozenset]]:
    return {year: (frozenset(off), frozenset(on)) for year, off, on in schedule}


def is_workday(d: date, schedule: Schedule = ()) -> bool:
    """True when d is a working day: the district's schedule for its years, else the
    package's, else Monday–Friday."""
    own = _years(schedule).get(d.year)
    if own is not None:
        holidays, workdays = own
        return d in workdays or (d.weekday() < 5 and d not in holidays)
    if d.year in PACKAGE_YEARS:
        return chinese_calendar.is_workday(d)
    return d.weekday() < 5


@lru_cache(maxsize=16)
def workday_due_dates(first: date, last: date, workdays: int,
                      schedule: Schedule = ()) -> tuple[tuple[date, date], ...]:
    """(received_on, due) for every day from first to last: due is the workdays-th working day after."""
    # Enough room after `last` for `workdays` working days across the longest holiday.
    horizon = last + timedelta(days=workdays * 2 + 30)
    days = [first + timedelta(days=i) for i in range((horizon - first).days + 1)]
    working = [d for d in days if is_workday(d, schedule)]
    pairs = []
    for d in days:
        if d > last:
            break
        nth = bisect.bisect_right(working, d) + max(workdays, 1) - 1
        pairs.append((d, working[nth] if workdays > 0 else d))
    return tuple(pairs)


def assumed_years(first: date | None, last: date | None, settings) -> list[int]:
    """Years whose working days are assumed Monday–Friday for cases received from `first` to
    `last`: those their working-day deadlines reach that neither the package nor the
    [calendar] settings cover. Empty when deadlines count calendar days."""
    if settings.sla_calendar != "workdays" or first is None or last is None:
        return []
    end = workday_due_dates(last, last, settings.sla_days, settings.calendar)[0][1]
    own = {year for year, _, _ in settings.calendar}
    return [y for y in range(first.year, end.year + 1) if y not in PACKAGE_YEARS | own]


def assumed_note(years: list[int], lang: str) -> str:
    """The note saying which years are assumed Monday–Friday, in `lang`."""
    from taizhang.i18n import t

    sep = "、" if lang == "zh" else ", "
    return t("calendar.assumed", lang, years=sep.join(map(str, years)), last=max(PACKAGE_YEARS))
