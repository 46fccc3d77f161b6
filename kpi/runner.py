"""Running KPI expressions: a query's SHAPE is compiled once, its VALUES are bound each run.

Compiling an ibis expression to SQL takes 0.2–0.6 s, far longer than DuckDB needs to run
it on a district's data. Every value a question carries — dates, as_of, where-values, SLA
and stall days, weights — therefore enters the expression as a named placeholder
(`Slot`), rendered `$name` in the SQL and bound by DuckDB at execution. The SQL depends
only on the question's shape (grouping, which filters are present and how many values
each has, the SLA calendar kind, the database's columns): it is compiled once per shape
and kept, in memory (LRU) and on disk for the next process (store.sqlstore). A
pre-aggregated answer arrives as an in-memory table: the cached SQL names it, and each
run registers that run's table under that name.

The same expression-building code also serves callers that need plain SQL with literals
(store.aggregates): a Slot (store.slot) given `inline` values renders them as ibis literals.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Hashable, Mapping

import duckdb
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot.expressions as sge

from taizhang import clock
from taizhang.filters import Filters, to_date
from taizhang.kpi import fastpath
from taizhang.kpi.fastpath import LATEST_IMPORT_SQL, SCHEMA_SQL
from taizhang.store import sqlstore
from taizhang.store.slot import Bound

CACHE_SIZE = 512
_cache: OrderedDict[Hashable, tuple[str, tuple[str, ...], tuple[str, ...]]] = OrderedDict()
_lock = threading.Lock()
# How many statements this process has compiled (tests check that a shape compiles once).
compile_count = 0

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
    # The aggregate tables' record read with it (kpi.fastpath.read_state), or None.
    state: dict | None = field(default=None, compare=False, hash=False, repr=False)


def raw_connection(ib):
    """The DuckDB connection under an ibis backend."""
    return ib.con


def rows(ib, sql: str) -> list[tuple]:
    """The rows of a plain statement (no values, SQL both engines read) on either engine."""
    con = raw_connection(ib)
    if is_duckdb(ib):
        return con.execute(sql).fetchall()
    return [tuple(row) for row in con.query(sql).result_rows]


def is_duckdb(ib) -> bool:
    """Whether `ib` runs on DuckDB (else another ibis backend: ClickHouse, taizhang.warehouse)."""
    return isinstance(raw_connection(ib), duckdb.DuckDBPyConnection)


def _other_context_row(ib) -> tuple:
    """_context_row's facts on another engine, as ibis expressions (no aggregates state;
    schema 0: nothing compiled is kept for it)."""
    cases, imports = ib.table("cases"), ib.table("imports")
    dates = cases.aggregate(
        first=cases.received_on.min(), last=cases.received_on.max(),
        **{f"latest_{i}": column.max() for i, column in enumerate((
            cases.received_on, cases.resolved_on, cases.closed_on, cases.last_progress_on,
            cases.responded_at.date(), cases.feedback_at.date()))}).to_pyarrow().to_pylist()[0]
    stored = imports.filter((imports.status != "failed")
                            & (imports.rows_new + imports.rows_updated + imports.rows_unchanged > 0))
    latest_import = stored.aggregate(latest=stored.as_of.max()).to_pyarrow().to_pylist()[0]["latest"]
    latest = [v for k, v in dates.items() if k.startswith("latest_") and v is not None]
    return dates["first"], dates["last"], max(latest) if latest else None, latest_import, 0


def _context_row(ib) -> tuple:
    """(first received, last received, latest date, schema hash, aggregates state or None)."""
    con = raw_connection(ib)
    # One statement in the common case: the aggregate tables' record holds the case dates.
    state = fastpath.read_state(con)
    recorded = fastpath.data_dates(con, state) if state is not None else None
    if recorded is not None:
        first, last, latest_case = recorded
        latest_import, schema = state["latest_import"], state["schema"]
    elif is_duckdb(ib):
        first, last, latest_case, latest_import, schema = con.execute(CONTEXT_SQL).fetchall()[0]
    else:
        first, last, latest_case, latest_import, schema = _other_context_row(ib)
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
        values: Mapping[str, object] | None = None, arrow: bool = False):
    """Execute build()'s expression with `values` bound, compiling it only the first time for key.

    Returns a DataFrame, or the Arrow table itself when `arrow`.

    `key` must name the query's shape: everything that changes the expression other than
    the values its Slot hands out. The expression reads stored tables only (no in-memory
    table: another engine would not have it).
    On an engine other than DuckDB (ClickHouse) the same happens with that engine's query
    parameters (_run_other).
    """
    if not is_duckdb(ib):
        return _run_other(ib, key, build, values or {}, arrow)
    with _lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
    if entry is None:
        entry = sqlstore.load(key)
        if entry is None:
            expr = build()
            sql, names = _compile(ib, expr)
            entry = (sql, names)
            sqlstore.save(key, entry)
        with _lock:
            _cache[key] = entry
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    sql, names = entry
    bound = {name: (values or {})[name] for name in names}
    return fetch(raw_connection(ib), sql, bound, arrow)


# Operations ClickHouse answers as UInt64 while ibis types them int64: cast, or a UNION of a
# count with a zero (kpi.completion) has no common type.
_UNSIGNED_ON_CLICKHOUSE = (ops.Count, ops.CountStar, ops.CountDistinct, ops.CountDistinctStar)
_RANKS = (ops.MinRank, ops.DenseRank)
_CHARACTER_OPS = (ops.Substring, ops.StringLength, ops.Uppercase, ops.Lowercase)
_UNSIGNED_WINDOWS = (ops.RowNumber, *_RANKS)
_other_compilers: dict[type, object] = {}


def _other_compiler(ib):
    """The backend's own compiler, with ibis's integer types kept (see _UNSIGNED_ON_CLICKHOUSE)."""
    base = type(type(ib).compiler)  # the backend class's own, whatever this instance holds
    compiler = _other_compilers.get(base)
    if compiler is None:
        class Compiler(base):
            def visit_node(self, op, **kwargs):
                result = super().visit_node(op, **kwargs)
                if isinstance(op, _CHARACTER_OPS):
                    result = result.transform(self._in_characters)
                if isinstance(op, ops.WindowFunction) and isinstance(op.func, _RANKS):
                    # ibis gives every window a ROWS frame; ClickHouse's rank() then takes
                    # each row as its own peer (ties ranked 4, 5 instead of 4, 4).
                    for window in result.find_all(sge.Window):
                        window.set("spec", None)
                if isinstance(op, _UNSIGNED_ON_CLICKHOUSE) or (
                        isinstance(op, ops.WindowFunction) and isinstance(op.func, _UNSIGNED_WINDOWS)):
                    return sge.Cast(this=result, to=self.type_mapper.from_ibis(op.dtype))
                return result

            def visit_Bound(self, op, *, key, dtype):
                return sge.Placeholder(this=key, kind=self.type_mapper.from_ibis(dtype))

            def _in_characters(self, node):
                # ClickHouse's substring/length/upper count bytes; DuckDB's count characters.
                if isinstance(node, sge.Substring):
                    args = [node.this, node.args["start"]] + ([node.args["length"]] if node.args.get("length") else [])
                    return self.f.substringUTF8(*args)
                if isinstance(node, sge.Length):
                    return self.f.lengthUTF8(node.this)
                if isinstance(node, (sge.Upper, sge.Lower)):
                    return (self.f.upperUTF8 if isinstance(node, sge.Upper) else self.f.lowerUTF8)(node.this)
                return node

            def visit_Limit(self, op, *, parent, n, offset):
                # A bound limit is a parameter of the LIMIT clause, not the scalar subquery
                # ibis writes for a limit that is an expression (ClickHouse would run it per
                # row); LIMIT takes no Nullable type.
                if not (isinstance(op.n, Bound) and isinstance(op.offset, Bound)):
                    return super().visit_Limit(op, parent=parent, n=n, offset=offset)
                result = super().visit_Limit(op, parent=parent, n=None, offset=0)
                select = result.this if isinstance(result, sge.Subquery) else result
                plain = lambda bound: sge.Placeholder(  # noqa: E731
                    this=bound.key, kind=self.type_mapper.from_ibis(bound.dtype.copy(nullable=False)))
                select.limit(plain(op.n), copy=False).offset(plain(op.offset), copy=False)
                return result

            def visit_GroupConcat(self, op, *, arg, sep, where, order_by):
                # ClickHouse has no ordered string_agg: ordered by the value itself (the
                # one ordering the KPI layer asks for), the gathered array is sorted.
                if not order_by:
                    return super().visit_GroupConcat(op, arg=arg, sep=sep, where=where, order_by=order_by)
                if len(op.order_by) != 1 or op.order_by[0].arg != op.arg or not op.order_by[0].ascending:
                    raise NotImplementedError("group_concat ordered by anything but its value, ascending")
                call = self.f.arraySort(self.agg.groupArray(arg, where=where))
                return self.if_(self.f.empty(call), sge.Null(), self.f.arrayStringConcat(call, sep))

        compiler = _other_compilers[base] = Compiler()
    return compiler


def _run_other(ib, key: Hashable, build: Callable[[], ir.Table], values: Mapping[str, object],
               arrow: bool):
    """run() on a non-DuckDB backend (ClickHouse): the SQL, compiled once per shape, names
    each value as a server-side query parameter ({name: Type}), bound at execution."""
    cache_key = ("other", type(ib).__name__, key)
    with _lock:
        entry = _cache.get(cache_key)
        if entry is not None:
            _cache.move_to_end(cache_key)
    if entry is None:
        expr = build()
        names = tuple(sorted({node.key for node in expr.op().find(Bound)}))
        sql = _other_compiler(ib).to_sqlglot(expr).sql(dialect=ib.dialect)
        names = tuple(n for n in names if re.search(r"\{" + re.escape(n) + r":", sql))
        entry = (sql, expr.schema().to_pyarrow(), names)
        with _lock:
            _cache[cache_key] = entry
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    sql, schema, names = entry
    table = raw_connection(ib).query_arrow(sql, parameters={n: values[n] for n in names},
                                           use_strings=True)
    # ClickHouse's own types (UInt8 booleans, UInt64 counts) as the expression's.
    table = pa.table([_conform(table.column(i), field.type) for i, field in enumerate(schema)],
                     schema=schema)
    return table if arrow else table.to_pandas()


def _conform(column: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    """A ClickHouse result column as the expression's type. Lists of structs (ClickHouse
    tuples) are matched field by field in order: Arrow casts structs by field name, and
    a tuple's names differ, which would turn every value NULL."""
    if not (pa.types.is_list(target) and pa.types.is_struct(target.value_type)):
        return column.cast(target)
    lists = column.combine_chunks()
    inner = lists.values
    fields = list(target.value_type)
    struct = pa.StructArray.from_arrays(
        [inner.field(i).cast(f.type) for i, f in enumerate(fields)], fields=fields)
    return pa.chunked_array([pa.ListArray.from_arrays(lists.offsets, struct, type=target,
                                                      mask=lists.is_null())])


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
    """Run one statement with bound values: a DataFrame, or an Arrow table when `arrow`.

    `sql` is DuckDB's; on a ClickHouse client it runs transpiled (store.dialect), each
    $name a query parameter."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        from taizhang.store.dialect import CLICKHOUSE_SETTINGS, parameter_types, to_clickhouse

        table = con.query_arrow(to_clickhouse(sql, parameter_types(values)),
                                parameters=dict(values) if values else None,
                                settings=CLICKHOUSE_SETTINGS, use_strings=True)
        return table if arrow else table.to_pandas()
    result = con.execute(parsed(con, sql), dict(values) if values else None)
    return result.to_arrow_table() if arrow else result.df()


def clear_cache() -> None:
    """Forget every compiled statement (tests; after a schema change)."""
    with _lock:
        _cache.clear()
        _parsed.clear()
