"""Creates and migrates the canonical schema (store/schema.sql) and records its version."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from taizhang.store import sql_text
from taizhang.store.remask import record_mask_version, remask

SCHEMA_VERSION = 9
# 6: grants and audit_log (docs/access.md). New tables only: the DDL creates them, so the
# migration from 5 has no step of its own.
# 7: meetings.feedback (and the service_groups table, which the DDL creates): a named step,
# so that renumbering it beside another migration is one line.
FEEDBACK_VERSION = 7
# 8: the version whose migration rebuilds `cases` for the hotline statuses and timestamps
# (_hotline_cases). The rebuild copies any column by name, whatever was added before it.
HOTLINE_VERSION = 8
# 9: cases.raw holds a row's cells as a JSON array and cases.raw_layout names its headers,
# stored once in raw_layouts, instead of a JSON object repeating them in every row. The
# migration rebuilds `cases` (a column is added) and splits each JSON object into its
# values and keys (_raw_values).
RAW_VALUES_VERSION = 9

# Tables whose key index schema 3 drops (see schema.sql): rebuilt by the 2 → 3 migration.
UNINDEXED = ("cases", "case_officials")


def schema_sql() -> str:
    """The DDL text of the current schema."""
    return sql_text("schema.sql")


def stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version recorded in the database, or None for an empty file."""
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()[0]
    if not has_meta:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and bring an older database up to SCHEMA_VERSION."""
    version = stored_version(con)
    if version is not None and version > SCHEMA_VERSION:
        raise RuntimeError(
            f"数据库版本 {version} 比本程序新 / the database was written by a newer "
            f"Taizhang (schema {version} > {SCHEMA_VERSION}); upgrade Taizhang."
        )
    # Migrations, in order, each on the tables as the previous version left them.
    if version is not None and version < 2:
        # cases.last_seen_on: a version older than the one already loaded must not move a
        # case back; until the next import, the as-of of the import that last wrote it.
        con.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS last_seen_on DATE")
        con.execute("""
            UPDATE cases SET last_seen_on = imports.as_of FROM imports
            WHERE cases.import_id = imports.import_id AND cases.last_seen_on IS NULL
        """)
    rebuilt = list(UNINDEXED) if version is not None and version < 3 else []
    if version is not None and RAW_VALUES_VERSION > version >= 3:
        # cases.status admits cancelled and referred (< 8), raw holds values only (< 9):
        # rebuilt like the 2 → 3 step.
        rebuilt = ["cases"]
    if rebuilt:
        # DuckDB cannot drop a PRIMARY KEY (2 → 3) nor alter a CHECK constraint: the tables
        # are renamed, created anew by the DDL below and refilled by column name (a column
        # the old table lacks starts NULL).
        for table in rebuilt:
            con.execute(f"ALTER TABLE {table} RENAME TO {table}_v2")
    con.execute(schema_sql())
    if rebuilt:
        for table in rebuilt:
            # case_officials by case_id, as etl/merge.py writes them (a page's lookups).
            order = " ORDER BY case_id" if table == "case_officials" else ""
            if table == "cases" and _object_raw(con, "cases_v2"):
                _raw_values(con, "cases_v2")
            else:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {table}_v2{order}")
            con.execute(f"DROP TABLE {table}_v2")
    if version is not None and version < 4:
        # meetings.last_seen_on, as cases.last_seen_on in 2: an older meeting ledger must
        # not overwrite a newer one's meetings.
        con.execute("ALTER TABLE meetings ADD COLUMN IF NOT EXISTS last_seen_on DATE")
        # rejects.code: what the data-quality page counts by, instead of the reason text.
        # Older rejects keep code NULL (their reason was written from a template that may
        # have changed since); kpi.dataset reads their text for the one rule it counts.
        con.execute("ALTER TABLE rejects ADD COLUMN IF NOT EXISTS code VARCHAR")
        con.execute("""
            UPDATE meetings SET last_seen_on = imports.as_of FROM imports
            WHERE meetings.import_id = imports.import_id AND meetings.last_seen_on IS NULL
        """)
    if version is not None and version < 5:
        _given_areas_and_legacy_keys(con)
    if version is not None and version < FEEDBACK_VERSION:
        # meetings.feedback: the answer to a meeting's proposal (反馈/答复); older meetings
        # have none recorded.
        con.execute("ALTER TABLE meetings ADD COLUMN IF NOT EXISTS feedback VARCHAR")
    if version is None:
        # A new database: what it stores is masked by today's rule. An older one is
        # re-masked by the write side when it opens it (store/remask.py).
        record_mask_version(con)
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )


def _given_areas_and_legacy_keys(con: duckdb.DuckDBPyConnection) -> None:
    """4 → 5: cases and meetings get the area as the ledger writes it (given_*), and a key
    generated without a ledger id no longer hashes the resolved area but that.

    A database of schema 4 kept only the resolved names, and not the title rows a sheet's
    street may come from, so the new keys cannot be computed here: given_* start as the
    resolved names, the generated keys are listed in legacy_keys, and the next import of
    their ledger re-keys each case it finds there (etl/rekey.py), so that a re-import of an
    old file adds no second copy.
    """
    for table in ("cases", "meetings"):
        for level in ("district", "street", "community"):
            con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS given_{level} VARCHAR")
        con.execute(f"UPDATE {table} SET given_district = district, given_street = street, "
                    "given_community = community "
                    "WHERE given_district IS NULL AND given_street IS NULL AND given_community IS NULL")
    con.execute("""
        INSERT INTO legacy_keys
        SELECT case_id FROM cases WHERE regexp_full_match(case_id, 'h[0-9a-f]{16}')
        UNION ALL
        SELECT meeting_id FROM meetings WHERE regexp_full_match(meeting_id, 'm[0-9a-f]{16}')
    """)


def _object_raw(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `table` (a copy of cases) keeps its rows as JSON objects in `raw`, as before
    schema 9: it has no raw_layout column."""
    return not con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = 'raw_layout'", [table]
    ).fetchone()[0]


def _raw_values(con: duckdb.DuckDBPyConnection, old: str) -> None:
    """8 → 9: copy the cases of `old` into `cases`, each JSON object split into its values
    (cases.raw, a JSON array in the object's order) and its keys: every distinct list of
    keys becomes one raw_layouts row, numbered in the order the cases first use it. Nothing
    else changes; the cases keep their stored order (received_on, which the KPIs' reads skip
    by): a plain copy, each row's layout found in the few lists by position, not by a join
    that would need the rows sorted again. JSON's own functions read it (json_keys, and the
    values by the path '$.*', which takes a key whatever characters it holds and keeps a
    value whatever its type as text).
    """
    layouts = [keys for keys, _ in con.execute(f"""
        SELECT json_keys(raw) AS keys, min(rowid) AS first_row FROM {old}
        WHERE raw IS NOT NULL GROUP BY keys ORDER BY first_row
    """).fetchall()]
    before = con.execute("SELECT coalesce(max(layout_id), 0) FROM raw_layouts").fetchone()[0]
    con.executemany("INSERT INTO raw_layouts VALUES (?, ?)",
                    [[before + n, keys] for n, keys in enumerate(layouts, start=1)])
    # an empty text null, as a load stores an empty cell
    values = "list_transform(json_extract_string(raw, '$.*'), lambda x: nullif(x, ''))::JSON"
    con.execute(f"""
        INSERT INTO cases BY NAME
        SELECT * REPLACE ({values} AS raw),
               ? + list_position(?::VARCHAR[][], json_keys(raw)) AS raw_layout
        FROM {old}
    """, [before, layouts])


def upgrade_file(path: str | os.PathLike) -> int | None:
    """Migrate a database file that an older Taizhang wrote before a reader opens it.

    Readers (kpi, report, the dashboard) open the file read-only and cannot migrate it,
    while the KPI layer reads columns of the current schema (the times of schema 6). So the
    commands call this first: a file of an older schema is migrated in one transaction and
    its aggregate tables rebuilt. Returns the version it had; None when nothing was to do
    (no file, an empty one, or the current schema).
    """
    from taizhang.db import connect

    if not Path(path).exists():
        return None
    con = connect(path, read_only=True)
    try:
        version = stored_version(con)
    finally:
        con.close()
    if version is None or version >= SCHEMA_VERSION:
        return None
    con = connect(path)
    try:
        migrate_and_rebuild(con)
    finally:
        con.close()
    return version


def migrate_and_rebuild(con: duckdb.DuckDBPyConnection, settings=None) -> tuple[str | None, int]:
    """In one transaction: bring the schema (and the stored texts' masking) up to date, then make the aggregate tables anew
    from every case (`taizhang rebuild`, and after a migration). Returns why the tables could
    not answer before (store.aggregates.reason; None: they could) and the months rebuilt."""
    from taizhang.store import aggregates
    from taizhang.settings import settings_or_default

    settings = settings_or_default(settings)
    con.execute("BEGIN")
    try:
        ensure_schema(con)
        remask(con)  # texts an older masking rule left: masked with today's (store/remask.py)
        before = aggregates.reason(*aggregates.record(con), settings)
        months = aggregates.rebuild(con, settings)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return before, months
