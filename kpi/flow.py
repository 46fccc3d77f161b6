"""Cases resolved in a period whatever month they came in (本月办结), beside the cohort count.

kpi.metrics' `resolved` counts the cases RECEIVED in the slice's period that are resolved
as of as_of (当期受理已解决: for one month, 当月受理当月办结). A leader also asks how many
cases were resolved IN the month, whatever month they came in (本月办结): the month's
work, which the cumulative count's change from one month-end to the next shows too.
Two questions, two names (kpi.definitions).
"""

from __future__ import annotations

from dataclasses import replace

import ibis.expr.types as ir

from taizhang.kpi import runner
from taizhang.store import sla
from taizhang.store.facts import backend, case_facts, settings_or_default, slice_shape, slice_values
from taizhang.filters import Filters
from taizhang.store.slot import Slot
from taizhang.settings import Settings


def resolved_in_period(con, filters: Filters, settings: Settings | None = None) -> int:
    """本月办结: cases of the slice's areas resolved as of as_of with resolved_on in the
    slice's period [date_from, date_to] (either end open when not given), any received date."""
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    span = (ctx.first_received, ctx.last_received)
    areas = replace(filters, date_from=None, date_to=None, as_of=ctx.as_of)
    values = slice_values(areas, settings, ctx.as_of, span)
    values.update(resolved_from=filters.date_from, resolved_to=filters.date_to)
    slot = Slot()

    def build() -> ir.Table:
        t = case_facts(ib, areas, settings, ctx.as_of, columns=("resolved_on",), span=span,
                       slot=slot, facts=("is_resolved",))
        conditions = [t.is_resolved, t.resolved_on.notnull()]
        if filters.date_from:
            conditions.append(t.resolved_on >= slot("resolved_from", "date"))
        if filters.date_to:
            conditions.append(t.resolved_on <= slot("resolved_to", "date"))
        t = t.filter(*conditions)
        return t.aggregate(n=t.count())

    key = ("resolved_in_period", slice_shape(areas), bool(filters.date_from), bool(filters.date_to),
           sla.due_shape(settings, span), ctx.schema)
    return int(runner.run(ib, key, build, values)["n"].iloc[0])
