"""The view a person is looking at, as plain data: URL query string ⇄ View ⇄ kpi.Filters.

Everything worth sharing (language, filters, drill-down position, search) lives in the
query string, so reloading or sending a URL shows the same view. This module is pure
(no Streamlit calls) so the selection-to-filter and query-string logic is tested as
plain functions; dashboard/app.py and the pages do the Streamlit side.

    ?lang=en&from=2022-01-01&to=2022-07-31&street=南站街道&community=…&case=XH-0001
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, Mapping

import pandas as pd

from taizhang.filters import Filters
from taizhang.kpi.periods import DEFAULT_PERIOD, PERIODS, period_bounds
from taizhang.i18n import DEFAULT_LANG, LANGS

# View field → query-string key. Order is the order keys appear in a URL.
PARAM_NAMES = {
    "lang": "lang",
    "period": "period",
    "date_from": "from",
    "date_to": "to",
    "as_of": "as_of",
    "street": "street",
    "community": "community",
    "category": "category",
    "channel": "channel",
    "official": "official",
    "role": "role",
    "case": "case",
    "search": "q",
    "kinds": "kinds",
    "month": "month",
}
DATE_FIELDS = ("date_from", "date_to", "as_of")
# Dimensions of the shared filters, in the order the sidebar shows them.
FILTER_DIMENSIONS = ("street", "community", "category", "channel")


@dataclass(frozen=True)
class View:
    """What is on screen: filters, drill-down position and page inputs (all optional)."""

    lang: str = DEFAULT_LANG
    period: str = DEFAULT_PERIOD  # a PERIODS preset; "custom" uses date_from/date_to
    date_from: date | None = None
    date_to: date | None = None
    as_of: date | None = None
    street: str | None = None
    community: str | None = None
    category: str | None = None
    channel: str | None = None
    official: str | None = None
    role: str | None = None       # the Officials page's role filter: lead, deputy, handler …
    case: str | None = None
    search: str | None = None
    kinds: str | None = None      # supervision kinds, comma-separated
    month: str | None = None      # the monthly report's month, '2022-07'


def _date_or_none(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return None


def view_from_params(params: Mapping[str, Any]) -> View:
    """Read a View from query parameters; unknown keys and unreadable values are ignored."""
    values: dict[str, Any] = {}
    for name, key in PARAM_NAMES.items():
        raw = params.get(key)
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else None
        if raw is None or str(raw).strip() == "":
            continue
        values[name] = _date_or_none(raw) if name in DATE_FIELDS else str(raw).strip()
    if values.get("lang") not in LANGS:
        values.pop("lang", None)
    if values.get("period") not in PERIODS:
        values.pop("period", None)
    if (values.get("date_from") or values.get("date_to")) and "period" not in values:
        values["period"] = "custom"   # a URL with dates and no preset (older links)
    if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
        values["date_from"], values["date_to"] = values["date_to"], values["date_from"]
    return View(**{k: v for k, v in values.items() if v is not None})


def params_from_view(view: View) -> dict[str, str]:
    """The query parameters of a View: only what differs from the defaults (a preset's
    dates are the preset's: only a custom period writes from/to)."""
    params: dict[str, str] = {}
    for f in fields(View):
        value = getattr(view, f.name)
        if value is None or value == f.default:
            continue
        if f.name in ("date_from", "date_to") and view.period != "custom":
            continue
        params[PARAM_NAMES[f.name]] = value.isoformat() if isinstance(value, date) else str(value)
    return params


# --- periods: the presets a leader thinks in (kpi.periods) -------------------------------

def with_period(view: View, last: date | None) -> View:
    """The view with a preset's dates filled in (from the data's latest date); a custom
    period keeps its own."""
    if view.period == "custom":
        return view
    start, end = period_bounds(view.period, last)
    return replace(view, date_from=start, date_to=end)


def comparison_step(view: View) -> int:
    """Months between a period and its like period for 环比 (a custom period: its length
    in whole months, at least 1)."""
    step = PERIODS.get(view.period, 1)
    if step:
        return step
    if view.date_from and view.date_to:
        months = (view.date_to.year - view.date_from.year) * 12 + view.date_to.month - view.date_from.month + 1
        return max(months, 1)
    return 1


def filters_for(view: View, *, areas: bool = True, official: bool = False) -> Filters:
    """The kpi.Filters of a view; areas=False leaves street/community out (for rankings)."""
    where: list[tuple[str, str]] = []
    for dim in FILTER_DIMENSIONS:
        if not areas and dim in ("street", "community"):
            continue
        value = getattr(view, dim)
        if value:
            where.append((dim, value))
    if official and view.official:
        where.append(("official", view.official))
    return Filters.make(view.date_from, view.date_to, view.as_of, where)


# --- drill-down: district → street → community → case ----------------------------------

LEVELS = ("district", "street", "community", "case")


def drill_level(view: View) -> str:
    """How deep the Areas page is: district, street, community or case."""
    if view.case:
        return "case"
    if view.community and view.street:
        return "community"
    if view.street:
        return "street"
    return "district"


def drill_into(view: View, level: str, value: str | None) -> View:
    """The view after choosing `value` at `level`; deeper positions below it are cleared."""
    if level == "street":
        return replace(view, street=value, community=None, case=None)
    if level == "community":
        return replace(view, community=value, case=None)
    if level == "case":
        return replace(view, case=value)
    if level == "official":
        return replace(view, official=value, case=None)
    if level == "district":
        return replace(view, street=None, community=None, case=None)
    raise ValueError(f"unknown drill level {level!r}")


def breadcrumb(view: View) -> list[tuple[str, str | None, View]]:
    """The path to the current position: [(level, name, view that goes back there)]."""
    crumbs = [("district", None, drill_into(view, "district", None))]
    if view.street:
        crumbs.append(("street", view.street, drill_into(view, "street", view.street)))
    if view.street and view.community:
        crumbs.append(("community", view.community, drill_into(view, "community", view.community)))
    if view.case:
        crumbs.append(("case", view.case, view))
    return crumbs


# --- selection events → values ------------------------------------------------------------

def _get(obj: Any, key: str) -> Any:
    """Read a key from a Streamlit event (attribute dict) or a plain dict alike."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def table_selection(event: Any, frame: pd.DataFrame, column: str) -> str | None:
    """The `column` value of the row selected in st.dataframe(on_select=…), else None."""
    rows = _get(_get(event, "selection"), "rows") or []
    if not rows or column not in frame.columns:
        return None
    position = rows[0]
    if not 0 <= position < len(frame):
        return None
    value = frame[column].iloc[position]
    return None if pd.isna(value) else str(value)


def report_months(first: date | None, last: date | None) -> list[str]:
    """Months from `last` back to `first` as '2022-07', newest first (the report's choices)."""
    if not first or not last or first > last:
        return []
    months, year, month = [], last.year, last.month
    while (year, month) >= (first.year, first.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months
