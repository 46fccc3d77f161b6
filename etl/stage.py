"""Raw sheets → the `stage` temp table: one row a ledger row, every field still text.

Workbook sheets go in as Arrow tables, a CSV through DuckDB's own reader (all_varchar), so
the work per row happens in DuckDB, a whole column at a time. Also decides which rows are
not cases at all (blank rows, totals, repeated headers): `skip`.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from etl.layout import SheetLayout
from etl.profile import FIELDS
from etl.read import RawSheet

STAGE_DDL = (
    "CREATE OR REPLACE TEMP TABLE stage ("
    " sheet_no INTEGER, sheet VARCHAR, row_no INTEGER, kind VARCHAR,"
    " ctx_district VARCHAR, ctx_street VARCHAR, ctx_community VARCHAR, ctx_year INTEGER, "
    + ", ".join(f"{f}_txt VARCHAR" for f in FIELDS)
    + ", skip VARCHAR, raw JSON)"
)
# Header text of each field per sheet, for reject messages.
HEADERS_DDL = "CREATE OR REPLACE TEMP TABLE sheet_headers (sheet_no INTEGER, field VARCHAR, header VARCHAR)"

# A row whose first cells start (spaces removed) with one of these is a total row.
TOTAL_WORDS = "'合计', '总计', '小计', '共计', '总数'"


def create_stage(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the empty staging tables for one file."""
    con.execute(STAGE_DDL)
    con.execute(HEADERS_DDL)


def _ident(name: str) -> str:
    """Quote an identifier we generated (c0, column3 …) for SQL."""
    return '"' + name.replace('"', '""') + '"'


def stage_sheet(
    con: duckdb.DuckDBPyConnection, sheet_no: int, sheet: RawSheet, layout: SheetLayout, fixed: dict[str, str]
) -> int:
    """Append a sheet's rows under its header to `stage`; returns how many rows were read."""
    width = max((c.index for c in layout.columns), default=-1) + 1
    if sheet.csv is not None:
        source, first_row = _csv_source(con, sheet, layout, width)
    else:
        source, first_row = _arrow_source(con, sheet, layout, width)
    names = [f"c{i}" for i in range(width)]
    fields = layout.field_columns()

    def cell(i: int) -> str:
        return f"nullif(trim({_ident(names[i])}), '')"

    field_exprs = []
    for fld in FIELDS:
        col = fields.get(fld)
        field_exprs.append(f"{cell(col.index)} AS {fld}_txt" if col else f"NULL::VARCHAR AS {fld}_txt")

    nonempty = " + ".join(f"({cell(i)} IS NOT NULL)::INTEGER" for i in range(width)) or "0"
    mapped = [c.index for c in layout.columns if c.field] or [0]
    mapped_nonempty = " + ".join(f"({cell(i)} IS NOT NULL)::INTEGER" for i in mapped)
    # A total row says 合计 in one of its first cells; a repeated header repeats ≥2 header texts.
    first_cells = " OR ".join(
        f"left(replace(coalesce({cell(i)}, ''), ' ', ''), 2) IN ({TOTAL_WORDS})" for i in range(min(width, 4))
    ) or "false"
    header_hits = " + ".join(
        f"(replace({cell(c.index)}, ' ', '') = replace(?, ' ', ''))::INTEGER" for c in layout.columns if c.field
    ) or "0"
    header_params = [c.header for c in layout.columns if c.field]
    raw_pairs = ", ".join(f"?, {cell(c.index)}" for c in layout.columns)
    raw_keys = _unique_keys([c.header for c in layout.columns])

    key_fields = ("received_on", "title", "case_id", "status") if layout.kind == "case" else ("meeting_on", "topic")
    content = " OR ".join(
        f"{cell(fields[k].index)} IS NOT NULL" for k in key_fields if k in fields
    ) or "false"

    sql = f"""
        INSERT INTO stage
        SELECT ?, ?, row_no, ?, ?, ?, ?, ?,
               {", ".join(field_exprs)},
               CASE WHEN ({nonempty}) = 0 OR ({mapped_nonempty}) = 0 THEN 'blank'
                    WHEN {first_cells} THEN 'total'
                    WHEN ({header_hits}) >= 2 THEN 'header'
                    WHEN NOT ({content}) THEN 'blank'
               END AS skip,
               json_object({raw_pairs}) AS raw
        FROM {source}
    """
    ctx = layout.context
    params = [
        sheet_no, None if sheet.csv is not None else sheet.name, layout.kind,
        ctx.get("district") or fixed.get("district"), ctx.get("street") or fixed.get("street"),
        ctx.get("community") or fixed.get("community"), layout.year,
        *header_params, *raw_keys,  # in the order their ? appear in the statement
    ]
    con.execute(sql, params)
    headers = [(sheet_no, c.field, c.header) for c in layout.columns if c.field]
    con.executemany("INSERT INTO sheet_headers VALUES (?, ?, ?)", headers)
    return con.execute("SELECT count(*) FROM stage WHERE sheet_no = ?", [sheet_no]).fetchall()[0][0]


def _unique_keys(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for h in headers:
        n = seen.get(h, 0) + 1
        seen[h] = n
        keys.append(h if n == 1 else f"{h}_{n}")
    return keys


def _arrow_source(con, sheet: RawSheet, layout: SheetLayout, width: int) -> tuple[str, int]:
    rows = sheet.rows[layout.header_row + 1:]
    start = layout.header_row + 2  # Excel row number of the first data row
    columns = {"row_no": pa.array(range(start, start + len(rows)), pa.int32())}
    for i in range(width):
        columns[f"c{i}"] = pa.array([r[i] if i < len(r) else "" for r in rows], pa.string())
    con.register("sheet_rows", pa.table(columns))
    return "sheet_rows", start


def read_csv_rows(con, sheet: RawSheet, layout: SheetLayout) -> None:
    """Read a CSV's rows under its header into temp table `csv_rows` with DuckDB's reader.

    Run outside the file's transaction: a failed attempt would abort it, and line breaks
    inside quoted cells (a multi-line 问题) need a second, single-threaded attempt.
    """
    src = sheet.csv
    width = max((c.index for c in layout.columns), default=-1) + 1
    total_cols = max(width, max((len(r) for r in src.head), default=0))
    columns = {f"c{i}": "VARCHAR" for i in range(total_cols)}
    read = (
        "CREATE OR REPLACE TEMP TABLE csv_rows AS SELECT * FROM read_csv(?, header = false, skip = ?, "
        "delim = ?, quote = '\"', escape = '\"', columns = ?, null_padding = true, strict_mode = false, "
        "all_varchar = true, auto_detect = false{})"
    )
    params = [str(src.utf8_path), layout.header_row + 1, src.delimiter, columns]
    try:
        con.execute(read.format(""), params)
    except duckdb.Error as exc:
        if "parallel" not in str(exc):
            raise
        con.execute(read.format(", parallel = false"), params)


def _csv_source(con, sheet: RawSheet, layout: SheetLayout, width: int) -> tuple[str, int]:
    start = layout.header_row + 2
    # rowid follows file order; inside a transaction it does not start at 0, hence the offset.
    return (
        f"(SELECT (rowid - (SELECT min(rowid) FROM csv_rows) + {start})::INTEGER AS row_no, * FROM csv_rows)",
        start,
    )
