"""Builders for the KPI tests: a DuckDB file with the real schema and hand-written rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from taizhang.store.schema import ensure_schema

CASE_DEFAULTS = {
    "district": "西湖区", "street": None, "community": None, "channel": "幸福圆桌会",
    "meeting_id": None, "title": "议题", "category": "环境卫生", "matter_class": None,
    "responsible_unit": None, "reporter": None, "note": None, "due_on": None,
    "resolved_on": None, "closed_on": None, "satisfaction": None, "reopened_count": 0,
    "last_progress_on": None, "import_id": None, "source_file": None, "source_sheet": None,
    "source_row": None,
}


def d(text: str) -> date:
    """date.fromisoformat, short."""
    return date.fromisoformat(text)


def insert(con, table: str, rows: list[dict]) -> None:
    """Insert dict rows into a table with bound parameters."""
    if not rows:
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    con.executemany(
        f"INSERT INTO {table} ({quoted}) VALUES ({marks})", [[r[c] for c in columns] for r in rows]
    )


def case(case_id: str, received_on: str, status: str, **values) -> dict:
    """One cases row with defaults for what the test does not care about."""
    row = {"case_id": case_id, **CASE_DEFAULTS, "received_on": d(received_on), "status": status}
    for key, value in values.items():
        if key not in row:
            raise KeyError(key)
        row[key] = d(value) if key.endswith("_on") and isinstance(value, str) else value
    return row


def make_db(path: Path, **tables: list[dict]) -> duckdb.DuckDBPyConnection:
    """A new DuckDB file with the schema and the given rows per table; returns the connection."""
    con = duckdb.connect(str(path))
    ensure_schema(con)
    for table in ("areas", "officials", "cases", "case_officials", "meetings",
                  "meeting_attendance", "case_events", "imports", "rejects", "meta"):
        insert(con, table, tables.get(table, []))
    return con


def ranked_db(path: Path, areas: list[dict], cases: list[dict], monkeypatch):
    """make_db with these areas and cases, its aggregate tables built under the default
    settings (no taizhang.toml from the working folder or TAIZHANG_CONFIG): for asking both
    paths, raw and aggregated, the same ranking question."""
    from taizhang.settings import Settings
    from taizhang.store import aggregates

    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    monkeypatch.chdir(path.parent)
    db = make_db(path, areas=areas, cases=cases)
    aggregates.rebuild(db, Settings())
    return db


def by_street(frame) -> dict:
    """A ranking's rows by street name."""
    return {row["street"]: row for row in frame.to_dict("records")}


def kpi_call(db: Path, function, *args, **kwargs):
    """What the KPI layer's `function` answers on the database file db (a read connection,
    as the dashboard opens it): function(con, *args, **kwargs)."""
    from taizhang.db import reading

    with reading(db) as con:
        return function(con, *args, **kwargs)
