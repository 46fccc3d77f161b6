"""What a KPI question is about: the slice (Filters), the grouping dimensions, the metric names."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Iterable, Mapping


# Group-by names from a fixed list: nothing else ever reaches a query as an identifier.
DIMENSIONS = (
    "district", "street", "community", "channel", "category", "matter_class", "official", "month",
)

# SPEC §7, in order: the columns of every metrics() frame and the keys of `taizhang kpi` JSON.
METRICS = (
    "received", "resolved", "in_progress", "pending", "deferred",
    "resolution_rate", "median_days", "p90_days", "mean_days", "on_time_rate",
    "overdue_open", "stalled", "rated", "rated_share", "satisfaction_rate", "dissatisfied",
    "score", "rank",
)

COUNT_METRICS = (
    "received", "resolved", "in_progress", "pending", "deferred",
    "overdue_open", "stalled", "rated", "dissatisfied",
)
RATE_METRICS = ("resolution_rate", "on_time_rate", "rated_share", "satisfaction_rate")


class FilterError(ValueError):
    """A filter names an unknown dimension or holds a date that cannot be read."""


def parse_date(value: date | str | None, what: str = "date") -> date | None:
    """A date from a date or an ISO text (2023-01-08); None stays None."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise FilterError(
            f"日期格式错误 / {what} {value!r} is not a date; write it as 2023-01-08."
        ) from None


def to_date(value) -> date | None:
    """A python date from a date, Timestamp or datetime64 value; None for None/NaT."""
    import pandas as pd  # here, not at the top: `taizhang --help` need not load pandas

    if value is None or pd.isna(value):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return pd.Timestamp(value).date()


def shift_months(d: date, months: int) -> date:
    """The same day `months` months later (earlier when negative), clamped to the month's end."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a month given as '2023-01'."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
    except (ValueError, TypeError):
        raise FilterError(f"月份格式错误 / month {month!r}: write it as 2023-01.") from None
    return first, date(year, mon, calendar.monthrange(year, mon)[1])


@dataclass(frozen=True)
class Filters:
    """A slice of cases: received_on in [date_from, date_to], as of `as_of`, dimension values.

    `where` is a tuple of (dimension, value) pairs; pairs of one dimension are OR-ed, pairs
    of different dimensions AND-ed. `official` matches an official's id or name; `month`
    is '2023-01'. as_of None means the latest date in the data (kpi.dataset_info).
    Frozen and hashable, so dashboard caches can key on it.
    """

    date_from: date | None = None
    date_to: date | None = None
    as_of: date | None = None
    where: tuple[tuple[str, str], ...] = ()

    @classmethod
    def make(
        cls,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        as_of: date | str | None = None,
        where: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] | None = None,
    ) -> "Filters":
        """Build Filters from dates (or ISO texts) and a {dimension: value or values} mapping."""
        pairs: list[tuple[str, str]] = []
        items = where.items() if isinstance(where, Mapping) else (where or ())
        for dim, value in items:
            values = [value] if isinstance(value, str) or not isinstance(value, Iterable) else value
            pairs.extend((dim, str(v)) for v in values if v is not None)
        for dim, _ in pairs:
            if dim not in DIMENSIONS:
                raise FilterError(
                    f"未知维度 / unknown dimension {dim!r}; use one of {', '.join(DIMENSIONS)}."
                )
        filters = cls(
            parse_date(date_from, "from"), parse_date(date_to, "to"), parse_date(as_of, "as_of"),
            tuple(sorted(set(pairs))),
        )
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise FilterError(
                f"日期范围颠倒 / from {filters.date_from} is after to {filters.date_to}."
            )
        return filters

    def values(self, dim: str) -> tuple[str, ...]:
        """The values this slice allows for one dimension (empty: any)."""
        return tuple(v for d, v in self.where if d == dim)

    def with_where(self, **dims: str | None) -> "Filters":
        """A copy with these dimensions set to one value each (None removes the dimension)."""
        kept = [(d, v) for d, v in self.where if d not in dims]
        kept += [(d, v) for d, v in dims.items() if v is not None]
        return Filters.make(self.date_from, self.date_to, self.as_of, kept)

    def shifted(self, months: int) -> "Filters":
        """The same slice moved `months` months (negative: back), as_of included."""
        move = lambda d: shift_months(d, months) if d else None  # noqa: E731
        return replace(
            self, date_from=move(self.date_from), date_to=move(self.date_to), as_of=move(self.as_of)
        )
