"""Zero rows: every registry area and every month of the period shows, even without cases.

A community with no cases must read 0, not be missing (SPEC §2). Base counts are
completed with the keys they lack: registry areas (district/street/community, narrowed by
the slice's area filters) crossed with the months of the period when grouping by month
(and nothing but areas).
Other grouping columns of an added row are NULL; its counts are 0 and its measures NULL.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from taizhang.filters import Filters, shift_months
from taizhang.store.facts import where_values
from taizhang.kpi.runner import DataContext
from taizhang.store.slot import Slot

AREA_DIMENSIONS = ("district", "street", "community")


def period_months(filters: Filters, ctx: DataContext) -> list[str]:
    """Every month ('2023-01') from the period's start (else the first case) to its end (≤ as_of)."""
    start = filters.date_from or ctx.first_received
    end = min(filters.date_to or ctx.as_of, ctx.as_of)
    if start is None or start > end:
        return []
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current.strftime("%Y-%m"))
        current = shift_months(current, 1)
    return months


def completion_values(by: tuple[str, ...], filters: Filters, ctx: DataContext) -> dict:
    """{"months": the months to complete} when grouping by month (and areas) and there are any."""
    if "month" not in by or not set(by) <= {*AREA_DIMENSIONS, "month"}:
        return {}
    months = period_months(filters, ctx)
    if filters.values("month"):
        months = [m for m in months if m in filters.values("month")]
    return {"months": months} if months else {}


def completion_keys(ib, by: tuple[str, ...], filters: Filters, slot: Slot,
                    with_months: bool) -> ir.Table | None:
    """The keys every result must contain for this grouping, or None when there are none.

    with_months: completion_values() found months to complete (bound as "months").
    """
    keys: ir.Table | None = None
    area_keys = [d for d in AREA_DIMENSIONS if d in by]
    if area_keys:
        areas = ib.table("areas")
        for dim in AREA_DIMENSIONS:
            if filters.values(dim):
                areas = areas.filter(areas[dim].isin(where_values(slot, filters, dim)))
        keys = areas.select(*area_keys).distinct()
    # Months are completed only across areas (completion_values): a zero row for
    # (official NULL, 2023-02) would read as an unknown official.
    if with_months:
        # A bound array, not a table: the query stays self-contained (kpi.runner).
        month_table = slot("months", "array<string>").unnest().name("month").as_table()
        keys = month_table if keys is None else keys.cross_join(month_table)
    return keys


def complete(ib, counts: ir.Table, by: tuple[str, ...], filters: Filters, slot: Slot,
             with_months: bool, count_columns: tuple[str, ...]) -> ir.Table:
    """counts plus a zero row for every completion key it lacks."""
    keys = completion_keys(ib, by, filters, slot, with_months)
    if keys is None:
        return counts
    key_names = list(keys.columns)
    missing = keys.anti_join(counts, key_names)
    columns = []
    for name, dtype in counts.schema().items():
        if name in key_names:
            columns.append(missing[name].cast(dtype).name(name))
        elif name in count_columns:
            columns.append(ibis.literal(0).cast(dtype).name(name))
        else:
            columns.append(ibis.null(dtype).name(name))
    return counts.union(missing.select(*columns))
