"""An upload by a street user: every row must be of their streets, or the file is refused whole.

Checked on the normalised rows (registry street names, as they would be stored) before
anything is written; the caller's transaction is rolled back by the LedgerError.
"""

from __future__ import annotations

from taizhang.etl.errors import LedgerError

# How many of the offending rows the message names (the count is always given).
NAMED_ROWS = 10


def check_streets(con, file_name: str, titles: dict, streets: tuple[str, ...], summary) -> None:
    """LedgerError naming the rows of `file_name` that are not of `streets`.

    A row counts against the file when its street is another one or unknown, or when its
    case is stored already under another street (an upload must not move or change it).
    """
    rows = con.execute("""
        WITH mine AS (SELECT unnest(?::VARCHAR[]) AS street)
        SELECT k.sheet, k.row_no, coalesce(k.street, k.street_in) AS street, 'row' AS why
        FROM keyed k
        WHERE k.reject IS NULL AND k.kind IN ('case', 'meeting')
          AND (k.street IS NULL OR k.street NOT IN (SELECT street FROM mine))
        UNION ALL
        SELECT k.sheet, k.row_no, c.street, 'stored' AS why
        FROM keyed k JOIN cases c ON c.case_id = k.case_key
        WHERE k.reject IS NULL AND k.kind = 'case'
          AND k.street IN (SELECT street FROM mine)
          AND (c.street IS NULL OR c.street NOT IN (SELECT street FROM mine))
        ORDER BY 1, 2
    """, [list(streets)]).fetchall()
    if not rows:
        return
    summary.out_of_scope = len(rows)
    named = "; ".join(
        f"工作表「{sheet}」第 {row} 行 / sheet {sheet} row {row}: {street or '(街道不明 / street unknown)'}"
        + (" (库中已有此案件 / a stored case of that street)" if why == "stored" else "")
        for sheet, row, street, why in rows[:NAMED_ROWS])
    more = f" … 共 {len(rows)} 行 / {len(rows)} rows in all" if len(rows) > NAMED_ROWS else ""
    raise LedgerError(
        f"{file_name}: 含有 {len(rows)} 行不属于您的街道({'、'.join(streets)}),整份文件未导入;"
        f"请只上传本街道的台账,或请数据科导入 / {len(rows)} rows are not of your street(s) "
        f"({', '.join(streets)}), so nothing of the file was imported; upload your street's "
        f"rows only, or ask the data office to import it. {named}{more}")
