"""The case rules every engine applies, each written once.

A rule here is a plain function of its inputs through Python operators (&, |, <) or an
`ops` object, so one definition runs wherever the facts are: over ibis expressions of
the cases (store.facts, kpi.supervision's open cases), inside the SQL that builds the
aggregate tables (store/aggregates.py, through store.facts), and over numpy arrays of
aggregate rows (kpi.cells). The rate and score formulas follow the same pattern in
kpi.metrics.derived; the quantiles of closure times are interpolated here, in numpy, for
both paths (kpi.metrics' raw histograms and kpi.cells' summed ones).

    open      status pending or in_progress at as_of, or resolved only after as_of
    ended     cancelled or referred: never the district's to resolve, rate or supervise
    overdue   open, and its deadline (due) is before as_of
    stalled   open, and its last progress is before as_of − stall_days
    days      days overdue = as_of − due, days stalled = as_of − last progress
    judged    in a period's ranking cohort: resolved in the period, or due in it and not
              resolved by its end (judged())
    quantile  DuckDB's quantile_cont over the expanded values: linear interpolation
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from taizhang.statuses import ENDED_STATUSES, OPEN_STATUSES  # noqa: F401 (named in taizhang.statuses)

# The standing kinds: a case open at as_of is flagged once its anchor date lies more than
# `grace` days before as_of. kind → (its anchor, the settings' grace in days).
STANDING = {
    "overdue": ("due", lambda settings: 0),
    "stalled": ("last_progress", lambda settings: settings.stall_days),
}
# The bound value holding each kind's cutoff day (store.facts.slice_values).
CUTOFF_VALUES = {"overdue": "due_before", "stalled": "stall_before"}


def resolved_after(resolved, resolved_on, as_of):
    """A case resolved after as_of: still in progress at as_of, its rating not known yet.

    resolved: the stored status is 'resolved'; resolved_on and as_of comparable values
    (dates in SQL, month numbers over aggregate rows, where a month-end as_of is exact).
    """
    return resolved & (resolved_on > as_of)


def is_open(open_status, late):
    """Open at as_of: an open status now (OPEN_STATUSES), or resolved after as_of (`late`)."""
    return open_status | late


def judged(closed_in, open_at_end, undated, due_in):
    """The ranking cohort of a period [from, end], end = the earlier of its last day and
    as_of ("due or closed in the period", as 12345 boards rank), as its two ways in:

        closed_in    resolved on a day of the period (resolved_on in [from, end])
        open_at_end  open at `end`: pending or in progress, or resolved after `end`
        undated      resolved, with no resolved_on (counted resolved; its day unknown)
        due_in       its deadline (due) in [from, end]

    Returns (closed, fell_due): closed in the period, and fell due in it without being
    closed by its end ((open_at_end | undated) & due_in); a case is judged when either
    holds. Within one period they never both hold. By month, each month a period of its
    own, a case may be closed in one month and have fallen due unclosed in another: each
    way is then keyed by its own month (of resolved_on, of due). A case resolved before
    `from` was judged in its own period; one open at `end` and due before `from` in the
    period it fell due. Deferred, cancelled and referred cases are neither open nor
    resolved: never judged. Closed by its deadline: closed & on_time (resolved_on <= due).
    """
    return closed_in, (open_at_end | undated) & due_in


def grace(kind: str, settings) -> int:
    """Days a case may lie open past its anchor before it counts as `kind`."""
    return STANDING[kind][1](settings)


def cutoff(kind: str, as_of: date, settings) -> date:
    """The first anchor day that is NOT flagged as `kind` at as_of (anchor < cutoff: flagged)."""
    return as_of - timedelta(days=grace(kind, settings))


def flagged(open_at, anchor, before):
    """An open case whose anchor (due, last progress) lies before the kind's cutoff."""
    return open_at & (anchor < before)


def days_past(kind: str, as_of, anchors: dict, days_between):
    """Days a case flagged `kind` at as_of has stood past its anchor: as_of − anchor (days
    overdue: as_of − due; days stalled: as_of − last progress; the grace not subtracted).

    anchors: {anchor name (STANDING's): value}; days_between(later, earlier): the engine's
    whole days from earlier to later.
    """
    return days_between(as_of, anchors[STANDING[kind][0]])


def first_flagged_day(kind: str, anchor, settings, add_days):
    """The first as_of at which an open case with this anchor is `kind`: anchor + grace + 1.

    add_days(value, n): the engine's date arithmetic (the aggregate tables key each open
    case by the month of this day: flagged at a month's end ⇔ this month ≤ that month).
    """
    return add_days(anchor, grace(kind, settings) + 1)


def cutoff_values(as_of: date, settings) -> dict[str, date]:
    """The bound values flagged() compares against, named as CUTOFF_VALUES names them."""
    return {CUTOFF_VALUES[kind]: cutoff(kind, as_of, settings) for kind in STANDING}


QUANTILES = {"median": 0.5, "p90": 0.9}


def quantiles(group: np.ndarray, values: np.ndarray, counts: np.ndarray,
              groups: int) -> dict[str, np.ndarray]:
    """Median and p90 per group from a histogram: `counts[i]` cases of `values[i]` in group
    `group[i]` (0 … groups−1; any order, a value may repeat). NaN for a group without cases.

    As DuckDB's quantile_cont over the expanded values: RN = (n−1)·q, lo = x[floor RN],
    hi = x[ceil RN], lo + (hi − lo)·(RN − floor RN); x[i] is the first value whose running
    count passes i. Exact (no engine's approximate quantile), and the same for every path:
    a histogram is GROUP BY value, count(*) in any engine.
    """
    group = np.asarray(group, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.int64)
    keep = counts > 0
    group, values, counts = group[keep], values[keep], counts[keep]
    order = np.lexsort((values, group))
    group, values, counts = group[order], values[order], counts[order]
    running = np.cumsum(counts)
    totals = np.bincount(group, weights=counts, minlength=groups).astype(np.int64)
    before = np.r_[0, np.cumsum(totals)[:-1]] if groups else np.zeros(0, dtype=np.int64)
    empty = totals == 0
    out = {}
    for name, q in QUANTILES.items():
        rn = np.maximum(totals - 1, 0).astype(np.float64) * q
        if len(values):
            pick = lambda i: values[np.minimum(  # noqa: E731
                np.searchsorted(running, before + i, side="right"), len(values) - 1)]
            lo, hi = pick(np.floor(rn)), pick(np.ceil(rn))
            value = lo + (hi - lo) * (rn - np.floor(rn))
        else:
            value = np.zeros(groups)
        out[name] = np.where(empty, np.nan, value)
    return out


# Closure in whole minutes becomes hours as closure days stay days: quantile first, then / 60.
UNITS = {"days": ("closure_days", 1.0), "hours": ("closure_minutes", 60.0)}


def quantile_columns(unit: str, group, values, counts, groups: int) -> dict[str, np.ndarray]:
    """median_<unit> and p90_<unit> per group (NaN: none) from a histogram of whole days
    (unit "days") or whole minutes (unit "hours"), as quantiles() interpolates."""
    scale = UNITS[unit][1]
    return {f"{name}_{unit}": value / scale
            for name, value in quantiles(group, values, counts, groups).items()}
