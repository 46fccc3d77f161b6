"""Zero rows: every registry area and every month of the period shows, even without cases.

A community with no cases must read 0, not be missing (SPEC §2). Base counts are
completed with the keys they lack: registry areas (district/street/community, narrowed by
the slice's area filters) crossed with the months of the period when grouping by month
(and nothing but areas).
Other grouping columns of an added row are NULL; its counts are 0 and its measures NULL.
The rows are added in memory for both sources of base counts (kpi.inmemory.complete).
"""

from __future__ import annotations

from taizhang.kpi import runner
from taizhang.filters import Filters, shift_months
from taizhang.kpi.runner import DataContext

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


def registry_areas(ib, state: dict | None, by: tuple[str, ...]) -> tuple[tuple[str, str, str], ...] | None:
    """The registry's (district, street, community) rows, when `by` groups by an area:
    from the state read with the question (kpi.fastpath.read_state), else asked."""
    if not any(d in by for d in AREA_DIMENSIONS):
        return None
    if state is not None and "areas" in state:
        return state["areas"]
    from taizhang.kpi import fastpath

    return tuple(tuple(row) for row in runner.rows(ib, fastpath.AREAS_SQL))
