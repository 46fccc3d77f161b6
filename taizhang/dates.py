"""Dates and months as people type them: 2023-03-31, 2023/3/31, 2023.3.31, 2023年3月31日,
20230331; months 2023-03, 2023-3, 2023/03, 2023年3月, 202303. Shared by every command."""

from __future__ import annotations

import calendar
import re
from datetime import date

# Full-width digits and separators, as typed in a Chinese input mode.
_WIDE = str.maketrans("０１２３４５６７８９－／．　", "0123456789-/. ")
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_COMPACT_MONTH = re.compile(r"(\d{4})(\d{2})")

DAY_FORMS = "2023-03-31、2023/3/31、2023年3月31日、20230331"
MONTH_FORMS = "2023-03、2023-3、2023/03、2023年3月"


def month_end(d: date) -> date:
    """The last day of d's month."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _clean(text: str) -> str:
    return str(text).translate(_WIDE).strip()


def parse_day(text: str) -> date | None:
    """The date `text` names, or None when it is not a whole date (or not a real day)."""
    text = _clean(text)
    m = _DAY.fullmatch(text) or _COMPACT_DAY.fullmatch(text)
    if not m:
        return None
    try:
        return date(*(int(g) for g in m.groups()))
    except ValueError:
        return None


def parse_month(text: str) -> tuple[date, date] | None:
    """First and last day of the month `text` names, or None when it is not a month."""
    text = _clean(text)
    m = _MONTH.fullmatch(text) or _COMPACT_MONTH.fullmatch(text)
    if not m:
        return None
    year, month = (int(g) for g in m.groups())
    if not 1 <= month <= 12 or year < 1:
        return None
    return date(year, month, 1), month_end(date(year, month, 1))


def parse_day_or_month(text: str, end: bool = False) -> date | None:
    """A date; a month stands for its first day (its last day when `end`)."""
    day = parse_day(text)
    if day is not None:
        return day
    month = parse_month(text)
    if month is None:
        return None
    return month[1] if end else month[0]
