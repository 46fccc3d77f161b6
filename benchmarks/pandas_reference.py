"""The overview's KPIs computed a second time, in plain pandas: the benchmark's baseline.

What a data office would write without Taizhang: all cases in one DataFrame, then
boolean columns and group-bys. It follows SPEC §4 (status as of `as_of`, quantiles with
linear interpolation, undefined rates as None, score and rank) for calendar-day SLAs, and
the benchmark checks that its numbers equal the KPI layer's before it times either.

    frame = load_frame(con)                       # once, outside the timing
    overview = overview_pandas(frame, areas, as_of, date_from, date_to, settings)
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from taizhang.filters import shift_months

CASE_COLUMNS = (
    "district", "street", "community", "category", "received_on", "due_on", "resolved_on", "status",
    "satisfaction", "last_progress_on", "reopened_count", "received_at", "resolved_at", "responded_at",
    "feedback_at",
)


def load_frame(con) -> pd.DataFrame:
    """The columns the overview needs, every case, as a pandas DataFrame (dates as datetime64)."""
    columns = ", ".join(CASE_COLUMNS)
    frame = con.execute(f"SELECT {columns} FROM cases").df()
    for col in ("received_on", "due_on", "resolved_on", "last_progress_on", "received_at", "resolved_at",
                "responded_at", "feedback_at"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def _facts(frame: pd.DataFrame, as_of: date, settings) -> pd.DataFrame:
    """Per-case boolean facts as of `as_of` (frame already sliced)."""
    as_of_ts = pd.Timestamp(as_of)
    resolved_late = (
        (frame["status"] == "resolved") & frame["resolved_on"].notna()
        & (frame["resolved_on"] > as_of_ts)
    )
    status = frame["status"].where(~resolved_late, "in_progress")
    satisfaction = frame["satisfaction"].where(~resolved_late)
    is_resolved = status == "resolved"
    is_open = status.isin(["pending", "in_progress"])
    has_day = is_resolved & frame["resolved_on"].notna()
    due = frame["due_on"].fillna(frame["received_on"] + pd.Timedelta(days=settings.sla_days))
    last_progress = frame["last_progress_on"].fillna(frame["received_on"])
    stall_cutoff = as_of_ts - pd.Timedelta(days=settings.stall_days)
    days = (frame["resolved_on"] - frame["received_on"]).dt.days.where(has_day)
    # 12345 measures: whole minutes to resolve where both times are given; 签收 and 反馈
    # counted once they happened (on or before as_of), against the limits in settings.
    minutes = (frame["resolved_at"] - frame["received_at"]).dt.total_seconds() // 60
    minutes = minutes.where(has_day & (minutes >= 0))
    received_time = frame["received_at"].fillna(frame["received_on"])
    seconds = lambda column: (frame[column] - received_time).dt.total_seconds()  # noqa: E731
    responded = frame["responded_at"].notna() & (frame["responded_at"].dt.normalize() <= as_of_ts)
    fed_back = frame["feedback_at"].notna() & (frame["feedback_at"].dt.normalize() <= as_of_ts)
    feedback_in_time = (seconds("feedback_at") <= settings.feedback_hours * 3600) \
        if settings.feedback_hours > 0 else frame["feedback_at"].dt.normalize() <= due
    return pd.DataFrame({
        "received": 1,
        "resolved": is_resolved,
        "in_progress": status == "in_progress",
        "pending": status == "pending",
        "deferred": status == "deferred",
        "cancelled": status == "cancelled",
        "referred": status == "referred",
        "reopened": frame["reopened_count"] > 0,
        "response_known": responded,
        "response_on_time": responded & (seconds("responded_at") <= settings.response_hours * 3600),
        "feedback_known": fed_back,
        "feedback_on_time": fed_back & feedback_in_time,
        "minutes": minutes.astype("float64"),
        "days": days.astype("float64"),
        "on_time": has_day & (frame["resolved_on"] <= due),
        "on_time_known": has_day,
        "overdue_open": is_open & (due < as_of_ts),
        "stalled": is_open & (last_progress < stall_cutoff),
        "rated": satisfaction.notna(),
        "satisfied": satisfaction == "satisfied",
        "basically": satisfaction == "basically_satisfied",
        "dissatisfied": satisfaction == "dissatisfied",
    }, index=frame.index)


COHORT = ("due_cases", "due_resolved", "due_on_time", "due_on_time_known",
          "due_satisfied", "due_basically", "due_dissatisfied", "due_rated")
NULL_KEY = "\uffff∅"  # a NULL group key while joining (no stored text holds it)


def judged(frame: pd.DataFrame, as_of: date, date_from, date_to, settings,
           by_month: bool = False) -> pd.DataFrame:
    """The ranking cohort (docs/kpi.md), written from its definition: one row per case
    judged in the period (by_month: per case and month judged in), with its columns, the
    month it is judged in, and COHORT's flags (due_cases 1 each).

    A case received by as_of is judged in the period [date_from, end], end = the earlier
    of date_to and as_of, when it was resolved on a day of the period (its month: that
    day's), or when its deadline is in the period and it was still pending or in
    progress at the period's end, or resolved after it, or resolved with no day (its
    month: the deadline's). By month, each month is a period ending at its last day (or
    end). Deferred, cancelled and referred cases are never judged. The ratings (satisfied,
    basically satisfied, dissatisfied, rated at all) count for the cases closed in the
    period, as 12345 boards judge satisfaction on what was closed (办结) in it.
    """
    end = pd.Timestamp(min(date_to, as_of) if date_to is not None else as_of)
    start = pd.Timestamp(date_from) if date_from is not None else pd.Timestamp.min
    cases = frame[(frame["received_on"] <= pd.Timestamp(as_of))
                  & frame["status"].isin(["resolved", "pending", "in_progress"])]
    due = cases["due_on"].fillna(cases["received_on"] + pd.Timedelta(days=settings.sla_days))
    resolved = cases["status"] == "resolved"
    day = cases["resolved_on"]
    closed = resolved & day.notna() & (day >= start) & (day <= end)
    rating = cases["satisfaction"][closed]
    first = cases[closed].assign(
        month=day[closed].dt.strftime("%Y-%m"), due_resolved=True,
        due_on_time=(day <= due)[closed], due_on_time_known=True,
        due_satisfied=rating == "satisfied", due_basically=rating == "basically_satisfied",
        due_dissatisfied=rating == "dissatisfied", due_rated=rating.notna())
    # The end of the period the deadline is judged in: by month, its month's last day.
    period_end = (due + pd.offsets.MonthEnd(0)).clip(upper=end) if by_month else end
    waiting = cases["status"].isin(["pending", "in_progress"]) | (resolved & day.isna()) \
        | (resolved & (day > period_end))
    fell_due = waiting & (due >= start) & (due <= end)
    undated = (resolved & day.isna())[fell_due]
    second = cases[fell_due].assign(
        month=due[fell_due].dt.strftime("%Y-%m"), due_resolved=undated, due_on_time=False,
        due_on_time_known=~undated, due_satisfied=False, due_basically=False,
        due_dissatisfied=False, due_rated=False)
    out = pd.concat([first, second])
    out["due_cases"] = 1
    for name in COHORT[1:]:
        out[name] = out[name].astype(bool)
    return out


def with_cohort(out: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """out (a row per group, indexed by `keys`, or one row) with COHORT summed from judged()
    rows per group; a group with judged cases but none received joins with zeros."""
    if keys:  # NULL keys (a case without a community) match each other, as in SQL's GROUP BY
        fill = lambda f: f.assign(**{k: f[k].astype(object).where(f[k].notna(), NULL_KEY)  # noqa: E731
                                     for k in keys})
        sums = fill(rows).groupby(keys)[list(COHORT)].sum().reset_index()
        out = fill(out.reset_index()).merge(sums, on=keys, how="outer")
        for k in keys:
            out[k] = out[k].map(lambda v: None if v == NULL_KEY else v).astype(object)
        out = out.set_index(keys)
    else:
        out = out.assign(**{name: int(rows[name].sum()) for name in COHORT})
    counts = [c for c in out.columns if c in COHORT or c in COUNTS]
    out[counts] = out[counts].fillna(0).astype("int64")
    return out


def _rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, None where the denominator is 0."""
    out = numerator.astype("float64") / denominator.astype("float64")
    return out.where(denominator > 0).astype(object).where(denominator > 0, None)


COUNTS = ["received", "resolved", "in_progress", "pending", "deferred", "cancelled", "referred",
          "on_time", "on_time_known", "overdue_open", "stalled", "rated", "satisfied", "basically",
          "dissatisfied", "reopened", "response_known", "response_on_time", "feedback_known",
          "feedback_on_time"]


def _grouped(facts: pd.DataFrame, keys: list[pd.Series] | None, settings,
             cohort: pd.DataFrame | None = None) -> pd.DataFrame:
    """SPEC §4 metrics per group of `keys` (one row for the whole frame when None); `cohort`:
    judged()'s rows of the period (keys by the same names)."""
    counts = COUNTS
    if keys is None:
        keys = [pd.Series(0, index=facts.index, name="_all")]
    grouped = facts.groupby(keys, sort=True, observed=True)
    out = grouped[counts].sum()
    out["median_days"] = grouped["days"].quantile(0.5, interpolation="linear")
    out["p90_days"] = grouped["days"].quantile(0.9, interpolation="linear")
    out["mean_days"] = grouped["days"].mean()
    out["median_hours"] = grouped["minutes"].quantile(0.5, interpolation="linear") / 60
    out["p90_hours"] = grouped["minutes"].quantile(0.9, interpolation="linear") / 60
    if cohort is not None:
        out = with_cohort(out, cohort, [] if keys[0].name == "_all" else [k.name for k in keys])
    return derive(out, settings)


def derive(out: pd.DataFrame, settings, rank_within: list[str] | None = None) -> pd.DataFrame:
    """The rates, due_cases, score and rank of base counts per group (docs/kpi.md), added to
    `out` in place and returned: written from the definitions, with no code of kpi/. Also
    the generated ledger's test reference (tests/test_kpi_generated.py).

    `out` has a row per group and the counts received, resolved, cancelled, referred,
    on_time, on_time_known (resolved with dates), overdue_open, rated, satisfied,
    basically, reopened, response_known, response_on_time, feedback_known,
    feedback_on_time, and the ranking cohort's COHORT (judged()). rank_within: columns
    whose every value is ranked apart (months).

    - resolution_rate = resolved / (received − cancelled − referred): a case that ended
      without the district resolving it is not counted against it;
    - due_cases = cases judged in the period (judged()); due_resolution_rate = of them
      resolved / due_cases, due_on_time_rate = of them closed by the deadline / those
      not resolved undated, undefined below min_due_cases; due_satisfaction_rate = the
      satisfaction rate of the ratings of those closed in the period (due_rated);
    - score: weighted mean of the defined rates (an undefined rate's weight goes to the
      others); ranking_basis "due" judges resolution, on-time and satisfaction on the
      due_* rates, and the satisfaction rate enters only from min_rated rated cases
      (basis "due": due_rated, else rated);
    - rank: score desc, then received desc, equal pairs share the smaller rank; unranked
      without a score, or with fewer cases judged (basis "due": due_cases, else received)
      than min_cases_ranked or (basis "due") min_due_cases.
    """
    out["resolution_rate"] = _rate(out["resolved"], out["received"] - out["cancelled"] - out["referred"])
    out["response_rate"] = _rate(out["response_on_time"], out["response_known"])
    out["reopened_rate"] = _rate(out["reopened"], out["resolved"])
    out["return_rate"] = _rate(out["referred"], out["received"])
    out["feedback_on_time_rate"] = _rate(out["feedback_on_time"], out["feedback_known"])
    out["on_time_rate"] = _rate(out["on_time"], out["on_time_known"])
    out["rated_share"] = _rate(out["rated"], out["resolved"])
    out["satisfaction_rate"] = _rate(
        out["satisfied"] + settings.basically_satisfied_weight * out["basically"], out["rated"]
    )
    least = settings.min_due_cases
    enough = lambda n: n.where(n >= least, 0)  # noqa: E731 - below min_due_cases: undefined
    out["due_resolution_rate"] = _rate(out["due_resolved"], enough(out["due_cases"]))
    out["due_on_time_rate"] = _rate(out["due_on_time"], enough(out["due_on_time_known"]))
    out["due_satisfaction_rate"] = _rate(
        out["due_satisfied"] + settings.basically_satisfied_weight * out["due_basically"], out["due_rated"]
    )
    on_due = settings.ranking_basis == "due"
    judged = {"resolution_rate": "due_resolution_rate", "on_time_rate": "due_on_time_rate",
              "satisfaction_rate": "due_satisfaction_rate"} if on_due else {}
    total = pd.Series(0.0, index=out.index)
    weight_sum = pd.Series(0.0, index=out.index)
    for name, weight in settings.score_weights().items():
        value = pd.to_numeric(out[judged.get(name, name)], errors="coerce").astype("float64")
        if name == "satisfaction_rate":
            value = value.where(out["due_rated" if on_due else "rated"] >= settings.min_rated)
        total += value.fillna(0.0) * weight
        weight_sum += value.notna() * weight
    out["score"] = (100 * total / weight_sum).where(weight_sum > 0)
    cases_judged = out["due_cases"] if on_due else out["received"]
    rankable = (cases_judged >= settings.min_cases_ranked) & out["score"].notna()
    if on_due:
        rankable &= cases_judged >= least
    within = list(rank_within or [])
    order = out[rankable].sort_values([*within, "score", "received"],
                                      ascending=[True] * len(within) + [False, False])
    if within:
        position = order.groupby(within, dropna=False).cumcount() + 1
    else:
        position = pd.Series(np.arange(1, len(order) + 1), index=order.index)
    ties = [order[c] for c in (*within, "score", "received")]
    out["rank"] = position.groupby(ties, dropna=False).transform("min").reindex(out.index)
    return out


def _slice(frame: pd.DataFrame, as_of: date, date_from: date | None, date_to: date | None):
    mask = frame["received_on"] <= pd.Timestamp(as_of)
    if date_from is not None:
        mask &= frame["received_on"] >= pd.Timestamp(date_from)
    if date_to is not None:
        mask &= frame["received_on"] <= pd.Timestamp(date_to)
    return frame[mask]


def district_kpis(frame, as_of, date_from, date_to, settings) -> dict:
    """The whole slice's metrics as one dict."""
    part = _slice(frame, as_of, date_from, date_to)
    cohort = judged(frame, as_of, date_from, date_to, settings)
    return _grouped(_facts(part, as_of, settings), None, settings, cohort).iloc[0].to_dict()


def street_ranking(frame, areas: pd.DataFrame, as_of, date_from, date_to, settings) -> pd.DataFrame:
    """Metrics per street of the registry (zeros included), ranked."""
    part = _slice(frame, as_of, date_from, date_to)
    out = _grouped(_facts(part, as_of, settings), [part["street"]], settings,
                   judged(frame, as_of, date_from, date_to, settings))
    streets = pd.Index(sorted(areas["street"].unique()), name="street")
    out = out.reindex(streets.union(out.index))
    count_cols = [c for c in out.columns if out[c].dtype != object and c not in
                  ("median_days", "p90_days", "mean_days", "score", "rank")]
    out[count_cols] = out[count_cols].fillna(0)
    return out.sort_values("rank", na_position="last")


def monthly_trend(frame, as_of, end: date, months: int, settings) -> pd.DataFrame:
    """One row per month ('2023-01') of the `months` months ending with `end`'s month."""
    first = shift_months(end.replace(day=1), -(months - 1))
    part = _slice(frame, as_of, first, end)
    label = part["received_on"].dt.strftime("%Y-%m").rename("month")
    out = _grouped(_facts(part, as_of, settings), [label], settings,
                   judged(frame, as_of, first, end, settings, by_month=True))
    all_months = [shift_months(first, i).strftime("%Y-%m") for i in range(months)]
    return out.reindex(pd.Index(all_months, name="month"))


def category_mix(frame, as_of, date_from, date_to, settings) -> pd.DataFrame:
    """Metrics per category present in the slice."""
    part = _slice(frame, as_of, date_from, date_to)
    return _grouped(_facts(part, as_of, settings), [part["category"]], settings,
                    judged(frame, as_of, date_from, date_to, settings))


def overview_pandas(frame, areas, as_of: date, date_from, date_to, settings) -> dict:
    """District KPIs (now, a month and a year earlier), street ranking, trend, category mix."""
    shifted = lambda d, m: shift_months(d, m) if d else None  # noqa: E731
    headline = {
        "metrics": district_kpis(frame, as_of, date_from, date_to, settings),
        "previous_month": district_kpis(frame, shift_months(as_of, -1), shifted(date_from, -1),
                                        shifted(date_to, -1), settings),
        "previous_year": district_kpis(frame, shift_months(as_of, -12), shifted(date_from, -12),
                                       shifted(date_to, -12), settings),
    }
    ranking = street_ranking(frame, areas, as_of, date_from, date_to, settings)
    previous = street_ranking(frame, areas, shift_months(as_of, -1), shifted(date_from, -1),
                              shifted(date_to, -1), settings)
    ranking["previous_rank"] = previous["rank"].reindex(ranking.index)
    trend = monthly_trend(frame, as_of, date_to or as_of, 12, settings)
    categories = category_mix(frame, as_of, date_from, date_to, settings)
    return {"headline": headline, "ranking": ranking, "trend": trend, "categories": categories}


def last_months_period(as_of: date, months: int = 12) -> tuple[date, date]:
    """(first day of the month `months`-1 months before as_of's, as_of): the overview's period."""
    return shift_months(as_of.replace(day=1), -(months - 1)), as_of

