"""The write side of one file's import: `keyed` rows → cases, case_events, officials,
case_officials, meetings, meeting_attendance. Set-based; runs inside the file's transaction.

A case is new, updated or unchanged by comparing its ledger values (and its officials)
with what is stored; only new and updated cases are written, and a status change writes
a case_events row dated by the import's as-of date. A case whose values differ but that a
later version already carried (cases.last_seen_on after this import's as-of) is 'older':
left as it is, no event, counted with the unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from taizhang.store import aggregates
from taizhang.etl.errors import LedgerError
from taizhang.statuses import OPEN_STATUSES
from taizhang.timing import mark

# Values a ledger carries; a difference in any of them makes a case "updated".
CASE_VALUES = (
    "district", "street", "community", "channel", "title", "category", "matter_class",
    "responsible_unit", "reporter", "note", "received_on", "due_on", "resolved_on", "closed_on",
    "status", "satisfaction", "meeting_on",
    "received_at", "resolved_at", "responded_at", "feedback_at",
)
MEETING_VALUES = ("held_on", "district", "street", "community", "channel", "topic", "participants",
                  "feedback")
NAME_SPLIT = r"[、,;/\s]+"
# The area as the ledger writes it, kept beside the resolved names (etl/areas.py re-resolves).
GIVEN_COLUMNS = ("given_district", "given_street", "given_community")
GIVEN = ", ".join(GIVEN_COLUMNS)


@dataclass
class MergeCounts:
    """How many incoming cases and meetings were new, updated or unchanged."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0   # includes `older`
    older: int = 0       # differed, but a later version of the ledger was loaded already


def _same(a: str, b: str, columns) -> str:
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" for c in columns)


def _change(stored: str, key: str, same: str) -> str:
    """SQL naming what an incoming row is to the `stored` row of the same `key`: 'new' (none
    stored), 'unchanged' (`same` holds), 'older' (the stored row was last seen in a later
    version than this import's as-of, the one bound parameter: it is not overwritten), else
    'updated'."""
    return (f"CASE WHEN {stored}.{key} IS NULL THEN 'new' WHEN {same} THEN 'unchanged' "
            f"WHEN {stored}.last_seen_on > ? THEN 'older' ELSE 'updated' END")


def _officials_from(con, source: str, key: str, roles: dict[str, str], target: str,
                    lists_from: str | None = None) -> None:
    """Split name lists ('张三、李四(副书记)') of the `roles` columns (column → role) into temp
    table `target` (key, role, official_id, list_no) and add unknown names to officials.
    Only the roles some sheet of the file has a column for are read (the others are NULL).
    `lists_from`: a cheaper table or query holding every list of `source` (and maybe more),
    where the distinct lists are found (`source` itself when None)."""
    present = {row[0] for row in con.execute("SELECT DISTINCT field FROM sheet_headers").fetchall()}
    roles = {column: role for column, role in roles.items() if column in present}
    if not roles:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} "
                    "(key VARCHAR, role VARCHAR, official_id VARCHAR, list_no BIGINT)")
        return
    roles_sql = ", ".join(f"{column} AS {role}" for column, role in roles.items())
    unpivot = f"UNPIVOT (names FOR role IN ({', '.join(roles.values())}))"
    # A ledger repeats the same few name lists: each distinct list is split once, into a
    # small table (list, its number, official_id, name, title); the links of every case
    # carry the list's number, not its names and titles.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {target}_lists AS
        WITH lists AS (
            SELECT names, row_number() OVER () AS list_no
            FROM (SELECT DISTINCT names FROM (SELECT {roles_sql} FROM {lists_from or source}) {unpivot})
        ),
        tokens AS (
            SELECT names, list_no, trim(unnest(regexp_split_to_array(names, '{NAME_SPLIT}'))) AS token
            FROM lists
        ),
        named AS (
            SELECT names, list_no,
                   -- '王一138****5678', '王一138 **** 5678' → '王一': a (masked) number is no part of a name
                   trim(regexp_replace(regexp_replace(token, '[(].*$', ''), '[-+0-9*]{{7,}}[Xx]?|[-+0-9*]+$', '', 'g')) AS name,
                   nullif(trim(regexp_extract(token, '[(](.*?)[)]?$', 1)), '') AS title
            FROM tokens WHERE token <> ''
        )
        -- One row per official of a list, even when the list names someone twice with two
        -- titles ('张三(书记)、张三(主任)'): case_officials gets the pair once.
        SELECT names, list_no, 'o' || substr(md5(name), 1, 12) AS official_id, any_value(name) AS name,
               max(title) AS title
        FROM named WHERE regexp_matches(name, '[^-+0-9*]') GROUP BY ALL  -- '+86', '****': no name
    """)
    # Each (key, role) has one list (keys are unique: repeats are rejected or numbered) and
    # a list's officials are distinct, so these rows are distinct without a DISTINCT over
    # every case (that cost more than the rest of this statement).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        SELECT l.key, l.role, o.official_id, o.list_no
        FROM (SELECT {key} AS key, {roles_sql} FROM {source}) {unpivot} l
        JOIN {target}_lists o USING (names)
    """)
    # Names and titles from the lists `source` uses (`lists_from` may hold others).
    con.execute(f"""
        INSERT INTO officials (official_id, name, title)
        SELECT official_id, any_value(name), max(title) FROM {target}_lists
        WHERE list_no IN (SELECT list_no FROM {target})
          AND official_id NOT IN (SELECT official_id FROM officials)
        GROUP BY official_id
    """)
    con.execute(f"DROP TABLE {target}_lists")


def merge_cases(con: duckdb.DuckDBPyConnection, import_id: int, as_of: date, source_file: str) -> MergeCounts:
    """Insert new cases, update changed ones, write events and officials; returns counts."""
    # A view, not a copy: each use below reads the columns it needs from `checked`.
    con.execute("""
        CREATE OR REPLACE TEMP VIEW incoming AS
        SELECT case_key AS case_id, district, street, community, channel, title, category,
               matter_value AS matter_class, responsible_unit, reporter, note,
               received_on_date AS received_on, due_on_date AS due_on, resolved_on_date AS resolved_on,
               closed_on_date AS closed_on, status_final AS status,
               satisfaction_final AS satisfaction,
               last_progress_on_date AS last_progress_on, meeting_on_date AS meeting_on,
               -- times of day where the ledger writes them (a date alone: NULL, or midnight
               -- for the two moments that only ever have a date-and-time meaning)
               received_on_time AS received_at, resolved_on_time AS resolved_at,
               coalesce(responded_at_time, responded_at_date::TIMESTAMP) AS responded_at,
               coalesce(feedback_at_time, feedback_at_date::TIMESTAMP) AS feedback_at,
               sheet, row_no, raw, raw_layout, lead, deputy, handler, supervisor,
               district_in AS given_district, street_in AS given_street, community_in AS given_community
        FROM keyed WHERE kind = 'case' AND reject IS NULL
    """)
    generated = _generated_keys(con)
    # Every case keyed by its ledger id and no key repeated (the usual export): the rows of
    # `incoming` and their keys are those of `checked`, read without the registry join.
    rows = ("(SELECT * FROM checked WHERE skip IS NULL AND reject IS NULL AND kind = 'case')"
            if not generated and not con.execute("SELECT count(*) FROM repeats").fetchall()[0][0]
            else "incoming")
    _officials_from(
        con, rows, "case_id",
        {"lead": "lead", "deputy": "deputy", "handler": "handler", "supervisor": "supervisor"}, "incoming_officials",
        # every list of `incoming`, found without its joins
        lists_from="(SELECT * FROM checked WHERE skip IS NULL AND kind = 'case')",
    )
    mark("officials")
    empty = not con.execute("SELECT count(*) FROM (SELECT 1 FROM cases LIMIT 1)").fetchall()[0][0]
    known = 0 if empty else con.execute(
        f"SELECT count(*) FROM {rows} SEMI JOIN cases USING (case_id)").fetchall()[0][0]
    if not known:  # a first load: every case is new, nothing to compare (counted as written)
        counts = MergeCounts()
    else:
        _diff_cases(con, as_of)
        counts = _counts(con, "case_diff")
    mark("diff")
    cols = ", ".join(CASE_VALUES)
    # All new (a first load): no join with case_diff needed to pick the new ones.
    new_only = "" if not known else "SEMI JOIN (SELECT case_id FROM case_diff WHERE change = 'new') d USING (case_id)"
    # Cases are stored by received_on (row groups skipped by date); a ledger already in that
    # order (most exports are) is written as read, without sorting its wide rows.
    order = "" if _in_received_order(con) else "ORDER BY i.received_on, i.case_id"
    mark("order_check")
    [(written,)] = con.execute(f"""
        INSERT INTO cases ({cols}, case_id, last_progress_on, reopened_count, import_id,
                           source_file, source_sheet, source_row, raw, raw_layout, last_seen_on, {GIVEN})
        SELECT {", ".join("i." + c for c in CASE_VALUES)}, i.case_id, i.last_progress_on, 0, ?,
               ?, i.sheet, i.row_no, i.raw, i.raw_layout, ?, {", ".join("i." + c for c in GIVEN_COLUMNS)}
        FROM incoming i {new_only}
        {order}
    """, [import_id, source_file, as_of]).fetchall()
    if not known:  # every incoming case, without another pass over `incoming` to count them
        counts.new = written
    mark("insert_cases")
    if counts.unchanged > counts.older:
        # Seen again, unchanged: a version older than this one must not move them back.
        con.execute("""
            UPDATE cases SET last_seen_on = ?
            FROM case_diff d
            WHERE d.case_id = cases.case_id AND d.change = 'unchanged'
              AND (cases.last_seen_on IS NULL OR cases.last_seen_on < ?)
        """, [as_of, as_of])
    if counts.updated:
        # The aggregate tables' cells these cases leave (store/aggregates.py, docs/performance.md).
        aggregates.note_cases(con, aggregates.CaseIds("case_diff", "case_id", ("updated",)))
        _update_cases(con, import_id, as_of, source_file)
    mark("update_cases")
    if counts.new or counts.updated:
        # Only a generated key can equal another row's ledger id: a file's ids are unique (a
        # repeated one is a reject), so a file whose cases all carry one has nothing to check.
        if generated:
            check_unique_cases(con, import_id, whole_table=empty)
        mark("unique_check")
        _write_events_and_officials(con, import_id, as_of, not known, order)
        if empty:  # every month is new: the whole tables, without looking up each case
            aggregates.rebuild(con)
        elif not known:
            aggregates.refresh(con, months_of="incoming")
        else:
            aggregates.refresh(con, aggregates.CaseIds("case_diff", "case_id", ("new", "updated")))
    return counts


def check_unique_cases(con: duckdb.DuckDBPyConnection, import_id: int, whole_table: bool = False) -> None:
    """Raise LedgerError when a case this import wrote shares its case_id with another row.

    `cases` has no key index (store/schema.sql); keys are unique by construction, and this
    checks it after the fact, so that a ledger id equal to a key generated for another row
    (h + 16 hex digits) fails the file instead of storing one case twice. `whole_table`: the
    database held no case before this import, so every row is this import's.
    """
    mine = "" if whole_table else "WHERE case_id IN (SELECT case_id FROM cases WHERE import_id = $import_id)"
    found = con.execute(f"""
        SELECT case_id, count(*) FROM cases {mine}
        GROUP BY case_id HAVING count(*) > 1 ORDER BY case_id LIMIT 1
    """, {"import_id": import_id} if mine else {}).fetchall()
    if not found:
        return
    case_id, times = found[0]
    rows = con.execute("""
        SELECT coalesce(source_sheet || ' ', '') || source_row FROM cases
        WHERE case_id = ? AND import_id = ? ORDER BY source_sheet, source_row LIMIT 3
    """, [case_id, import_id]).fetchall()
    where = "、".join(str(r[0]) for r in rows)
    raise LedgerError(
        f"案件编号「{case_id}」导入后出现 {times} 次(第 {where} 行):文件中的编号与另一行自动生成的编号"
        f"或库中已有的案件相同,整个文件未导入;请改正该编号后重新导入 / case id '{case_id}' would be stored "
        f"{times} times (row {where}): a ledger id equal to the key generated for another row, or to a "
        "stored case; nothing from this file was imported: correct that id and load the file again"
    )


def _generated_keys(con) -> bool:
    """True when some case of the file has no ledger id: its key is generated (h + 16 hex
    digits of its area, date and title), and another row's ledger id may equal it
    (check_unique_cases). The ledger ids of a file are unique: a repeated one is a reject."""
    if not con.execute("SELECT count(*) FROM sheet_headers WHERE field = 'case_id'").fetchall()[0][0]:
        return True
    return bool(con.execute("""
        SELECT count(*) FROM (SELECT 1 FROM checked
                              WHERE skip IS NULL AND reject IS NULL AND kind = 'case' AND case_id IS NULL LIMIT 1)
    """).fetchall()[0][0])


def _in_received_order(con) -> bool:
    """True when the file's cases follow received_on in file order (sheet, row): then
    they are written in the order they are read (a narrow sort here, not one of whole rows).
    Read from `checked` (the rows of `incoming` and the file's rejects of repeated ids; their
    order is no result) without the joins of `incoming`, and grouped by day, not sorted: in
    order when each day's rows all come before the next day's."""
    if not con.execute("SELECT count(*) FROM sheet_headers WHERE field = 'received_on'").fetchall()[0][0]:
        return True  # no sheet has the date (`checked` has no column for it): no case to write
    return not con.execute("""
        SELECT count(*) FROM (
            SELECT first_at, lag(last_at) OVER (ORDER BY received_on_date) AS before
            FROM (SELECT received_on_date, min(pos) AS first_at, max(pos) AS last_at
                  FROM (SELECT received_on_date, sheet_no::BIGINT * 4294967296 + row_no AS pos
                        FROM checked WHERE skip IS NULL AND reject IS NULL AND kind = 'case')
                  GROUP BY received_on_date)
        ) WHERE first_at < before
    """).fetchall()[0][0]


def _diff_cases(con, as_of: date) -> None:
    """case_diff: each incoming case new, updated, unchanged or older against what is stored."""
    same = (f"{_same('i', 'c', CASE_VALUES)}"
            " AND (i.last_progress_on IS NULL OR i.last_progress_on = c.last_progress_on)"
            " AND m.case_id IS NULL")
    # The cases whose officials changed: the links in one set and not in the other, the
    # stored ones counted (each incoming link is there once, see _officials_from), so the
    # sets are equal exactly when the case has the same links as many times. One signature
    # text a case (string_agg ordered inside each of 1M groups) cost 4.1 s of a 1M reload.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE case_diff AS
        WITH new_links AS (
            SELECT key AS case_id, role, official_id, 1 AS n FROM incoming_officials
        ),
        old_links AS (
            SELECT case_id, role, official_id, count(*) AS n
            FROM case_officials WHERE case_id IN (SELECT case_id FROM incoming) GROUP BY ALL
        ),
        moved AS (
            SELECT DISTINCT case_id
            FROM ((FROM new_links EXCEPT FROM old_links) UNION ALL (FROM old_links EXCEPT FROM new_links))
        )
        SELECT i.case_id, c.status AS old_status,
               {_change("c", "case_id", same)} AS change
        FROM incoming i
        LEFT JOIN cases c USING (case_id)
        LEFT JOIN moved m USING (case_id)
    """, [as_of])


def _update_cases(con, import_id: int, as_of: date, source_file: str) -> None:
    con.execute(f"""
        UPDATE cases SET
            {", ".join(f"{c} = i.{c}" for c in CASE_VALUES)},
            reopened_count = cases.reopened_count
                + CASE WHEN cases.status = 'resolved' AND list_contains(?::VARCHAR[], i.status) THEN 1 ELSE 0 END,
            last_progress_on = coalesce(i.last_progress_on,
                CASE WHEN i.status <> cases.status OR i.note IS DISTINCT FROM cases.note THEN ?::DATE
                     ELSE cases.last_progress_on END),
            import_id = ?, source_file = ?, source_sheet = i.sheet, source_row = i.row_no, raw = i.raw,
            raw_layout = i.raw_layout,
            last_seen_on = greatest(cases.last_seen_on, ?::DATE),
            {", ".join(f"{c} = i.{c}" for c in GIVEN_COLUMNS)}
        FROM incoming i JOIN case_diff d USING (case_id)
        WHERE d.change = 'updated' AND cases.case_id = i.case_id
    """, [list(OPEN_STATUSES), as_of, import_id, source_file, as_of])


def _write_events_and_officials(con, import_id: int, as_of: date, first: bool, order: str) -> None:
    """First-sight and status-change events; the officials of new and updated cases
    (`first`: every incoming case is new, there is no case_diff; `order`: as for cases)."""
    if first:
        # Every case of this import is new and written already, in received_on order: read
        # back from `cases`, not through `incoming` (its registry and repeats joins again).
        con.execute("""
            INSERT INTO case_events (case_id, event_on, status, note, import_id)
            SELECT case_id, ?, status, note, import_id FROM cases WHERE import_id = ?
        """, [as_of, import_id])
    else:
        con.execute(f"""
            INSERT INTO case_events (case_id, event_on, status, note, import_id)
            SELECT i.case_id, ?, i.status, i.note, ?
            FROM incoming i JOIN case_diff d USING (case_id)
            WHERE d.change = 'new' OR (d.change = 'updated' AND d.old_status <> i.status)
            {order}
        """, [as_of, import_id])
    mark("events")
    if not first:
        con.execute("""
            DELETE FROM case_officials
            WHERE case_id IN (SELECT case_id FROM case_diff WHERE change = 'updated')
        """)
    written = "" if first else "JOIN case_diff d ON d.case_id = o.key WHERE d.change IN ('new', 'updated')"
    # incoming_officials holds each (case, official, role) once already. Stored by case_id
    # so that a page of cases finds its officials in a few row groups (kpi.lists bounds the
    # case_id; the join's hash order scattered them: 10M cases, drill 0.19-0.32 s).
    con.execute(f"""
        INSERT INTO case_officials (case_id, official_id, role)
        SELECT o.key, o.official_id, o.role
        FROM incoming_officials o {written}
        ORDER BY o.key
    """)
    mark("case_officials")


def merge_meetings(con: duckdb.DuckDBPyConnection, import_id: int, as_of: date,
                   source_file: str) -> MergeCounts:
    """Insert or update the file's meetings and their attendance; a meeting a later version
    of the ledger carried already (meetings.last_seen_on after as_of) is left as it is."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE incoming_meetings AS
        SELECT meeting_key AS meeting_id, meeting_on_date AS held_on, district, street, community,
               channel, topic, participants_n AS participants, feedback, attendees, sheet, row_no,
               district_in AS given_district, street_in AS given_street, community_in AS given_community
        FROM keyed WHERE kind = 'meeting' AND reject IS NULL
    """)
    if not con.execute("SELECT count(*) FROM incoming_meetings").fetchall()[0][0]:
        return MergeCounts()
    _officials_from(con, "incoming_meetings", "meeting_id", {"attendees": "attendee"}, "incoming_attendance")
    same = f"{_same('i', 'm', MEETING_VALUES)} AND ns.sig IS NOT DISTINCT FROM os.sig"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE meeting_diff AS
        WITH new_sig AS (
            SELECT key AS meeting_id, list_sort(list(official_id)) AS sig
            FROM incoming_attendance GROUP BY ALL
        ),
        old_sig AS (
            SELECT meeting_id, list_sort(list(official_id)) AS sig
            FROM meeting_attendance WHERE meeting_id IN (SELECT meeting_id FROM incoming_meetings) GROUP BY ALL
        )
        SELECT i.meeting_id,
               {_change("m", "meeting_id", same)} AS change
        FROM incoming_meetings i
        LEFT JOIN meetings m USING (meeting_id)
        LEFT JOIN new_sig ns USING (meeting_id)
        LEFT JOIN old_sig os USING (meeting_id)
    """, [as_of])
    # Seen again, unchanged: a version older than this one must not overwrite them later.
    con.execute("""
        UPDATE meetings SET last_seen_on = ?
        FROM meeting_diff d
        WHERE d.meeting_id = meetings.meeting_id AND d.change = 'unchanged'
          AND (meetings.last_seen_on IS NULL OR meetings.last_seen_on < ?)
    """, [as_of, as_of])
    con.execute("DELETE FROM meetings WHERE meeting_id IN (SELECT meeting_id FROM meeting_diff WHERE change = 'updated')")
    con.execute("""
        DELETE FROM meeting_attendance
        WHERE meeting_id IN (SELECT meeting_id FROM meeting_diff WHERE change = 'updated')
    """)
    con.execute(f"""
        INSERT INTO meetings (meeting_id, {", ".join(MEETING_VALUES)}, import_id, source_file,
                              source_sheet, source_row, last_seen_on, {GIVEN})
        SELECT i.meeting_id, {", ".join("i." + c for c in MEETING_VALUES)}, ?, ?, i.sheet, i.row_no, ?,
               {", ".join("i." + c for c in GIVEN_COLUMNS)}
        FROM incoming_meetings i JOIN meeting_diff d USING (meeting_id)
        WHERE d.change IN ('new', 'updated')
        ORDER BY i.held_on
    """, [import_id, source_file, as_of])
    con.execute("""
        INSERT INTO meeting_attendance (meeting_id, official_id)
        SELECT DISTINCT a.key, a.official_id
        FROM incoming_attendance a JOIN meeting_diff d ON d.meeting_id = a.key
        WHERE d.change IN ('new', 'updated')
    """)
    return _counts(con, "meeting_diff")


def link_cases_to_meetings(con: duckdb.DuckDBPyConnection) -> None:
    """Give cases that carry a 会议时间 the meeting held that day in their community."""
    con.execute("""
        UPDATE cases SET meeting_id = m.meeting_id
        FROM (SELECT street, community, held_on, min(meeting_id) AS meeting_id
              FROM meetings WHERE community IS NOT NULL GROUP BY ALL) m
        WHERE cases.meeting_id IS NULL AND cases.meeting_on IS NOT NULL
          AND cases.meeting_on = m.held_on AND cases.community = m.community
          AND cases.street IS NOT DISTINCT FROM m.street
    """)


def _counts(con, table: str) -> MergeCounts:
    counts = dict(con.execute(f"SELECT change, count(*) FROM {table} GROUP BY ALL").fetchall())
    older = counts.get("older", 0)
    return MergeCounts(counts.get("new", 0), counts.get("updated", 0), counts.get("unchanged", 0) + older, older)
