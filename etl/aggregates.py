"""Keeps the aggregate tables (etl/aggregates.sql) in step with `cases`, inside each import.

An import marks the cells its cases leave and enter (district, street, community, month
of received_on), then rebuilds exactly those cells from the cases, in the import's own
transaction, so a failed file leaves both as they were:

    aggregates.note_cases(con, "SELECT case_id FROM case_diff WHERE change = 'updated'")  # before writing
    ... INSERT / UPDATE cases ...
    aggregates.refresh(con, "SELECT case_id FROM case_diff WHERE change <> 'unchanged'")   # after

Per-case facts (deadline with the SLA, closure days, on time) come from kpi.facts, the one
place they are defined. The settings they depend on (SLA, stall days) are recorded in
`meta`; kpi/aggregated.py uses the tables only while those and the case count still match.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from importlib import resources

GRAINS = {
    # grain → the extra dimension it keeps besides district, street, community, month
    "area": None,
    "category": "category",
    "channel": "channel",
    "matter_class": "matter_class",
}
EXTRA_DIMENSIONS = ("channel", "category", "matter_class")
TABLES = ("agg_counts", "agg_days", "agg_open")
CELL = ("district", "street", "community", "month")
META_SETTINGS, META_CASES, META_MAX_DATE = "aggregates_settings", "aggregates_cases", "aggregates_max_date"
# as_of for facts that must not depend on as_of: every case counts with its status now.
FAR_FUTURE = date(9999, 1, 1)


@lru_cache(maxsize=1)
def statements() -> dict[str, str]:
    """The named sections of etl/aggregates.sql."""
    text = resources.files("etl").joinpath("aggregates.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2])}


def settings_fingerprint(settings) -> str:
    """The settings the stored facts depend on, as a stable text."""
    return json.dumps(
        {"sla_days": settings.sla_days, "sla_calendar": settings.sla_calendar,
         "stall_days": settings.stall_days},
        sort_keys=True,
    )


def ensure_tables(con) -> None:
    """Create the aggregate tables if they are missing."""
    for statement in statements()["schema"].split(";"):
        if statement.strip():
            con.execute(statement)


def _create_dirty(con) -> None:
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS agg_dirty "
        "(district VARCHAR, street VARCHAR, community VARCHAR, month VARCHAR)"
    )


def note_cases(con, case_ids_sql: str) -> None:
    """Mark the cells where these cases are now (call before changing them)."""
    _create_dirty(con)
    con.execute(f"""
        INSERT INTO agg_dirty
        SELECT DISTINCT district, street, community, strftime(received_on, '%Y-%m')
        FROM cases WHERE case_id IN ({case_ids_sql})
    """)


def _facts_source(con, settings, everything: bool) -> None:
    """TEMP TABLE agg_src: one row a case of the dirty cells, with the facts we aggregate."""
    import ibis

    from kpi.facts import OPEN_STATUSES, backend, case_facts
    from kpi.filters import Filters

    ib = backend(con)
    f = case_facts(ib, Filters(), settings, FAR_FUTURE)
    if not everything:
        dirty = ib.table("agg_dirty")
        f = f.semi_join(dirty, [f.month == dirty.month] + [
            f[c].identical_to(dirty[c]) for c in ("district", "street", "community")
        ])
    progress_on = f.last_progress_on.fill_null(f.received_on)
    resolved_month = ibis.ifelse(
        (f.status == "resolved") & f.resolved_on.notnull(),
        f.resolved_on.strftime("%Y-%m"), ibis.null("string"),
    )
    source = f.select(
        "district", "street", "community", "channel", "category", "matter_class", "month",
        "status", "closure_days", "on_time", "on_time_known", "satisfaction", "due",
        resolved_month=resolved_month,
        progress_on=progress_on,
        due_key=(f.due + ibis.interval(days=1)).cast("date").strftime("%Y-%m"),
        stall_key=(progress_on + ibis.interval(days=settings.stall_days + 1)).cast("date")
        .strftime("%Y-%m"),
        open_later=f.status.isin(OPEN_STATUSES) | (resolved_month > f.month).fill_null(False),
    )
    con.execute("DROP TABLE IF EXISTS agg_src")
    ib.create_table("agg_src", source, temp=True)


def refresh(con, case_ids_sql: str | None = None, settings=None, everything: bool = False) -> int:
    """Rebuild the cells marked so far plus those of these cases now; returns cells rebuilt."""
    from kpi.facts import settings_or_default

    settings = settings_or_default(settings)
    ensure_tables(con)
    _create_dirty(con)
    if case_ids_sql is not None:
        note_cases(con, case_ids_sql)
    if everything:
        for table in TABLES:
            con.execute(f"DELETE FROM {table}")
        con.execute("DELETE FROM agg_dirty")
        cells = con.execute("SELECT count(*) FROM (SELECT DISTINCT district, street, community, "
                            "strftime(received_on, '%Y-%m') FROM cases)").fetchone()[0]
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE agg_dirty AS SELECT DISTINCT * FROM agg_dirty")
        cells = con.execute("SELECT count(*) FROM agg_dirty").fetchone()[0]
        for table in TABLES:
            con.execute(statements()["delete_dirty"].format(table=table))
    if cells:
        _facts_source(con, settings, everything)
        for grain, extra in GRAINS.items():
            extra_columns = ", ".join(c if c == extra else f"NULL::VARCHAR AS {c}"
                                      for c in EXTRA_DIMENSIONS)
            for name in ("insert_counts", "insert_days", "insert_open"):
                con.execute(statements()[name].format(extra_columns=extra_columns),
                            {"grain": grain})
        con.execute("DROP TABLE IF EXISTS agg_src")
    con.execute("DROP TABLE IF EXISTS agg_dirty")
    _record_state(con, settings)
    return cells


def rebuild(con, settings=None) -> int:
    """Rebuild every cell from all cases (an existing database, or after a settings change)."""
    return refresh(con, settings=settings, everything=True)


def _record_state(con, settings) -> None:
    cases, max_date = con.execute(
        "SELECT count(*), max(greatest(received_on, resolved_on)) FROM cases"
    ).fetchone()
    values = {
        META_SETTINGS: settings_fingerprint(settings),
        META_CASES: str(cases),
        META_MAX_DATE: max_date.isoformat() if max_date else "",
    }
    for key, value in values.items():
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
