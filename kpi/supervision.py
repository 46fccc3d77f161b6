"""The supervision (督办) list: overdue, stalled, dissatisfied and reopened cases.

    supervision_list     every (case, kind) row of a slice
    supervision_counts   how many cases of each kind (one aggregate, no rows)
    supervision_summary  the first N cases of two slices in list order, and how many there are
    supervision_cases    the 督办 list as people read it: one row per case, its reasons joined
    supervision_breakdown  the list's cases counted by 承办单位, by 挂点领导 and by escalation tier

At city scale a slice holds millions of flagged rows (10M cases: 2.5M); a page or the
monthly report shows a dozen cases and a count, so those are asked of DuckDB directly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd

from taizhang.store import aggregates
from taizhang.kpi import fastpath, runner
from taizhang.store import sla
from taizhang.store.facts import (
    ENDED_STATUSES, backend, case_facts, in_period, settings_or_default, slice_conditions, slice_values,
    standing_flags,
)
from taizhang.filters import FilterError, Filters
from taizhang.kpi.lists import _finish, _with_officials, case_number, lead_officials, slice_facts
from taizhang.kpi.runner import DataContext
from taizhang.store.slot import Slot
from taizhang.settings import Settings

SUPERVISION_KINDS = ("overdue", "stalled", "dissatisfied", "reopened")
STANDING_KINDS = ("overdue", "stalled")          # open cases, whatever month they came in
SIGNAL_KINDS = ("dissatisfied", "reopened")      # the period's signals from residents
SUPERVISION_COLUMNS = (
    "kind", "case_no", "case_id", "title", "district", "street", "community", "responsible_unit",
    "officials", "received_on", "due_on", "days_overdue", "days_stalled", "status",
    "satisfaction", "reopened_count", "last_progress_on", "note", "tier",
)
# supervision_cases: one row per case, `reasons` its kinds in list order joined by ','.
CASE_COLUMNS = ("case_no", "case_id", "reasons", "tier", "days_overdue", "days_stalled",
                *(c for c in SUPERVISION_COLUMNS if c not in (
                    "kind", "case_no", "case_id", "tier", "days_overdue", "days_stalled")))
BREAKDOWNS = ("responsible_unit", "lead", "tier")


def _conditions(t: ir.Table, kinds: tuple[str, ...]) -> dict[str, ir.BooleanValue]:
    # Overdue and stalled cases are open; a case that ended without resolution (cancelled,
    # referred) is not supervised for a rating or a reopening either.
    ours = ~t.status_asof.isin(ENDED_STATUSES)
    every = {
        "overdue": t.overdue,
        "stalled": t.stalled,
        "dissatisfied": ((t.satisfaction_asof == "dissatisfied") & ours).fill_null(False),
        "reopened": ((t.reopened_count > 0) & ours).fill_null(False),
    }
    return {kind: every[kind] for kind in SUPERVISION_KINDS if kind in kinds}


def _kind_rows(t: ir.Table, kinds: tuple[str, ...] = SUPERVISION_KINDS) -> ir.Table:
    """One row per (flagged case, kind) of `kinds`, with kind_order and the days it is sorted by."""
    t = t.mutate(status=t.status_asof, satisfaction=t.satisfaction_asof, due_on=t.due)
    conditions = _conditions(t, kinds)
    # One pass over the cases: each flagged case gets the array of its kinds, unnested
    # into one row per kind (a union of four filters would read the cases four times).
    flagged = t.filter(ibis.or_(*conditions.values()))
    labels = ibis.array([ibis.ifelse(c, kind, ibis.null("string")) for kind, c in conditions.items()])
    flagged = flagged.mutate(kind=labels.filter(lambda k: k.notnull()).unnest())
    return flagged.mutate(
        kind_order=ibis.cases(*((flagged.kind == kind, i) for i, kind in enumerate(SUPERVISION_KINDS))),
        # Longest first within each kind: days overdue for overdue, days stalled for stalled.
        sort_days=ibis.cases(
            (flagged.kind == "overdue", flagged.days_overdue),
            (flagged.kind == "stalled", flagged.days_stalled),
            else_=ibis.literal(0, "int64"),
        ),
    )


def escalation_tier(days: ir.IntegerValue, overdue: ir.BooleanValue,
                    thresholds: tuple[int, ...]) -> ir.IntegerValue:
    """The escalation tier of a case: the greatest threshold its days overdue exceed, else null.

    thresholds: settings.escalation_days, e.g. (30, 90, 365): 31–90 days overdue → 30,
    91–365 → 90, 366 and more → 365; not overdue, or 30 days or less → null.
    """
    over = [(overdue & (days > limit), ibis.literal(limit, "int64")) for limit in reversed(thresholds)]
    return ibis.cases(*over, else_=ibis.null("int64"))


def _list_order() -> list:
    """The 督办 list's order: kind, most days overdue/stalled first, then received, id."""
    return ["kind_order", ibis.desc("sort_days"), "received_on", "case_id"]


def _listed(ib, rows: ir.Table, thresholds: tuple[int, ...]) -> ir.Table:
    """The rows with their lead officials, case number and tier, in list order (kind, days
    desc, received, case)."""
    rows = rows.mutate(case_no=case_number(rows),
                       tier=escalation_tier(rows.days_overdue, rows.overdue, thresholds))
    listed = _with_officials(ib, rows)
    listed = listed.order_by(_list_order())
    return listed.select(*SUPERVISION_COLUMNS)


def supervision_list(con, filters: Filters, settings: Settings | None = None) -> pd.DataFrame:
    """The 督办 list: overdue, stalled, dissatisfied and reopened cases of the slice.

    One row per (case, kind); kind ∈ overdue | stalled | dissatisfied | reopened (a case
    may appear under several kinds). Columns: kind, case_id, title, district, street,
    community, responsible_unit, officials (lead names joined by 、), received_on, due_on
    (with the SLA), days_overdue, days_stalled, status (as of), satisfaction,
    reopened_count, last_progress_on, note. Sorted by kind, then days overdue/stalled desc.
    """
    ib = backend(con)
    facts, shape, values = slice_facts(ib, filters, settings_or_default(settings))
    thresholds = settings_or_default(settings).escalation_days
    return _finish(runner.run(ib, ("supervision", shape, thresholds),
                              lambda: _listed(ib, _kind_rows(facts()), thresholds), values))


def supervision_counts(con, filters: Filters, settings: Settings | None = None) -> dict[str, int]:
    """{kind: number of cases of the slice under that kind} for every kind, without listing them."""
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    facts, shape, values = _slice(ib, filters, settings, "", ctx)
    # Overdue and stalled from the cases open now when they hold the slice's open cases
    # (as supervision_summary): the other kinds then need no deadline of any case.
    from_open_cases = _open_cases_answer(ib, ctx, filters, settings)

    def build() -> ir.Table:
        t = facts()
        kinds = SIGNAL_KINDS if from_open_cases else SUPERVISION_KINDS
        counts = t.aggregate(**{kind: c.cast("int64").sum().fill_null(0)
                                for kind, c in _conditions(t, kinds).items()})
        if not from_open_cases:
            return counts
        slot = Slot()
        open_cases = _open_cases(ib, filters, slot)
        return counts.cross_join(open_cases.aggregate(**{
            kind: c.cast("int64").sum().fill_null(0)
            for kind, c in _open_conditions(open_cases, slot, STANDING_KINDS).items()}))

    row = runner.run(ib, ("supervision_counts", shape, ctx.schema, from_open_cases), build, values)
    return {kind: int(row[kind].iloc[0]) for kind in SUPERVISION_KINDS}


def _slice(ib, filters: Filters, settings: Settings, prefix: str, ctx: DataContext):
    """(builder of a slice's case facts, its shape, its values named with `prefix`): kpi.lists.slice_facts."""
    return slice_facts(ib, filters, settings, known=ctx, prefix=prefix)


def _first_kind(t: ir.Table, kinds: tuple[str, ...]) -> ir.Table:
    """One row per flagged case: the kind_order and days of its first row in list order."""
    if set(kinds) <= set(STANDING_KINDS):
        # Only open cases can be overdue or stalled: a cheap test first spares computing
        # deadlines for the resolved majority (10M cases: most of the statement's time).
        t = t.filter(t.is_open)
    conditions = _conditions(t, kinds)
    flagged = t.filter(ibis.or_(*conditions.values()))
    conditions = _conditions(flagged, kinds)
    order = ibis.cases(*((c, SUPERVISION_KINDS.index(kind)) for kind, c in conditions.items()))
    days = ibis.cases(
        *((c, {"overdue": flagged.days_overdue, "stalled": flagged.days_stalled}.get(
            kind, ibis.literal(0, "int64"))) for kind, c in conditions.items()),
    )
    # Nullable types on both slices (the set operation compares schemas strictly).
    return flagged.select(case_id=flagged.case_id.cast("string"),
                          received_on=flagged.received_on.cast("date"),
                          kind_order=order.cast("int64"), sort_days=days.cast("int64"))


def _check_kinds(kinds) -> tuple[str, ...]:
    """The kinds asked for, in list order (all four for None); FilterError for an unknown one."""
    if kinds is None:
        return SUPERVISION_KINDS
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = set(kinds) - set(SUPERVISION_KINDS)
    if unknown:
        raise FilterError(f"未知督办类型 / unknown supervision kind {', '.join(sorted(unknown))}; "
                          f"use {', '.join(SUPERVISION_KINDS)}.")
    return tuple(k for k in SUPERVISION_KINDS if k in kinds)


def _open_cases_answer(ib, ctx: DataContext, standing: Filters, settings: Settings) -> bool:
    """Whether agg_open_cases (the cases open now) holds exactly the standing slice's open cases:
    tables current and of this shape and settings, nothing resolved after as_of, no official.
    When not, kpi.fastpath logs why (a street scope as such, not as tables never built)."""
    state = ctx.state
    if standing.values("official") or not fastpath.usable(state, settings, runner.raw_connection(ib)):
        return False
    latest = state[aggregates.META_MAX_DATE]
    return not latest or ctx.as_of >= date.fromisoformat(latest)


def _open_cases(ib, standing: Filters, slot: Slot) -> ir.Table:
    """The standing slice's rows of agg_open_cases (valid when _open_cases_answer says so)."""
    t = ib.table("agg_open_cases")
    return t.filter(*slice_conditions(t, t.month, standing, slot))


def _open_standing(t: ir.Table, slot: Slot, kinds: tuple[str, ...]) -> dict[str, tuple]:
    """{kind: (flagged, days past its anchor)} of agg_open_cases' rows, as store.facts gives
    them of the cases (every row of agg_open_cases is open; progress_on: its last progress)."""
    every = standing_flags(ibis.literal(True), {"due": t.due, "last_progress": t.progress_on}, slot)
    return {kind: every[kind] for kind in kinds}


def _open_conditions(t: ir.Table, slot: Slot, kinds: tuple[str, ...]) -> dict[str, ir.BooleanValue]:
    return {kind: flag for kind, (flag, _) in _open_standing(t, slot, kinds).items()}


def _open_flagged(ib, standing: Filters, slot: Slot, kinds: tuple[str, ...] = STANDING_KINDS) -> ir.Table:
    """_first_kind(standing facts, kinds) read from agg_open_cases (a tenth of the cases,
    narrow rows): valid when _open_cases_answer says so."""
    t = _open_cases(ib, standing, slot)
    flagged = t.filter(ibis.or_(*_open_conditions(t, slot, kinds).values()))
    flags = _open_standing(flagged, slot, kinds)
    return flagged.select(
        case_id=flagged.case_id.cast("string"), received_on=flagged.received_on.cast("date"),
        kind_order=ibis.cases(*((c, SUPERVISION_KINDS.index(k)) for k, (c, _) in flags.items())).cast("int64"),
        sort_days=ibis.cases(*((c, days) for c, days in flags.values())).cast("int64"),
    )


@dataclass
class _ListQuery:
    """The parts of one 督办 list question: its cases' expression and what runs it."""

    kinds: tuple[str, ...]
    standing_kinds: tuple[str, ...]
    signal_kinds: tuple[str, ...]
    standing_facts: object
    signal_facts: object
    every: object          # () -> (case_id, received_on, kind_order, sort_days) a listed case
    key: tuple
    values: dict


def _list_query(ib, standing: Filters, signals: Filters, settings: Settings,
                kinds: tuple[str, ...]) -> _ListQuery:
    """The list's distinct cases (first kind and its days) for supervision_summary and
    supervision_breakdown."""
    standing_kinds = tuple(k for k in STANDING_KINDS if k in kinds)
    signal_kinds = tuple(k for k in SIGNAL_KINDS if k in kinds)
    ctx = runner.data_context(ib, standing)
    standing_facts, standing_shape, standing_values = _slice(ib, standing, settings, "standing_", ctx)
    signal_facts, signal_shape, signal_values = _slice(ib, signals, settings, "signals_", ctx)
    # The standing list from the cases open now (10M cases: ~1/10 of them, narrow) when it
    # holds them all, else from every case's facts.
    from_open_cases = _open_cases_answer(ib, ctx, standing, settings)

    def every(open_cases: ir.Table, signal_cases: ir.Table) -> ir.Table:
        parts = []
        if standing_kinds:
            parts.append(_open_flagged(ib, standing, Slot("standing_"), standing_kinds)
                         if from_open_cases else _first_kind(open_cases, standing_kinds))
        if signal_kinds:
            later = _first_kind(signal_cases, signal_kinds)
            if parts:  # only cases received in the signals' period can be on both lists
                overlap = parts[0].filter(*in_period(parts[0], "received_on", signals, Slot("signals_")))
                later = later.anti_join(overlap, "case_id")
            parts.append(later)
        return ibis.union(*parts) if len(parts) > 1 else parts[0]

    key = (standing_shape, signal_shape, ctx.schema, from_open_cases, kinds)
    return _ListQuery(kinds, standing_kinds, signal_kinds, standing_facts, signal_facts, every,
                      key, {**standing_values, **signal_values})


def supervision_summary(con, standing: Filters, signals: Filters, limit: int = 12,
                        settings: Settings | None = None,
                        kinds: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, int]:
    """The first `limit` cases of a 督办 list and how many cases it holds, in one statement.

    The list: overdue and stalled cases of the `standing` slice (open at its as_of, any
    month), then dissatisfied and reopened cases of the `signals` slice (the monthly report:
    cases received in the month) not listed already. Returns (supervision_list's columns
    and order for the first `limit` distinct cases — every kind row of each —, the number
    of distinct cases of the whole list). `kinds`: only these kinds are listed and counted
    (None: all four); with standing = signals = a slice this is supervision_list(slice)
    cut to those kinds.
    """
    kinds = _check_kinds(kinds)
    if not kinds:
        return _finish(pd.DataFrame({c: pd.Series(dtype=object) for c in SUPERVISION_COLUMNS})), 0
    ib = backend(con)
    settings = settings_or_default(settings)
    thresholds = settings.escalation_days
    query = _list_query(ib, standing, signals, settings, kinds)
    page = Slot()

    def build() -> ir.Table:
        open_cases, signal_cases = query.standing_facts(), query.signal_facts()
        every = query.every(open_cases, signal_cases)
        top = every.order_by(_list_order()).limit(
            page("limit", "int64"), offset=page("offset", "int64")).select("case_id", "received_on")

        def of_top(t: ir.Table) -> ir.Table:
            # The page's dates bound the row groups read (cases are stored by received_on).
            t = t.filter(t.received_on.between(top.received_on.min(), top.received_on.max()))
            return t.semi_join(top, "case_id")

        rows = [_kind_rows(of_top(cases), part_kinds)
                for cases, part_kinds in ((open_cases, query.standing_kinds),
                                          (signal_cases, query.signal_kinds))
                if part_kinds]
        listed = _listed(ib, ibis.union(*rows) if len(rows) > 1 else rows[0], thresholds)
        return listed.mutate(cases=every.count().as_scalar())

    key = ("supervision_summary", *query.key, thresholds)
    values = {**query.values, "limit": int(limit), "offset": 0}
    frame = runner.run(ib, key, build, values)
    total = int(frame["cases"].iloc[0]) if len(frame) else 0
    return _finish(frame.drop(columns="cases")), total


def list_slices(filters: Filters) -> tuple[Filters, Filters]:
    """(standing, signals) of the 督办 list of a slice, as every surface asks it.

    Overdue and stalled cases are those of the slice's areas still open at as_of, whatever
    month they came in (a case a year overdue stays on the list in every month's view);
    dissatisfied and reopened cases are those received in the slice's period.
    """
    return replace(filters, date_from=None, date_to=None), filters


def supervision_kind_counts(con, filters: Filters, settings: Settings | None = None) -> dict[str, int]:
    """{kind: cases of supervision_cases(filters) under that kind}: overdue and stalled of the
    open cases of any month, dissatisfied and reopened of the period (a case may count twice)."""
    standing, signals = list_slices(filters)
    counts = supervision_counts(con, standing, settings)
    if signals != standing:
        counts.update({k: v for k, v in supervision_counts(con, signals, settings).items()
                       if k in SIGNAL_KINDS})
    return counts


def case_reasons(con, case_id: str, settings: Settings | None = None,
                 as_of: date | None = None) -> pd.DataFrame:
    """Why one case is on the 督办 list as of `as_of` (default: the latest date in the data):
    one row a kind it has — kind, days_overdue, days_stalled, due_on, reopened_count, tier.
    Empty when the case is on no list (or unknown)."""
    ib = backend(con)
    settings = settings_or_default(settings)
    thresholds = settings.escalation_days
    ctx = runner.data_context(ib, Filters(as_of=as_of))
    span = (ctx.first_received, ctx.last_received)
    slot = Slot()
    values = {**slice_values(Filters(), settings, ctx.as_of, span), "case_id": case_id}

    def build() -> ir.Table:
        t = case_facts(ib, Filters(), settings, ctx.as_of, span=span, slot=slot)
        rows = _kind_rows(t.filter(t.case_id == slot("case_id", "string")))
        return rows.select("kind", "days_overdue", "days_stalled", "due_on", "reopened_count",
                           tier=escalation_tier(rows.days_overdue, rows.overdue, thresholds))

    key = ("case_reasons", sla.due_shape(settings, span), ctx.schema, thresholds)
    return _finish(runner.run(ib, key, build, values))


def list_as_of(con, filters: Filters) -> date:
    """The date the list of `filters` is as of: theirs, else the latest date in the data."""
    return runner.data_context(backend(con), filters).as_of


def supervision_cases(con, filters: Filters, settings: Settings | None = None,
                      kinds: tuple[str, ...] | None = None,
                      limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """The 督办 list as the page, the report, the Excel and `taizhang supervise` show it.

    One row per case, in list order (most urgent first): CASE_COLUMNS — case_no (the
    ledger's id, else a derived readable number), case_id, reasons (its kinds in list
    order joined by ',', e.g. 'overdue,stalled'), tier (escalation threshold its days
    overdue exceed, else null), days_overdue, days_stalled, then supervision_list's other
    columns. The slices are list_slices(filters). Returns (the first `limit` cases — all
    for None —, the number of cases of the whole list).
    """
    standing, signals = list_slices(filters)
    if limit is None:
        limit = 2 ** 62  # every case (a bound value: the statement is the same)
    rows, total = supervision_summary(con, standing, signals, limit, settings, kinds)
    return one_row_per_case(rows), total


def one_row_per_case(rows: pd.DataFrame) -> pd.DataFrame:
    """supervision_list-style rows (one per case and kind) as one row per case, reasons joined."""
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CASE_COLUMNS})
    reasons = rows.groupby("case_id", sort=False)["kind"].agg(
        lambda kinds: ",".join(k for k in SUPERVISION_KINDS if k in set(kinds)))
    first = rows.drop_duplicates("case_id", keep="first").set_index("case_id")
    first["reasons"] = reasons
    # Days overdue and stalled of the case whatever row they came on (each kind row carries both).
    return first.reset_index()[list(CASE_COLUMNS)].reset_index(drop=True)


def supervision_breakdown(con, filters: Filters, by: str, settings: Settings | None = None,
                          kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """How many cases of supervision_cases(filters) each 承办单位, 挂点领导 or escalation tier has.

    by: 'responsible_unit' (the case's unit; null when the ledger names none), 'lead'
    (each lead official of the case — a case with two leads counts for both, one without
    any under null) or 'tier' (settings.escalation_days; null: not overdue beyond the
    first). Columns: the `by` column and `cases`, most cases first, then by name.
    """
    if by not in BREAKDOWNS:
        raise FilterError(f"未知分组 / unknown breakdown {by!r}; use {', '.join(BREAKDOWNS)}.")
    kinds = _check_kinds(kinds)
    if not kinds:
        return pd.DataFrame({by: pd.Series(dtype=object), "cases": pd.Series(dtype="int64")})
    ib = backend(con)
    settings = settings_or_default(settings)
    thresholds = settings.escalation_days
    standing, signals = list_slices(filters)
    query = _list_query(ib, standing, signals, settings, kinds)

    def build() -> ir.Table:
        every = query.every(query.standing_facts(), query.signal_facts())
        if by == "tier":
            # Overdue is the first kind: a case's sort_days are its days overdue when it is.
            keyed = every.mutate(tier=escalation_tier(
                every.sort_days, every.kind_order == SUPERVISION_KINDS.index("overdue"), thresholds))
        elif by == "responsible_unit":
            cases = ib.table("cases")
            keyed = every.left_join(cases.select("case_id", "responsible_unit"), "case_id")
        else:
            keyed = every.left_join(lead_officials(ib), "case_id").mutate(lead=lambda t: t.name)
        return keyed.group_by(by).aggregate(cases=keyed.case_id.nunique().cast("int64"))

    frame = runner.run(ib, ("supervision_breakdown", by, *query.key, thresholds), build,
                       query.values)
    frame = frame.sort_values(["cases", by], ascending=[False, True], na_position="last",
                              kind="stable").reset_index(drop=True)
    frame["cases"] = frame["cases"].astype("int64")
    if by == "tier":
        frame["tier"] = frame["tier"].astype("Int64")
    return frame

