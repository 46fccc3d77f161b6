"""The last step of every metrics question, in memory: zero rows, rates, score and rank.

A question's base counts — from the aggregate tables (kpi/cells.py) or from one statement
over the cases (kpi.metrics.raw_base_counts) — are a few hundred rows at most. Handing
them to DuckDB to complete, derive and rank cost a statement of 10–20 ms of binding and
planning each (four per overview page); here the same steps take well under a
millisecond, and they are written once for both sources:

- zero rows as kpi.completion defines them (registry areas narrowed by the slice's area
  values, crossed with the period's months when grouping by month);
- rates, mean days and score through kpi.metrics.derived, the one place a rate is divided,
  evaluated over numpy arrays (undefined = NaN inside, null in the result);
- rank: score desc, then received desc; equal rows share a rank; rows unranked() leaves
  out (too few cases judged, no score) are unranked, with the reason kpi.comparisons
  shows.

tests/test_aggregates.py asks both sources the same random questions.
"""

from __future__ import annotations


import numpy as np
import pyarrow as pa

from taizhang.kpi.completion import AREA_DIMENSIONS
from taizhang.filters import METRICS
from taizhang.kpi.formulas import COUNT_COLUMNS, DERIVED_COUNTS, derived, group_columns, ranking_values
from taizhang.settings import Settings

class NumpyOps:
    """What kpi.metrics.derived needs of its engine, for numpy arrays (undefined = NaN)."""

    @staticmethod
    def ratio(num, den):
        num = np.asarray(num, dtype=np.float64)
        den = np.asarray(den)
        out = np.full(num.shape, np.nan)
        return np.divide(num, den, out=out, where=den != 0)

    @staticmethod
    def fill_zero(x):
        return np.where(np.isnan(x), 0.0, x)

    @staticmethod
    def defined(x):
        return ~np.isnan(x)

    choose = staticmethod(np.where)

    @staticmethod
    def null_if_zero(x):
        return np.where(np.asarray(x) == 0.0, np.nan, x)


def complete(counts: pa.Table, by: tuple[str, ...], filters, areas: tuple[tuple[str, str, str], ...],
             months: list[str] | None) -> dict:
    """counts (Arrow, kpi.cells' columns) as numpy columns plus a zero row for every key it
    lacks: registry `areas` (district, street, community) of the slice, crossed with
    `months` (kpi.completion.complete)."""
    columns = {name: _numpy(counts.column(name)) for name in counts.column_names}
    area_keys = [d for d in AREA_DIMENSIONS if d in by]
    keys: list[dict] | None = None
    if area_keys:
        rows = areas
        for i, dim in enumerate(AREA_DIMENSIONS):
            wanted = set(filters.values(dim))
            if wanted:
                rows = [r for r in rows if r[i] in wanted]
        positions = [AREA_DIMENSIONS.index(d) for d in area_keys]
        distinct = sorted({tuple(r[i] for i in positions) for r in rows})
        keys = [dict(zip(area_keys, k)) for k in distinct]
    if months:
        keys = [{"month": m} for m in months] if keys is None else \
            [{**k, "month": m} for k in keys for m in months]
    if not keys:
        return columns
    names = list(keys[0])
    present = set(zip(*(columns[n] for n in names)))
    missing = [k for k in keys if tuple(k[n] for n in names) not in present]
    if not missing:
        return columns
    added = len(missing)
    for name, values in columns.items():
        if name in names:
            extra = np.array([k[name] for k in missing], dtype=object)
        elif name in COUNT_COLUMNS:
            extra = np.zeros(added, dtype=values.dtype)
        elif values.dtype == object:
            extra = np.full(added, None, dtype=object)
        else:
            extra = np.full(added, np.nan)
        columns[name] = np.concatenate([values, extra])
    return columns


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return np.array(column.to_pylist(), dtype=object)
    if pa.types.is_floating(column.type):
        return column.to_numpy()  # nulls → NaN
    return column.to_numpy().astype(np.int64)


UNRANKED_REASONS = ("few_cases", "few_due", "no_score")


def unranked(received, due_cases, score, settings: Settings) -> dict[str, np.ndarray]:
    """Why rows are left out of a ranking, each reason a mask, in the order they are given —
    the one rank eligibility rule of every ranking, on the cases the score judges (考核件数:
    the cohort due or closed in the period with ranking_basis 'due', else those received):
    few_cases (fewer cases judged than min_cases_ranked), few_due (ranked on what was due:
    fewer than min_due_cases, below which the due rates are undefined), no_score (no rate
    defined)."""
    ranking = ranking_values(settings)
    on_due = ranking["rank_on_due"] > 0.5
    judged = np.asarray(due_cases if on_due else received)
    return {
        "few_cases": judged < settings.min_cases_ranked,
        "few_due": on_due & (judged < ranking["min_due_cases"]),
        "no_score": np.isnan(np.asarray(score, dtype=np.float64)),
    }


def rank(score: np.ndarray, received: np.ndarray, eligible: np.ndarray,
         partitions: list[np.ndarray]) -> np.ndarray:
    """1 = best within each partition among the eligible rows (unranked(): none applies):
    by score desc, then received desc; equal (score, received) share the smaller rank (1, 1, 3).
    Ineligible rows get 0."""
    out = np.zeros(len(score), dtype=np.int64)
    rows = np.flatnonzero(eligible)
    if len(rows):
        part = np.zeros(len(rows), dtype=np.int64)
        for column in partitions:
            _, codes = np.unique(column[rows].astype(str), return_inverse=True)
            part = part * (codes.max() + 1) + codes
        s, r = score[rows], received[rows]
        order = np.lexsort((-r, -s, part))
        p, s, r = part[order], s[order], r[order]
        pos = np.arange(len(rows))
        new_part = np.r_[True, p[1:] != p[:-1]]
        new_value = new_part | np.r_[True, (s[1:] != s[:-1]) | (r[1:] != r[:-1])]
        part_start = np.maximum.accumulate(np.where(new_part, pos, 0))
        tie_start = np.maximum.accumulate(np.where(new_value, pos, 0))
        out[rows[order]] = tie_start - part_start + 1
    return out


def finish(columns: dict, by: tuple[str, ...], settings: Settings,
           partition: tuple[str, ...] = ()) -> pa.Table:
    """partition, group columns, then METRICS from completed base counts (kpi.metrics.answer).

    partition: columns naming separate slices, ranked apart (a headline's months).
    """
    n = len(columns["received"])
    ranking = ranking_values(settings)
    rates = derived(columns, settings.basically_satisfied_weight, settings.score_weights(), NumpyOps,
                    ranking)
    rates = {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)) for k, v in rates.items()}
    parts = [columns[c] for c in partition]
    if "month" in by and len(by) > 1:
        parts.append(columns["month"])  # streets by month: ranked within each month
    left_out = np.logical_or.reduce(list(unranked(columns["received"], columns["due_cases"],
                                                  rates["score"], settings).values()))
    ranks = rank(rates["score"], columns["received"], ~left_out, parts)
    out = {}
    for name in (*partition, *group_columns(by)):
        out[name] = pa.array(columns[name], pa.string())
    for name in METRICS:
        if name == "rank":
            out[name] = pa.array(ranks, pa.int64(), mask=left_out)
        elif name in COUNT_COLUMNS:
            out[name] = pa.array(columns[name], pa.int64())
        elif name in DERIVED_COUNTS:
            out[name] = pa.array(np.asarray(rates[name]).astype(np.int64), pa.int64())
        else:
            values = rates[name] if name in rates else columns[name]
            out[name] = pa.array(values, pa.float64(), mask=np.isnan(values))
    return pa.table(out)


def stack(parts: dict[str, dict]) -> dict:
    """Several slices' completed columns as one, with a `slice` column naming each row's."""
    names = list(next(iter(parts.values())))
    out = {name: np.concatenate([p[name] for p in parts.values()]) for name in names}
    out["slice"] = np.concatenate([np.full(len(p["received"]), key, dtype=object)
                                   for key, p in parts.items()])
    return out

