"""Stored texts masked again when the masking rule grew (taizhang.safetext MASK_VERSION).

A load masks what it writes, but a reload does not rewrite a case it finds unchanged, so a
database loaded before the rule masked more kept the older text. When the write side opens
a database whose recorded mask version (meta 'mask_version'; none recorded: 1) is older,
every stored text a ledger gave is masked with today's rule, once, in one transaction, and
the version recorded (`taizhang load`, `taizhang areas`, `taizhang rebuild`).

Left as they are: the keys (case_id, meeting_id, official_id and official names, which
keys hash) and the columns the KPIs group by (district, street, community, channel,
category, matter_class and the given_* areas, also in the aggregate tables): a number in
one of those was folded to one separator before masking, which the older rule masked too.
A case without a ledger id is keyed by the hash of its title (etl/normalize.py); where
re-masking changes such a title, the key is listed in legacy_keys, so that the next import
of its ledger gives it the key of the masked title (etl/rekey.py) instead of a second copy.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from taizhang.db import connect
from taizhang.safetext import MASK_VERSION, MAYBE_NUMBER, mask_sql

# Texts a ledger gave, by table: free text, sheet and column names, reasons quoting a
# value, the rows as read (JSON: a case's cells as an array, with their headers as a list;
# a reject's as an object) and import errors quoting a cell.
MASKED_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": ("title", "responsible_unit", "reporter", "note", "source_sheet", "raw"),
    "raw_layouts": ("keys",),
    "meetings": ("topic", "feedback", "source_sheet"),
    "case_events": ("note",),
    "rejects": ("sheet", "column", "value", "reason", "raw"),
    "officials": ("title", "unit"),
    "imports": ("error",),
}
JSON_COLUMNS = {("cases", "raw"), ("rejects", "raw")}
# Lists of texts: each element masked.
LIST_COLUMNS = {("raw_layouts", "keys")}
# A key a case without a ledger id has (etl/normalize.py): 'h' and 16 hex digits of an md5.
GENERATED_CASE_KEY = "h[0-9a-f]{16}"


def stored_mask_version(con: duckdb.DuckDBPyConnection) -> int:
    """The mask version the database's texts were written with (1: none recorded)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'mask_version'").fetchone()
    return int(row[0]) if row else 1


def record_mask_version(con: duckdb.DuckDBPyConnection) -> None:
    """Record that the stored texts are masked by today's rule (a new database's are)."""
    con.execute("INSERT OR REPLACE INTO meta VALUES ('mask_version', ?)", [str(MASK_VERSION)])


def pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored texts are of an older mask version (a read-only check: an empty
    file or one without tables has nothing to re-mask)."""
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()[0]
    return bool(has_meta) and stored_mask_version(con) < MASK_VERSION


def pending_in_file(path) -> bool:
    """pending() of the database file at `path`, opened read-only (False: no file)."""
    if not Path(path).exists():
        return False
    con = connect(path, read_only=True)
    try:
        return pending(con)
    finally:
        con.close()


PENDING_NOTE = ("数据库中有按旧规则脱敏的文字,下次导入(taizhang load)时将按现行规则重新脱敏 / the database "
                "holds texts masked by an older rule: the next load (taizhang load) masks them again with "
                "today's rule")


def _text(table: str, column: str) -> str:
    quoted = f'"{column}"'
    return f"{quoted}::VARCHAR" if (table, column) in JSON_COLUMNS else quoted


def _masking(table: str, column: str) -> tuple[str, str, str]:
    """SQL of a stored column re-masked: the text MAYBE_NUMBER is tested on, the masked
    value, and the condition that it differs from the stored one."""
    quoted = f'"{column}"'
    if (table, column) in LIST_COLUMNS:
        # The elements joined by a character that is no digit, space or separator: the test
        # holds where it holds for one of them.
        value = f"list_transform({quoted}, lambda x: {mask_sql('x')})"
        return f"array_to_string({quoted}, '|')", value, f"{value} IS DISTINCT FROM {quoted}"
    text = _text(table, column)
    masked = mask_sql(text)
    value = f"({masked})::JSON" if (table, column) in JSON_COLUMNS else masked
    return text, value, f"{masked} <> {text}"


def remask(con: duckdb.DuckDBPyConnection) -> int | None:
    """Mask every stored text of MASKED_COLUMNS with today's rule if the database's are of
    an older version, and record the version. Runs inside the caller's transaction (the
    schema migration's, or remask_once's). Returns the values changed; None when the
    texts were of today's version already."""
    if stored_mask_version(con) >= MASK_VERSION:
        return None
    changed = 0
    # The title is what an id-less case's key hashes: those keys are re-adopted by the next
    # import of their ledger (etl/rekey.py), listed before the titles change.
    title = _text("cases", "title")
    con.execute(f"""
        INSERT INTO legacy_keys
        SELECT case_id FROM cases
        WHERE regexp_full_match(case_id, '{GENERATED_CASE_KEY}')
          AND regexp_matches({title}, '{MAYBE_NUMBER}') AND {mask_sql(title)} <> {title}
          AND case_id NOT IN (SELECT id FROM legacy_keys)
    """)
    for table, columns in MASKED_COLUMNS.items():
        for column in columns:
            test, value, differs = _masking(table, column)
            # MAYBE_NUMBER holds wherever a mask changes the text: the cheap test first,
            # so a large database is not masked value by value.
            changed += con.execute(
                f'UPDATE {table} SET "{column}" = {value} '
                f"WHERE regexp_matches({test}, '{MAYBE_NUMBER}') AND {differs}"
            ).fetchone()[0]
    record_mask_version(con)
    return changed


def remask_once(con: duckdb.DuckDBPyConnection) -> int | None:
    """remask() in its own transaction: all texts re-masked and the version recorded, or
    (on an error or an interruption) nothing."""
    if stored_mask_version(con) >= MASK_VERSION:
        return None
    con.execute("BEGIN TRANSACTION")
    try:
        changed = remask(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return changed
