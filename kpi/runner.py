"""Running KPI expressions: a query's SHAPE is compiled once, its VALUES are bound each run.

Compiling an ibis expression to SQL takes 0.2–0.6 s, far longer than DuckDB needs to run
it on a district's data. Every value a question carries — dates, as_of, where-values, SLA
and stall days, weights — therefore enters the expression as a named placeholder
(`Slot`), rendered `$name` in the SQL and bound by DuckDB at execution. The SQL depends
only on the question's shape (grouping, which filters are present and how many values
each has, the SLA calendar kind, the database's columns): it is compiled once per shape
and kept, in memory (LRU) and on disk for the next process (kpi.sqlstore). A
pre-aggregated answer arrives as an in-memory table: the cached SQL names it, and each
run registers that run's table under that name.

The same expression-building code also serves callers that need plain SQL with literals
(etl.aggregates): a Slot given `inline` values renders them as ibis literals.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Hashable, Mapping

import ibis
import ibis.expr.datashape as ds
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import sqlglot.expressions as sge

from taizhang import clock
from taizhang.kpi import sqlstore
from taizhang.kpi.filters import Filters, to_date

CACHE_SIZE = 512
_cache: OrderedDict[Hashable, tuple[str, tuple[str, ...], tuple[str, ...]]] = OrderedDict()
_lock = threading.Lock()
# How many statements this process has compiled (tests check that a shape compiles once).
compile_count = 0

# Compiled SQL names columns, so its key holds a hash of the tables' definitions (their
# CREATE statements: a third of the cost of hashing duckdb_columns()).
SCHEMA_SQL = ("SELECT hash(string_agg(sql, ';' ORDER BY database_name, table_name)) "
              "FROM duckdb_tables() WHERE NOT temporary")
# The as-of date of the latest import that stored something: a file that failed, or whose
# every row was rejected, says nothing about how far the data goes.
LATEST_IMPORT_SQL = """
    SELECT max(as_of) FROM imports
    WHERE status <> 'failed' AND rows_new + rows_updated + rows_unchanged > 0"""
# Latest dates of the data and the span of received_on, in one statement with no values.
CONTEXT_SQL = f"""
SELECT
    (SELECT min(received_on) FROM cases),
    (SELECT max(received_on) FROM cases),
    (SELECT greatest(max(received_on), max(resolved_on), max(closed_on), max(last_progress_on),
                     max(responded_at)::DATE, max(feedback_at)::DATE)
       FROM cases),
    ({LATEST_IMPORT_SQL}),
    ({SCHEMA_SQL})
"""


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


_compiler = None


def _compile(ib, expr: ir.Table) -> tuple[str, tuple[str, ...]]:
    """(SQL with $name placeholders, the names it binds)."""
    global _compiler, compile_count
    if _compiler is None:
        base = type(ib.compiler)

        class Compiler(base):
            def visit_Bound(self, op, *, key, dtype):
                # Cast: DuckDB then knows each parameter's type wherever it is used.
                return sge.Cast(this=sge.Placeholder(this=key), to=self.type_mapper.from_ibis(dtype))

            def visit_Limit(self, op, *, parent, n, offset):
                # ibis wraps a non-literal limit in a scalar subquery; a bound one needs none.
                if not (isinstance(op.n, Bound) and isinstance(op.offset, Bound)):
                    return super().visit_Limit(op, parent=parent, n=n, offset=offset)
                result = super().visit_Limit(op, parent=parent, n=None, offset=0)
                select = result.this if isinstance(result, sge.Subquery) else result
                select.limit(n, copy=False).offset(offset, copy=False)
                return result

        _compiler = Compiler()
    names = tuple(sorted({node.key for node in expr.op().find(Bound)}))
    sql = _compiler.to_sqlglot(expr).sql(dialect=ib.dialect)
    # A value only an unused column needed is pruned from the SQL: DuckDB refuses to bind it.
    names = tuple(n for n in names if re.search(rf"\${re.escape(n)}\b", sql))
    with _lock:
        compile_count += 1
    return sql, names


@dataclass(frozen=True)
class DataContext:
    """The facts about the data an expression depends on besides the question itself."""

    as_of: date
    first_received: date | None
    last_received: date | None
    # Compiled SQL names every column: a database with other columns needs its own.
    schema: int = 0
    latest: date | None = None  # the latest date in the data (None: no data)
    # The aggregate tables' record read with it (kpi.aggregated.read_state), or None.
    state: dict | None = field(default=None, compare=False, hash=False, repr=False)


def raw_connection(ib):
    """The DuckDB connection under an ibis backend."""
    return ib.con


def _context_row(ib) -> tuple:
    """(first received, last received, latest date, schema hash, aggregates state or None)."""
    con = raw_connection(ib)
    # One statement in the common case: the aggregate tables' record holds the case dates.
    from taizhang.kpi import aggregated

    state = aggregated.read_state(con)
    recorded = aggregated.data_dates(con, state) if state is not None else None
    if recorded is not None:
        first, last, latest_case = recorded
        latest_import, schema = state["latest_import"], state["schema"]
    else:
        first, last, latest_case, latest_import, schema = con.execute(CONTEXT_SQL).fetchall()[0]
    latest = [d for d in (to_date(latest_case), to_date(latest_import)) if d is not None]
    return (to_date(first), to_date(last), max(latest) if latest else None, int(schema or 0),
            state)


def latest_dates(ib) -> tuple[date | None, date | None, date | None]:
    """(first received_on, last received_on, latest date in the data) — None when empty."""
    return _context_row(ib)[:3]


def data_context(ib, filters: Filters, known: DataContext | None = None) -> DataContext:
    """The slice's as_of (its own, else the latest date in the data, else today) and span.

    `known`: a context read moments ago for the same question (a headline's earlier
    months): its facts about the data are reused instead of asking the database again.
    """
    if known is not None:
        first, last, latest, schema = known.first_received, known.last_received, known.latest, known.schema
        state = known.state
    else:
        first, last, latest, schema, state = _context_row(ib)
    return DataContext(filters.as_of or latest or clock.today(), first, last, schema, latest, state)


def run(ib, key: Hashable, build: Callable[[], ir.Table],
        values: Mapping[str, object] | None = None,
        inputs: tuple[ir.Table, ...] = (), arrow: bool = False):
    """Execute build()'s expression with `values` bound, compiling it only the first time for key.

    Returns a DataFrame, or the Arrow table itself when `arrow`.

    `key` must name the query's shape: everything that changes the expression other than
    the values its Slot hands out. `inputs` are the in-memory tables (ibis.memtable) the
    expression reads; their data may differ from run to run, their schema may not.
    """
    with _lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
    if entry is None:
        entry = sqlstore.load(key)
        if entry is None:
            expr = build()
            sql, names = _compile(ib, expr)
            entry = (sql, tuple(t.op().name for t in inputs), names)
            sqlstore.save(key, entry)
        with _lock:
            _cache[key] = entry
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    sql, input_names, names = entry
    con = raw_connection(ib)
    bound = {name: (values or {})[name] for name in names}
    for name, table in zip(input_names, inputs):
        con.register(name, table.op().data.to_pyarrow(table.schema()))
    try:
        return fetch(con, sql, bound, arrow)
    finally:
        for name in input_names:
            con.unregister(name)


_parsed: OrderedDict[str, object] = OrderedDict()
# DuckDB's DB-API result warns that Arrow output copies the rows; our results are small,
# and con.sql() (the relation API it suggests) binds every statement twice (2-3× the cost).
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


def parsed(con, sql: str):
    """The statement `sql` parsed once per process (parsing 10 KB of SQL costs milliseconds)."""
    with _lock:
        statement = _parsed.get(sql)
        if statement is not None:
            _parsed.move_to_end(sql)
            return statement
    statement = con.extract_statements(sql)[0]
    with _lock:
        _parsed[sql] = statement
        while len(_parsed) > CACHE_SIZE:
            _parsed.popitem(last=False)
    return statement


def fetch(con, sql: str, values: Mapping[str, object] | None = None, arrow: bool = False):
    """Run one statement with bound values: a DataFrame, or an Arrow table when `arrow`."""
    result = con.execute(parsed(con, sql), dict(values) if values else None)
    return result.to_arrow_table() if arrow else result.df()


def clear_cache() -> None:
    """Forget every compiled statement (tests; after a schema change)."""
    with _lock:
        _cache.clear()
        _parsed.clear()
