"""How numbers read on screen and in the report: 84.6%, 1769/2090 (84.6%), 2023-01-08, —."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

UNDEFINED = "—"


def is_missing(x) -> bool:
    """True for None, NaN, NA and NaT: the values a rate has when it is undefined."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_rate(x, digits: int = 1) -> str:
    """A fraction as a percentage, '84.6%'; undefined (None/NaN) as '—'."""
    if is_missing(x) or (isinstance(x, float) and math.isinf(x)):
        return UNDEFINED
    return f"{float(x) * 100:.{digits}f}%"


def format_ratio(num, den, digits: int = 1) -> str:
    """A count over a count with its rate, '1769/2090 (84.6%)'; '0/0 (—)' when den is 0."""
    num = 0 if is_missing(num) else int(num)
    den = 0 if is_missing(den) else int(den)
    return f"{num}/{den} ({format_rate(num / den if den else None, digits)})"


def format_date(d) -> str:
    """A date as '2023-01-08'; missing as '—'."""
    if is_missing(d):
        return UNDEFINED
    if isinstance(d, (datetime, pd.Timestamp)):
        d = d.date()
    if isinstance(d, date):
        return d.isoformat()
    return str(d)[:10]


def format_number(x, digits: int = 1) -> str:
    """A count as '2090', a measure as '12.5'; missing as '—'."""
    if is_missing(x):
        return UNDEFINED
    if float(x).is_integer():
        return str(int(x))
    return f"{float(x):.{digits}f}"


def format_score(x) -> str:
    """A score (0–100) with one decimal everywhere — tables, charts, report, CLI: '76.0',
    '76.7'; undefined as '—'."""
    return UNDEFINED if is_missing(x) else f"{float(x):.1f}"


def format_delta(x, rate: bool = False, digits: int = 1) -> str:
    """A change with its sign: '+12', '-3.5', rates in points '+1.2pp'; missing as '—'."""
    if is_missing(x):
        return UNDEFINED
    if rate:
        return f"{float(x) * 100:+.{digits}f}pp"
    return f"{int(x):+d}" if float(x).is_integer() else f"{float(x):+.{digits}f}"


# Whether a rise in a headline KPI is good (True), bad (False) or neither (None), for the
# dashboard's cards and the report's alike. More cases received is neither: it says how
# busy residents kept the offices, not how well the offices did. Shared here so that dashboard and report never import each other.
RISE = {
    "received": None,
    "resolved": True,
    "in_progress": None,
    "overdue_open": False,
    "median_days": False,
    "on_time_rate": True,
    "satisfaction_rate": True,
    # 12345 measures (shown where the ledger has them)
    "cancelled": None,
    "referred": None,
    "median_hours": False,
    "response_rate": True,
    "reopened_rate": False,
    "return_rate": False,
    "feedback_on_time_rate": True,
}


def change_tone(value, rise_is_good: bool | None, rate: bool = False,
                digits: int = 1) -> tuple[str, str | None]:
    """(tone, arrow) of a change as format_delta shows it: tone good | bad | flat, arrow
    up | down | None; a change that shows as 0 ('-0.0pp') is flat with no arrow."""
    # Judged on the rounded figure, so that a city's rate moving by 0.02 points (printed
    # as -0.0pp) is neither a red ↓ nor a green ↑.
    if is_missing(value) or round(float(value) * (100 if rate else 1), digits) == 0:
        return "flat", None
    up = float(value) > 0
    arrow = "up" if up else "down"
    if rise_is_good is None:
        return "flat", arrow
    return ("good" if up == rise_is_good else "bad"), arrow
