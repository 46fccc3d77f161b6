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
"""

from __future__ import annotations

# table → the condition (on its own columns) keeping the scope's rows. `scope_streets`
# is the temporary table of the scope's streets, filled with bound values.
IN_SCOPE = "street IN (SELECT street FROM temp.scope_streets)"
SCOPED_CASES = "case_id IN (SELECT case_id FROM temp.main.cases)"
SCOPED_TABLES = {
    "cases": IN_SCOPE,
    "areas": IN_SCOPE,
    "meetings": IN_SCOPE,
    "case_officials": SCOPED_CASES,
    "case_events": SCOPED_CASES,
    "meeting_attendance": "meeting_id IN (SELECT meeting_id FROM temp.main.meetings)",
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


def restrict(con, streets: tuple[str, ...]) -> None:
    """Make every later statement on `con` see only the cases of `streets`."""
    if not streets:
        raise ScopeError("空的街道范围 / an empty street scope: the person sees nothing.")
    catalog = _quoted(con.execute("SELECT current_database()").fetchall()[0][0])
    stored = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
        "AND database_name = current_database()").fetchall()}
    con.execute("CREATE OR REPLACE TEMP TABLE scope_streets AS SELECT unnest(?::VARCHAR[]) AS street",
                [list(streets)])
    # One round trip for every view (each statement alone costs a few milliseconds).
    con.execute(";\n".join(f"CREATE OR REPLACE TEMP VIEW {table} AS "
                           f"SELECT * FROM {catalog}.main.{table} WHERE {keep}"
                           for table, keep in SCOPED_TABLES.items() if table in stored))
    # Fail closed: a table left unscoped would answer for every street.
    shadowed = {name for (name,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    missing = (set(SCOPED_TABLES) & stored) - shadowed
    if missing:
        raise ScopeError(f"街道范围未能生效 / the street scope is not in place for {sorted(missing)}")


def scoped_streets(con) -> tuple[str, ...] | None:
    """The streets `con` is restricted to, or None when it is not."""
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary "
                      "AND table_name = 'scope_streets'").fetchall()[0][0]
    if not has:
        return None
    return tuple(r[0] for r in con.execute("SELECT street FROM temp.scope_streets ORDER BY street").fetchall())
