"""metrics(): every SPEC §4 metric over any slice and grouping, as ibis expressions.

A metrics query is three layers, each an ibis expression:

    base counts per group  (counts, day sums, quantiles — from raw cases, or from the
                            pre-aggregated tables of kpi.aggregated when it can answer)
      → completion          (every registry area / month of the period, with zeros)
      → rates, score, rank  (derive(): the only place a rate is divided out)

so a second source of base counts plugs in behind the same function.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from taizhang.kpi import completion, runner, sla
from taizhang.kpi.facts import (
    CASE_COLUMN_DIMENSIONS, backend, case_facts, settings_or_default, slice_shape, slice_values,
)
from taizhang.kpi.filters import METRICS, FilterError, Filters, dimension_name
from taizhang.kpi.runner import DataContext, Slot
from taizhang.settings import Settings

# The contract of a base-counts source: one row per group, these columns after the keys.
COUNT_COLUMNS = (
    "received", "resolved", "in_progress", "pending", "deferred", "cancelled", "referred",
    "overdue_open", "stalled", "rated", "satisfied", "basically_satisfied", "dissatisfied",
    "on_time", "on_time_known", "days_n", "days_sum",
    "response_known", "response_on_time", "feedback_known", "feedback_on_time", "reopened",
)
QUANTILE_COLUMNS = ("median_days", "p90_days", "median_hours", "p90_hours")
RATE_COLUMNS = (
    "resolution_rate", "median_days", "p90_days", "mean_days", "median_hours", "p90_hours",
    "on_time_rate", "rated_share", "satisfaction_rate", "response_rate", "reopened_rate",
    "return_rate", "feedback_on_time_rate", "due_resolution_rate", "due_on_time_rate", "score",
)
# Derived from the base counts in derived(), not summed: cases due or closed by as_of.
DERIVED_COUNTS = ("due_cases",)


def group_columns(by: tuple[str, ...]) -> tuple[str, ...]:
    """The key columns of a grouping: `official` brings official_id with the name."""
    columns: list[str] = []
    for dim in by:
        columns += ["official_id", "official"] if dim == "official" else [dim]
    return tuple(columns)


def check_by(by) -> tuple[str, ...]:
    """The grouping as a tuple of known dimension names (FilterError otherwise)."""
    by = (by,) if isinstance(by, str) else tuple(by or ())
    by = tuple(dimension_name(dim) for dim in by)
    if len(set(by)) != len(by):
        raise FilterError(f"分组维度重复 / a grouping dimension is repeated: {', '.join(by)}.")
    return by


def raw_base_counts(ib, by: tuple[str, ...], filters: Filters, settings: Settings,
                    ctx: DataContext, slot: Slot) -> ir.Table:
    """Base counts per group computed from the cases table itself."""
    columns = tuple(d for d in by if d in CASE_COLUMN_DIMENSIONS)
    t = case_facts(ib, filters, settings, ctx.as_of, per_official="official" in by,
                   columns=columns, span=(ctx.first_received, ctx.last_received), slot=slot)
    as_int = lambda flag: flag.cast("int64").sum()  # noqa: E731
    keys = list(group_columns(by))
    grouped = t.group_by(keys) if keys else t
    counts = grouped.aggregate(
        received=t.count(),
        resolved=as_int(t.is_resolved),
        in_progress=as_int(t.status_asof == "in_progress"),
        pending=as_int(t.status_asof == "pending"),
        deferred=as_int(t.status_asof == "deferred"),
        cancelled=as_int(t.status_asof == "cancelled"),
        referred=as_int(t.status_asof == "referred"),
        overdue_open=as_int(t.overdue),
        stalled=as_int(t.stalled),
        rated=t.satisfaction_asof.count(),
        satisfied=as_int(t.satisfaction_asof == "satisfied"),
        basically_satisfied=as_int(t.satisfaction_asof == "basically_satisfied"),
        dissatisfied=as_int(t.satisfaction_asof == "dissatisfied"),
        on_time=as_int(t.on_time),
        on_time_known=as_int(t.on_time_known),
        days_n=t.closure_days.count(),
        days_sum=t.closure_days.sum(),
        response_known=as_int(t.response_known),
        response_on_time=as_int(t.response_on_time),
        feedback_known=as_int(t.feedback_known),
        feedback_on_time=as_int(t.feedback_on_time),
        reopened=as_int(t.reopened),
        # DuckDB quantile_cont: linear interpolation, as SPEC §4 asks.
        median_days=t.closure_days.quantile(0.5),
        p90_days=t.closure_days.quantile(0.9),
        # Over whole minutes, then in hours: the aggregate path divides the same way.
        median_hours=t.closure_minutes.quantile(0.5) / 60.0,
        p90_hours=t.closure_minutes.quantile(0.9) / 60.0,
    )
    return counts  # NULL sums over no rows become zeros in plan_metrics


def aggregated_counts(ib, by, filters: Filters, settings: Settings, source: str,
                      state: dict | None = None) -> pa.Table | None:
    """Base counts (Arrow) from the pre-aggregated tables (kpi.aggregated) when they can answer, else None.

    `state`: the tables' record read with the question's context (saves a statement).
    """
    if source not in ("auto", "aggregated") or not runner.is_duckdb(ib):
        return None  # the aggregate tables are DuckDB's (ClickHouse answers from the cases)
    try:
        from taizhang.kpi import aggregated
    except ImportError:
        aggregated = None
    counts = None
    if aggregated is not None and hasattr(aggregated, "base_counts"):
        counts = aggregated.base_counts(ib, by, filters, settings, filters.as_of, state)
    if counts is None and source == "aggregated":
        raise FilterError("预聚合表无法回答此查询 / the aggregate tables cannot answer this query.")
    return counts


def _rate(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    # A zero denominator makes the rate undefined (NULL), never 0 or NaN.
    return num.cast("float64") / den.nullif(0)


def settings_values(settings: Settings) -> dict:
    """The settings derive() and add_rank() bind: the satisfaction weight, score weights, rank minimum."""
    return {
        "basically_satisfied_weight": settings.basically_satisfied_weight,
        "min_cases_ranked": settings.min_cases_ranked,
        **ranking_values(settings),
        **{f"weight_{rate}": weight for rate, weight in settings.score_weights().items()},
    }


def ranking_values(settings: Settings) -> dict:
    """The [ranking] settings as the numbers derived() binds."""
    return {
        "rank_on_due": 1.0 if settings.ranking_basis == "due" else 0.0,
        "min_due_cases": settings.min_due_cases,
        "min_rated": settings.min_rated,
    }


class IbisOps:
    """What derived() needs of its engine, for ibis expressions (undefined = NULL)."""

    ratio = staticmethod(_rate)
    fill_zero = staticmethod(lambda x: x.fill_null(0.0))
    defined = staticmethod(lambda x: x.notnull())
    choose = staticmethod(ibis.ifelse)
    null_if_zero = staticmethod(lambda x: x.nullif(0.0))


def resolution_base(c):
    """The cases resolution_rate is judged on: received less those that ended without
    resolution (cancelled, referred). `c`: base counts or a metrics row, by name."""
    return c["received"] - c["cancelled"] - c["referred"]


def derived(c, w, weights: dict, ops=IbisOps, ranking: dict | None = None) -> dict:
    """The rates, mean days and score from base counts `c` (columns by name): the only place
    a rate is divided. Written once for any engine `ops` (ibis here, numpy in kpi.inmemory).

    w: the basically-satisfied weight; weights: the score's weight per rate; ranking: the
    values of ranking_values() (bound values in SQL, numbers in memory).

    The score judges what was due (ranking_basis 'due', the default): due_cases = cases
    resolved by as_of or open past their deadline; due_resolution_rate = resolved /
    due_cases; due_on_time_rate = resolved on time / (resolved with dates + open past
    their deadline). A case received late in the period and not yet due is in neither
    denominator. Below min_due_cases those rates are undefined; below min_rated the
    satisfaction rate does not enter the score. Cancelled and referred cases ended without
    the district resolving them: never counted against it (docs/kpi.md).
    """
    ranking = ranking or {"rank_on_due": 1.0, "min_due_cases": 0, "min_rated": 0}
    due_cases = c["resolved"] + c["overdue_open"]
    late_known = c["on_time_known"] + c["overdue_open"]
    enough = lambda n, low: ops.choose(n >= low, n, 0)  # noqa: E731 - a denominator below low is 0
    rates = {
        "resolution_rate": ops.ratio(c["resolved"], resolution_base(c)),
        "mean_days": ops.ratio(c["days_sum"], c["days_n"]),
        "on_time_rate": ops.ratio(c["on_time"], c["on_time_known"]),
        "rated_share": ops.ratio(c["rated"], c["resolved"]),
        "satisfaction_rate": ops.ratio(c["satisfied"] + w * c["basically_satisfied"], c["rated"]),
        # 12345 measures (docs/kpi.md): 响应率, 重办率, 回退率, 按时反馈率.
        "response_rate": ops.ratio(c["response_on_time"], c["response_known"]),
        "reopened_rate": ops.ratio(c["reopened"], c["resolved"]),
        "return_rate": ops.ratio(c["referred"], c["received"]),
        "feedback_on_time_rate": ops.ratio(c["feedback_on_time"], c["feedback_known"]),
        "due_resolution_rate": ops.ratio(c["resolved"], enough(due_cases, ranking["min_due_cases"])),
        "due_on_time_rate": ops.ratio(c["on_time"], enough(late_known, ranking["min_due_cases"])),
    }
    on_due = ranking["rank_on_due"] > 0.5
    judged = {
        **rates,
        "resolution_rate": ops.choose(on_due, rates["due_resolution_rate"], rates["resolution_rate"]),
        "on_time_rate": ops.choose(on_due, rates["due_on_time_rate"], rates["on_time_rate"]),
        "satisfaction_rate": ops.ratio(c["satisfied"] + w * c["basically_satisfied"],
                                       enough(c["rated"], ranking["min_rated"])),
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
    return {**rates, "due_cases": due_cases, "score": 100 * numerator / ops.null_if_zero(total)}


def derive(counts: ir.Table, settings: Settings, slot: Slot) -> ir.Table:
    """Rates, mean days and the score from base counts, as an ibis expression (kpi.metrics.derived)."""
    weights = {rate: slot(f"weight_{rate}", "float64") for rate in settings.score_weights()}
    ranking = {"rank_on_due": slot("rank_on_due", "float64"),
               "min_due_cases": slot("min_due_cases", "int64"), "min_rated": slot("min_rated", "int64")}
    return counts.mutate(**derived(counts, slot("basically_satisfied_weight", "float64"), weights,
                                   ranking=ranking))


def add_rank(t: ir.Table, by: tuple[str, ...], slot: Slot, slices: tuple[str, ...] = ()) -> ir.Table:
    """rank: 1 = best score, ties broken by more received; slices too small are unranked
    (fewer received than min_cases_ranked, no score, or, ranked on what was due, fewer
    cases due or closed than min_due_cases).

    slices: columns naming separate slices of t (comparisons), each ranked on its own.
    """
    enough_due = (slot("rank_on_due", "float64") < 0.5) | (t.due_cases >= slot("min_due_cases", "int64"))
    eligible = (t.received >= slot("min_cases_ranked", "int64")) & t.score.notnull() & enough_due
    partition = [eligible, *(t[c] for c in slices)]
    if "month" in by and len(by) > 1:
        partition.append(t.month)  # streets by month: ranked within each month
    window = ibis.window(group_by=partition, order_by=[ibis.desc(t.score), ibis.desc(t.received)])
    return t.mutate(rank=ibis.ifelse(eligible, ibis.rank().over(window) + 1, ibis.null("int64")))


@dataclass(frozen=True)
class Plan:
    """A query ready to run: its shape key, its bound values, in-memory inputs, how to build it."""

    key: tuple
    values: dict
    inputs: tuple
    build: Callable[[], ir.Table]
    # The completed base counts alone (before derive): comparisons derive several slices
    # in one pass (a third of the SQL for DuckDB to bind and optimise).
    counts: Callable[[], ir.Table] | None = None
    # The completed base counts as numpy columns, when every count came from the aggregate
    # tables: kpi.inmemory derives and ranks them without a statement. None otherwise.
    memory: Callable[[], dict] | None = None


def plan_metrics(ib, by, filters: Filters, settings: Settings, source: str = "auto",
                 slot: Slot = Slot(), known: DataContext | None = None) -> Plan:
    """The plan of metrics(): group columns then METRICS, from aggregates or raw cases.

    `known`: a context just read (kpi.runner.data_context), reused for the data's facts.
    """
    by = check_by(by)
    ctx = runner.data_context(ib, filters, known)
    filters = replace(filters, as_of=ctx.as_of)
    in_memory = aggregated_counts(ib, by, filters, settings, source, ctx.state)
    aggregated = None if in_memory is None else kpi_aggregated().memtable(in_memory)
    span = (ctx.first_received, ctx.last_received)
    values = {**slice_values(filters, settings, ctx.as_of, span), **settings_values(settings),
              **completion.completion_values(by, filters, ctx)}

    def counts() -> ir.Table:
        base = aggregated if aggregated is not None else \
            raw_base_counts(ib, by, filters, settings, ctx, slot)
        # A count over no cases is 0 whichever source answered (an aggregate cell-less
        # period sums to NULL).
        base = base.mutate(**{c: base[c].fill_null(0) for c in COUNT_COLUMNS})
        return completion.complete(ib, base, by, filters, slot, "months" in values, COUNT_COLUMNS)

    def build() -> ir.Table:
        return finish(counts(), by, settings, slot)

    memory = None
    if in_memory is not None and "areas" in ctx.state:
        def memory() -> dict:
            from taizhang.kpi import inmemory
            return inmemory.complete(in_memory, by, filters, ctx.state["areas"], values.get("months"))

    inputs = (aggregated,) if aggregated is not None else ()
    # The score's rates (a preset scores others) shape the SQL too; their weights are bound.
    key = ("metrics", by, slice_shape(filters), sla.due_shape(settings, span), "months" in values,
           tuple(settings.score_weights()),
           ctx.schema, slot.prefix, tuple(str(t.schema()) for t in inputs))
    return Plan(key, slot.values(values), inputs, build, counts, memory)


def kpi_aggregated():
    """kpi.aggregated (imported late: it imports this module's neighbours)."""
    from taizhang.kpi import aggregated
    return aggregated


def finish(counts: ir.Table, by: tuple[str, ...], settings: Settings, slot: Slot,
           partition: tuple[str, ...] = ()) -> ir.Table:
    """Group columns (and `partition`), then METRICS: rates, score and rank from base counts.

    partition: columns of counts naming separate slices, ranked apart (comparisons).
    """
    ranked = add_rank(derive(counts, settings, slot), by, slot, partition)
    return ranked.select(*partition, *group_columns(by), *METRICS)


def run_plan(ib, plan: Plan) -> pa.Table:
    """Execute a plan (its SQL compiled once per shape, its values bound): an Arrow table."""
    return runner.run(ib, plan.key, plan.build, plan.values, plan.inputs, arrow=True)


RANK_COLUMNS = ("rank", "previous_rank", "rank_change")


def _column(name: str, column: pa.ChunkedArray):
    # Built from Arrow buffers directly: pandas' astype per column cost more than the query.
    if name in RATE_COLUMNS or name in RANK_COLUMNS:
        mask = column.is_null().to_numpy(zero_copy_only=False)
        if name in RATE_COLUMNS:
            values = column.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
            return pd.arrays.FloatingArray(values, mask)
        values = column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        return pd.arrays.IntegerArray(values, mask)
    if name in COUNT_COLUMNS or name in DERIVED_COUNTS:
        return column.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return column.to_pandas()


def to_frame(df: pd.DataFrame | pa.Table, sort_by=None) -> pd.DataFrame:
    """The result with undefined values as <NA> (nullable dtypes), never NaN."""
    if isinstance(df, pa.Table):
        if sort_by:  # Arrow's sort is stable; UTF-8 byte order is Python's code point order
            df = df.sort_by([(c, "ascending", "at_end") for c in sort_by])
        return pd.DataFrame({name: _column(name, df.column(name)) for name in df.column_names})
    df = _typed(df)
    if sort_by:
        df = df.sort_values(list(sort_by), na_position="last", kind="stable")
    return df.reset_index(drop=True)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for column in df.columns:
        if column in RATE_COLUMNS:
            df[column] = df[column].astype("Float64")
        elif column in RANK_COLUMNS:
            df[column] = df[column].astype("Int64")
        elif column in COUNT_COLUMNS or column in DERIVED_COUNTS:
            df[column] = df[column].astype("int64")
    return df


def metrics(con, by=(), filters: Filters = Filters(), settings: Settings | None = None,
            source: str = "auto", known: DataContext | None = None) -> pd.DataFrame:
    """Every SPEC §7 metric for each group of `by` (names from DIMENSIONS) in the slice.

    Columns: the `by` columns (plus `official_id` when grouping by official; `official`
    holds the name), then METRICS in order. Rates are fractions 0–1, undefined values are
    <NA>. Grouping by street/community lists every registry area, by month every month
    of the period, with zeros. Rank is computed among the rows (within each month when
    grouping by month and something else). `source`: "auto", "raw" or "aggregated".
    `known`: a DataContext just read for this database (saves one query).
    """
    ib = backend(con)
    by = check_by(by)
    settings = settings_or_default(settings)
    plan = plan_metrics(ib, by, filters, settings, source, known=known)
    if plan.memory is not None:
        from taizhang.kpi import inmemory
        return to_frame(inmemory.finish(plan.memory(), by, settings), sort_by=group_columns(by))
    return to_frame(run_plan(ib, plan), sort_by=group_columns(by))


def plain(value):
    """A frame cell as a plain Python value: None for <NA>/NaN/NaT, int/float for numpy."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
