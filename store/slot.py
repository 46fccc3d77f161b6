"""A query's named values: placeholders bound at execution, or literals written in.

The facts (taizhang.store.facts) and every KPI expression take their values — as_of,
period, where-values, SLA and stall days — from a `Slot`. The KPI layer compiles an
expression once per shape with placeholders (`$name`) and binds the values at each run
(taizhang.kpi.runner); the aggregate tables' refresh writes them in as literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import ibis
import ibis.expr.datashape as ds
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir


class Bound(ops.Value):
    """A value bound at execution: rendered as the named parameter $key."""

    key: str
    dtype: dt.DataType
    shape = ds.scalar


@dataclass(frozen=True)
class Slot:
    """Hands out a query's named values: placeholders, or literals when `inline` holds them.

    `prefix` keeps the values of two sub-queries of one statement apart (a ranking's
    month and the month before).
    """

    prefix: str = ""
    inline: Mapping[str, object] | None = field(default=None, compare=False, hash=False)

    def __call__(self, name: str, dtype: str) -> ir.Scalar:
        """The value called `name` (of ibis type `dtype`) in the expression."""
        key = self.prefix + name
        if self.inline is not None:
            return ibis.literal(self.inline[key], type=dtype)
        return Bound(key, dt.dtype(dtype)).to_expr()

    def values(self, values: Mapping[str, object]) -> dict[str, object]:
        """Plain values named as this slot names them."""
        return {self.prefix + k: v for k, v in values.items()}


def inline_slot(values: Mapping[str, object]) -> Slot:
    """A Slot writing these values into the expression as literals."""
    return Slot(inline=dict(values))
