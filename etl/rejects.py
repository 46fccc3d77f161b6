"""Reject messages: 'code:field' from normalisation → a sentence naming file, sheet, row,
column and value, and saying how to fix it (中文 / English)."""

from __future__ import annotations

import duckdb

# Column labels used when the ledger has no such column at all.
FIELD_LABELS = {
    "received_on": "反映时间", "status": "办理状态", "meeting_on": "会议时间", "resolved_on": "办结时间",
    "due_on": "办理时限", "closed_on": "销号时间", "last_progress_on": "进展更新时间",
    "responded_at": "签收时间", "feedback_at": "反馈时间",
    "satisfaction": "满意度", "matter_class": "事项分类", "case_id": "编号",
}

# {p}/{pe}: where (中文/English); {v}: the value; {r}: the row's received date; {lo}/{hi}:
# the earliest and latest plausible date of the import.
REASONS = {
    "missing:received_on": (
        "{p}为空:受理日期必填,请填写如 2023-01-08",
        "{pe} is empty: the received date is required, write it like 2023-01-08",
    ),
    "missing:meeting_on": (
        "{p}为空:会议时间必填,请填写如 2023-01-08",
        "{pe} is empty: the meeting date is required, write it like 2023-01-08",
    ),
    "missing:status": (
        "{p}为空且没有办结时间:请填写办理状态(未启动、正在解决、已解决 或 暂缓)",
        "{pe} is empty and there is no resolved date: fill in the status (未启动, 正在解决, 已解决 or 暂缓)",
    ),
    "bad_date": (
        "{p}的值「{v}」不是可识别的日期,请写成 2023-01-08;若整列都是另一种写法,在格式配置(--profile)中写明,"
        "如 date_formats = [\"%m/%d/%Y\"](taizhang profile suggest 文件 可代为识别)",
        "{pe}: '{v}' is not a date Taizhang can read; write it like 2023-01-08, or if the whole "
        "column uses another form, name it in the profile (--profile): date_formats = [\"%m/%d/%Y\"] "
        "(taizhang profile suggest FILE finds it)",
    ),
    "time_only": (
        "{p}的值「{v}」只有时间、没有日期(Excel 中日期为 0 的单元格显示为 1900-01-00),请填写日期如 2023-01-08",
        "{pe}: '{v}' is a time without a date (an Excel date cell holding 0, shown as 1900-01-00); "
        "write the date like 2023-01-08",
    ),
    "future_date": (
        "{p}的值「{v}」晚于 {hi},到导入当天还不可能发生,请核对年份(如 2100、2999 应为 2023)",
        "{pe}: {v} is after {hi}: it cannot have happened by the day of the import; check the "
        "year (e.g. 2100 or 2999 for 2023)",
    ),
    "too_early": (
        "{p}的值「{v}」早于 {lo},请核对年份(如 1900、1923 应为 2023)",
        "{pe}: {v} is before {lo}; check the year (e.g. 1900 or 1923 for 2023)",
    ),
    "no_year": (
        "{p}的值「{v}」没有年份,标题、工作表名和文件名中也找不到年份,请写成 2023-01-08",
        "{pe}: '{v}' has no year and neither the title, the sheet name nor the file name gives one; "
        "write it like 2023-01-08",
    ),
    "unknown_status": (
        "{p}的值「{v}」不是已知的办理状态,请改为 未启动、正在解决、已解决 或 暂缓,"
        "或在格式配置(--profile)的 [status] 中按其含义加入这一说法,如 pending = [\"{v}\"]"
        "(pending 未启动、in_progress 正在解决、resolved 已解决、deferred 暂缓、cancelled 撤单、referred 转办)",
        "{pe}: '{v}' is not a known status; write 未启动, 正在解决, 已解决 or 暂缓, or add the phrase "
        "to the [status] table of a profile (--profile) under what it means, e.g. pending = [\"{v}\"] "
        "(pending 未启动, in_progress 正在解决, resolved 已解决, deferred 暂缓, cancelled 撤单, referred 转办)",
    ),
    "before_received": (
        "{p}的值「{v}」早于受理日期 {r},请核对这两个日期",
        "{pe}: {v} is before the received date {r}; check both dates",
    ),
    "unknown_satisfaction": (
        "{p}的值「{v}」不是已知的满意度,请改为 满意、基本满意、不满意 或 1–5 的整数分",
        "{pe}: '{v}' is not a known satisfaction; write 满意, 基本满意, 不满意 or a whole score from 1 to 5",
    ),
    "unknown_matter_class": (
        "{p}的值「{v}」不是已知的事项分类,请改为 大事、小事 或 私事",
        "{pe}: '{v}' is not a known matter class; write 大事, 小事 or 私事",
    ),
    "duplicate_id": (
        "{p}的编号「{v}」在本文件前面已出现过,请删除重复的行或改正编号",
        "{pe}: case id '{v}' already appears earlier in this file; delete the duplicate row or correct the id",
    ),
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
    zh, en = REASONS.get(code) or REASONS[code.split(":")[0]]
    if sheet:
        p, pe = f"{file} 工作表「{sheet}」第{row}行「{column}」", f"{file}, sheet {sheet}, row {row}, column {column}"
    else:
        p, pe = f"{file} 第{row}行「{column}」", f"{file}, row {row}, column {column}"
    v = value or ""
    lo, hi = date_range or ("", "")
    return (zh.format(p=p, v=v, r=received or "", lo=lo, hi=hi) + " / "
            + en.format(pe=pe, v=v, r=received or "", lo=lo, hi=hi))


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
               CASE split_part(k.reject, ':', 2)
                    WHEN 'received_on' THEN k.received_on WHEN 'meeting_on' THEN k.meeting_on
                    WHEN 'resolved_on' THEN k.resolved_on WHEN 'due_on' THEN k.due_on
                    WHEN 'closed_on' THEN k.closed_on WHEN 'last_progress_on' THEN k.last_progress_on
                    WHEN 'responded_at' THEN k.responded_at WHEN 'feedback_at' THEN k.feedback_at
                    WHEN 'status' THEN k.status WHEN 'satisfaction' THEN k.satisfaction
                    WHEN 'matter_class' THEN k.matter_class WHEN 'case_id' THEN k.case_id
               END AS value,
               k.received_on_date::VARCHAR AS received,
               k.raw
        FROM keyed k
        -- the few candidate rows first: the reject of a row in `keyed` is known only after
        -- its joins, which the filter below cannot skip
        SEMI JOIN (SELECT sheet_no, row_no FROM checked WHERE skip IS NULL AND reject IS NOT NULL
                   UNION ALL SELECT sheet_no, row_no FROM repeats) USING (sheet_no, row_no)
        LEFT JOIN sheet_headers h ON h.sheet_no = k.sheet_no AND h.field = split_part(k.reject, ':', 2)
        WHERE k.reject IS NOT NULL
        ORDER BY k.sheet_no, k.row_no
    """).fetchall()
    out = []
    for sheet_no, sheet, row, code, header, value, received, raw in rows:
        column = header or FIELD_LABELS.get(code.split(":")[1], code.split(":")[1])
        out.append({
            "sheet": sheet, "row": row, "column": column, "value": value,
            "reason": reason_text(code, file_name, sheet, row, column, value, received, date_range), "raw": raw,
            "code": code,
            "file": file_name, "title": (titles or {}).get(sheet_no, ""),
        })
    return out
