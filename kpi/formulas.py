"""The formulas of every metric over base counts, written once for any engine.

A base-counts source (the raw cases, or the aggregate tables) gives one row per group with
COUNT_COLUMNS; derived() divides them into rates and the score through an `ops` object
(numpy: kpi.inmemory.NumpyOps), so that both sources are finished by the same code. This
module imports no other part of the KPI layer.
"""

from __future__ import annotations

from taizhang.settings import Settings
from taizhang.statuses import STATUSES

# The ranking cohort's counts (store.rules.judged: due or closed in the period): cases
# judged, of them resolved, closed by their deadline, and with that known (not resolved
# undated); the ratings of those closed in the period (satisfied, basically satisfied,
# dissatisfied, rated), as 12345 boards judge satisfaction on the cases closed (办结) in
# it. A group judged in the period need not have received a case in it.
COHORT_COUNTS = ("due_cases", "due_resolved", "due_on_time", "due_on_time_known",
                 "due_satisfied", "due_basically_satisfied", "due_dissatisfied", "due_rated")
# The contract of a base-counts source: one row per group, these columns after the keys.
COUNT_COLUMNS = (
    "received", *STATUSES,
    "overdue_open", "stalled", "rated", "satisfied", "basically_satisfied", "dissatisfied",
    "on_time", "on_time_known", "days_n", "days_sum",
    "response_known", "response_on_time", "feedback_known", "feedback_on_time", "reopened",
    *COHORT_COUNTS,
)
QUANTILE_COLUMNS = ("median_days", "p90_days", "median_hours", "p90_hours")
RATE_COLUMNS = (
    "resolution_rate", "median_days", "p90_days", "mean_days", "median_hours", "p90_hours",
    "on_time_rate", "rated_share", "satisfaction_rate", "response_rate", "reopened_rate",
    "return_rate", "feedback_on_time_rate", "due_resolution_rate", "due_on_time_rate",
    "due_satisfaction_rate", "score",
)
# Counts derived from the base counts in derived(), not summed (none at present).
DERIVED_COUNTS: tuple[str, ...] = ()


def group_columns(by: tuple[str, ...]) -> tuple[str, ...]:
    """The key columns of a grouping: `official` brings official_id with the name."""
    columns: list[str] = []
    for dim in by:
        columns += ["official_id", "official"] if dim == "official" else [dim]
    return tuple(columns)


def ranking_values(settings: Settings) -> dict:
    """The [ranking] settings as the numbers derived() binds."""
    return {
        "rank_on_due": 1.0 if settings.ranking_basis == "due" else 0.0,
        "min_due_cases": settings.min_due_cases,
        "min_rated": settings.min_rated,
    }


def resolution_base(c):
    """The cases resolution_rate is judged on: received less those that ended without
    resolution (cancelled, referred). `c`: base counts or a metrics row, by name."""
    return c["received"] - c["cancelled"] - c["referred"]


def satisfaction(c, w, prefix: str, rated, ops):
    """(satisfied + w × basically satisfied) / rated, over the counts named with `prefix`:
    '' the cases received in the period, 'due_' those of its cohort closed in it."""
    return ops.ratio(c[f"{prefix}satisfied"] + w * c[f"{prefix}basically_satisfied"], rated)


def derived(c, w, weights: dict, ops, ranking: dict | None = None) -> dict:
    """The rates, mean days and score from base counts `c` (columns by name): the only place
    a rate is divided. Written once for any engine `ops` (numpy: kpi.inmemory.NumpyOps).

    w: the basically-satisfied weight; weights: the score's weight per rate; ranking: the
    values of ranking_values().

    The score judges what was due (ranking_basis 'due', the default) over the period's
    ranking cohort, not over the cases received in it (COHORT_COUNTS, store.rules.judged):
    due_cases = cases resolved in the period, or due in it and not resolved by its end;
    due_resolution_rate = of them resolved / due_cases; due_on_time_rate = of them closed
    by their deadline / those whose closing day is known; due_satisfaction_rate = the
    satisfaction of those closed in the period (their ratings, due_rated). A case received
    late in the period and not yet due is not judged. Below min_due_cases the first two
    are undefined; below min_rated ratings (due_rated on the 'due' basis, else rated) the
    satisfaction rate does not enter the score. Cancelled and referred cases ended without
    the district resolving them: never counted against it (docs/kpi.md).
    """
    ranking = ranking or {"rank_on_due": 1.0, "min_due_cases": 0, "min_rated": 0}
    due_cases = c["due_cases"]
    enough = lambda n, low: ops.choose(n >= low, n, 0)  # noqa: E731 - a denominator below low is 0
    rates = {
        "resolution_rate": ops.ratio(c["resolved"], resolution_base(c)),
        "mean_days": ops.ratio(c["days_sum"], c["days_n"]),
        "on_time_rate": ops.ratio(c["on_time"], c["on_time_known"]),
        "rated_share": ops.ratio(c["rated"], c["resolved"]),
        "satisfaction_rate": satisfaction(c, w, "", c["rated"], ops),
        # 12345 measures (docs/kpi.md): 响应率, 重办率, 回退率, 按时反馈率.
        "response_rate": ops.ratio(c["response_on_time"], c["response_known"]),
        "reopened_rate": ops.ratio(c["reopened"], c["resolved"]),
        "return_rate": ops.ratio(c["referred"], c["received"]),
        "feedback_on_time_rate": ops.ratio(c["feedback_on_time"], c["feedback_known"]),
        "due_resolution_rate": ops.ratio(c["due_resolved"], enough(due_cases, ranking["min_due_cases"])),
        "due_on_time_rate": ops.ratio(c["due_on_time"],
                                      enough(c["due_on_time_known"], ranking["min_due_cases"])),
        "due_satisfaction_rate": satisfaction(c, w, "due_", c["due_rated"], ops),
    }
    on_due = ranking["rank_on_due"] > 0.5
    judged = {
        **rates,
        "resolution_rate": ops.choose(on_due, rates["due_resolution_rate"], rates["resolution_rate"]),
        "on_time_rate": ops.choose(on_due, rates["due_on_time_rate"], rates["on_time_rate"]),
        "satisfaction_rate": ops.choose(
            on_due, satisfaction(c, w, "due_", enough(c["due_rated"], ranking["min_rated"]), ops),
            satisfaction(c, w, "", enough(c["rated"], ranking["min_rated"]), ops)),
    }
    # Score: weighted mean of the defined rates; an undefined rate's weight is redistributed
    # to the others by dividing by the weights of the defined ones only. Written over the
    # rate expressions, not their columns, so the SQL is one SELECT level (DuckDB binds
    # every nested level's columns again: a deeper statement costs milliseconds more).
    numerator = 0.0
    total = 0.0
    for rate, weight in weights.items():
        numerator = numerator + weight * ops.fill_zero(judged[rate])
        total = total + ops.choose(ops.defined(judged[rate]), weight, 0.0)
    return {**rates, "score": 100 * numerator / ops.null_if_zero(total)}
