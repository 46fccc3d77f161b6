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
import uuid
from datetime import date
from functools import lru_cache
from importlib import resources

from taizhang.timing import mark

# grain → its key columns besides month; a query uses the smallest grain that has every
# dimension it groups or filters by.
GRAINS = {
    "district": ("district",),
    "street": ("district", "street"),
    "community": ("district", "street", "community"),
    "category": ("district", "category"),
    "channel": ("district", "channel"),
    "matter_class": ("district", "matter_class"),
}
# Grains summed from the community grain's rows instead of from the cases.
ROLLED_UP = ("street", "district")
# Each statement's keys besides a grain's own and month.
STATEMENT_KEYS = {
    "insert_counts": ("status", "resolved_month", "due_key_open", "stall_key_open",
                      "response_month", "feedback_month"),
    "insert_days": ("resolved_month", "closure_days"),
    "insert_minutes": ("resolved_month", "closure_minutes"),
    "insert_open": ("kind", "day"),
}
DIMENSION_COLUMNS = ("district", "street", "community", "channel", "category", "matter_class")
TABLES = ("agg_counts", "agg_days", "agg_minutes", "agg_open_cases", "agg_open")
META_SETTINGS, META_CASES, META_MAX_DATE = "aggregates_settings", "aggregates_cases", "aggregates_max_date"
META_FIRST_RECEIVED, META_LAST_RECEIVED = "aggregates_first_received", "aggregates_last_received"
META_LATEST_CASE_DATE = "aggregates_latest_case_date"
# A new token with every refresh: a reader may keep the tables' rows in memory while the
# token it read them under is current (kpi/aggregated.py).
META_VERSION = "aggregates_version"
# Which tables and columns the refresh writes: a database whose tables were written by
# another shape (or under other settings) has every month rebuilt at its next refresh.
# (A street_category grain was tried as shape 3 and left out: at 10M its rows outnumber the
# community grain's — +9.5 s CPU per full refresh, +265 MB and 1.6 s CPU for a reader's
# first question by street and category — so those questions read the cases.)
META_SHAPE, SHAPE = "aggregates_shape", "3"  # 2: agg_open_cases; 3: 12345 counts, agg_minutes
# as_of for facts that must not depend on as_of: every case counts with its status now.
FAR_FUTURE = date(9999, 1, 1)


@lru_cache(maxsize=1)
def statements() -> dict[str, str]:
    """The named sections of etl/aggregates.sql."""
    text = resources.files("taizhang.etl").joinpath("aggregates.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2])}


def settings_fingerprint(settings) -> str:
    """The settings the stored facts depend on, as a stable text."""
    return json.dumps(
        {"sla_days": settings.sla_days, "sla_calendar": settings.sla_calendar,
         "stall_days": settings.stall_days, "response_hours": settings.response_hours,
         "response_workdays": settings.response_workdays,
         "feedback_hours": settings.feedback_hours},
        sort_keys=True,
    )


def ensure_tables(con) -> None:
    """Create the aggregate tables if they are missing."""
    for statement in statements()["schema"].split(";"):
        if statement.strip():
            con.execute(statement)


def _create_dirty(con) -> None:
    con.execute("CREATE TEMP TABLE IF NOT EXISTS agg_dirty (month VARCHAR)")


def note_cases(con, case_ids_sql: str) -> None:
    """Mark the months these cases are in now (call before changing them)."""
    _create_dirty(con)
    con.execute(f"""
        INSERT INTO agg_dirty
        SELECT DISTINCT strftime(received_on, '%Y-%m') FROM cases WHERE case_id IN ({case_ids_sql})
    """)


def _facts_sql(con, settings) -> str:
    """SQL of one row a case with the facts we aggregate (from kpi.facts, status as of now)."""
    import ibis

    from taizhang.kpi.facts import OPEN_STATUSES, backend, case_facts
    from taizhang.kpi.filters import Filters

    ib = backend(con)
    f = case_facts(ib, Filters(), settings, FAR_FUTURE)
    progress_on = f.last_progress_on.fill_null(f.received_on)
    resolved_month = ibis.ifelse(
        (f.status == "resolved") & f.resolved_on.notnull(),
        f.resolved_on.strftime("%Y-%m"), ibis.null("string"),
    )
    source = f.select(
        "case_id", *DIMENSION_COLUMNS, "month", "received_on", "status", "closure_days", "on_time",
        "on_time_known", "satisfaction", "due", "closure_minutes", "response_known",
        "response_on_time", "feedback_known", "feedback_on_time", "reopened",
        response_month=f.responded_at.date().strftime("%Y-%m"),
        feedback_month=f.feedback_at.date().strftime("%Y-%m"),
        resolved_month=resolved_month,
        progress_on=progress_on,
        due_key=(f.due + ibis.interval(days=1)).cast("date").strftime("%Y-%m"),
        stall_key=(progress_on + ibis.interval(days=settings.stall_days + 1)).cast("date")
        .strftime("%Y-%m"),
        open_later=f.status.isin(OPEN_STATUSES) | (resolved_month > f.month).fill_null(False),
    )
    return str(ib.compile(source))


def _grouping_sets(own_keys: tuple[str, ...]) -> str:
    return ", ".join("(" + ", ".join((*keys, "month", *own_keys)) + ")"
                     for grain, keys in GRAINS.items() if grain not in ROLLED_UP)


def _grain_expression() -> str:
    """SQL naming a GROUPING SETS row's grain from which dimension columns were grouped."""
    whens = []
    for grain, keys in GRAINS.items():
        # grouping() sets a bit, first column highest, for every column NOT grouped.
        mask = sum(1 << (len(DIMENSION_COLUMNS) - 1 - i)
                   for i, c in enumerate(DIMENSION_COLUMNS) if c not in keys)
        whens.append(f"WHEN {mask} THEN '{grain}'")
    return f"CASE grouping({', '.join(DIMENSION_COLUMNS)}) " + " ".join(whens) + " END"


def supported(settings) -> bool:
    """Working-day limits (SLA, response) need a calendar the aggregates do not carry: raw path then."""
    return settings.sla_calendar == "calendar" and not settings.response_workdays


def refresh(con, case_ids_sql: str | None = None, settings=None, everything: bool = False,
            months_sql: str | None = None) -> int:
    """Rebuild the months marked so far plus those of these cases now (or these months,
    'YYYY-MM' texts); returns months rebuilt."""
    from taizhang.kpi.facts import settings_or_default

    settings = settings_or_default(settings)
    ensure_tables(con)
    recorded = dict(con.execute("SELECT key, value FROM meta WHERE key IN (?, ?)",
                                [META_SHAPE, META_SETTINGS]).fetchall())
    if recorded.get(META_SHAPE, SHAPE) != SHAPE:
        # Tables of another shape may lack columns this one writes: made anew, then filled.
        for table in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        ensure_tables(con)
    if recorded != {META_SHAPE: SHAPE, META_SETTINGS: settings_fingerprint(settings)}:
        everything = True  # months written otherwise (or never) must not mix with these
    _create_dirty(con)
    if case_ids_sql is not None:
        note_cases(con, case_ids_sql)
    if months_sql is not None:
        con.execute(f"INSERT INTO agg_dirty {months_sql}")
    if everything:
        con.execute("DELETE FROM agg_dirty")
        con.execute("INSERT INTO agg_dirty SELECT DISTINCT strftime(received_on, '%Y-%m') FROM cases")
    con.execute("CREATE OR REPLACE TEMP TABLE agg_dirty AS SELECT DISTINCT month FROM agg_dirty")
    months = con.execute("SELECT count(*), min(month), max(month) FROM agg_dirty").fetchall()[0]
    for table in TABLES:
        con.execute(statements()["delete_months"].format(table=table))
    mark("aggregates:months")
    if months[0] and supported(settings):
        # received_on bounds let DuckDB skip row groups: cases are stored by received_on.
        first = date.fromisoformat(months[1] + "-01")
        last = date.fromisoformat(months[2] + "-01")
        last = date(last.year + last.month // 12, last.month % 12 + 1, 1)
        source = (f"(SELECT * FROM ({_facts_sql(con, settings)}) WHERE received_on >= $first "
                  "AND received_on < $last AND month IN (SELECT month FROM agg_dirty)) AS agg_src")
        mark("aggregates:facts_sql")
        con.execute(statements()["insert_open_cases"].format(source=source),
                    {"first": first, "last": last})
        mark("aggregates:open_cases")
        open_cases = "(SELECT * FROM agg_open_cases WHERE month IN (SELECT month FROM agg_dirty))"
        for name, own_keys in STATEMENT_KEYS.items():
            statement = statements()[name].format(
                source=open_cases if name == "insert_open" else source, grain=_grain_expression(),
                grouping_sets=_grouping_sets(own_keys))
            con.execute(statement, {} if name == "insert_open" else {"first": first, "last": last})
            mark(f"aggregates:{name.removeprefix('insert_')}")
        for grain in ROLLED_UP:
            keys = ", ".join(c if c in GRAINS[grain] else f"NULL::VARCHAR AS {c}"
                             for c in DIMENSION_COLUMNS)
            for table in ("counts", "days", "minutes", "open"):
                con.execute(statements()[f"rollup_{table}"].format(keys=keys), {"grain": grain})
        mark("aggregates:rollups")
    con.execute("DROP TABLE IF EXISTS agg_dirty")
    _record_state(con, settings)
    mark("aggregates:state")
    return months[0]


def rebuild(con, settings=None) -> int:
    """Rebuild every month from all cases (an existing database, or after a settings change)."""
    return refresh(con, settings=settings, everything=True)


def _record_state(con, settings) -> None:
    # Dates the KPI layer asks for on every question (the default as_of, the span of
    # received_on), kept here so that it need not scan the cases each time.
    cases, max_date, first, last, latest = con.execute("""
        SELECT count(*), max(greatest(received_on, resolved_on, responded_at::DATE, feedback_at::DATE)),
               min(received_on), max(received_on),
               greatest(max(received_on), max(resolved_on), max(closed_on), max(last_progress_on),
                        max(responded_at)::DATE, max(feedback_at)::DATE)
        FROM cases
    """).fetchall()[0]
    iso = lambda d: d.isoformat() if d else ""  # noqa: E731
    values = {
        META_SETTINGS: settings_fingerprint(settings),
        META_CASES: str(cases),
        META_MAX_DATE: iso(max_date),
        META_FIRST_RECEIVED: iso(first),
        META_LAST_RECEIVED: iso(last),
        META_LATEST_CASE_DATE: iso(latest),
        META_VERSION: uuid.uuid4().hex,
        META_SHAPE: SHAPE,
    }
    for key, value in values.items():
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
