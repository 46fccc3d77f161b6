"""Excel downloads: a labelled table as .xlsx bytes, with formula-looking text neutralised."""

from __future__ import annotations

import io

import pandas as pd

# Text starting with these is read as a formula by spreadsheet programs (CSV/formula
# injection): such cells get a leading apostrophe so they stay plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell value safe to open in Excel: text that starts like a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str) -> bytes:
    """The frame as an .xlsx workbook (one sheet, header row frozen), text cells neutralised."""
    safe = frame.copy()
    safe.columns = [str(neutralise(str(c))) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer, engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        safe.to_excel(writer, sheet_name=sheet_name[:31], index=False)
        sheet = writer.sheets[sheet_name[:31]]
        sheet.freeze_panes(1, 0)
        for i, column in enumerate(safe.columns):
            width = max([len(str(column))] + [len(str(v)) for v in safe[column].head(200)])
            sheet.set_column(i, i, min(60, width + 2))
    return buffer.getvalue()
