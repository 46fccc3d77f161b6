"""metrics(): every SPEC §4 metric over any slice and grouping.

A metrics query is three layers:

    base counts per group  (counts, day sums, closure histograms → quantiles — from the
                            cases in one SQL statement, or from the pre-aggregated tables
                            of kpi.aggregated when they can answer)
      → completion          (every registry area / month of the period, with zeros)
      → rates, score, rank  (derived(): the only place a rate is divided out)

Only the first layer differs between the two sources; completion, rates, score and rank
are computed once for both, over the base counts in memory (kpi.inmemory), and the
quantiles of both come from histograms interpolated by store.rules.quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from taizhang.kpi import completion, runner
from taizhang.store import rules, sla
from taizhang.store.facts import (
    CASE_COLUMN_DIMENSIONS, COHORT_FLAGS, backend, case_facts, cohort_facts, settings_or_default,
    slice_shape, slice_values,
)
from taizhang.filters import FilterError, Filters, dimension_name
from taizhang.kpi.formulas import (  # noqa: F401 (kpi.metrics' API)
    COHORT_COUNTS, COUNT_COLUMNS, DERIVED_COUNTS, QUANTILE_COLUMNS, RATE_COLUMNS, derived, group_columns,
    ranking_values, resolution_base,
)
from taizhang.kpi.runner import DataContext
from taizhang.store.slot import Slot
from taizhang.settings import Settings
from taizhang.statuses import STATUSES

def check_by(by) -> tuple[str, ...]:
    """The grouping as a tuple of known dimension names (FilterError otherwise)."""
    by = (by,) if isinstance(by, str) else tuple(by or ())
    by = tuple(dimension_name(dim) for dim in by)
    if len(set(by)) != len(by):
        raise FilterError(f"分组维度重复 / a grouping dimension is repeated: {', '.join(by)}.")
    return by


NULL_KEY = "\x00"  # a NULL group key inside raw_base_counts' join (no stored text holds it)


def raw_base_counts(ib, by: tuple[str, ...], filters: Filters, settings: Settings,
                    ctx: DataContext, slot: Slot, every: bool = True) -> ir.Table:
    """Base counts per group computed from the cases table itself, with per group a
    histogram of closure days and one of closure minutes (`days_histogram`,
    `hours_histogram`: lists of {value, n}) in place of the quantiles: raw_counts() turns
    them into quantiles as the aggregate path does (store.rules.quantiles; no engine's own
    quantile function, exact on any engine).

    Not `every`: STATUS_COLUMNS alone, of the groups that received a case (status_counts).
    """
    columns = tuple(d for d in by if d in CASE_COLUMN_DIMENSIONS)
    t = case_facts(ib, filters, settings, ctx.as_of, per_official="official" in by,
                   columns=columns, span=(ctx.first_received, ctx.last_received), slot=slot)
    as_int = lambda flag: flag.cast("int64").sum()  # noqa: E731
    keys = list(group_columns(by))
    grouped = t.group_by(keys) if keys else t
    by_status = dict(
        received=t.count(),
        resolved=as_int(t.is_resolved),
        **{status: as_int(t.status_asof == status) for status in STATUSES if status != "resolved"},
    )
    if not every:
        return grouped.aggregate(**by_status)
    counts = grouped.aggregate(
        **by_status,
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
    )
    counts = _with_cohort(ib, counts, keys, by, filters, settings, ctx, slot)
    for unit, (column, _) in rules.UNITS.items():
        closed = t.filter(t[column].notnull())
        cells = closed.group_by([*keys, column]).aggregate(n=closed.count())
        histogram = ibis.struct({"value": cells[column], "n": cells.n}).collect()
        per_group = (cells.group_by(keys) if keys else cells).aggregate(
            **{f"{unit}_histogram": histogram})
        if keys:  # keys may be NULL (cases without a street): those match too. Every key is
            # text; NULL as a text no key holds, so that any engine joins on plain equality
            # (ClickHouse matches no row on IS NOT DISTINCT FROM in a join).
            key = lambda column: column.fill_null(NULL_KEY)  # noqa: E731
            joined = counts.left_join(per_group, [key(counts[k]) == key(per_group[k]) for k in keys])
            counts = joined.select(counts, per_group[f"{unit}_histogram"])
        else:
            counts = counts.cross_join(per_group)
    return counts


def _with_cohort(ib, counts: ir.Table, keys: list[str], by: tuple[str, ...], filters: Filters,
                 settings: Settings, ctx: DataContext, slot: Slot) -> ir.Table:
    """counts with the ranking cohort's counts (COHORT_COUNTS, store.facts.cohort_facts) per
    group: both summed over the union of their rows, so that a group judged in the period
    but with no case received in it is there too (and the reverse)."""
    columns = tuple(d for d in by if d in CASE_COLUMN_DIMENSIONS)
    j = cohort_facts(ib, filters, settings, ctx.as_of, by_month="month" in by,
                     per_official="official" in by, columns=columns,
                     span=(ctx.first_received, ctx.last_received), slot=slot)
    as_int = lambda flag: flag.cast("int64").sum()  # noqa: E731
    judged = (j.group_by(keys) if keys else j).aggregate(
        due_cases=j.count(), **{name: as_int(j[name]) for name in COHORT_FLAGS})
    zero = ibis.literal(0, "int64")
    received_side = [c for c in COUNT_COLUMNS if c not in COHORT_COUNTS]
    both = ibis.union(
        counts.select(*keys, *received_side, **{c: zero for c in COHORT_COUNTS}),
        judged.select(*keys, **{c: zero for c in received_side}, **{c: judged[c] for c in COHORT_COUNTS}),
    )
    grouped = both.group_by(keys) if keys else both
    return grouped.aggregate(**{c: both[c].sum() for c in COUNT_COLUMNS})


def raw_counts(table: pa.Table) -> pa.Table:
    """raw_base_counts' rows as the aggregate path gives them: counts as int64 (0 for a sum
    over no cases), the histograms as QUANTILE_COLUMNS (store.rules.quantile_columns)."""
    groups = table.num_rows
    out = {}
    for name in table.column_names:
        column = table.column(name)
        if name in COUNT_COLUMNS:
            out[name] = pc.fill_null(column.cast(pa.int64()), 0)
        elif not name.endswith("_histogram"):
            out[name] = column
    histograms = [unit for unit in rules.UNITS if f"{unit}_histogram" in table.column_names]
    for unit in histograms:  # none in status_counts' rows
        lists = table.column(f"{unit}_histogram").combine_chunks()
        cells = pc.list_flatten(lists)
        group = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        values = cells.field("value").to_numpy(zero_copy_only=False) if len(cells) else []
        counts = cells.field("n").to_numpy(zero_copy_only=False) if len(cells) else []
        for name, column in rules.quantile_columns(unit, group, values, counts, groups).items():
            out[name] = pa.array(column, pa.float64(), mask=np.isnan(column))
    return pa.table(out)


def aggregated_counts(ib, by, filters: Filters, settings: Settings, source: str,
                      state: dict | None = None) -> pa.Table | None:
    """Base counts (Arrow) from the pre-aggregated tables (kpi.aggregated) when they can answer, else None.

    `state`: the tables' record read with the question's context (saves a statement).
    """
    if source not in ("auto", "aggregated"):
        counts = None
    else:
        from taizhang.kpi import aggregated

        counts = aggregated.base_counts(ib, by, filters, settings, filters.as_of, state)
    if counts is None and source == "aggregated":
        raise FilterError("预聚合表无法回答此查询 / the aggregate tables cannot answer this query.")
    return counts


@dataclass(frozen=True)
class Plan:
    """A metrics question ready to answer: its base counts' source, and what completes them.

    `aggregated`: the base counts the aggregate tables gave (Arrow), or None: then `raw`
    builds the statement over the cases (shape `key`, bound `values`).
    """

    key: tuple
    values: dict
    by: tuple[str, ...]
    filters: Filters
    areas: str | None
    months: list[str] | None
    raw: Callable[..., ir.Table]  # raw(every=True): raw_base_counts' statement
    aggregated: pa.Table | None = None


def plan_metrics(ib, by, filters: Filters, settings: Settings, source: str = "auto",
                 slot: Slot = Slot(), known: DataContext | None = None) -> Plan:
    """The plan of metrics(): base counts from the aggregates, else from the raw cases.

    `known`: a context just read (kpi.runner.data_context), reused for the data's facts.
    `slot`: names the raw statement's values (several plans in one statement: base_counts).
    """
    by = check_by(by)
    ctx = runner.data_context(ib, filters, known)
    filters = replace(filters, as_of=ctx.as_of)
    in_memory = aggregated_counts(ib, by, filters, settings, source, ctx.state)
    span = (ctx.first_received, ctx.last_received)
    values = slot.values(slice_values(filters, settings, ctx.as_of, span))
    key = ("metrics", by, slice_shape(filters), sla.due_shape(settings, span), ctx.schema, slot.prefix)
    months = completion.completion_values(by, filters, ctx).get("months")
    return Plan(key, values, by, filters, completion.registry_areas(ib, ctx.state, by), months,
                lambda every=True: raw_base_counts(ib, by, filters, settings, ctx, slot, every),
                in_memory)


def base_counts(ib, plans: dict[str, Plan]) -> dict[str, pa.Table]:
    """Each plan's base counts (Arrow: keys, COUNT_COLUMNS, QUANTILE_COLUMNS): the aggregate
    tables' answer, or, for every plan they could not answer, one statement over the cases
    (each plan's rows tagged with its name; their values named apart by their slots)."""
    out = {name: plan.aggregated for name, plan in plans.items() if plan.aggregated is not None}
    raw = {name: plan for name, plan in plans.items() if plan.aggregated is None}
    if raw:
        def build() -> ir.Table:
            parts = [plan.raw().mutate(slice=ibis.literal(name)) for name, plan in raw.items()]
            return ibis.union(*parts) if len(parts) > 1 else parts[0]

        key = ("base_counts", *((name, plan.key) for name, plan in raw.items()))
        values = {k: v for plan in raw.values() for k, v in plan.values.items()}
        table = runner.run(ib, key, build, values, arrow=True)
        for name in raw:
            rows = table.filter(pc.equal(table.column("slice"), name)).drop_columns(["slice"])
            out[name] = raw_counts(rows)
    return {name: out[name] for name in plans}


def completed(plan: Plan, counts: pa.Table) -> dict:
    """A plan's base counts as numpy columns with its zero rows (kpi.inmemory.complete)."""
    from taizhang.kpi import inmemory

    return inmemory.complete(counts, plan.by, plan.filters, plan.areas, plan.months)


def answer(ib, plans: dict[str, Plan], settings: Settings, partition: bool = False) -> pa.Table:
    """The plans' group columns then METRICS (Arrow): base counts, completion, rates, score
    and rank, one way whichever source answered (kpi.inmemory.finish). With `partition`,
    several plans of one grouping: a `slice` column names each row's plan, ranked apart."""
    from taizhang.kpi import inmemory

    counts = base_counts(ib, plans)
    by = next(iter(plans.values())).by
    if not partition:
        [(name, plan)] = plans.items()
        return inmemory.finish(completed(plan, counts[name]), by, settings)
    columns = inmemory.stack({name: completed(plan, counts[name]) for name, plan in plans.items()})
    return inmemory.finish(columns, by, settings, partition=("slice",))


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
    ib, settings, plan = _planned(con, by, filters, settings, source, known)
    return _metrics_frame(ib, plan, settings)


def _planned(con, by, filters: Filters, settings: Settings | None, source: str,
             known: DataContext | None = None) -> tuple:
    """(backend, settings, plan) of a metrics question: metrics() and status_counts()."""
    ib = backend(con)
    settings = settings_or_default(settings)
    return ib, settings, plan_metrics(ib, check_by(by), filters, settings, source, known=known)


def _metrics_frame(ib, plan: Plan, settings: Settings) -> pd.DataFrame:
    """A plan's answer as metrics() returns it, sorted by its group columns."""
    return to_frame(answer(ib, {"metrics": plan}, settings), sort_by=group_columns(plan.by))


# What a chart of cases by status draws: metrics' columns of these names.
STATUS_COLUMNS = ("received", *STATUSES)


def status_counts(con, by=(), filters: Filters = Filters(), settings: Settings | None = None,
                  source: str = "auto") -> pd.DataFrame:
    """The `by` columns then STATUS_COLUMNS, for each group that received a case in the
    slice: the rows and numbers of metrics() whose `received` is not 0, these columns only.

    Where the aggregate tables answer, it is metrics() itself. Where they do not (a street
    × category question, at 10M: 270 ms for every metric), the statement over the cases
    counts these columns alone (45 ms) with the same case facts, and leaves out the ranking
    cohort and the closure histograms the other metrics need.
    """
    ib, settings, plan = _planned(con, by, filters, settings, source)
    keys = group_columns(plan.by)
    if plan.aggregated is not None:
        frame = _metrics_frame(ib, plan, settings)
        return frame.loc[frame["received"] > 0, [*keys, *STATUS_COLUMNS]].reset_index(drop=True)
    table = raw_counts(runner.run(ib, ("status_counts", plan.key), lambda: plan.raw(every=False),
                                  plan.values, arrow=True))
    return to_frame(table.select([*keys, *STATUS_COLUMNS]), sort_by=keys)


def plain(value):
    """A frame cell as a plain Python value: None for <NA>/NaN/NaT, int/float for numpy."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
