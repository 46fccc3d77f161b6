"""Excel downloads: a titled, typed table as .xlsx bytes, every text stored as text.

One writer for every sheet the dashboard and the CLI give (the 督办 list, dashboard/
supervision_file.py, and every table's download, dashboard/ui.py): a title row (what,
where, data as of), a note row (period, what is counted), the header with an autofilter,
then the rows — numbers as numbers (rates as fractions shown 84.6%), dates as dates,
columns as wide as their Chinese text, and a dated file name.

Formula-looking text (= + - @ …) is inert without a leading ': xlsxwriter writes it as a
string cell (taizhang.safetext.XLSX_OPTIONS), which Excel and WPS show as it is.

    data = xlsx_bytes(frame, "街道社区", Title("街道社区 · 全区 · 数据截至 2022-07-31", "…"),
                      {"解决率": PERCENT})
    name = file_name("街道社区", "全区", date(2022, 7, 31), "xlsx")  # 街道社区_全区_2022-07-31.xlsx
"""

from __future__ import annotations

import io
import math
import numbers
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from taizhang.safetext import XLSX_OPTIONS

DATE_FORMAT = "yyyy-mm-dd"
PERCENT = "0.0%"     # a rate (a fraction 0–1) as 84.6%, as format_rate writes it
ONE_DECIMAL = "0.0"  # scores and days, as on screen
MAX_WIDTH = 50


@dataclass(frozen=True)
class Title:
    """The two lines above a sheet's header: its title (bold) and a note."""

    heading: str
    note: str


def file_name(stem: str, scope: str, as_of: date, ext: str) -> str:
    """督办清单_南站街道_2022-07-31.xlsx: what, where and as of when (never a path)."""
    safe = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in scope).strip(". ")
    return f"{stem}_{safe or 'all'}_{as_of.isoformat()}.{ext}"


def text_width(value) -> int:
    """Columns a value takes in a spreadsheet: Chinese characters two each."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str, title: Title,
               formats: dict[str, str] | None = None) -> bytes:
    """The frame (labelled columns, typed values) as an .xlsx workbook: `title` in rows 1–2,
    the header in row 3 with an autofilter and frozen below it, then one row a record.

    A missing value is an empty cell; a date (or datetime) a date cell; a number a number
    cell, in `formats`' number format for its column (PERCENT: a fraction shown 84.6%);
    anything else a text cell, never a formula.
    """
    import xlsxwriter

    formats = formats or {}
    buffer = io.BytesIO()
    # Every text a plain text cell (no formula, no link, no ' needed): XLSX_OPTIONS.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSX_OPTIONS})
    sheet = book.add_worksheet("".join("_" if c in "[]:*?/\\" else c for c in sheet_name)[:31])
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    day = book.add_format({"num_format": DATE_FORMAT})
    number_formats = {column: book.add_format({"num_format": formats[column]})
                      for column in frame.columns if column in formats}
    sheet.write_string(0, 0, title.heading, bold)
    sheet.write_string(1, 0, title.note)
    header_row = 2
    headers = [str(c) for c in frame.columns]
    for col, text in enumerate(headers):
        sheet.write_string(header_row, col, text, head)
    widths = [text_width(h) for h in headers]
    for i, record in enumerate(frame.itertuples(index=False), start=header_row + 1):
        for col, value in enumerate(record):
            if _missing(value):
                sheet.write_blank(i, col, None)
                continue
            if isinstance(value, (date, datetime, pd.Timestamp)):
                value = pd.Timestamp(value).date()
                sheet.write_datetime(i, col, pd.Timestamp(value).to_pydatetime(), day)
            elif isinstance(value, numbers.Number) and not isinstance(value, bool):
                sheet.write_number(i, col, float(value) if not isinstance(value, numbers.Integral)
                                   else int(value), number_formats.get(frame.columns[col]))
                # the width of the number as its format shows it (84.6%, 76.0)
                value = f"{float(value) * 100:.1f}%" if formats.get(frame.columns[col]) == PERCENT \
                    else value
            else:
                sheet.write_string(i, col, str(value))  # a text cell: never a formula
            widths[col] = max(widths[col], text_width(value))
    sheet.autofilter(header_row, 0, header_row + len(frame), len(headers) - 1)
    sheet.freeze_panes(header_row + 1, 0)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(MAX_WIDTH, width + 2))
    book.close()
    return buffer.getvalue()
