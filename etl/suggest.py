"""`taizhang profile suggest FILE`: a profile (TOML, the format of etl/profiles/*.toml) for
an export Taizhang does not know, written from the file's own header and values.

Columns are recognised by the built-in Chinese names and by the names common exports use
(311 systems, 问政 message boards); date columns get the strftime format their values
follow; the status column's distinct phrases are listed, the known ones already mapped,
the others left for the user to place. The user edits the file and loads with --profile.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from taizhang.etl.errors import LedgerError
from taizhang.etl.fold import fold_text, header_key
from taizhang.etl.layout import match_field
from taizhang.etl.profile import FIELDS, STATUSES, load_profile
from taizhang.etl.read import RawSheet, read_ledger

# header_key(name) → field, for names foreign exports use (compared lower case, without
# spaces or underscores). The built-in profile's Chinese names are tried first.
FOREIGN_NAMES: dict[str, tuple[str, ...]] = {
    "case_id": ("srnumber", "casenumber", "caseenquiryid", "caseid", "uniquekey", "requestid",
                "servicerequestid", "servicerequestnumber", "ticketid", "id", "留言编号", "信件编号",
                "诉求编号", "工单号码"),
    "received_on": ("createddate", "opendt", "opendate", "dateopened", "opened", "requestdate",
                    "datereceived", "receiveddate", "createdat", "submitteddate", "留言时间",
                    "来信时间", "提交时间", "诉求时间", "发布时间"),
    "resolved_on": ("closeddate", "closeddt", "closedt", "dateclosed", "closedat", "resolveddate",
                    "resolutiondate", "completeddate", "答复时间", "回复时间", "处理时间", "答复日期"),
    "due_on": ("duedate", "slatargetdt", "targetdate", "targetdt", "duedt"),
    "last_progress_on": ("updateddate", "lastupdated", "updatedat", "lastmodifieddate",
                         "resolutionactionupdateddate"),
    "status": ("status", "casestatus", "requeststatus", "srstatus", "处理状态", "回复状态", "答复状态"),
    "title": ("title", "casetitle", "descriptor", "留言标题", "标题", "信件标题", "诉求标题"),
    "category": ("requesttype", "complainttype", "casetype", "category", "reason", "type",
                 "留言分类", "问题分类", "诉求分类", "类型"),
    "note": ("resolutiondescription", "closurereason", "actiontaken", "closurecomments", "notes",
             "答复内容", "回复内容", "答复意见", "处理结果"),
    "responsible_unit": ("owner", "assignto", "department", "agencyname", "agency", "留言对象",
                         "答复单位", "回复单位", "答复部门", "处理单位"),
    "channel": ("requestsource", "source", "opendatachanneltype", "channel", "留言渠道"),
    "street": ("apc", "borough", "ward", "所属街道"),
    "community": ("ncname", "neighborhood", "communityboard", "所属社区"),
    "reporter": ("留言用户", "留言人", "来信人"),
}
_FOREIGN_INDEX = {name: fld for fld, names in FOREIGN_NAMES.items() for name in names}

# Status phrases of common exports (lower case) → status; anything else is left to the user.
KNOWN_STATUS = {
    "open": "pending", "new": "pending", "assigned": "pending", "pending": "pending",
    "submitted": "pending", "未答复": "pending", "未回复": "pending", "待答复": "pending",
    "in progress": "in_progress", "inprogress": "in_progress", "working": "in_progress",
    "办理中": "in_progress", "答复中": "in_progress",
    "closed": "resolved", "resolved": "resolved", "completed": "resolved", "已答复": "resolved",
    "已回复": "resolved", "已办结": "resolved",
}

# Month-first and day-first forms; year-first dates (2023-01-08, 2023/1/8 10:00) need none.
DATE_CANDIDATES = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%m/%d/%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y",
)
_YEAR_FIRST = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
DATE_FIELDS = ("received_on", "resolved_on", "due_on", "last_progress_on", "closed_on")
SAMPLE_ROWS = 2000    # rows whose dates are tried against the formats
MAX_PHRASES = 60      # status phrases listed


def field_of(header: str) -> str | None:
    """The canonical field a column name suggests: built-in names, then foreign ones."""
    builtin = match_field(header, load_profile().header_index())
    return builtin or _FOREIGN_INDEX.get(header_key(header))


def header_row(head: list[list[str]]) -> int | None:
    """The first row naming most of the columns: as many distinct texts as the widest row
    (a title merged across the columns repeats one text)."""
    widths = [len({fold_text(c) for c in row if c.strip()}) for row in head]
    if not widths or max(widths) < 2:
        return None
    return next(r for r, w in enumerate(widths) if w >= max(2, int(max(widths) * 0.6)))


def _rows_after(sheet: RawSheet, start: int):
    """The sheet's rows after the header row, as lists of texts (a CSV read as it streams)."""
    if sheet.csv is None:
        yield from (sheet.rows or [])[start + 1:]
        return
    with open(sheet.csv.utf8_path, encoding="utf-8-sig", newline="") as fh:
        for r, row in enumerate(csv.reader(fh, delimiter=sheet.csv.delimiter)):
            if r > start:
                yield row


def date_format(values: list[str]) -> str | None:
    """The first candidate format that reads every value, or None (year-first dates, which
    Taizhang reads without a format, or no format fits)."""
    values = [v for v in values if v]
    if not values or all(_YEAR_FIRST.match(v) for v in values):
        return None
    for fmt in DATE_CANDIDATES:
        try:
            for v in values:
                datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _toml(value) -> str:
    # A JSON string is a valid TOML basic string (quotes, backslashes, control characters escaped).
    return json.dumps(value, ensure_ascii=False)


def suggest_profile(path: str | Path) -> str:
    """The suggested profile for the export at `path`, as TOML text."""
    raw = read_ledger(path)
    try:
        return _suggest(raw)
    finally:
        raw.cleanup()


def _suggest(raw) -> str:
    path = raw.path
    found = [(sheet, header_row(sheet.head())) for sheet in raw.sheets]
    found = [(sheet, r) for sheet, r in found if r is not None]
    if not found:
        raise LedgerError(
            f"{path.name}: 前 20 行中没有一行像列名 / no row in the first 20 looks like column names; "
            "the export needs a row of column names."
        )
    sheet, r = found[0]
    headers = [fold_text(c) for c in sheet.head()[r]]
    mapping: dict[str, tuple[int, str]] = {}   # field → (column index, name)
    unused: list[str] = []
    for c, name in enumerate(headers):
        fld = field_of(name) if name else None
        if fld and fld not in mapping:
            mapping[fld] = (c, name)
        elif name:
            unused.append(name)

    dates: dict[str, list[str]] = {f: [] for f in DATE_FIELDS if f in mapping}
    statuses: Counter = Counter()
    status_col = mapping.get("status", (None,))[0]
    for n, row in enumerate(_rows_after(sheet, r)):
        if sum(1 for cell, name in zip(row, headers) if name and fold_text(cell) == name) >= 2:
            continue  # the header repeated (a ledger printed page by page)
        if n < SAMPLE_ROWS:
            for fld in dates:
                c = mapping[fld][0]
                if c < len(row) and row[c].strip():
                    dates[fld].append(fold_text(row[c]))
        if status_col is not None and status_col < len(row) and row[status_col].strip():
            statuses[fold_text(row[status_col])] += 1
        elif status_col is None and n >= SAMPLE_ROWS:
            break
    formats = list(dict.fromkeys(f for f in (date_format(v) for v in dates.values()) if f))
    return _render(path, sheet, r, mapping, unused, formats, statuses)


def _render(path, sheet, r, mapping, unused, formats, statuses: Counter) -> str:
    where = f"工作表「{sheet.name}」" if sheet.csv is None else ""
    lines = [
        f"# 由 taizhang profile suggest 根据 {path.name} 生成,请核对后使用 / suggested from {path.name}:",
        "# check it, map the status phrases below, then: taizhang check --profile THIS.toml FILE",
        f"# 表头:{where}第 {r + 1} 行 / header: row {r + 1}",
        f"name = {_toml(path.stem)}",
        f"description = {_toml('suggested from ' + path.name)}",
        "",
        "# 日期写法(strftime)/ date formats the file's dates follow (year-first dates need none)",
        f"date_formats = [{', '.join(_toml(f) for f in formats)}]",
        "",
        "# 字段 ← 文件中的列名 / field ← the file's column name",
        "[columns]",
    ]
    for fld in FIELDS:
        if fld in mapping:
            lines.append(f"{fld} = [{_toml(mapping[fld][1])}]")
    if unused:
        lines.append("# 未对应的列(保留在原始行中;可加到上面的字段)/ columns not mapped (kept in the raw row):")
        lines += [f"#   {_toml(name)}" for name in unused]
    if "received_on" not in mapping:
        lines.append("# 没有识别出受理日期列:请加 received_on = [\"列名\"] / no received date column "
                     "recognised: add received_on = [\"its name\"]")
    lines += ["", "# 办理状态:把每种说法放进一个列表;不在任何列表中的行将被拒绝并说明原因",
              "# status: put each phrase in one list; a row whose phrase is in none is rejected",
              "[status]"]
    phrases = {**{k.lower(): v for k, v in load_profile().status.items()}, **KNOWN_STATUS}
    known = {s: [p for p in statuses if phrases.get(p.lower()) == s] for s in STATUSES}
    lines += [f"{s} = [{', '.join(_toml(p) for p in known[s])}]" for s in STATUSES]
    left = [(p, n) for p, n in statuses.most_common() if p.lower() not in phrases]
    if left:
        lines.append("# 待对应的说法(行数)/ phrases still to map (rows):")
        lines += [f"#   {_toml(p)}  ({n})" for p, n in left[:MAX_PHRASES]]
        if len(left) > MAX_PHRASES:
            lines.append(f"#   … 另有 {len(left) - MAX_PHRASES} 种 / and {len(left) - MAX_PHRASES} more")
    if "status" not in mapping:
        lines.append("# 没有识别出办理状态列:有办结日期的行算已解决,其余须有状态 / no status column "
                     "recognised: rows with a resolved date count as resolved")
    lines += ["", "# 文件中没有的值,如区名 / values the file does not carry, e.g. the district",
              "[fixed]", "# district = \"西湖区\"", ""]
    return "\n".join(lines)
