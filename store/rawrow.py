"""A case's ledger row as stored (cases.raw): its cells as one text, joined by CELL_SEP.

The cells are kept in column order, an empty cell as an empty text; cases.raw_layout names
the raw_layouts row whose keys (the sheet's headers) name them, so a row's headers are not
stored again in every row. One text rather than a list (VARCHAR[]): DuckDB compresses a
text column with zstd, not a list's elements, and the list cost more to write and to store
than the JSON objects it replaced (docs/performance.md).

CELL_SEP is a control character, which no stored text keeps: the write side drops it from
every cell where it joins them (etl/stage.py), the other control characters where it masks
them (etl/normalize.py), so the text splits back into exactly its cells.
"""

from __future__ import annotations

CELL_SEP = "\x1f"


def joined_sql(cells: str) -> str:
    """SQL: the stored text of a list of cells (NULL: an empty cell)."""
    return f"array_to_string(list_transform({cells}, lambda x: coalesce(x, '')), chr(31))"


def cells_sql(text: str) -> str:
    """SQL: the list of cells of a stored text (an empty cell NULL)."""
    return f"list_transform(string_split({text}, chr(31)), lambda x: nullif(x, ''))"


def cells(text: str) -> list[str | None]:
    """The cells of a stored text, in column order (an empty cell None)."""
    return [cell or None for cell in text.split(CELL_SEP)]
