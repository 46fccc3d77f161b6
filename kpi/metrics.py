"""The KPI functions over any slice and grouping (SPEC §4): metrics, headline, trend, ranking."""

from __future__ import annotations

import pandas as pd

from kpi.filters import Filters


def metrics(con, by=(), filters: Filters = Filters(), settings=None) -> pd.DataFrame:
    """Every SPEC §7 metric for each group of `by` (names from DIMENSIONS) in the slice.

    Columns: the `by` columns (plus `official_id` when grouping by official; `official`
    holds the name), then METRICS in order. Rates are fractions 0–1, undefined rates are
    None. Grouping by street/community lists every registry area, with zeros. Rank is
    computed among the rows (within each month when grouping by month).
    """
    raise NotImplementedError


def headline(con, filters: Filters, settings=None) -> dict:
    """The slice's KPIs with the same slice one month and one year earlier, and the deltas.

    Returns {"as_of", "filters", "metrics", "previous_month", "previous_year",
    "delta_month", "delta_year", "previous_month_filters", "previous_year_filters"}:
    the metric dicts map every name of METRICS to its value (None when undefined); a
    delta is current − previous (rates in fraction points), None when either is None.
    The earlier slices move date_from, date_to and as_of back by 1 and 12 months.
    """
    raise NotImplementedError


def trend(con, filters: Filters, months: int = 12, settings=None) -> pd.DataFrame:
    """One row per month ('2023-01') for the last `months` months up to the slice's end.

    Columns: month, then METRICS; months without cases are present with zeros. The end is
    date_to, else as_of; the slice's as_of applies to every month.
    """
    raise NotImplementedError


def ranking(con, level: str, filters: Filters, settings=None) -> pd.DataFrame:
    """Areas or officials ranked by score: level 'street' | 'community' | 'official'.

    Columns: the level's columns (street; street, community; official_id, official), METRICS,
    previous_rank and rank_change (previous_rank − rank, positive = moved up; None when
    unranked in either month). Sorted by rank, unranked last.
    """
    raise NotImplementedError
