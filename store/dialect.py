"""SQL written once, in DuckDB's dialect, run on ClickHouse too: transpiled by sqlglot.

The aggregate tables' statements (store/aggregates.sql) and the few plain statements the
fast path reads them with are written for DuckDB. On a ClickHouse warehouse the same text
is transpiled here, never kept as a second hand-written copy: a statement either
transpiles to one ClickHouse runs with the same result, or the ClickHouse tests fail
(tests/test_clickhouse.py runs every statement of the definition and compares the tables).

Values stay values: each `$name` of the DuckDB text becomes a typed ClickHouse query
parameter `{name: Type}`, its type taken from the Python value bound to it, so nothing is
pasted into the SQL on either engine.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Mapping

import sqlglot
import sqlglot.expressions as sge

# Settings every transpiled statement runs with on ClickHouse, so that it means what it
# means on DuckDB: a key a GROUPING SETS row does not group is NULL (not its type's default
# value), and grouping() sets a bit for each column NOT grouped, as the SQL standard says.
CLICKHOUSE_SETTINGS = {"group_by_use_nulls": 1, "force_grouping_standard_compatibility": 1}


class TranspileError(ValueError):
    """A DuckDB statement sqlglot cannot write in ClickHouse's dialect."""


# Python type → ClickHouse type of a query parameter, first match wins (bool before int,
# datetime before date: each is a subclass of the next).
_TYPES = ((bool, "Bool"), (int, "Int64"), (float, "Float64"), (datetime, "DateTime64(6)"),
          (date, "Date"), (str, "String"))


def clickhouse_type(value) -> str:
    """The ClickHouse type of a query parameter holding `value`."""
    for python_type, name in _TYPES:
        if isinstance(value, python_type):
            return name
    raise TypeError(f"no ClickHouse parameter type for {type(value).__name__}")


def parameter_types(values: Mapping[str, object] | None) -> tuple[tuple[str, str], ...]:
    """(name, ClickHouse type) of each bound value, sorted: a cache key for to_clickhouse."""
    return tuple(sorted((name, clickhouse_type(value)) for name, value in (values or {}).items()))


@lru_cache(maxsize=512)
def to_clickhouse(sql: str, types: tuple[tuple[str, str], ...] = ()) -> str:
    """One DuckDB statement (values as $name) in ClickHouse's dialect, each $name a query
    parameter of the type `types` gives it (parameter_types). TranspileError when sqlglot
    cannot write it, or a $name has no type."""
    kinds = dict(types)
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise TranspileError(f"cannot read the statement as DuckDB's SQL: {exc}") from None

    def typed(node):
        if isinstance(node, (sge.Placeholder, sge.Parameter)):
            name = node.name
            if name not in kinds:
                raise TranspileError(f"no value bound for ${name}")
            return sge.Placeholder(this=name, kind=sge.DataType.build(kinds[name], dialect="clickhouse"))
        return node

    try:
        return tree.transform(typed).sql(dialect="clickhouse",
                                         unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise TranspileError(f"ClickHouse has no equivalent: {exc}") from None
