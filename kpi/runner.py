"""Running KPI expressions: what the data says before a query is built, and a SQL cache.

Compiling an ibis expression to SQL takes 0.1–0.5 s, far longer than DuckDB needs to run
it on a district's data. An expression is therefore a pure function of a key — the
question (grouping, filters, settings) and the few facts about the data it depends on
(`DataContext`: as_of, the first and last received_on) — and its SQL is compiled once per
key and kept. A pre-aggregated answer arrives as an in-memory table: the cached SQL names
it, and each run registers that run's table under that name.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Callable, Hashable

import ibis.expr.types as ir
import pandas as pd

from kpi.filters import Filters, to_date

CACHE_SIZE = 512
_cache: OrderedDict[Hashable, tuple[str, tuple[str, ...]]] = OrderedDict()
_lock = threading.Lock()

# Latest dates of the data and the span of received_on, in one statement with no values.
CONTEXT_SQL = """
SELECT
    (SELECT min(received_on) FROM cases),
    (SELECT max(received_on) FROM cases),
    (SELECT greatest(max(received_on), max(resolved_on), max(closed_on), max(last_progress_on))
       FROM cases),
    (SELECT max(as_of) FROM imports WHERE status <> 'failed'),
    (SELECT hash(string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, column_index))
       FROM duckdb_columns() WHERE database_name = current_database())
"""


@dataclass(frozen=True)
class DataContext:
    """The facts about the data an expression depends on besides the question itself."""

    as_of: date
    first_received: date | None
    last_received: date | None
    # Compiled SQL names every column: a database with other columns needs its own.
    schema: int = 0
    latest: date | None = None  # the latest date in the data (None: no data)


def raw_connection(ib):
    """The DuckDB connection under an ibis backend."""
    return ib.con


def _context_row(ib) -> tuple:
    first, last, latest_case, latest_import, schema = raw_connection(ib).execute(CONTEXT_SQL).fetchall()[0]
    latest = [d for d in (to_date(latest_case), to_date(latest_import)) if d is not None]
    return to_date(first), to_date(last), max(latest) if latest else None, int(schema or 0)


def latest_dates(ib) -> tuple[date | None, date | None, date | None]:
    """(first received_on, last received_on, latest date in the data) — None when empty."""
    return _context_row(ib)[:3]


def data_context(ib, filters: Filters) -> DataContext:
    """The slice's as_of (its own, else the latest date in the data, else today) and span."""
    first, last, latest, schema = _context_row(ib)
    return DataContext(filters.as_of or latest or date.today(), first, last, schema, latest)


def run(ib, key: Hashable, build: Callable[[], ir.Table],
        inputs: tuple[ir.Table, ...] = ()) -> pd.DataFrame:
    """Execute the expression build() returns, compiling it only the first time for key.

    `inputs` are the in-memory tables (ibis.memtable) the expression reads; their data may
    differ from run to run, their schema may not.
    """
    with _lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
    if entry is None:
        expr = build()
        entry = (ib.compile(expr), tuple(t.op().name for t in inputs))
        with _lock:
            _cache[key] = entry
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    sql, names = entry
    con = raw_connection(ib)
    for name, table in zip(names, inputs):
        con.register(name, table.op().data.to_pyarrow(table.schema()))
    try:
        return con.execute(sql).df()
    finally:
        for name in names:
            con.unregister(name)


def clear_cache() -> None:
    """Forget every compiled statement (tests; after a schema change)."""
    with _lock:
        _cache.clear()
