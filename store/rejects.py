"""The reasons a row is rejected, by rule code: written by the import (taizhang.etl.rejects)
into `rejects.reason` (Chinese / English, as the command line prints it), and read back by
the data-quality page (taizhang.kpi.dataset), which matches older rejects' texts against
these templates, and by the dashboard, which shows a reason in the reader's language only
(`in_language`: the template of its code, filled with the values the stored text holds)."""

from __future__ import annotations

import re
from functools import lru_cache

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


# What a stored reason is made of: the Chinese sentence, this separator, the English one.
SEPARATOR = " / "
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def templates(code: str) -> tuple[str, str]:
    """(中文, English) templates of a code: its own ('missing:received_on') or its rule's."""
    return REASONS.get(code) or REASONS[code.split(":")[0]]


def compose(code: str, values: dict[str, str]) -> str:
    """The stored reason of a reject: both languages' sentences, filled with `values`
    (p/pe: where, in Chinese / English; v: the value; r: the received date; lo/hi)."""
    zh, en = templates(code)
    return zh.format(**values) + SEPARATOR + en.format(**values)


@lru_cache(maxsize=None)
def _stored_pattern(key: str) -> re.Pattern:
    """The stored text of REASONS[key] as a regular expression, one named group a placeholder
    (a placeholder seen again must hold the same text)."""
    zh, en = REASONS[key]
    seen: set[str] = set()
    parts = []
    for i, part in enumerate(PLACEHOLDER.split(zh + SEPARATOR + en)):
        if i % 2 == 0:
            parts.append(re.escape(part))
        elif part in seen:
            parts.append(f"(?P={part})")
        else:
            seen.add(part)
            parts.append(f"(?P<{part}>.*?)")
    return re.compile("(?s)" + "".join(parts))


def stored_values(reason: str, code: str | None) -> tuple[str, dict[str, str]] | None:
    """(template key, placeholder values) of a stored reason, read back through its code's
    template; a reject of schema < 4 (no code) tries every template. None when no template
    matches (a reason worded by another version of Taizhang)."""
    keys = [code if code in REASONS else code.split(":")[0]] if code else list(REASONS)
    for key in keys:
        if key in REASONS and (match := _stored_pattern(key).fullmatch(reason)):
            return key, match.groupdict()
    return None


def in_language(reason: str, code: str | None, lang: str, column: str | None = None) -> str:
    """A stored reason in one language ('zh' | 'en'): its code's template in that language
    filled with the values the stored text holds; with `column`, the place is that column
    only (a table whose other columns give the file, sheet and row). A text no template
    matches is split at its one ' / ' if it has exactly one, else shown whole."""
    if not isinstance(reason, str) or lang not in ("zh", "en"):
        return reason
    found = stored_values(reason, code)
    if found:
        key, values = found
        if isinstance(column, str) and column:
            values = {**values, "p": f"「{column}」", "pe": f"Column {column}"}
        return REASONS[key][0 if lang == "zh" else 1].format(**values)
    halves = reason.split(SEPARATOR)
    return halves[0 if lang == "zh" else 1] if len(halves) == 2 else reason
