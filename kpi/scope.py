"""A person's street scope, enforced where every query starts: the connection itself.

`restrict(con, streets)` puts, in front of each stored table that holds cases or their
streets, a temporary view of the same name showing only the rows of those streets.
DuckDB resolves a name to the temporary view before the stored table, so every
statement on that connection — the KPI layer's compiled SQL, its raw statements, case
detail by id, lists, exports, reports — reads the scoped rows, whatever page or command
asked. The SQL text does not change, so compiled statements are shared safely (kpi.runner
binds values only).

The aggregate tables answer for every street at once, so the fast path must decline: the
record that lets it answer (meta's 'aggregates…' keys) is hidden, and the aggregate tables
themselves show only the scope's streets' rows (a grain without a street shows none).

Each cursor of a DuckDB connection is a connection of its own: restrict each one that
runs a scoped question (dashboard.loaders does, for every query of a scoped person).

On a ClickHouse warehouse the same conditions make a scope database per (published
generation, set of streets), `<generation>_scope_<hash of the streets>`: a table
`scope_streets` holding the streets (inserted as bound values, never written into SQL
text), and for every table of the generation a view of the same name, `SELECT * FROM
<generation>.<table> WHERE <its condition>` (tables without a condition pass through
whole). `restrict` binds the client to it instead of the generation, so every statement
reads the scoped rows through the same unqualified names. It is made once, by the first
reader who needs it, and dropped with its generation (taizhang.etl.publish).
"""

from __future__ import annotations

import hashlib
import json

import duckdb

from taizhang.store.names import quote
from taizhang.warehouse import SCOPE_MARK, scope_databases  # noqa: F401 (the scope's names)

# table → the condition (on its own columns) keeping the scope's rows. `{scope}` is where
# the scope lives (DuckDB: the connection's temporary schema; ClickHouse: the scope
# database); its `scope_streets` table holds the scope's streets, filled with bound values.
STREETS_TABLE = "scope_streets"
IN_SCOPE = "street IN (SELECT street FROM {scope}.scope_streets)"
SCOPED_CASES = "case_id IN (SELECT case_id FROM {scope}.cases)"
SCOPED_TABLES = {
    "cases": IN_SCOPE,
    "areas": IN_SCOPE,
    "meetings": IN_SCOPE,
    "case_officials": SCOPED_CASES,
    "case_events": SCOPED_CASES,
    "meeting_attendance": "meeting_id IN (SELECT meeting_id FROM {scope}.meetings)",
    # A rejected row has no trusted street: a scoped person sees none.
    "rejects": "false",
    "meta": "key NOT LIKE 'aggregates%'",
    "agg_counts": IN_SCOPE,
    "agg_days": IN_SCOPE,
    "agg_open": IN_SCOPE,
    "agg_open_cases": IN_SCOPE,
    "agg_cohort": IN_SCOPE,
}


class ScopeError(RuntimeError):
    """The scope could not be put in place (the question must not run unscoped)."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


DUCKDB_SCOPE = "temp.main"


def restrict(con, streets: tuple[str, ...]) -> None:
    """Make every later statement on `con` see only the cases of `streets`.

    `con`: a DuckDB connection (temporary views), or on a ClickHouse warehouse a client or
    ibis backend bound to a published generation (rebound to its scope database)."""
    if not streets:
        raise ScopeError("空的街道范围 / an empty street scope: the person sees nothing.")
    if not isinstance(con, duckdb.DuckDBPyConnection):
        client = getattr(con, "con", con)  # an ibis backend: its client
        client.database = restrict_warehouse(client, str(client.database), streets)
        return
    catalog = _quoted(con.execute("SELECT current_database()").fetchall()[0][0])
    stored = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
        "AND database_name = current_database()").fetchall()}
    con.execute("CREATE OR REPLACE TEMP TABLE scope_streets AS SELECT unnest(?::VARCHAR[]) AS street",
                [list(streets)])
    # One round trip for every view (each statement alone costs a few milliseconds).
    con.execute(";\n".join(f"CREATE OR REPLACE TEMP VIEW {table} AS "
                           f"SELECT * FROM {catalog}.main.{table} WHERE {keep.format(scope=DUCKDB_SCOPE)}"
                           for table, keep in SCOPED_TABLES.items() if table in stored))
    # Fail closed: a table left unscoped would answer for every street.
    shadowed = {name for (name,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    missing = (set(SCOPED_TABLES) & stored) - shadowed
    if missing:
        raise ScopeError(f"街道范围未能生效 / the street scope is not in place for {sorted(missing)}")


def scoped_streets(con) -> tuple[str, ...] | None:
    """The streets `con` is restricted to, or None when it is not."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        client = getattr(con, "con", con)  # an ibis backend: its client
        if SCOPE_MARK not in str(getattr(client, "database", "") or ""):
            return None
        return tuple(sorted({str(r[0]) for r in client.query(f"SELECT street FROM {STREETS_TABLE}").result_rows}))
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary "
                      "AND table_name = 'scope_streets'").fetchall()[0][0]
    if not has:
        return None
    return tuple(r[0] for r in con.execute("SELECT street FROM temp.scope_streets ORDER BY street").fetchall())


def scope_database(generation: str, streets: tuple[str, ...]) -> str:
    """The name of the scope database of `streets` on `generation`: a hash, so no street
    name is ever part of an identifier."""
    digest = hashlib.sha256(json.dumps(sorted(set(streets))).encode("utf-8")).hexdigest()[:32]
    return f"{generation}{SCOPE_MARK}{digest}"


def _tables(client, database: str) -> dict[str, str]:
    """name → engine of the tables in a ClickHouse database (the name is a bound value)."""
    rows = client.query("SELECT name, engine FROM system.tables WHERE database = {db:String}",
                        parameters={"db": database}).result_rows
    return {str(name): str(engine) for name, engine in rows}


def _complete(client, generation: str, scope: str, streets: tuple[str, ...]) -> bool:
    """Whether `scope` holds exactly `streets` and a view for every table of `generation`."""
    held = _tables(client, scope)
    if STREETS_TABLE not in held:
        return False
    wanted = set(_tables(client, generation))
    if not wanted or any(held.get(table) != "View" for table in wanted):
        return False
    found = {str(r[0]) for r in client.query(f"SELECT street FROM {quote(scope)}.{STREETS_TABLE}").result_rows}
    return found == set(streets)


def restrict_warehouse(client, generation: str, streets: tuple[str, ...]) -> str:
    """The scope database of `streets` on ClickHouse generation `generation`, made when
    missing (every statement idempotent: two readers making it at once make one); raises
    ScopeError unless it is complete. The streets are inserted as values; the conditions
    are SCOPED_TABLES' with `{scope}` the scope database."""
    if SCOPE_MARK in generation:
        raise ScopeError(f"街道范围已生效 / {generation} is a scope already, not a generation")
    streets = tuple(sorted(set(streets)))
    scope = scope_database(generation, streets)
    key = (id(client), scope)
    if key in _checked:  # complete when checked: a published generation never changes
        return scope
    if _complete(client, generation, scope, streets):
        _remember(key)
        return scope
    try:
        _build(client, generation, scope, streets)
    except Exception as exc:  # noqa: BLE001 - the server's own errors (rights, a lost connection)
        raise ScopeError(
            f"无法建立街道范围 {scope}(看板使用的 ClickHouse 用户需要 CREATE DATABASE、CREATE VIEW 权限)/ "
            f"cannot make the street scope {scope}: the dashboard's ClickHouse user needs the right to "
            f"create databases and views ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
    # Fail closed: a table left unscoped, or other streets, would answer for more.
    if not _complete(client, generation, scope, streets):
        raise ScopeError(f"街道范围未能生效 / the street scope is not in place in {scope}")
    _remember(key)
    return scope


# (client, scope database) checked complete in this process: later questions bind at once.
_checked: set[tuple[int, str]] = set()


def _remember(key: tuple[int, str]) -> None:
    if len(_checked) > 256:
        _checked.clear()
    _checked.add(key)


def _build(client, generation: str, scope: str, streets: tuple[str, ...]) -> None:
    gen, db = quote(generation), quote(scope)
    client.command(f"CREATE DATABASE IF NOT EXISTS {db}")
    client.command(f"CREATE TABLE IF NOT EXISTS {db}.{STREETS_TABLE} (street String) "
                   "ENGINE = MergeTree ORDER BY street")
    present = {str(r[0]) for r in client.query(f"SELECT street FROM {db}.{STREETS_TABLE}").result_rows}
    if not present:  # a race adds the same streets twice: IN reads them once
        client.insert(f"{scope}.{STREETS_TABLE}", [[s] for s in streets], column_names=["street"])
    # Views other views read (cases, meetings) first.
    tables = sorted(_tables(client, generation), key=lambda t: (t not in ("cases", "meetings"), t))
    for table in tables:
        keep = SCOPED_TABLES.get(table)
        where = f" WHERE {keep.format(scope=db)}" if keep else ""
        client.command(f"CREATE VIEW IF NOT EXISTS {db}.{quote(table)} AS SELECT * FROM {gen}.{quote(table)}{where}")


