"""Comparisons built on metrics(): headline with month and year deltas, trend, ranking."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from taizhang.kpi import inmemory, runner
from taizhang.store.facts import backend, settings_or_default
from taizhang.filters import METRICS, FilterError, Filters, month_bounds, shift_months
from taizhang.kpi.metrics import answer, group_columns, metrics, plain, plan_metrics, to_frame
from taizhang.store.slot import Slot
from taizhang.settings import Settings

HEADLINE_METRICS = tuple(m for m in METRICS if m != "rank")


def _scalars(row: dict) -> dict:
    return {m: plain(row[m]) for m in METRICS}


def _delta(current, previous):
    if current is None or previous is None:
        return None
    return current - previous


def headline(con, filters: Filters, settings: Settings | None = None, source: str = "auto",
             step: int = 1) -> dict:
    """The slice's KPIs with the like period before (环比) and a year earlier (同比), and the deltas.

    `step`: the length of the period in months, so that 环比 compares like periods (a
    quarter with the quarter before: step=3); 1 by default (a month with the month before).

    Returns {"as_of", "filters", "metrics", "previous_month", "previous_year",
    "delta_month", "delta_year", "previous_month_filters", "previous_year_filters"}:
    the metric dicts map every name of METRICS to a plain value (None when undefined); a
    delta is current − previous (rates in fraction points), None when either is None.
    The earlier slices move date_from, date_to and as_of back by `step` and 12 months
    (a month's last day stays a month's last day: Filters.shifted).
    `source`: "auto", "raw" or "aggregated" (kpi.metrics.metrics).
    """
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    current_filters = replace(filters, as_of=ctx.as_of)
    result = {"as_of": ctx.as_of, "filters": current_filters}
    slices = {"metrics": current_filters, "month": current_filters.shifted(-step),
              "year": current_filters.shifted(-12)}
    plans = {name: plan_metrics(ib, (), f, settings, source, slot=Slot(f"{name}_"), known=ctx)
             for name, f in slices.items()}

    # The three slices' base counts in one statement (or none: from the aggregate tables),
    # derived in one pass (kpi.metrics.answer).
    table = answer(ib, plans, settings, partition=True)
    # Plain values straight from Arrow: None where undefined, ints and floats otherwise.
    rows = {row["slice"]: row for row in table.to_pylist()}
    result["metrics"] = _scalars(rows["metrics"])
    for key in ("month", "year"):
        earlier = slices[key]
        values = _scalars(rows[key])
        result[f"previous_{key}_filters"] = earlier
        result[f"previous_{key}"] = values
        result[f"delta_{key}"] = {
            m: _delta(result["metrics"][m], values[m]) for m in HEADLINE_METRICS
        }
    return result


def trend(con, filters: Filters, months: int = 12, settings: Settings | None = None,
          source: str = "auto") -> pd.DataFrame:
    """One row per month ('2023-01') for the last `months` months up to the slice's end.

    Columns: month, then METRICS; months without cases are present with zeros. The end is
    date_to, else as_of; the start is the later of date_from and the first of those months.
    The slice's as_of applies to every month.
    """
    ib = backend(con)
    ctx = runner.data_context(ib, filters)
    as_of = ctx.as_of
    end = min(filters.date_to or as_of, as_of)
    start = month_bounds(shift_months(end, -(months - 1)).strftime("%Y-%m"))[0]
    if filters.date_from is not None:
        start = max(start, filters.date_from)
    window = replace(filters, date_from=start, date_to=end, as_of=as_of)
    return metrics(ib, ("month",), window, settings, source, known=ctx)


RANKING_LEVELS = {"street": ("street",), "community": ("street", "community"), "official": ("official",)}


def ranking(con, level: str, filters: Filters, settings: Settings | None = None,
            source: str = "auto") -> pd.DataFrame:
    """Areas or officials ranked by score: level 'street' | 'community' | 'official'.

    Columns: the level's columns (street; street, community; official_id, official), METRICS,
    previous_rank and rank_change (previous_rank − rank, positive = moved up; <NA> when
    unranked in either month), unranked_reason (None when ranked; kpi.inmemory.unranked's
    reasons on the cases judged — 'few_cases': fewer than min_cases_ranked; 'few_due':
    fewer than min_due_cases; 'no_score': no rate defined). The previous month moves the period and
    as_of back a month. Sorted by rank, unranked last.
    """
    if level not in RANKING_LEVELS:
        raise FilterError(f"未知排名层级 / unknown ranking level {level!r}: street, community or official.")
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    current_filters = replace(filters, as_of=ctx.as_of)
    by = RANKING_LEVELS[level]
    keys = list(group_columns(by))
    now = plan_metrics(ib, by, current_filters, settings, source, slot=Slot("now_"), known=ctx)
    before = plan_metrics(ib, by, current_filters.shifted(-1), settings, source,
                          slot=Slot("before_"), known=ctx)

    ranked = _with_previous_rank(answer(ib, {"now": now, "before": before}, settings, partition=True),
                                 keys)
    # Best first; unranked rows last, the bigger ones first, then by name: the same order
    # on every engine, whatever order its rows came in.
    ranked = ranked.sort_by([("rank", "ascending", "at_end"), ("received", "descending", "at_end"),
                             *((key, "ascending", "at_end") for key in keys)])
    frame = to_frame(ranked)
    frame["unranked_reason"] = unranked_reasons(frame, settings)
    return frame


def unranked_reasons(frame: pd.DataFrame, settings: Settings) -> list[str | None]:
    """Why each unranked row of a ranking has no rank (None for a ranked row): the first
    reason kpi.inmemory.unranked gives, the rule the rank itself applied."""
    score = frame["score"].astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
    masks = inmemory.unranked(frame["received"].to_numpy(), frame["due_cases"].to_numpy(), score,
                              settings)
    return [None if not pd.isna(rank) else next(r for r in inmemory.UNRANKED_REASONS if masks[r][i])
            for i, rank in enumerate(frame["rank"])]


def _with_previous_rank(both: pa.Table, keys: list[str]) -> pa.Table:
    """The "now" slice's rows of a ranking with previous_rank (the "before" slice's rank of
    the same keys) and rank_change (previous_rank − rank)."""
    is_now = pc.equal(both.column("slice"), "now")
    current = both.filter(is_now).drop_columns(["slice"])
    previous = both.filter(pc.invert(is_now))
    # Keys may be NULL (cases without a street): they match too.
    earlier = dict(zip(zip(*(previous.column(k).to_pylist() for k in keys)),
                       previous.column("rank").to_pylist()))
    previous_rank = pa.array([earlier.get(k) for k in zip(*(current.column(k).to_pylist() for k in keys))],
                             pa.int64())
    current = current.append_column("previous_rank", previous_rank)
    return current.append_column("rank_change", pc.subtract(previous_rank, current.column("rank")))
