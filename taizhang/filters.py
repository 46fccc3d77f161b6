"""What a KPI question is about: the slice (Filters), the grouping dimensions, the metric names."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Iterable, Mapping

from taizhang.dates import DAY_FORMS, MONTH_FORMS, month_end, parse_day_or_month, parse_month
from taizhang.statuses import STATUSES


# Group-by names from a fixed list: nothing else ever reaches a query as an identifier.
DIMENSIONS = (
    "district", "street", "community", "channel", "category", "matter_class", "official", "month",
)

# The words people type for a dimension (--where 街道=南站街道, --by 街道,月份).
DIMENSION_ALIASES = {
    "区": "district", "区县": "district", "县区": "district",
    "街道": "street", "镇街": "street", "街镇": "street", "镇": "street", "乡镇": "street",
    "街道(镇)": "street", "街道(乡镇)": "street",
    "社区": "community", "村": "community", "村社区": "community", "社区(村)": "community",
    "村(社区)": "community", "村居": "community",
    "渠道": "channel", "来源": "channel", "来源渠道": "channel",
    "类别": "category", "问题类别": "category", "问题类型": "category",
    "事项分类": "matter_class", "大小事": "matter_class",
    "官员": "official", "干部": "official", "领导": "official",
    "月份": "month", "月": "month",
}
# Dimensions whose values come from the data: an unknown value is refused, not a row of zeros.
NAMED_DIMENSIONS = ("district", "street", "community", "channel", "category", "matter_class",
                    "official")


def dimension_name(text: str) -> str:
    """The dimension `text` names (street, 街道, Street …); FilterError when none."""
    key = str(text).strip().replace("（", "(").replace("）", ")")
    if key.lower() in DIMENSIONS:
        return key.lower()
    if key in DIMENSION_ALIASES:
        return DIMENSION_ALIASES[key]
    raise FilterError(
        f"未知维度 {text!r},可用:{'、'.join(sorted(set(DIMENSION_ALIASES)))} / unknown dimension "
        f"{text!r}; use one of {', '.join(DIMENSIONS)}."
    )


def close_names(value: str, known: Iterable[str], limit: int = 5) -> list[str]:
    """Known names that contain `value` or look like it, best first."""
    import difflib

    known = sorted({str(k) for k in known if k is not None})
    containing = [k for k in known if value in k or k in value]
    similar = difflib.get_close_matches(value, known, n=limit, cutoff=0.4)
    return list(dict.fromkeys(containing + similar))[:limit]


# SPEC §7, in order: the columns of every metrics() frame and the keys of `taizhang kpi` JSON.
METRICS = (
    "received", *STATUSES,
    "resolution_rate", "median_days", "p90_days", "mean_days", "median_hours", "p90_hours",
    "on_time_rate", "overdue_open", "stalled", "rated", "rated_share", "satisfaction_rate",
    "dissatisfied", "response_rate", "reopened_rate", "return_rate", "feedback_on_time_rate",
    "due_cases", "due_resolution_rate", "due_on_time_rate", "due_rated", "due_satisfaction_rate",
    "score", "rank",
)

COUNT_METRICS = (
    "received", *STATUSES,
    "overdue_open", "stalled", "rated", "dissatisfied", "due_cases", "due_rated",
)
RATE_METRICS = ("resolution_rate", "on_time_rate", "rated_share", "satisfaction_rate",
                "response_rate", "reopened_rate", "return_rate", "feedback_on_time_rate",
                "due_resolution_rate", "due_on_time_rate", "due_satisfaction_rate")


class FilterError(ValueError):
    """A filter names an unknown dimension or holds a date that cannot be read."""


def parse_date(value: date | str | None, what: str = "date", end: bool = False) -> date | None:
    """A date from a date or a text (2023-01-08, 2023/1/8, 2023年1月8日, 20230108; a month
    such as 2023年1月 means its first day, its last day when `end`); None stays None."""
    if value is None or isinstance(value, date):
        return value
    parsed = parse_day_or_month(str(value), end=end)
    if parsed is None:
        raise FilterError(
            f"日期格式错误:{what} 的值 {value!r} 不是日期,请写成 {DAY_FORMS} 或月份 {MONTH_FORMS} / "
            f"{what} {value!r} is not a date; write it as 2023-01-08 (or a month, 2023-01)."
        )
    return parsed


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
    return date(year, month, min(d.day, month_end(date(year, month, 1)).day))


def like_day(d: date, months: int) -> date:
    """shift_months, except that a month's last day stays its month's last day."""
    moved = shift_months(d, months)
    return month_end(moved) if d == month_end(d) else moved


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a month given as '2023-01' (or 2023-1, 2023/01, 2023年1月)."""
    bounds = parse_month(str(month))
    if bounds is None:
        raise FilterError(
            f"月份格式错误:{month!r} 不是月份,请写成 {MONTH_FORMS} / month {month!r}: "
            "write it as 2023-01."
        )
    return bounds


def _month_key(value: str) -> str:
    """A month value as the data names months ('2023-03'), from any form month_bounds reads."""
    return month_bounds(value)[0].strftime("%Y-%m")


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
            pairs.extend((dimension_name(dim), str(v)) for v in values if v is not None)
        pairs = [(d, _month_key(v) if d == "month" else v) for d, v in pairs]
        filters = cls(
            parse_date(date_from, "from"), parse_date(date_to, "to", end=True),
            parse_date(as_of, "as_of", end=True),
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
        """The same slice moved `months` months (negative: back), as_of included.

        A like period: a date on the last day of its month moves to the last day of the
        target month (2022-06-30 back 3 months is 2022-03-31, so Q2 compares with all of
        Q1), any other day as shift_months moves it.
        """
        move = lambda d: like_day(d, months) if d else None  # noqa: E731
        return replace(
            self, date_from=move(self.date_from), date_to=move(self.date_to), as_of=move(self.as_of)
        )
