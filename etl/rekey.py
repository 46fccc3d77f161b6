"""Keys of schema 4 and before, replaced when their ledger comes again.

Taizhang before schema 5 keyed a case without a ledger id (and every meeting) by the md5
of its *resolved* area, date and title, so a better registry gave it a second key. Those
keys are listed in `legacy_keys` by the 4 → 5 migration (store/schema.py). When a file is
imported, each of its id-less rows whose key of today is not stored yet is paired with the
legacy case it was (same sheet, date and title, the same community as written or
resolved, the n-th such row with the n-th such case); the stored case takes the key of
today and the area as written, and the import then compares it as usual: a re-import of
an old file adds nothing.
"""

from __future__ import annotations

import duckdb

from taizhang.store import aggregates
from taizhang.etl.normalize import area_base_sql

# lower(text), white space, punctuation and symbols removed: as the natural key has it.
_TEXT = "lower(regexp_replace(coalesce({}, ''), '[\\s\\p{{P}}\\p{{S}}]', '', 'g'))"

# kind → (table, id column, the incoming key, date column stored / incoming, text column)
KINDS = {
    "case": ("cases", "case_id", "case_key", "received_on", "received_on_date", "title"),
    "meeting": ("meetings", "meeting_id", "meeting_key", "held_on", "meeting_on_date", "channel"),
}


def adopt_legacy_keys(con: duckdb.DuckDBPyConnection) -> int:
    """Give stored cases and meetings with a legacy key the key this file's rows have now
    (runs inside the import's transaction, before the merge); returns how many."""
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM legacy_keys LIMIT 1)").fetchall()[0][0]:
        return 0
    total = 0
    for kind, (table, id_col, key_col, stored_on, incoming_on, text) in KINDS.items():
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE rekey AS
            WITH incoming AS (
                SELECT {key_col} AS new_id, {incoming_on} AS on_date, {_TEXT.format(text)} AS text, sheet,
                       {area_base_sql('community_in')} AS place_in, {area_base_sql('community')} AS place,
                       district_in, street_in, community_in,
                       row_number() OVER (PARTITION BY {incoming_on}, {_TEXT.format(text)}, sheet
                                          ORDER BY sheet_no, row_no) AS nth
                FROM keyed
                WHERE kind = '{kind}' AND reject IS NULL AND case_id IS NULL AND {key_col} IS NOT NULL
                  AND {key_col} NOT IN (SELECT {id_col} FROM {table})
            ),
            legacy AS (
                SELECT t.{id_col} AS old_id, t.{stored_on} AS on_date, {_TEXT.format('t.' + text)} AS text,
                       t.source_sheet AS sheet, {area_base_sql('t.community')} AS place,
                       row_number() OVER (PARTITION BY t.{stored_on}, {_TEXT.format('t.' + text)}, t.source_sheet
                                          ORDER BY t.source_row) AS nth
                FROM {table} t SEMI JOIN legacy_keys l ON l.id = t.{id_col}
                WHERE t.{stored_on} IN (SELECT on_date FROM incoming)
            ),
            pairs AS (
                SELECT l.old_id, i.new_id, i.district_in, i.street_in, i.community_in
                FROM incoming i JOIN legacy l
                  ON l.on_date = i.on_date AND l.text = i.text AND l.sheet IS NOT DISTINCT FROM i.sheet
                 AND l.nth = i.nth
                 AND (l.place IS NOT DISTINCT FROM i.place OR l.place IS NOT DISTINCT FROM i.place_in)
            )
            SELECT * FROM pairs
            QUALIFY count(*) OVER (PARTITION BY old_id) = 1 AND count(*) OVER (PARTITION BY new_id) = 1
        """)
        found = con.execute("SELECT count(*) FROM rekey").fetchall()[0][0]
        if found:
            _rename(con, kind)
        total += found
    con.execute("DROP TABLE IF EXISTS rekey")
    return total


def _rename(con, kind: str) -> None:
    given = ("given_district = r.district_in, given_street = r.street_in, "
             "given_community = r.community_in")
    if kind == "case":
        aggregates.note_cases(con, aggregates.CaseIds("rekey", "old_id"))  # agg_open_cases holds case ids
        con.execute(f"UPDATE cases SET case_id = r.new_id, {given} FROM rekey r WHERE cases.case_id = r.old_id")
        for table in ("case_events", "case_officials"):
            con.execute(f"UPDATE {table} SET case_id = r.new_id FROM rekey r WHERE {table}.case_id = r.old_id")
        aggregates.refresh(con, aggregates.CaseIds("rekey", "new_id"))
    else:
        # meetings and meeting_attendance have a key index: insert under the new key, then
        # delete the old rows (an update of an indexed column is not allowed in DuckDB).
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'meetings' "
            "ORDER BY ordinal_position").fetchall()]
        moved = ", ".join(
            {"meeting_id": "r.new_id", "given_district": "r.district_in", "given_street": "r.street_in",
             "given_community": "r.community_in"}.get(c, f"m.{c}") for c in columns)
        con.execute(f"INSERT INTO meetings ({', '.join(columns)}) "
                    f"SELECT {moved} FROM meetings m JOIN rekey r ON m.meeting_id = r.old_id")
        con.execute("INSERT INTO meeting_attendance SELECT r.new_id, a.official_id "
                    "FROM meeting_attendance a JOIN rekey r ON a.meeting_id = r.old_id")
        for table in ("meeting_attendance", "meetings"):
            con.execute(f"DELETE FROM {table} WHERE meeting_id IN (SELECT old_id FROM rekey)")
        con.execute("UPDATE cases SET meeting_id = r.new_id FROM rekey r WHERE cases.meeting_id = r.old_id")
    con.execute("DELETE FROM legacy_keys WHERE id IN (SELECT old_id FROM rekey)")
