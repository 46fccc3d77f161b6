"""Reject messages: 'code:field' from normalisation → a sentence naming file, sheet, row,
column and value, and saying how to fix it (中文 / English)."""

from __future__ import annotations

import duckdb

from taizhang.store.rawrow import ledger_row_json
from taizhang.store.rejects import compose

# Column labels used when the ledger has no such column at all.
FIELD_LABELS = {
    "received_on": "反映时间", "status": "办理状态", "meeting_on": "会议时间", "resolved_on": "办结时间",
    "due_on": "办理时限", "closed_on": "销号时间", "last_progress_on": "进展更新时间",
    "responded_at": "签收时间", "feedback_at": "反馈时间",
    "satisfaction": "满意度", "matter_class": "事项分类", "case_id": "编号",
}

# A rule in a few words, for the summary of a file none of whose rows could be imported.
SHORT = {
    "missing": ("为空", "empty"),
    "bad_date": ("不是可识别的日期", "not a date"),
    "time_only": ("只有时间没有日期", "a time without a date"),
    "future_date": ("晚于导入当天", "after the day of the import"),
    "too_early": ("早于最早年份", "before the earliest year"),
    "no_year": ("日期没有年份", "a date without a year"),
    "unknown_status": ("不是已知的办理状态", "not a known status"),
    "before_received": ("早于受理日期", "before the received date"),
    "unknown_satisfaction": ("不是已知的满意度", "not a known satisfaction"),
    "unknown_matter_class": ("不是已知的事项分类", "not a known matter class"),
    "duplicate_id": ("编号重复", "a repeated id"),
}


def top_reasons(rejects: list[dict], limit: int = 3) -> tuple[str, str]:
    """The most frequent reasons of these rejects with their counts, (中文, English):
    ('「反映时间」为空 5 行;…', 'column 反映时间 empty: 5 rows; …')."""
    counts: dict[tuple[str, str], int] = {}
    for reject in rejects:
        key = (reject["code"].split(":")[0], reject["column"] or "")
        counts[key] = counts.get(key, 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    zh = ";".join(f"「{column}」{SHORT[rule][0]} {n} 行" for (rule, column), n in top)
    en = "; ".join(f"{column} {SHORT[rule][1]}: {n} row{'' if n == 1 else 's'}" for (rule, column), n in top)
    more = len(counts) - len(top)
    if more > 0:
        zh, en = zh + f";另有 {more} 种原因", en + f"; {more} more kinds of reason"
    return zh, en


def reason_text(code: str, file: str, sheet: str | None, row: int, column: str, value: str | None,
                received: str | None, date_range: tuple | None = None) -> str:
    """The message for one reject (also used to document the messages in docs/ledgers.md)."""
    if sheet:
        p, pe = f"{file} 工作表「{sheet}」第{row}行「{column}」", f"{file}, sheet {sheet}, row {row}, column {column}"
    else:
        p, pe = f"{file} 第{row}行「{column}」", f"{file}, row {row}, column {column}"
    v = value or ""
    lo, hi = date_range or ("", "")
    return compose(code, {"p": p, "pe": pe, "v": v, "r": received or "", "lo": lo, "hi": hi})


def collect_rejects(con: duckdb.DuckDBPyConnection, file_name: str, titles: dict[int, str] | None = None,
                    date_range: tuple | None = None) -> list[dict]:
    """Rejected rows of the staged file as dicts: sheet, row, column, value, reason, raw,
    code ('rule:field') (and file, title: the sheet's title rows, so --rejects-out can keep the context)."""
    # Most files have no reject at all: then the query over `keyed` (its joins run for every
    # row before its filter) is not needed.
    if not con.execute("""
        SELECT EXISTS (SELECT 1 FROM checked WHERE skip IS NULL AND reject IS NOT NULL)
               OR EXISTS (SELECT 1 FROM repeats)
    """).fetchall()[0][0]:
        return []
    rows = con.execute("""
        SELECT k.sheet_no, k.sheet, k.row_no, k.reject, h.header,
               -- the text of the field named (`checked` keeps it for rejected rows only)
               CASE WHEN split_part(k.reject, ':', 2) = 'case_id' THEN k.case_id ELSE k.reject_value END AS value,
               k.received_on_date::VARCHAR AS received,
               -- the row's cells and the headers naming them (store/rawrow.py)
               l.keys, k.raw::VARCHAR AS raw
        FROM keyed k
        LEFT JOIN raw_layouts l ON l.layout_id = k.raw_layout
        -- the few candidate rows first: the reject of a row in `keyed` is known only after
        -- its joins, which the filter below cannot skip
        SEMI JOIN (SELECT sheet_no, row_no FROM checked WHERE skip IS NULL AND reject IS NOT NULL
                   UNION ALL SELECT sheet_no, row_no FROM repeats) USING (sheet_no, row_no)
        LEFT JOIN sheet_headers h ON h.sheet_no = k.sheet_no AND h.field = split_part(k.reject, ':', 2)
        WHERE k.reject IS NOT NULL
        ORDER BY k.sheet_no, k.row_no
    """).fetchall()
    out = []
    for sheet_no, sheet, row, code, header, value, received, keys, raw in rows:
        column = header or FIELD_LABELS.get(code.split(":")[1], code.split(":")[1])
        out.append({
            "sheet": sheet, "row": row, "column": column, "value": value,
            "reason": reason_text(code, file_name, sheet, row, column, value, received, date_range),
            "raw": ledger_row_json(keys, raw),
            "code": code,
            "file": file_name, "title": (titles or {}).get(sheet_no, ""),
        })
    return out
