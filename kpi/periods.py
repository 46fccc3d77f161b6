"""The periods a leader thinks in, and the one default every surface uses.

A question without dates — the dashboard's first view, `taizhang kpi`, `taizhang supervise`,
the monthly report without --month — is about DEFAULT_PERIOD: the latest complete month
of the data. Presets end with that month:

    period_bounds("month", date(2022, 8, 15))    → (2022-07-01, 2022-07-31)
    period_bounds("quarter", date(2022, 7, 31))  → (2022-07-01, 2022-07-31)
    period_bounds("12m", date(2022, 7, 31))      → (2021-08-01, 2022-07-31)

This module is pure (dates in, dates out) but for period_filters, which asks the data its
latest date; no pandas, so the command line's parser can import it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from taizhang.dates import month_end
from taizhang.filters import Filters, month_bounds, shift_months

# Preset → months it spans (the 环比 step: a quarter compares with the quarter before).
PERIODS = {"month": 1, "last_month": 1, "quarter": 3, "year": 12, "12m": 12, "all": 0, "custom": 0}
# What a question without dates is about, on every surface.
DEFAULT_PERIOD = "month"
# The words people type for a preset (--period 本月).
PERIOD_ALIASES = {"本月": "month", "上月": "last_month", "本季": "quarter", "本年": "year",
                  "近12个月": "12m", "全部": "all"}


def latest_complete_month(last: date) -> date:
    """The last day of the latest complete month of data ending on `last` (its own month
    when `last` is that month's last day, else the month before)."""
    if last == month_end(last):
        return last
    return date(last.year, last.month, 1) - timedelta(days=1)


def period_bounds(period: str, last: date | None) -> tuple[date | None, date | None]:
    """(date_from, date_to) of a preset for data whose latest date is `last`.

    本月 month: the latest complete month; 上月 last_month: the month before it; 本季
    quarter: the quarter of that month up to its end; 本年 year: 1 January to its end;
    近12个月 12m: the twelve months ending with it; all / custom: (None, None).
    """
    if last is None or period in ("all", "custom"):
        return None, None
    end = latest_complete_month(last)
    if period == "last_month":
        end = date(end.year, end.month, 1) - timedelta(days=1)
    first_of = date(end.year, end.month, 1)
    if period in ("month", "last_month"):
        return first_of, end
    if period == "quarter":
        return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
    if period == "year":
        return date(end.year, 1, 1), end
    return shift_months(first_of, -11), end


def period_name(text: str | None) -> str | None:
    """The preset `text` names (month, 本月 …), None for None; ValueError when none."""
    if text is None:
        return None
    key = str(text).strip()
    key = PERIOD_ALIASES.get(key, key.lower())
    if key not in PERIODS or key == "custom":
        raise ValueError(key)
    return key


def period_filters(con, filters: Filters, period: str | None = None) -> tuple[Filters, str]:
    """`filters` with the dates of `period`, a preset ending with the latest complete month
    before the slice's as_of (else the data's latest date), and the preset's name. Without
    a period: the default one when the slice names no dates (nor a month), else the slice
    as it is ('custom')."""
    if period is None:
        if filters.date_from or filters.date_to or filters.values("month"):
            return filters, "custom"
        period = DEFAULT_PERIOD
    last = filters.as_of or _data_dates(con)[2]
    start, end = period_bounds(period, last)
    return replace(filters, date_from=start, date_to=end), period


def period_note(con, filters: Filters, period: str, lang: str) -> str:
    """What a figure counts, in words: '统计期间:本月,受理于 2022-07-01 至 2022-07-31,截至
    2022-07-31' (all the data: its first and last received dates)."""
    from taizhang.formatting import format_date
    from taizhang.i18n import t

    first, last, latest = _data_dates(con)
    months = sorted(filters.values("month"))
    if months:   # --where 月份=2022-06: that month's days, not the data's
        first, last = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    return t("period.note", lang, period=t(f"period.{period}", lang),
             first=format_date(filters.date_from or first), last=format_date(filters.date_to or last),
             as_of=format_date(filters.as_of or latest))


def _data_dates(con):
    """(first received_on, last received_on, latest date in the data) of the database."""
    from taizhang.kpi import runner
    from taizhang.store import facts

    return runner.latest_dates(facts.backend(con))
