"""Base counts summed in memory from the aggregate tables' rows (the fast path's engine).

On this 2-core machine DuckDB spends 5–30 ms parsing, binding and planning any statement
of the fast path, while the rows a question needs (one grain's month cells: a few
thousand to a million short rows) sum in numpy in about a millisecond. So the rows of
each (table, grain) are read once per aggregates version — `meta.aggregates_version`,
renewed by every refresh, so rows read under a version are exactly the tables' rows —
and every question filters and sums them anew. Nothing here keeps an answer.

Rows in memory (`Cells`): the grain's key columns as integer codes of one vocabulary per
version (-1 = NULL), months as integers (year × 12 + month − 1), dates as days since 1970-01-01, flags as
booleans, counts as int64. A database without a version token (written by an older ETL)
has its rows read for each question instead.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taizhang.store import aggregates
from taizhang.kpi import runner
from taizhang.store import rules

# NULL months as integers: a NULL resolved_month is never "after as_of", a NULL due/stall
# key never "on or before as_of" — as the SQL comparisons with NULL were false.
NULL_LOW, NULL_HIGH = 0, 999_999_999
EPOCH = date(1970, 1, 1)
NO_MONTH = "9999-12"  # a month after every resolved_month: "nothing resolved after as_of"
VERSIONS_KEPT = 2
DENSE_CELLS = 4_000_000
MONTH_WIDTH = 10_000 * 12  # months as year × 12 + month − 1 are below this

COUNTED = ("satisfied", "basically_satisfied", "dissatisfied", "on_time", "on_time_known",
           "days_n", "days_sum")
# Counted at as_of once their moment (response_month, feedback_month) is on or before it.
RESPONSES = {"response_known": "response_month", "response_on_time": "response_month",
             "feedback_known": "feedback_month", "feedback_on_time": "feedback_month"}

# Per table, the columns read besides the grain's keys (SQL over fixed names, values bound).


# Months arrive as 'YYYY-MM' texts and become integers here, in numpy: a few dozen distinct
# values, where DuckDB would parse every row's text (half the cost of reading a grain).
MONTHS = {"month": None, "resolved_month": NULL_LOW, "due_key": NULL_HIGH, "stall_key": NULL_HIGH,
          "response_month": NULL_HIGH, "feedback_month": NULL_HIGH, "due_month": NULL_HIGH}
# Days since 1970-01-01; a NULL due_day (a case whose deadline month decides) as day 0.
DAYS = {"day": None, "due_day": 0}
COLUMNS = {
    "agg_counts": (
        "month",
        "status = 'resolved' AS is_resolved", "status = 'in_progress' AS is_in_progress",
        "status = 'pending' AS is_pending", "status = 'deferred' AS is_deferred",
        "status = 'cancelled' AS is_cancelled", "status = 'referred' AS is_referred",
        "resolved_month", "due_key", "stall_key", "n", *COUNTED,
        "response_month", "feedback_month", *RESPONSES, "reopened",
    ),
    "agg_days": ("month", "resolved_month", "days", "n"),
    "agg_minutes": ("month", "resolved_month", "minutes", "n"),
    "agg_open": ("month", "kind = 'due' AS is_due", "day", "n"),
    "agg_cohort": ("month", "is_resolved", "resolved_month", "due_month", "due_day", "on_time", "n",
                   "satisfied", "basically_satisfied", "dissatisfied"),
}


def _month_numbers(column: pa.ChunkedArray, null) -> np.ndarray:
    """'YYYY-MM' texts as month_number()s; NULL as `null` (month columns are never NULL when None)."""
    encoded = column.combine_chunks().dictionary_encode()
    lookup = np.array([month_number(m) for m in encoded.dictionary.to_pylist()] + [null or 0],
                      dtype=np.int64)
    return lookup[encoded.indices.fill_null(len(lookup) - 1).to_numpy(zero_copy_only=False)]


def month_number(month: str) -> int:
    """'2023-01' → 24276 (year × 12 + month − 1: consecutive months are consecutive numbers)."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


@dataclass
class Version:
    """The rows read under one aggregates version, and the vocabulary of their key values."""

    codes: dict[str, dict[str, int]] = field(default_factory=dict)   # dimension → value → code
    values: dict[str, list[str]] = field(default_factory=dict)       # dimension → code → value
    cells: dict[tuple[str, str], dict[str, np.ndarray]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def encode(self, dim: str, column: pa.ChunkedArray) -> np.ndarray:
        """A text column as this version's integer codes (-1 for NULL)."""
        encoded = column.combine_chunks().dictionary_encode()
        codes, values = self.codes.setdefault(dim, {}), self.values.setdefault(dim, [])
        lookup = np.empty(len(encoded.dictionary) + 1, dtype=np.int64)
        for i, value in enumerate(encoded.dictionary.to_pylist()):
            if value not in codes:
                codes[value] = len(values)
                values.append(value)
            lookup[i] = codes[value]
        lookup[-1] = -1  # NULL
        return lookup[encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)]

    def derived(self, key: tuple, build):
        """build()'s result, made once per version (arrays derived from the rows read)."""
        with self.lock:
            if key not in self.cells:
                self.cells[key] = build()
            return self.cells[key]

    def table(self, con, table: str, grain: str) -> dict[str, np.ndarray]:
        """The rows of `table` at `grain` as numpy columns, read on first use."""
        with self.lock:
            if (table, grain) not in self.cells:
                self.cells[(table, grain)] = _read(con, self, table, grain)
            return self.cells[(table, grain)]


_versions: OrderedDict[str, Version] = OrderedDict()
_lock = threading.Lock()


def version_for(state: dict) -> Version:
    """The rows kept for the aggregates version `state` names (a new, unkept one without a token)."""
    token = state.get(aggregates.META_VERSION)
    if not token:
        return Version()
    with _lock:
        version = _versions.get(token)
        if version is None:
            version = _versions[token] = Version()
            while len(_versions) > VERSIONS_KEPT:
                _versions.popitem(last=False)
        _versions.move_to_end(token)
        return version


def _read(con, version: Version, table: str, grain: str) -> dict[str, np.ndarray]:
    keys = aggregates.GRAINS[grain]
    sql = f"SELECT {', '.join((*keys, *COLUMNS[table]))} FROM {table} WHERE grain = $grain"
    rows = runner.fetch(con, sql, {"grain": grain}, arrow=True)
    cells = {}
    for name in rows.column_names:
        column = rows.column(name)
        if name in keys:
            cells[name] = version.encode(name, column)
        elif name in MONTHS:
            cells[name] = _month_numbers(column, MONTHS[name])
        elif name in DAYS:  # DATE: days since 1970-01-01 already
            days = column.cast(pa.int32())
            if DAYS[name] is not None:
                days = pc.fill_null(days, DAYS[name])
            cells[name] = days.to_numpy().astype(np.int64)
        elif name.startswith("is_"):  # a flag: ClickHouse answers a comparison as UInt8
            cells[name] = np.asarray(column.to_numpy(zero_copy_only=False), dtype=bool)
        else:
            cells[name] = column.to_numpy()
    return cells


def _mask(cells: dict[str, np.ndarray], version: Version, plan: dict, filters) -> np.ndarray:
    """The rows of the slice: months of the period, dimension values."""
    month = cells["month"]
    keep = _dimension_mask(cells, version, filters)
    if plan["first"]:
        keep &= month >= month_number(plan["first"])
    if plan["end"]:
        keep &= month <= month_number(plan["end"])
    if filters.values("month"):
        keep &= np.isin(month, [month_number(m) for m in filters.values("month")])
    return keep


def _dimension_mask(cells: dict[str, np.ndarray], version: Version, filters) -> np.ndarray:
    """The rows holding the slice's dimension values (months aside)."""
    keep = np.ones(len(cells["month"]), dtype=bool)
    for dim in aggregates.DIMENSION_COLUMNS:
        wanted = filters.values(dim)
        if wanted:
            codes = [version.codes.get(dim, {}).get(v, -2) for v in wanted]
            keep &= np.isin(cells[dim], codes)
    return keep


def _group_ids(cells: dict[str, np.ndarray], keys: list[str], version: Version,
               keep: np.ndarray) -> np.ndarray:
    """One integer per row naming its group (the same for equal keys in any table)."""
    ids = np.zeros(int(keep.sum()), dtype=np.int64)
    for key in keys:
        width = MONTH_WIDTH if key == "month" else len(version.values.get(key, ())) + 2
        ids = ids * width + (cells[key][keep] + 1)
    return ids


def _slots(group_of: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position in group_of, and which rows have one (every row should)."""
    if len(group_of) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(len(ids), dtype=bool)
    top = int(max(group_of[-1], ids.max(initial=0))) + 1
    if top <= DENSE_CELLS:  # a lookup table beats a binary search per row
        lookup = np.full(top, -1, dtype=np.int64)
        lookup[group_of] = np.arange(len(group_of))
        slot = lookup[ids]
        found = slot >= 0
    else:
        slot = np.minimum(np.searchsorted(group_of, ids), len(group_of) - 1)
        found = group_of[slot] == ids
    return slot[found], found


def _group_sums(group: np.ndarray, groups: int, columns: list[np.ndarray]) -> np.ndarray:
    """Per group, the sum of each column (groups × columns, int64; counts stay far below 2⁵³)."""
    sums = [np.bincount(group, weights=column, minlength=groups) for column in columns]
    return np.rint(np.stack(sums, axis=1)).astype(np.int64).reshape(groups, len(columns))


def _decoded_keys(group_of: np.ndarray, keys: list[str], version: Version) -> dict[str, pa.Array]:
    """The key columns of groups named by _group_ids() (the inverse of its arithmetic)."""
    columns = {}
    rest = np.asarray(group_of, dtype=np.int64)
    for key in reversed(keys):
        width = MONTH_WIDTH if key == "month" else len(version.values.get(key, ())) + 2
        codes, rest = rest % width - 1, rest // width
        if key == "month":
            columns[key] = pa.array([f"{c // 12:04d}-{c % 12 + 1:02d}" for c in codes], pa.string())
        else:
            values = version.values.get(key, [])
            columns[key] = pa.array([values[c] if c >= 0 else None for c in codes], pa.string())
    return {key: columns[key] for key in keys}


def _cohort(con, version: Version, grain: str, keys: list[str], plan: dict, filters,
            as_of: date) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The ranking cohort from agg_cohort (store.rules.judged, as store.facts.cohort_facts
    judges the cases): per judged row part, its group id (_group_ids over `keys`, `month`
    the month it is judged in) and its COHORT_COUNTS. Ratings count on the `closed` way
    only: the satisfaction of the cases closed in the period.

    The period's months are plan["first"] … its end, the day cohort_end(); at the end
    of a month whole months decide, on a day inside one (the latest mode: nothing was
    resolved after it) the deadline day kept for cases open now decides.
    """
    from taizhang.kpi.formulas import COHORT_COUNTS
    from taizhang.store.facts import cohort_end

    rows = version.table(con, "agg_cohort", grain)
    end = cohort_end(filters, as_of)
    end_month = end.year * 12 + end.month - 1
    first_month = month_number(plan["first"]) if plan["first"] else NULL_LOW

    def within(month: np.ndarray) -> np.ndarray:
        return (month >= first_month) & (month <= end_month)

    # Only rows resolved or due in the period's months can be judged in it: selected before
    # the columns are copied (a month's rows, not the table's whole history).
    keep = within(rows["resolved_month"]) | within(rows["due_month"])
    keep &= _dimension_mask(rows, version, filters)
    if plan["mode"] != "latest":  # received by as_of, a month's end
        keep &= rows["month"] <= month_number(plan["as_of_month"])
    c = {name: column[keep] for name, column in rows.items()}
    dated = c["is_resolved"] & (c["resolved_month"] != NULL_LOW)
    undated = c["is_resolved"] & ~dated
    closed_in = dated & within(c["resolved_month"])
    due_in = within(c["due_month"])
    due_in &= ~((c["due_month"] == end_month) & (c["due_day"] > (end - EPOCH).days))
    by_month = "month" in keys
    # Open at the period's end (by month: at the end of the deadline's month, or `end`).
    last = c["due_month"] if by_month else end_month
    open_at_end = ~c["is_resolved"] | (dated & (c["resolved_month"] > last))
    closed, fell_due = rules.judged(closed_in, open_at_end, undated, due_in)
    n, none = c["n"], np.zeros_like(c["n"])
    ratings = (c["satisfied"], c["basically_satisfied"], c["dissatisfied"])
    parts = (  # each way into the cohort keyed by its month (store.rules.judged): COHORT_COUNTS
        (closed, c["resolved_month"], (n, n, n * c["on_time"], n, *ratings, sum(ratings))),
        (fell_due, c["due_month"], (n, n * undated, none, n * ~undated, none, none, none, none)),
    )
    ids, counts = [], {name: [] for name in COHORT_COUNTS}
    wanted_months = [month_number(m) for m in filters.values("month")]
    for judged, month, values in parts:
        if wanted_months:
            judged = judged & np.isin(month, wanted_months)
        keyed = {**c, "month": month}
        ids.append(_group_ids(keyed, keys, version, judged) if keys else np.zeros(int(judged.sum()), np.int64))
        for name, value in zip(counts, values, strict=True):
            counts[name].append(value[judged])
    return np.concatenate(ids), {name: np.concatenate(parts) for name, parts in counts.items()}


def base_counts(con, state: dict, keys: list[str], plan: dict, filters, settings,
                as_of) -> pa.Table:
    """keys, COUNT_COLUMNS, then the quantiles of closure days and hours per group of the
    slice (kpi.aggregated's contract), the quantiles from the summed histograms
    (store.rules.quantile_columns, as the raw path's)."""
    from taizhang.kpi.formulas import COUNT_COLUMNS

    grain = plan["grain"]
    version = version_for(state)
    as_of_month = month_number(plan["as_of_month"])
    if plan["mode"] == "latest":  # nothing resolved after as_of: the month cells' sums serve
        rows = version.derived(("latest_counts", grain), lambda: _latest_counts(con, version, grain))
        days, minutes = (version.derived((f"latest_{table}", grain),
                                         lambda table=table: _latest_days(con, version, grain, table))
                         for table in ("agg_days", "agg_minutes"))
    else:
        rows = version.table(con, "agg_counts", grain)
        days = version.table(con, "agg_days", grain)
        minutes = version.table(con, "agg_minutes", grain)
    keep = _mask(rows, version, plan, filters)
    judged_ids, judged = _cohort(con, version, grain, keys, plan, filters, as_of)
    if keys:  # the groups of the cases received and of those judged (kpi.formulas.COHORT_COUNTS)
        received_ids = _group_ids(rows, keys, version, keep)
        group_of, inverse = np.unique(np.r_[received_ids, judged_ids], return_inverse=True)
        inverse, judged_group = inverse[:len(received_ids)], inverse[len(received_ids):]
    else:  # one row, as SQL's aggregate without GROUP BY gives, even over no cells
        group_of, inverse = np.zeros(1, np.int64), np.zeros(int(keep.sum()), np.int64)
        judged_group = np.zeros(len(judged_ids), np.int64)
    groups = len(group_of)
    out = _decoded_keys(group_of, keys, version)
    out.update(zip(judged, _group_sums(judged_group, groups, list(judged.values())).T))
    if plan["mode"] == "latest":
        out.update(zip(LATEST_SUMS, _group_sums(inverse, groups, [rows[s][keep] for s in LATEST_SUMS]).T))
        out["overdue_open"], out["stalled"] = _open_now(
            con, version, grain, keys, plan, filters, group_of,
            *((rules.cutoff(kind, as_of, settings) - EPOCH).days for kind in ("overdue", "stalled")))
    else:
        sums = _month_end_sums({name: column[keep] for name, column in rows.items()}, as_of_month)
        out.update(zip(sums, _group_sums(inverse, groups, list(sums.values())).T))
    out = {k: out[k] for k in (*keys, *COUNT_COLUMNS)}
    for unit, table, value in (("days", days, "days"), ("hours", minutes, "minutes")):
        histogram = _histograms(table, value, keys, version, plan, filters, group_of, as_of_month)
        out.update({name: pa.array(column, pa.float64(), mask=np.isnan(column)) for name, column in
                    rules.quantile_columns(unit, *histogram, groups).items()})
    return pa.table(out)


LATEST_SUMS = ("received", "resolved", "in_progress", "pending", "deferred", "cancelled", "referred",
               "rated", *COUNTED, *RESPONSES, "reopened")


def _month_end_sums(c: dict[str, np.ndarray], as_of_month: int) -> dict[str, np.ndarray]:
    """Per agg_counts row, what it adds to each count on the last day of as_of_month."""
    # late: resolved after as_of, so in progress then and its rating not known yet (kpi.facts).
    late = rules.resolved_after(c["is_resolved"], c["resolved_month"], as_of_month)
    known = ~late
    n = c["n"]
    open_at = rules.is_open(c["is_pending"] | c["is_in_progress"], late)
    # due_key / stall_key: the month of rules.first_flagged_day, so flagged at this month's
    # end ⇔ key ≤ as_of_month ⇔ key < the month after (store.rules.flagged).
    flagged = {kind: rules.flagged(open_at, c[key], as_of_month + 1)
               for kind, key in (("overdue", "due_key"), ("stalled", "stall_key"))}
    return {
        "received": n,
        "resolved": n * (c["is_resolved"] & known),
        "in_progress": n * (c["is_in_progress"] | late),
        "pending": n * c["is_pending"],
        "deferred": n * c["is_deferred"],
        "cancelled": n * c["is_cancelled"],
        "referred": n * c["is_referred"],
        "rated": (c["satisfied"] + c["basically_satisfied"] + c["dissatisfied"]) * known,
        **{name: c[name] * known for name in COUNTED},
        **{name: c[name] * (c[month] <= as_of_month) for name, month in RESPONSES.items()},
        "reopened": c["reopened"],
        "overdue_open": n * flagged["overdue"],
        "stalled": n * flagged["stalled"],
    }


def _cells_of(rows: dict[str, np.ndarray], version: Version, grain: str):
    """(cell of each row, each cell's first row): cells are the grain's keys and month."""
    every = np.ones(len(rows["month"]), dtype=bool)
    ids = _group_ids(rows, [*aggregates.GRAINS[grain], "month"], version, every)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    return inverse, first


def _latest_counts(con, version: Version, grain: str) -> dict[str, np.ndarray]:
    """agg_counts summed per month cell as nothing resolved after as_of reads them (latest mode)."""
    rows = version.table(con, "agg_counts", grain)
    cell, first = _cells_of(rows, version, grain)
    sums = _month_end_sums(rows, month_number(NO_MONTH))
    out = {key: rows[key][first] for key in (*aggregates.GRAINS[grain], "month")}
    out.update(zip(LATEST_SUMS, _group_sums(cell, len(first), [sums[s] for s in LATEST_SUMS]).T))
    return out


def _latest_days(con, version: Version, grain: str, table: str = "agg_days") -> dict[str, np.ndarray]:
    """agg_days (or agg_minutes) summed over resolved_month per (month cell, days) (latest
    mode, where every resolution counts): a third fewer rows to mask and count for each question."""
    rows = version.table(con, table, grain)
    value = "days" if table == "agg_days" else "minutes"
    cell, first = _cells_of(rows, version, grain)
    low = int(rows[value].min()) if len(first) else 0
    span = (int(rows[value].max()) - low + 1) if len(first) else 1
    ids, at, inverse = np.unique(cell * span + (rows[value] - low), return_index=True,
                                 return_inverse=True)
    out = {key: rows[key][at] for key in (*aggregates.GRAINS[grain], "month", value)}
    out["n"] = np.rint(np.bincount(inverse, weights=rows["n"], minlength=len(ids))).astype(np.int64)
    out["resolved_month"] = np.full(len(ids), NULL_LOW, dtype=np.int64)  # all count: none after as_of
    return out


def _open_index(con, version: Version, grain: str) -> dict:
    """agg_open ordered by (month cell, kind, day) with running counts: how many cases of a
    cell are due (or last progressed) before a day is then two binary searches."""
    rows = version.table(con, "agg_open", grain)
    cell, first = _cells_of(rows, version, grain)
    low = int(rows["day"].min()) if len(first) else 0
    span = (int(rows["day"].max()) - low + 2) if len(first) else 2
    key = (cell * 2 + rows["is_due"]) * span + (rows["day"] - low)
    order = np.argsort(key, kind="stable")
    index = {k: rows[k][first] for k in (*aggregates.GRAINS[grain], "month")}
    index.update(key=key[order], running=np.r_[0, np.cumsum(rows["n"][order])],
                 low=low, span=span, cells=len(first))
    return index


def _open_now(con, version, grain, keys, plan, filters, group_of, due_before: int,
              progress_before: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: open cases due before due_before, and last progressed before progress_before
    (the kinds' cutoffs, store.rules.cutoff: counted as rules.flagged compares, anchor < cutoff)."""
    index = version.derived(("open_index", grain), lambda: _open_index(con, version, grain))
    keep = _mask(index, version, plan, filters)
    slot, found = _slots(group_of, _group_ids(index, keys, version, keep))
    cells = np.flatnonzero(keep)[found]
    low, span = index["low"], index["span"]
    counts = []
    for is_due, before in ((1, due_before), (0, progress_before)):
        start = (cells * 2 + is_due) * span
        limit = start + np.clip(before - low, 0, span - 1)
        found_start = np.searchsorted(index["key"], start, side="left")
        found_limit = np.searchsorted(index["key"], limit, side="left")
        counts.append(index["running"][found_limit] - index["running"][found_start])
    return tuple(_group_sums(slot, len(group_of), counts).T)


def _histograms(days, value, keys, version, plan, filters, group_of, as_of_month):
    """(group, value, count) rows: per group (its position in group_of), how many cases
    closed in each number of days (or minutes: `value` names the column)."""
    keep = _mask(days, version, plan, filters)
    if plan["mode"] != "latest":
        keep &= days["resolved_month"] <= as_of_month
    slot, found = _slots(group_of, _group_ids(days, keys, version, keep))
    values, n = days[value][keep], days["n"][keep]
    if not found.all():
        values, n = values[found], n[found]
    low = int(values.min()) if len(values) else 0
    span = (int(values.max()) - low + 1) if len(values) else 1
    index = slot * span + (values - low)
    if len(group_of) * span <= DENSE_CELLS:  # counting into every (group, day) beats sorting
        totals = np.rint(np.bincount(index, weights=n, minlength=len(group_of) * span)).astype(np.int64)
        cell = np.flatnonzero(totals)
        totals = totals[cell]
    else:
        cell, inverse = np.unique(index, return_inverse=True)
        totals = np.rint(np.bincount(inverse, weights=n, minlength=len(cell))).astype(np.int64)
    return cell // span, cell % span + low, totals

