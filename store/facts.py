"""Per-case facts as of a date: the one ibis expression every metric and list starts from.

    cases ──► in the slice (received_on ≤ as_of, period, dimension values)
          ──► status_asof, satisfaction_asof, due, closure_days, on_time, overdue, stalled

A case resolved after as_of is still in progress at as_of, and its callback rating is not
known yet. due = the ledger's due_on, else received_on + SLA (store.sla).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

import ibis
import ibis.expr.types as ir

from taizhang.filters import DIMENSIONS, Filters
from taizhang.store import rules, sla
from taizhang.store.rules import ENDED_STATUSES, OPEN_STATUSES  # noqa: F401 (store.facts' API)
from taizhang.store.slot import Slot, inline_slot
from taizhang.settings import Settings, settings_or_default  # noqa: F401 (imported from here too)

# Dimensions that are plain columns of `cases`; month and official are derived.
CASE_COLUMN_DIMENSIONS = ("district", "street", "community", "channel", "category", "matter_class")
# The stored columns the facts are computed from.
FACT_INPUTS = (
    "case_id", "received_on", "due_on", "resolved_on", "status", "satisfaction",
    "last_progress_on", "reopened_count", "received_at", "resolved_at", "responded_at", "feedback_at",
)


# A few recent connections' backends: wrapping a connection runs two SET statements.
# Holding the connection here also keeps its id from being reused while cached.
_backends: OrderedDict[int, ibis.BaseBackend] = OrderedDict()
BACKENDS_KEPT = 8
_backends_lock = threading.Lock()


class LazyBackend:
    """A DuckDB connection that becomes an ibis backend only when an expression is built.

    Wrapping a connection in ibis runs two SET statements (~7 ms on a busy machine, once
    per cursor); a question whose SQL is compiled already needs only the connection.
    """

    def __init__(self, con):
        self.con = con
        self._backend = None

    def __getattr__(self, name):
        if self._backend is None:
            self._backend = ibis.duckdb.from_connection(self.con)
        return getattr(self._backend, name)


def backend(con) -> ibis.BaseBackend:
    """The ibis backend over a DuckDB connection (no copy, same transaction view)."""
    if isinstance(con, (ibis.BaseBackend, LazyBackend)):
        return con
    with _backends_lock:
        cached = _backends.get(id(con))
    if cached is not None and cached.con is con:
        return cached
    ib = LazyBackend(con)
    with _backends_lock:
        _backends[id(con)] = ib
        while len(_backends) > BACKENDS_KEPT:
            _backends.popitem(last=False)
    return ib


def received_span(ib: ibis.BaseBackend) -> tuple[date | None, date | None]:
    """First and last received_on of all cases (None, None when there are none)."""
    return tuple(ib.con.execute("SELECT min(received_on), max(received_on) FROM cases").fetchall()[0])


def official_links(ib: ibis.BaseBackend) -> ir.Table:
    """(case_id, official_id, official) once per case and official, whatever the roles."""
    links = ib.table("case_officials").select("case_id", "official_id").distinct()
    officials = ib.table("officials")
    return links.left_join(officials, links.official_id == officials.official_id).select(
        links.case_id, links.official_id, official=officials.name.fill_null(links.official_id)
    )


def where_values(slot: Slot, filters: Filters, dim: str) -> list[ir.StringScalar]:
    """The slice's values of one dimension as the slot's values (dim_0, dim_1 …)."""
    return [slot(f"{dim}_{i}", "string") for i in range(len(filters.values(dim)))]


def _official_filter(ib: ibis.BaseBackend, filters: Filters, slot: Slot) -> ir.Table:
    links = official_links(ib)
    values = where_values(slot, filters, "official")
    return links.filter(links.official_id.isin(values) | links.official.isin(values))


def slice_shape(filters: Filters) -> tuple:
    """What about a slice changes the SQL: which dates are set, how many values per dimension."""
    return (filters.date_from is not None, filters.date_to is not None,
            tuple((dim, len(filters.values(dim))) for dim in DIMENSIONS if filters.values(dim)))


def slice_values(filters: Filters, settings: Settings, as_of: date,
                 span: tuple[date | None, date | None] = (None, None)) -> dict:
    """The values a slice's expressions bind: as_of, period, where-values, SLA and stall cutoff."""
    values: dict[str, object] = {
        "as_of": as_of, **rules.cutoff_values(as_of, settings),
        "response_seconds": settings.response_hours * 3600.0,
        "feedback_seconds": settings.feedback_hours * 3600.0,
    }
    if filters.date_from is not None:
        values["date_from"] = filters.date_from
    if filters.date_to is not None:
        values["date_to"] = filters.date_to
    values["cohort_end"] = cohort_end(filters, as_of)
    for dim in DIMENSIONS:
        values.update({f"{dim}_{i}": v for i, v in enumerate(filters.values(dim))})
    values.update(sla.due_values(settings, span))
    return values


def cohort_end(filters: Filters, as_of: date) -> date:
    """The day a period's ranking cohort is judged at: its last day, or as_of when earlier."""
    return min(filters.date_to, as_of) if filters.date_to is not None else as_of


def in_period(t: ir.Table, column: str, filters: Filters, slot: Slot) -> list[ir.BooleanValue]:
    """Conditions keeping rows whose `column` date is in the slice's period and not after as_of."""
    conditions = [t[column] <= slot("as_of", "date")]
    if filters.date_from is not None:
        conditions.append(t[column] >= slot("date_from", "date"))
    if filters.date_to is not None:
        conditions.append(t[column] <= slot("date_to", "date"))
    return conditions


def slice_conditions(t: ir.Table, month: ir.StringValue, filters: Filters,
                     slot: Slot) -> list[ir.BooleanValue]:
    """The slice's conditions on a table of cases (received_on, dimension columns, `month`
    its 'YYYY-MM'): period, not after as_of, dimension values; officials are joined apart."""
    return in_period(t, "received_on", filters, slot) + dimension_conditions(t, month, filters, slot)


def dimension_conditions(t: ir.Table, month: ir.StringValue | None, filters: Filters,
                         slot: Slot) -> list[ir.BooleanValue]:
    """The slice's conditions on the dimension columns of `t` and on `month` ('YYYY-MM';
    None: the month values are applied elsewhere)."""
    conditions = []
    for dim in CASE_COLUMN_DIMENSIONS:
        if filters.values(dim):
            conditions.append(t[dim].isin(where_values(slot, filters, dim)))
    if filters.values("month") and month is not None:
        conditions.append(month.isin(where_values(slot, filters, "month")))
    return conditions


def standing_anchors(t: ir.Table) -> dict[str, ir.DateValue]:
    """The anchor dates of the standing kinds (store.rules.STANDING) of a table of cases with
    their due date: due, and last progress (the ledger's, else the day received)."""
    return {"due": t.due, "last_progress": t.last_progress_on.fill_null(t.received_on)}


def days_between(later: ir.DateValue, earlier: ir.DateValue) -> ir.IntegerValue:
    """Whole days from earlier to later, in ibis (store.rules' date arithmetic)."""
    return later.delta(earlier, unit="day")


def standing_flags(open_at: ir.BooleanValue, anchors: dict[str, ir.DateValue],
             slot: Slot) -> dict[str, tuple[ir.BooleanValue, ir.IntegerValue]]:
    """{kind: (flagged at as_of, its days past the anchor)} for each standing kind (overdue,
    stalled): store.rules.flagged and store.rules.days_past over the slot's as_of and cutoffs.
    The days are meaningful only where the flag is set."""
    as_of = slot("as_of", "date")
    return {kind: (rules.flagged(open_at, anchors[anchor], slot(rules.CUTOFF_VALUES[kind], "date")),
                   rules.days_past(kind, as_of, anchors, days_between))
            for kind, (anchor, _) in rules.STANDING.items()}


COHORT_FLAGS = ("due_resolved", "due_on_time", "due_on_time_known",
                "due_satisfied", "due_basically_satisfied", "due_dissatisfied", "due_rated")
# The ratings counted of the cases closed in the period (the `closed` way of rules.judged).
RATINGS = {"due_satisfied": "satisfied", "due_basically_satisfied": "basically_satisfied",
           "due_dissatisfied": "dissatisfied"}


def cohort_facts(ib: ibis.BaseBackend, filters: Filters, settings: Settings, as_of: date,
                 by_month: bool = False, per_official: bool = False,
                 columns: tuple[str, ...] = (), span: tuple[date | None, date | None] = (None, None),
                 slot: Slot | None = None) -> ir.Table:
    """One row per case judged in the slice's period (store.rules.judged: resolved in it, or
    due in it and not resolved by its end, cohort_end()), with `columns`, `month` and
    COHORT_FLAGS (resolved, closed by its deadline, on time known: not resolved undated;
    rated satisfied, basically satisfied, dissatisfied, rated at all: only a case closed
    in the period counts its rating).

    by_month: each month of the period is a period of its own (judged at its last day or
    cohort_end, the earlier), and `month` names it; a case due in June and resolved in July
    is then a row of June (open at its end) and one of July. Otherwise `month` is the month
    the case is judged in: of its resolution, else of its deadline. The dimension values
    apply as in case_facts, the month values to `month`; every case received by as_of.
    """
    if slot is None:
        slot = inline_slot(slice_values(filters, settings, as_of, span))
    cases = ib.table("cases")
    keep = tuple(dict.fromkeys(("case_id", "received_on", "due_on", "resolved_on", "status",
                                "satisfaction", *columns)))
    t = cases.filter(cases.received_on <= slot("as_of", "date"),
                     cases.status.isin(("resolved", *OPEN_STATUSES)),
                     *dimension_conditions(cases, None, filters, slot)).select(*keep)
    t = sla.with_due(t, settings, span, slot)
    end = slot("cohort_end", "date")
    start = slot("date_from", "date") if filters.date_from is not None else None

    def within(day):
        return (day <= end) & (day >= start) if start is not None else day <= end

    resolved = t.status == "resolved"
    dated = resolved & t.resolved_on.notnull()
    undated = resolved & t.resolved_on.isnull()
    resolved_month, due_month = t.resolved_on.strftime("%Y-%m"), t.due.strftime("%Y-%m")
    closed_in = dated & within(t.resolved_on)
    # Open at the end of the period (by_month: of the deadline's month, or cohort_end).
    resolved_later = dated & (t.resolved_on > end)
    if by_month:
        resolved_later = resolved_later | (dated & (resolved_month > due_month))
    open_at_end = t.status.isin(OPEN_STATUSES) | resolved_later
    closed, fell_due = rules.judged(closed_in, open_at_end, undated, within(t.due))
    yes, no = ibis.literal(True), ibis.literal(False)
    # Each way into the cohort a row keyed by its month (store.rules.judged).
    rated = {name: (t.satisfaction == value).fill_null(False) for name, value in RATINGS.items()}
    parts = [
        t.filter(closed).mutate(month=resolved_month, due_resolved=yes,
                                due_on_time=t.resolved_on <= t.due, due_on_time_known=yes,
                                **rated, due_rated=t.satisfaction.notnull()),
        t.filter(fell_due).mutate(month=due_month, due_resolved=undated, due_on_time=no,
                                  due_on_time_known=~undated,
                                  **{name: no for name in (*RATINGS, "due_rated")}),
    ]
    judged = ibis.union(*(p.select(*columns, "case_id", "month", *COHORT_FLAGS) for p in parts))
    if filters.values("month"):
        judged = judged.filter(judged.month.isin(where_values(slot, filters, "month")))
    if per_official:
        links = _official_filter(ib, filters, slot) if filters.values("official") else official_links(ib)
        judged = judged.inner_join(links, "case_id")
    elif filters.values("official"):
        judged = judged.semi_join(_official_filter(ib, filters, slot), "case_id")
    return judged


def case_facts(
    ib: ibis.BaseBackend,
    filters: Filters,
    settings: Settings,
    as_of: date,
    per_official: bool = False,
    columns: tuple[str, ...] | None = None,
    span: tuple[date | None, date | None] | None = None,
    slot: Slot | None = None,
    facts: tuple[str, ...] | None = None,
) -> ir.Table:
    """One row per case in the slice (per case and official when per_official) with its facts.

    `columns`: the case columns to carry besides those the facts need (None: all). Fewer
    columns make a smaller expression, and ibis compiles it faster. `span`: first and last
    received_on of all cases (for a working-day SLA); None asks the database. `slot`: where
    the values come from (store.slot; bound parameters named as slice_values() names
    them); None writes them into the expression as literals. `facts`: the facts to add
    (None: all); a list that shows three of them binds and plans in half the time.
    """
    if span is None and (settings.sla_calendar == "workdays" or settings.response_workdays > 0):
        span = received_span(ib)
    span = span or (None, None)
    if slot is None:
        slot = inline_slot(slice_values(filters, settings, as_of, span))
    cases = ib.table("cases")
    month = cases.received_on.strftime("%Y-%m")
    conditions = slice_conditions(cases, month, filters, slot)
    keep = cases.columns if columns is None else tuple(dict.fromkeys(FACT_INPUTS + tuple(columns)))
    t = cases.filter(*conditions).select(*keep, month=month)

    if per_official:
        links = _official_filter(ib, filters, slot) if filters.values("official") else official_links(ib)
        t = t.inner_join(links, "case_id")
    elif filters.values("official"):
        t = t.semi_join(_official_filter(ib, filters, slot), "case_id")
    t = sla.with_due(t, settings, span, slot)

    # One projection for every fact: each is written in terms of the stored columns.
    as_of_value = slot("as_of", "date")
    # The rules of store.rules, over the stored columns (the aggregates apply the same ones).
    resolved_late = rules.resolved_after((t.status == "resolved") & t.resolved_on.notnull(),
                                         t.resolved_on, as_of_value)
    is_resolved = (t.status == "resolved") & ~resolved_late
    is_open = rules.is_open(t.status.isin(OPEN_STATUSES), resolved_late)
    dated_resolution = is_resolved & t.resolved_on.notnull()
    flags = standing_flags(is_open, standing_anchors(t), slot)
    (is_overdue, days_overdue), (is_stalled, days_stalled) = flags["overdue"], flags["stalled"]
    # Times of day (12345/311 exports): a moment without its own time is its day at 00:00.
    received_time = t.received_at.fill_null(t.received_on.cast("timestamp"))
    seconds_after = lambda moment: moment.epoch_seconds() - received_time.epoch_seconds()  # noqa: E731
    closure_minutes = (t.resolved_at.epoch_seconds() - t.received_at.epoch_seconds()) // 60
    response_known = t.responded_at.notnull() & (t.responded_at.date() <= as_of_value)
    feedback_known = t.feedback_at.notnull() & (t.feedback_at.date() <= as_of_value)
    feedback_seconds = slot("feedback_seconds", "float64")
    every = dict(
        status_asof=ibis.ifelse(resolved_late, "in_progress", t.status),
        satisfaction_asof=ibis.ifelse(resolved_late, ibis.null("string"), t.satisfaction),
        is_resolved=is_resolved,
        is_open=is_open,
        closure_days=ibis.ifelse(
            dated_resolution, t.resolved_on.delta(t.received_on, unit="day"), ibis.null("int64")
        ),
        # Whole minutes from received to resolved where both carry a time (NULL otherwise):
        # whole, so the aggregate path's histograms give exact quantiles (kpi/cells.py).
        closure_minutes=ibis.ifelse(
            dated_resolution & t.received_at.notnull() & t.resolved_at.notnull() & (closure_minutes >= 0),
            closure_minutes, ibis.null("int64"),
        ),
        response_known=response_known,
        response_on_time=response_known & sla.response_in_time(t, received_time, settings, span, slot),
        feedback_known=feedback_known,
        feedback_on_time=feedback_known & ibis.ifelse(
            feedback_seconds > 0, seconds_after(t.feedback_at) <= feedback_seconds,
            t.feedback_at.date() <= t.due),
        reopened=t.reopened_count > 0,
        on_time_known=dated_resolution,
        on_time=dated_resolution & (t.resolved_on <= t.due),
        overdue=is_overdue,
        days_overdue=ibis.ifelse(is_overdue, days_overdue, ibis.null("int64")),
        stalled=is_stalled,
        days_stalled=ibis.ifelse(is_stalled, days_stalled, ibis.null("int64")),
    )
    return t.mutate(**{name: value for name, value in every.items() if facts is None or name in facts})
