"""Excel downloads: a labelled table as .xlsx bytes, every text stored as text.

Formula-looking text (= + - @ …) is inert without a leading ': xlsxwriter writes it as a
string cell (taizhang.safetext.XLSX_OPTIONS), which Excel and WPS show as it is.
"""

from __future__ import annotations

import io

import pandas as pd

from taizhang.safetext import XLSX_OPTIONS


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str) -> bytes:
    """The frame as an .xlsx workbook (one sheet, header row frozen), text as text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
        frame.to_excel(writer, sheet_name=sheet_name[:31], index=False)
        sheet = writer.sheets[sheet_name[:31]]
        sheet.freeze_panes(1, 0)
        for i, column in enumerate(frame.columns):
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
            sheet.set_column(i, i, min(60, width + 2))
    return buffer.getvalue()
