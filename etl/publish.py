"""Publishing an import to a ClickHouse warehouse: all of a file or nothing, readers never see half.

Each ledger file is read and normalised by the ETL into the local DuckDB file (the
normaliser, taizhang.warehouse.normaliser_path), inside that file's transaction. Before the
transaction commits, the tables the KPI layer reads are written, as the transaction sees
them, into a NEW ClickHouse database, a generation (`<db>_g<N>`). Only when every table is
written does one row appended to `<db>.published` make that generation the current one: a
single-row INSERT, atomic in ClickHouse. So

- a file that fails anywhere (while normalising, or halfway through writing its tables)
  leaves the warehouse as it was: the unfinished generation is dropped, the pointer never
  named it, and the DuckDB transaction rolls back;
- a re-imported file changes nothing: the normaliser finds every row unchanged (as on
  DuckDB), and the new generation holds the same rows as the one before;
- a reader (taizhang.warehouse.reading) picks the current generation when it opens and
  reads only that database until it closes: never a mixture of two imports. The previous
  generation is kept for readers still on it; older ones are dropped.

Why generations rather than ReplacingMergeTree with FINAL reads: an import touches several
tables (cases, their officials, events, rejects, imports); a version column makes each
table's rows replace atomically, but not the tables together, and a failed file's rows
would have to be deleted again with mutations. A generation is plain MergeTree tables read
without FINAL, so the KPI queries are the same as on DuckDB. The cost is writing every
table per file (seconds per million cases on one node), and building the aggregate
tables anew; docs/scale-out.md says how it scales.
"""

from __future__ import annotations

import time

from taizhang.store import aggregates
from taizhang.warehouse import POINTER, current_generation, published_generations  # noqa: F401 (re-exported)

# The stored tables a warehouse holds: everything the KPI layer and the lists read. Not
# the access tables (grants, audit_log: the dashboard's own, local to its server). The
# aggregate tables (agg_*, the fast path) are built in each generation by ClickHouse from
# its cases, by the same definition as DuckDB's (store.aggregates.build_clickhouse), and
# meta's record of them is that build's, not the normaliser's.
PUBLISHED = ("meta", "areas", "service_groups", "imports", "rejects", "meetings", "cases", "raw_layouts",
             "legacy_keys", "officials", "case_officials", "meeting_attendance", "case_events")
# Rows per INSERT: bounded memory for a large table.
BATCH_ROWS = 500_000


def _generation_name(base: str, generation: int) -> str:
    return f"{base}_g{generation}"


def _ensure_pointer(con, base: str) -> None:
    from taizhang.warehouse import quote

    con.command(f"CREATE DATABASE IF NOT EXISTS {quote(base)}")
    con.command(f"CREATE TABLE IF NOT EXISTS {quote(base)}.{POINTER} "
                "(generation UInt64, database String, published_at DateTime64(3, 'UTC')) "
                "ENGINE = MergeTree ORDER BY generation")


def _write_table(con, ib, database: str, name: str, duck) -> None:
    """Create `database.name` with the DuckDB table's columns and copy its rows."""
    import ibis

    # meta without the normaliser's record of its aggregate tables: the generation's own
    # are recorded when they are built.
    rows = "SELECT * FROM meta WHERE key NOT LIKE 'aggregates%'" if name == "meta" else f"SELECT * FROM {name}"
    reader = duck.sql(rows).to_arrow_reader(BATCH_ROWS)
    schema = ibis.Schema.from_pyarrow(reader.schema)
    ib.create_table(name, schema=schema, database=database)
    for batch in reader:
        if batch.num_rows:
            import pyarrow as pa

            con.insert_arrow(f"{database}.{name}", pa.Table.from_batches([batch]))


def publish(duck, wh) -> str:
    """Write the tables as `duck` (the normaliser, inside the file's transaction) sees them
    into a new generation of warehouse `wh` and make it current; returns its database.

    Raises whatever failed, after dropping the unfinished generation."""
    import ibis

    from taizhang.warehouse import client, quote

    con = client(wh)
    base = wh.database
    _ensure_pointer(con, base)
    known = published_generations(con, base)
    # Unique even if two writers publish at once (the later pointer row wins).
    generation = max([time.time_ns() // 1000, *(g + 1 for g, _ in known)])
    database = _generation_name(base, generation)
    ib = ibis.clickhouse.from_connection(con)
    con.command(f"CREATE DATABASE {quote(database)}")
    try:
        stored = {name for (name,) in duck.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
        for name in PUBLISHED:
            if name in stored:
                _write_table(con, ib, database, name, duck)
        if "cases" in stored:
            aggregates.build_clickhouse(con, database)
        con.insert(f"{base}.{POINTER}", [[generation, database, _now()]],
                   column_names=["generation", "database", "published_at"])
    except BaseException:
        con.command(f"DROP DATABASE IF EXISTS {quote(database)}")
        raise
    _drop_old(con, base, [(generation, database), *known])
    return database


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _drop_old(con, base: str, generations: list[tuple[int, str]], keep: int = 2) -> None:
    """Drop all but the `keep` newest generations (a reader may still be on the one before)."""
    from taizhang.warehouse import quote, scope_databases

    for generation, database in generations[keep:]:
        for scope in scope_databases(con, database):  # its street scopes' views first
            con.command(f"DROP DATABASE IF EXISTS {quote(scope)}")
        con.command(f"DROP DATABASE IF EXISTS {quote(database)}")
        con.command(f"ALTER TABLE {quote(base)}.{POINTER} DELETE WHERE generation = {int(generation)}")


def generations(wh) -> list[str]:
    """The generation databases the pointer names, newest first (tests, `taizhang` status)."""
    from taizhang.warehouse import client

    return [database for _, database in published_generations(client(wh), wh.database)]
