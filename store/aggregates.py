"""Keeps the aggregate tables (DDL in store/schema.sql, statements in store/aggregates.sql)
in step with `cases`, inside each import.

An import marks the cells its cases leave and enter (district, street, community, month
of received_on), then rebuilds exactly those cells from the cases, in the import's own
transaction, so a failed file leaves both as they were:

    aggregates.note_cases(con, CaseIds("case_diff", "case_id", ("updated",)))  # before writing
    ... INSERT / UPDATE cases ...
    aggregates.refresh(con, CaseIds("case_diff", "case_id", ("new", "updated")))  # after

Per-case facts (deadline with the SLA, closure days, on time) come from store.facts, the one
place they are defined. Recorded in `meta` with the tables: the settings they depend on
(SLA, stall days), the case count, and a fingerprint of their definition — a hash of every
statement a refresh runs, the facts' SQL as generated included. A changed rule therefore
changes the fingerprint, and stored aggregates are stale by themselves: the KPI layer
(kpi/fastpath.py) reads the cases instead, and says why, until `taizhang rebuild` or the
next import refreshes them.

A ClickHouse warehouse gets the same tables from the same definition: build_clickhouse runs
every statement transpiled (store.dialect) in each published generation.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from taizhang.store import sql_text, sqlstore
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
    "insert_cohort": ("is_resolved", "resolved_month", "due_month", "due_day", "on_time"),
}
DIMENSION_COLUMNS = ("district", "street", "community", "channel", "category", "matter_class")
TABLES = ("agg_counts", "agg_days", "agg_minutes", "agg_open_cases", "agg_open", "agg_cohort")
META_SETTINGS, META_CASES, META_MAX_DATE = "aggregates_settings", "aggregates_cases", "aggregates_max_date"
META_FIRST_RECEIVED, META_LAST_RECEIVED = "aggregates_first_received", "aggregates_last_received"
META_LATEST_CASE_DATE = "aggregates_latest_case_date"
META_BUILT_AT = "aggregates_built_at"  # when the latest refresh ran (local time)
# A new token with every refresh: a reader may keep the tables' rows in memory while the
# token it read them under is current (kpi/aggregated.py).
META_VERSION = "aggregates_version"
# The definition the tables were built by (fingerprint()): a database whose tables were
# written by another definition (or under other settings) has them made anew and every
# month rebuilt at its next refresh. (A street_category grain was tried and left out: at
# 10M its rows outnumber the community grain's — +9.5 s CPU per full refresh, +265 MB and
# 1.6 s CPU for a reader's first question by street and category — so those questions
# read the cases.)
META_DEFINITION = "aggregates_definition"
# What older versions recorded instead: a hand-bumped token, removed at the next refresh.
OLD_META_SHAPE = "aggregates_shape"
# The record a refresh leaves: without every key, the tables were never built here.
RECORD_KEYS = (META_SETTINGS, META_CASES, META_MAX_DATE, META_FIRST_RECEIVED, META_LAST_RECEIVED,
               META_LATEST_CASE_DATE)
# as_of for facts that must not depend on as_of: every case counts with its status now.
FAR_FUTURE = date(9999, 1, 1)


@lru_cache(maxsize=1)
def statements() -> dict[str, str]:
    """The named sections of store/aggregates.sql."""
    text = sql_text("aggregates.sql")
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


@lru_cache(maxsize=1)
def table_ddl() -> dict[str, str]:
    """Each aggregate table's CREATE statement, as store/schema.sql writes it."""
    found = {table: statement for statement, table in re.findall(
        r"^(CREATE TABLE IF NOT EXISTS (\w+) \(.*?^\);)", sql_text("schema.sql"), flags=re.MULTILINE | re.DOTALL)}
    return {table: found[table] for table in TABLES}


def ensure_tables(con) -> None:
    """Create the aggregate tables if they are missing."""
    for statement in table_ddl().values():
        con.execute(statement)


# The dirty months are held as their first day (agg_dirty.month DATE), as the facts hold
# months: finding a month is then a date_trunc, three times cheaper than formatting it.
def _create_dirty(con) -> None:
    con.execute("CREATE TEMP TABLE IF NOT EXISTS agg_dirty (month DATE)")


# Every month of received_on, as a refresh of everything and a ClickHouse build mark them.
ALL_MONTHS_SQL = "INSERT INTO agg_dirty SELECT DISTINCT date_trunc('month', received_on) FROM cases"


# The write side's temporary tables that name cases, with their id column: the only
# relations note_cases and refresh read case ids from (no SQL text is passed in).
ID_COLUMNS = {"moved": ("id",), "case_diff": ("case_id",), "rekey": ("old_id", "new_id")}
# The write side's tables whose rows' months of received_on a refresh may be told to rebuild.
MONTH_TABLES = ("incoming",)


@dataclass(frozen=True)
class CaseIds:
    """Which cases: the ids in `column` of the write side's temporary table `table` (one
    of ID_COLUMNS), only rows whose `change` is one of `changes` when given (case_diff);
    or, for a caller holding them, the ids themselves (`listed`, bound as a value)."""

    table: str = ""
    column: str = ""
    changes: tuple[str, ...] = ()
    listed: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.listed is None and self.column not in ID_COLUMNS.get(self.table, ()):
            raise ValueError(f"no case ids in {self.table}.{self.column}")

    @classmethod
    def of(cls, ids) -> "CaseIds":
        """These case ids."""
        return cls(listed=tuple(ids))

    def statement(self) -> tuple[str, list]:
        """(a SELECT of the ids, its bound values)."""
        if self.listed is not None:
            return "SELECT unnest(?::VARCHAR[])", [list(self.listed)]
        if self.changes:
            return (f"SELECT {self.column} FROM {self.table} WHERE list_contains(?::VARCHAR[], change)",
                    [list(self.changes)])
        return f"SELECT {self.column} FROM {self.table}", []


def note_cases(con, cases: CaseIds) -> None:
    """Mark the months these cases are in now (call before changing them)."""
    _create_dirty(con)
    ids, values = cases.statement()
    con.execute(f"""
        INSERT INTO agg_dirty
        SELECT DISTINCT date_trunc('month', received_on) FROM cases WHERE case_id IN ({ids})
    """, values)


@lru_cache(maxsize=1)
def _reference():
    """An empty in-memory database of the current schema: the aggregates' SQL is generated
    against it, so that it depends on the code alone, never on a database file."""
    import duckdb

    from taizhang.store.facts import backend

    con = duckdb.connect()
    con.execute(sql_text("schema.sql"))
    return backend(con)


_generate_lock = threading.Lock()


@lru_cache(maxsize=8)
def _facts_sql(settings) -> str:
    """SQL of one row a case with the facts we aggregate (from store.facts, status as of now;
    its months as their first day), generated once per version of the code and settings
    (kept on disk: store.sqlstore)."""
    key = ("aggregates", "facts", settings_fingerprint(settings))
    entry = sqlstore.load(key)
    if entry is None:
        with _generate_lock:  # threads share the reference database's one connection
            entry = (_generate_facts_sql(settings), ())
        sqlstore.save(key, entry)
    return entry[0]


def _generate_facts_sql(settings) -> str:
    return str(_reference().compile(_facts_expression(settings)))


@lru_cache(maxsize=8)
def clickhouse_facts_sql(settings) -> str:
    """_facts_sql's expression compiled by ibis for ClickHouse (the same definition)."""
    import ibis

    with _generate_lock:
        return ibis.to_sql(_facts_expression(settings), dialect="clickhouse")


def _facts_expression(settings):
    """The ibis expression of _facts_sql (callers hold _generate_lock)."""
    import ibis

    from taizhang.store import rules
    from taizhang.store.facts import OPEN_STATUSES, case_facts, standing_anchors
    from taizhang.filters import Filters

    ib = _reference()
    f = case_facts(ib, Filters(), settings, FAR_FUTURE)
    anchors = standing_anchors(f)
    progress_on = anchors["last_progress"]
    # Months (of received_on, resolution, deadline …) as their first day: the statements of
    # store/aggregates.sql group by them and write 'YYYY-MM' only for the rows grouped
    # (formatting each case's seven months cost a quarter of the refresh).
    month_of = lambda day: day.truncate("M")  # noqa: E731
    month = month_of(f.received_on)
    resolved_month = ibis.ifelse(
        (f.status == "resolved") & f.resolved_on.notnull(), month_of(f.resolved_on), ibis.null("date"),
    )
    # Open cases are keyed by the first month at whose end they are overdue / stalled (store.rules).
    add_days = lambda day, n: (day + ibis.interval(days=n)).cast("date")  # noqa: E731
    first_month = {kind: month_of(rules.first_flagged_day(kind, anchors[anchor], settings, add_days))
                   for kind, (anchor, _) in rules.STANDING.items()}
    source = f.select(
        "case_id", *DIMENSION_COLUMNS, "received_on", "status", "closure_days", "on_time",
        "on_time_known", "satisfaction", "due", "closure_minutes", "response_known",
        "response_on_time", "feedback_known", "feedback_on_time", "reopened",
        month=month,
        response_month=month_of(f.responded_at.date()),
        feedback_month=month_of(f.feedback_at.date()),
        resolved_month=resolved_month,
        progress_on=progress_on,
        due_month=month_of(f.due),
        due_key=first_month["overdue"],
        stall_key=first_month["stalled"],
        # Open now (as of FAR_FUTURE nothing is resolved later): agg_open_cases' rows.
        open_now=f.is_open,
        open_later=rules.is_open(f.status.isin(OPEN_STATUSES), (resolved_month > month).fill_null(False)),
    )
    return source


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


def definition(settings) -> dict[str, str]:
    """Every statement that fills the tables under these settings, as a refresh runs it
    ($first, $last: the dirty months' received_on bounds; $grain: a rolled-up grain)."""
    return _definition(settings, _facts_sql(settings))


def _definition(settings, facts_sql: str) -> dict[str, str]:
    """definition() with the per-case facts read from `facts_sql`."""
    source = (f"(SELECT * FROM ({facts_sql}) WHERE received_on >= $first "
              "AND received_on < $last AND month IN (SELECT month FROM agg_dirty)) AS agg_src")
    out = {"insert_open_cases": statements()["insert_open_cases"].format(source=source)}
    open_cases = ("(SELECT * FROM agg_open_cases "
                  "WHERE month IN (SELECT strftime(month, '%Y-%m') FROM agg_dirty))")
    for name, own_keys in STATEMENT_KEYS.items():
        out[name] = statements()[name].format(
            source=open_cases if name == "insert_open" else source, grain=_grain_expression(),
            grouping_sets=_grouping_sets(own_keys))
    for grain in ROLLED_UP:
        keys = ", ".join(c if c in GRAINS[grain] else f"NULL::VARCHAR AS {c}" for c in DIMENSION_COLUMNS)
        for table in ("counts", "days", "minutes", "open", "cohort"):
            out[f"rollup_{table}:{grain}"] = statements()[f"rollup_{table}"].format(keys=keys)
    return out


@lru_cache(maxsize=1)
def definition_text() -> str:
    """What the tables are, as text: their DDL and every statement of a refresh under the
    default settings (settings are recorded apart: aggregates_settings)."""
    from taizhang.settings import Settings

    return "\n;\n".join([*table_ddl().values(), statements()["delete_months"],
                          *definition(Settings()).values()])


def fingerprint(text: str | None = None) -> str:
    """A short hash of definition_text() (or of `text`)."""
    return hashlib.sha256((definition_text() if text is None else text).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def current_fingerprint() -> str:
    """This code's fingerprint of the tables' definition, as a refresh records it and every
    reader compares it. Generating the definition's SQL takes 0.5–3 s: its text is kept on
    disk with the compiled statements (store.sqlstore, whose folder changes with any source
    that shapes SQL), so an import warms it for the readers that follow."""
    key = ("aggregates", "definition")
    entry = sqlstore.load(key)
    if entry is None:
        entry = (definition_text(), ())
        sqlstore.save(key, entry)
    return fingerprint(entry[0])


def refresh(con, cases: CaseIds | None = None, settings=None, everything: bool = False,
            months_of: str | None = None) -> int:
    """Rebuild the months marked so far plus those of these cases now, and the months of
    received_on of the rows of table `months_of` (one of MONTH_TABLES); returns months rebuilt."""
    from taizhang.settings import settings_or_default

    if months_of is not None and months_of not in MONTH_TABLES:
        raise ValueError(f"no months to rebuild in {months_of}")
    settings = settings_or_default(settings)
    ensure_tables(con)
    current = current_fingerprint()
    recorded = dict(con.execute("SELECT key, value FROM meta WHERE key IN (?, ?)",
                                [META_DEFINITION, META_SETTINGS]).fetchall())
    if recorded.get(META_DEFINITION) != current:
        # Tables of another definition may lack columns this one writes: made anew, then filled.
        for table in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        ensure_tables(con)
    if recorded != {META_DEFINITION: current, META_SETTINGS: settings_fingerprint(settings)}:
        everything = True  # months written otherwise (or never) must not mix with these
    _create_dirty(con)
    if everything:
        # Every month, from the cases alone: the tables are made anew (cheaper than deleting
        # every row, and nothing is left of months no case is in any more).
        con.execute("DELETE FROM agg_dirty")
        con.execute(ALL_MONTHS_SQL)
        for table in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        ensure_tables(con)
    else:
        if cases is not None:
            note_cases(con, cases)
        if months_of is not None:
            con.execute("INSERT INTO agg_dirty SELECT DISTINCT date_trunc('month', received_on) "
                        f"FROM {months_of}")
        con.execute("CREATE OR REPLACE TEMP TABLE agg_dirty AS SELECT DISTINCT month FROM agg_dirty")
        for table in TABLES:
            con.execute(statements()["delete_months"].format(table=table))
    months = con.execute("SELECT count(*), min(month), max(month) FROM agg_dirty").fetchall()[0]
    mark("aggregates:months")
    if months[0] and supported(settings):
        # received_on bounds let DuckDB skip row groups: cases are stored by received_on.
        first, last = _span(months[1], months[2])
        statements_now = definition(settings)
        mark("aggregates:facts_sql")
        for name, statement in statements_now.items():
            con.execute(statement, statement_values(name, first, last))
            mark("aggregates:rollups" if name.startswith("rollup_")
                 else f"aggregates:{name.removeprefix('insert_')}")
    con.execute("DROP TABLE IF EXISTS agg_dirty")
    _record_state(con, settings, current)
    mark("aggregates:state")
    return months[0]


def _span(first_month: date, last_month: date) -> tuple[date, date]:
    """The first day of `first_month` and the first day after `last_month` (each a month's first day)."""
    return first_month, date(last_month.year + last_month.month // 12, last_month.month % 12 + 1, 1)


def statement_values(name: str, first: date, last: date) -> dict:
    """The values a statement of definition() binds: a rolled-up grain's name, or the
    dirty months' received_on bounds (none for insert_open, which reads agg_open_cases)."""
    if name.startswith("rollup_"):
        return {"grain": name.split(":")[1]}
    return {} if name == "insert_open" else {"first": first, "last": last}


# ClickHouse: the facts' place in the transpiled statements, filled with their own SQL.
_FACTS_MARKER = "taizhang_agg_facts"


def clickhouse_definition(settings) -> dict[str, str]:
    """definition(settings) in ClickHouse's SQL: each statement of store/aggregates.sql as
    generated, transpiled (store.dialect), reading the facts compiled for ClickHouse. Its
    values are ClickHouse query parameters of the types statement_values gives them.
    TranspileError for a statement sqlglot cannot write in ClickHouse's dialect."""
    from taizhang.store.dialect import TranspileError, parameter_types, to_clickhouse

    facts = clickhouse_facts_sql(settings)
    bounds = date(2000, 1, 1), date(2000, 2, 1)  # for the values' types only
    out = {}
    for name, statement in _definition(settings, f"SELECT * FROM {_FACTS_MARKER}").items():
        sql = to_clickhouse(statement, parameter_types(statement_values(name, *bounds)))
        if name != "insert_open" and not name.startswith("rollup_") and _FACTS_MARKER not in sql:
            raise TranspileError(f"{name}: the facts' place was lost in transpiling")
        out[name] = sql.replace(_FACTS_MARKER, f"({facts})")
    return out


def build_clickhouse(con, database: str, settings=None) -> int:
    """Create and fill the aggregate tables in the ClickHouse database `database` (a
    generation being published, its cases and meta written: etl.publish) from the same
    definition as DuckDB's refresh, transpiled (clickhouse_definition), and record them in
    its meta as a refresh does. `con`: a clickhouse-connect client. Returns months built."""
    import ibis

    from taizhang.store.dialect import CLICKHOUSE_SETTINGS, parameter_types, to_clickhouse
    from taizhang.settings import settings_or_default
    from taizhang.store.names import quote

    settings = settings_or_default(settings)
    ib = ibis.clickhouse.from_connection(con)
    reference = _reference()
    with _generate_lock:
        schemas = {table: reference.table(table).schema() for table in TABLES}
    for table, schema in schemas.items():
        ib.create_table(table, schema=schema, database=database)
    ib.create_table("agg_dirty", schema=ibis.schema({"month": "date"}), database=database)
    previous, con.database = con.database, database  # the statements name tables unqualified

    def run(sql: str, values: dict | None = None) -> None:
        con.command(to_clickhouse(sql, parameter_types(values)), parameters=values or None,
                    settings=CLICKHOUSE_SETTINGS)

    try:
        run(ALL_MONTHS_SQL)
        months = con.query(to_clickhouse("SELECT count(*), min(month), max(month) FROM agg_dirty")).result_rows[0]
        if months[0] and supported(settings):
            first, last = _span(months[1], months[2])
            for name, statement in clickhouse_definition(settings).items():
                values = statement_values(name, first, last)
                con.command(statement, parameters=values or None, settings=CLICKHOUSE_SETTINGS)
        con.command(f"DROP TABLE {quote(database)}.agg_dirty")
        cases, *dates = con.query(to_clickhouse(RECORD_SQL)).result_rows[0]
        record = _record(settings, current_fingerprint(), cases, *dates)
        con.insert("meta", [[key, value] for key, value in record.items()], column_names=["key", "value"],
                   database=database)
    finally:
        con.database = previous
    return int(months[0])


def reason(record: dict, cases_now: int, settings, definition: str | None = None) -> str | None:
    """Why tables with this record (meta's aggregates_* keys) cannot answer under these
    settings — 'absent', 'workdays' (a working-day limit), 'definition' (built by other
    rules), 'settings', 'cases' (not every case now) — or None when they can.
    `definition`: this code's fingerprint (None: computed here)."""
    if any(key not in record for key in RECORD_KEYS):
        return "absent"
    if not supported(settings):
        return "workdays"  # first: no rebuild helps
    if record.get(META_DEFINITION) != (current_fingerprint() if definition is None else definition):
        return "definition"
    if record[META_SETTINGS] != settings_fingerprint(settings):
        return "settings"
    if int(record[META_CASES]) != cases_now:
        return "cases"
    return None


def record(con) -> tuple[dict, int]:
    """(the tables' record in meta, the number of cases now)."""
    rows = dict(con.execute("SELECT key, value FROM meta WHERE key LIKE 'aggregates%'").fetchall())
    return rows, con.execute("SELECT count(*) FROM cases").fetchall()[0][0]


def rebuild(con, settings=None) -> int:
    """Rebuild every month from all cases (an existing database, or after a settings change)."""
    return refresh(con, settings=settings, everything=True)


# Dates the KPI layer asks for on every question (the default as_of, the span of
# received_on), kept with the tables' record so that it need not scan the cases each time.
RECORD_SQL = """
    SELECT count(*), max(greatest(received_on, resolved_on, responded_at::DATE, feedback_at::DATE)),
           min(received_on), max(received_on),
           greatest(max(received_on), max(resolved_on), max(closed_on), max(last_progress_on),
                    max(responded_at)::DATE, max(feedback_at)::DATE)
    FROM cases
"""


def _record_state(con, settings, definition_fingerprint: str) -> None:
    values = _record(settings, definition_fingerprint, *con.execute(RECORD_SQL).fetchall()[0])
    con.execute("DELETE FROM meta WHERE key = ?", [OLD_META_SHAPE])
    for key, value in values.items():
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def _record(settings, definition_fingerprint: str, cases, max_date, first, last, latest) -> dict[str, str]:
    """The tables' record (meta's aggregates_* keys) from RECORD_SQL's row."""
    iso = lambda d: d.isoformat() if d else ""  # noqa: E731
    return {
        META_SETTINGS: settings_fingerprint(settings),
        META_CASES: str(cases),
        META_MAX_DATE: iso(max_date),
        META_FIRST_RECEIVED: iso(first),
        META_LAST_RECEIVED: iso(last),
        META_LATEST_CASE_DATE: iso(latest),
        META_VERSION: uuid.uuid4().hex,
        META_BUILT_AT: datetime.now().isoformat(sep=" ", timespec="seconds"),
        META_DEFINITION: definition_fingerprint,
    }
