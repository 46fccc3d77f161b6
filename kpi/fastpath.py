"""The fast path, observable: the aggregate tables' record, whether they can answer, and why
a question was answered from the cases instead.

Every question reads the tables' record first (read_state: one statement, read once per
read-only connection and the cursors its owner shares). The tables
answer (kpi/aggregated.py) only while they were built by this code's definition
(store.aggregates.fingerprint), under the current settings, over exactly the cases there
are now; otherwise, or when the question itself needs the cases (an official, two
dimensions besides the areas, an as_of or period that splits a month), the cases answer.
Each such fallback is logged on the logger "taizhang.kpi.fastpath" with one short reason
code and its text — a stale or unreadable table at WARNING, once per table state; a
question's own reason at INFO — and the latest is kept for the data page
(last_fallback), beside the tables' state (status).
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from taizhang.i18n import t
from taizhang.kpi.scope import scoped_streets
from taizhang.store import aggregates

log = logging.getLogger("taizhang.kpi.fastpath")

# The as-of date of the latest import that stored something: a file that failed, or whose
# every row was rejected, says nothing about how far the data goes.
LATEST_IMPORT_SQL = """
    SELECT max(as_of) FROM imports
    WHERE status <> 'failed' AND rows_new + rows_updated + rows_unchanged > 0"""
# Compiled SQL names columns, so its key holds a hash of the tables' definitions (their
# CREATE statements: a third of the cost of hashing duckdb_columns()).
SCHEMA_SQL = ("SELECT hash(string_agg(sql, ';' ORDER BY database_name, table_name)) "
              "FROM duckdb_tables() WHERE NOT temporary")
STATE_KEYS = aggregates.RECORD_KEYS
# One statement for everything a question needs to know before it is asked: the aggregate
# tables' record, the number of cases now, the latest import's as_of, a hash of the
# database's columns (compiled SQL names columns; kpi.runner.DataContext.schema), whether
# the connection is read-only, and the registry's rows (zero rows of areas, kpi.inmemory:
# the registry changes without a refresh; AREAS_SQL's rows, as state["areas"]: a tuple of
# (district, street, community)). One row: a second statement cost as much again.
STATE_SQL = f"""
SELECT
    (SELECT map(list(key), list(value)) FROM meta WHERE key LIKE 'aggregates%'),
    (SELECT count(*) FROM cases),
    ({LATEST_IMPORT_SQL})::VARCHAR,
    ({SCHEMA_SQL})::VARCHAR,
    (SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()),
    (SELECT list([district, street, community] ORDER BY district, street, community) FROM areas)
"""
AREAS_SQL = "SELECT district, street, community FROM areas ORDER BY district, street, community"
Area = tuple[str, str, str]  # (district, street, community) of the registry
# Reasons about the tables (the same for every question until they change) …
TABLE_REASONS = ("unreadable", "absent", "definition", "settings", "cases", "workdays")
# … and about the question, or the person: expected, logged at INFO. ("scope": a person
# who sees some streets only; the tables answer for every street at once, kpi.scope.)
QUESTION_REASONS = ("scope", "official", "grain", "as_of", "period")


@dataclass(frozen=True)
class Fallback:
    """One question answered from the cases: why (`code`), what about it (`detail`), when."""

    code: str
    detail: str
    at: datetime

    def text(self, lang: str = "zh") -> str:
        """The reason in words, with its detail."""
        said = t(f"fastpath.{self.code}", lang)
        return f"{said} ({self.detail})" if self.detail else said


_lock = threading.Lock()
_last: Fallback | None = None
_logged: set[tuple] = set()
_state_statement = None
state_reads = 0  # statements read_state has run in this process (tests count them)
# The state of read-only connections: nothing can change their data while they are open
# (DuckDB locks the file against writers), so it is read once per connection, and once for
# every cursor made of it that its owner shares (share): the dashboard asks each question
# on a cursor of its own, of one connection per script run.
_read_only_states: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_shared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # cursor -> its connection


def current_definition() -> str:
    """This code's fingerprint of the aggregate tables' definition (store.aggregates;
    generated once per version of the code, and kept on disk)."""
    return aggregates.current_fingerprint()


# The same on ClickHouse, transpiled (store.dialect); no schema hash (nothing compiled is
# kept on disk for it) and no read-only flag: a published generation never changes.
OTHER_STATE_SQL = f"""
SELECT key, value FROM meta WHERE key LIKE 'aggregates%'
UNION ALL SELECT 'cases_now', count(*)::VARCHAR FROM cases
UNION ALL SELECT 'latest_import', ({LATEST_IMPORT_SQL})::VARCHAR
"""
_generation_states: dict[tuple[int, str], dict] = {}


def _read_other_state(con) -> dict | None:
    """read_state on a ClickHouse client bound to a published generation (kept per
    generation: its tables never change once published)."""
    from taizhang.store.dialect import to_clickhouse

    key = (id(con), str(con.database))
    state = _generation_states.get(key)
    if state is not None:
        return state
    try:
        state = {str(k): v for k, v in con.query(to_clickhouse(OTHER_STATE_SQL)).result_rows}
        state["areas"] = tuple(tuple(row) for row in con.query(to_clickhouse(AREAS_SQL)).result_rows)
    except Exception as exc:  # noqa: BLE001 - a generation without meta: the raw path answers
        fell_back("unreadable", f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
        return None
    state["cases_now"], state["schema"] = int(state["cases_now"]), 0
    with _lock:
        if len(_generation_states) > 16:
            _generation_states.clear()
        _generation_states[key] = state
    return state


def share(cursor, con) -> None:
    """Let `cursor`, made by con.cursor(), use con's state (read once for both, when con is
    read-only). Only for a cursor that sees what con sees: never one restricted to a street
    scope (kpi.scope hides the tables' record from it)."""
    _shared[cursor] = con


def read_state(con) -> dict | None:
    """The aggregate tables' record with cases_now, latest_import and schema; None for a
    file that cannot say (older or foreign: the cases answer, and the reason is logged).
    `con`: a DuckDB connection, or a ClickHouse client (taizhang.warehouse.reading)."""
    global _state_statement, state_reads
    if not isinstance(con, duckdb.DuckDBPyConnection):
        con = getattr(con, "con", con)  # an ibis backend: its connection
        if not isinstance(con, duckdb.DuckDBPyConnection):
            return _read_other_state(con)
    owner = _shared.get(con, con)
    state = _read_only_states.get(owner)
    if state is not None:
        return state
    try:
        if _state_statement is None:
            _state_statement = con.extract_statements(STATE_SQL)[0]
        state_reads += 1
        record, cases_now, latest_import, schema, read_only, areas = \
            con.execute(_state_statement).fetchall()[0]
    except Exception as exc:  # noqa: BLE001 - an older or foreign file: the raw path answers
        fell_back("unreadable", f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
        return None
    state: dict = dict(record or {})
    state.update(cases_now=int(cases_now), latest_import=latest_import, schema=schema,
                 read_only="true" if read_only else "false")
    state["areas"] = tuple(tuple(row) for row in areas or ())  # type: tuple[Area, ...]
    if read_only:
        _read_only_states[owner] = state
    return state


def is_current(state: dict | None) -> bool:
    """Whether the tables cover exactly the cases there are now (whatever their definition)."""
    return state is not None and all(key in state for key in STATE_KEYS) \
        and int(state[aggregates.META_CASES]) == state["cases_now"]


def data_dates(con, state: dict | None = None) -> tuple[date | None, date | None, date | None] | None:
    """(first received_on, last received_on, latest case date) as recorded with the
    aggregates, without scanning the cases; None when the record is missing or stale."""
    state = state if state is not None else read_state(con)
    if not is_current(state):
        return None
    read = lambda key: date.fromisoformat(state[key]) if state[key] else None  # noqa: E731
    return (read(aggregates.META_FIRST_RECEIVED), read(aggregates.META_LAST_RECEIVED),
            read(aggregates.META_LATEST_CASE_DATE))


def tables_reason(state: dict | None, settings, con=None) -> str | None:
    """Why the tables cannot answer any question under these settings (a code of
    TABLE_REASONS, or "scope" for a street-scoped connection `con`), or None when they can."""
    if state is None:
        return "unreadable"
    reason = aggregates.reason(state, state["cases_now"], settings, current_definition())
    if reason == "absent" and con is not None and scoped_streets(con) is not None:
        return "scope"  # the scope hides the tables' record (kpi.scope)
    return reason


def usable(state: dict | None, settings, con=None) -> bool:
    """Whether the tables can answer under these settings; when not, the reason is logged.
    `con`: the question's connection (tells a street scope from tables never built)."""
    reason = tables_reason(state, settings, con)
    if reason is not None:
        fell_back(reason, token=(state or {}).get(aggregates.META_VERSION, ""))
    return reason is None


def fell_back(code: str, detail: str = "", token: str = "") -> None:
    """Record and log that a question is answered from the cases, and why.

    A reason about the tables is logged at WARNING once per state of the tables (`token`:
    their refresh's version): every question shares it until a refresh or an import.
    """
    global _last
    fallback = Fallback(code, detail, datetime.now().replace(microsecond=0))
    with _lock:
        _last = fallback
        key = (code, detail, token)
        first = key not in _logged
        if first:
            if len(_logged) > 256:
                _logged.clear()
            _logged.add(key)
    level = logging.INFO if code in QUESTION_REASONS else logging.WARNING
    if level == logging.INFO or first:
        log.log(level, "fast path off [%s]: %s / %s", code, fallback.text("zh"), fallback.text("en"))


def last_fallback() -> Fallback | None:
    """The latest question of this process answered from the cases, or None."""
    return _last


def fast_path_status(con, settings=None) -> dict:
    """The aggregate tables' state for the data page: {'status': 'current' | 'stale' |
    'absent' | 'scoped' (a street-scoped connection: not the tables' fault), 'reason': a
    code or None, 'cases': cases the tables hold, 'built': when}."""
    from taizhang.store.facts import settings_or_default

    state = read_state(con)
    reason = tables_reason(state, settings_or_default(settings), con)
    kind = ("current" if reason is None else "scoped" if reason == "scope"
            else "absent" if reason in ("unreadable", "absent") else "stale")
    built = (state or {}).get(aggregates.META_BUILT_AT)
    return {"status": kind, "reason": reason,
            "cases": int(state[aggregates.META_CASES]) if kind in ("current", "stale") else None,
            "built": built}
