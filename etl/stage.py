"""Raw sheets → one SELECT of the file's rows (`Staged`): one row a ledger row, every field
still text.

Workbook sheets go in as Arrow tables, a CSV through DuckDB's own reader (all_varchar), so
the work per row happens in DuckDB, a whole column at a time. Also decides which rows are
not cases at all (blank rows, totals, repeated headers): `skip`. The SELECT is not run
here: normalisation reads it in the statement that builds `checked`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from taizhang.etl.errors import LedgerError
from taizhang.etl.fold import ROW_WORK_SQL
from taizhang.etl.layout import SheetLayout
from taizhang.etl.profile import FIELDS
from taizhang.etl.read import RawSheet
from taizhang.safetext import mask_text

# Header text of each field per sheet, for reject messages.
HEADERS_DDL = "CREATE OR REPLACE TEMP TABLE sheet_headers (sheet_no INTEGER, field VARCHAR, header VARCHAR)"

# A row whose first cells start (spaces removed) with one of these is a total row. Tested
# as a substring of one text between \x1f marks: DuckDB plans an IN list here as a join
# per cell, which costs more than the whole test.
TOTAL_WORDS = "\x1f合计\x1f总计\x1f小计\x1f共计\x1f总数\x1f"

# A sheet with more columns than this is staged "wide": its cells reach DuckDB as one list
# per row, not one column each. DuckDB plans a SELECT in time growing with the square of
# its expressions (a column and its trimmed value each), which took 78 s for 200 rows of
# 4,000 columns; as a list, the cells no field is read from cost one expression whatever
# their number. Narrow sheets (every real ledger) keep one column a cell, the faster path.
WIDE_COLUMNS = 64
# Between the cells of a row's text (`row_text`): not a digit, space, full-width or control
# character, so no row-level test of etl/normalize.py matches across two cells.
ROW_TEXT_SEP = "|"
# A CSV's cells, read by DuckDB's reader, are held in a table of a database file of their
# own (in the import's private folder), not in a temp table: stored compressed (a tenth of
# the size at 3 million rows of the benchmark ledger), they never have to be written to
# DuckDB's temp folder, and the memory limit is left to `checked`, built from them (1M rows:
# no more spilling there; 3M rows: 1.2 GB less). Normalising reads these compressed columns
# faster too (docs/performance.md, "The ETL step by step").
ROWS_DB = "taizhang_csv"
CSV_ROWS = f"{ROWS_DB}.csv_rows"
# DuckDB's CSV reader takes lines up to its max_line_size (2 MB) and silently drops a longer
# one; record_lines (Python's csv) refuses a cell past this, so such a file is refused.
MAX_CELL_BYTES = 2 << 20
# The reader's options tried first on a file whose every line is shorter than 1 MB: a line
# limit of 32 MB instead of 2 MB read the benchmark's 1M rows in 1.05 s CPU instead of 1.45
# (DuckDB 2.0.1; the buffer alone, with the 2 MB limit kept, made no difference). Such a
# file, one record a line, reads the same either way; any other (a longer line, a record
# over several lines, blank lines, an error) is read again with the default limit, so that
# a line over 2 MB is refused as before.
FAST_READ = ", buffer_size = 33554432, max_line_size = 33554432"


def create_stage(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the table of each sheet's headers for one file."""
    con.execute(HEADERS_DDL)


def _ident(name: str) -> str:
    """Quote an identifier we generated (c0, column3 …) for SQL."""
    return '"' + name.replace('"', '""') + '"'


class ReadAgain(Exception):
    """A CSV read directly (DirectRead) was not read as the default reader reads it: a
    reader error, a record over several lines, blank lines or a line near the reader's
    limit. The file's transaction is undone and the file read again into CSV_ROWS."""


@dataclass
class DirectRead:
    """A CSV whose rows the normalising statement reads straight from the file with the
    FAST_READ options: its cells are never written to a table of their own (10M rows of
    the benchmark ledger: 23 s instead of 34 s for reading and normalising). Its rows carry
    no row number (row_no NULL): `checked` numbers them by their place in the table it is
    built into (written in file order), counting from `start`, the first data row's line.

    Kept only when the file is such that the default reader reads the same: every line
    shorter than 1 MB and one record a line (`file_lines` gives the file's line count and
    whether its lines are short, once the statement has run); else ReadAgain.
    """

    sheet_no: int
    skip: int    # lines before the first data row
    file_lines: Callable[[], tuple[int, bool]]

    @property
    def start(self) -> int:
        return self.skip + 1

    def check(self, records: int) -> None:
        """Raise ReadAgain unless `records` rows are what the default reader reads."""
        lines, short_lines = self.file_lines()
        if not short_lines or lines - self.skip != records:
            raise ReadAgain()


@dataclass
class Staged:
    """The file's rows as one SELECT (a UNION ALL of its sheets) and the values it binds.

    Nothing is materialised here: etl/normalize.py reads this SELECT inside the one
    statement that builds `checked`, so a row is copied once, not once a step.
    """

    parts: list[str] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)
    registered: list[str] = field(default_factory=list)  # Arrow tables the SELECT reads
    direct: DirectRead | None = None  # a CSV the SELECT reads itself (see DirectRead)

    @property
    def sql(self) -> str:
        """SELECT of every sheet's rows: row meta, {field}_txt, skip, raw, row_text, fast."""
        return "\nUNION ALL\n".join(self.parts)


def stage_sheet(
    con: duckdb.DuckDBPyConnection, staged: Staged, sheet_no: int, sheet: RawSheet, layout: SheetLayout,
    fixed: dict[str, str],
) -> None:
    """Add a sheet's rows under its header to `staged` (and its headers to sheet_headers)."""
    width = layout.width
    wide = len(layout.columns) > WIDE_COLUMNS
    fields = layout.field_columns()
    # The cells read one by one: every mapped field and the first four (totals); when the
    # sheet is not wide, every cell (`raw` and `row_text` name each of them).
    used = sorted({c.index for c in layout.columns if c.field} | set(range(min(width, 4)))) if wide \
        else list(range(width))
    if sheet.csv is not None and staged.direct is not None and staged.direct.sheet_no == sheet_no:
        source = _direct_csv_source(staged, sheet_no, sheet.csv, layout, used if wide else None)
    elif sheet.csv is not None:
        source = _csv_source(layout, sheet.csv.numbered, used if wide else None)
    else:
        source = _arrow_source(con, sheet_no, sheet, layout, width, used if wide else None)
        staged.registered.append(source)
    p = f"s{sheet_no}_"  # this sheet's bound values are named $s<n>_…

    def cell(i: int) -> str:
        # the cell trimmed, '' as NULL: computed once below (`cells`), referenced by name here
        return f"t{i}"

    field_exprs = []
    for fld in FIELDS:
        col = fields.get(fld)
        field_exprs.append(f"{cell(col.index)} AS {fld}_txt" if col else f"NULL::VARCHAR AS {fld}_txt")

    # No mapped cell filled (then no cell at all is, or only unmapped ones): a blank row.
    # coalesce() stops at the first filled cell, which for a case is its first column.
    mapped = [c.index for c in layout.columns if c.field] or [0]
    blank = f"coalesce({', '.join(cell(i) for i in mapped)}) IS NULL"
    # A total row says 合计 in one of its first cells; every total word ends in 计 or 数, so
    # only a row with a first cell holding one of those is looked at further (`maybe_total`,
    # ANDed before the test: a CASE branch's condition stops at its first false part).
    def total_char(i: int) -> str:
        return f"contains({cell(i)}, '计') OR contains({cell(i)}, '数')"

    maybe_total = " OR ".join(total_char(i) for i in range(min(width, 4))) or "false"
    first_cells = " OR ".join(
        f"CASE WHEN {total_char(i)} THEN "
        f"contains('{TOTAL_WORDS}', chr(31) || left(replace({cell(i)}, ' ', ''), 2) || chr(31)) ELSE false END"
        for i in range(min(width, 4))
    ) or "false"
    # A repeated header repeats ≥2 header texts (spaces dropped). A trimmed cell never starts
    # with a space, so a cell not starting with its header's first character cannot be it.
    # (A NULL cell keeps the sum NULL: the row is not a header row, as before.)
    header_cols = [c for c in layout.columns if c.field]
    # A row with an empty mapped cell is none (its sum is NULL): tested first, cheaply.
    all_filled = " AND ".join(f"{cell(c.index)} IS NOT NULL" for c in header_cols) or "true"
    header_hits = " + ".join(
        f"(CASE WHEN NOT starts_with({cell(c.index)}, ${p}f{n}) THEN false "
        f"ELSE (CASE WHEN contains({cell(c.index)}, ' ') THEN replace({cell(c.index)}, ' ', '') "
        f"ELSE {cell(c.index)} END) = ${p}h{n} END)::INTEGER" for n, c in enumerate(header_cols)
    ) or "0"
    # `raw` keeps each cell as written (edge spaces too), in column order, as a JSON array
    # (an empty cell null). Its headers are stored once, as the layout the row names
    # (`raw_layout`).
    layout_id = raw_layout_id(con, [c.header for c in layout.columns])
    raw_cells = ", ".join(f"nullif({_ident(f'c{c.index}')}, '')" for c in layout.columns)
    raw = f"json_array({raw_cells})"
    # The cells of `raw` joined by a character no test looks for: what normalisation searches
    # for numbers to mask and characters to fold. Run together without it, a case id and the
    # date after it read as a mobile number (RX000000130 + 2022-01-01: 1302022…) and more
    # than half of a hotline export's rows were masked cell by cell for nothing.
    row_text = (f"concat_ws('{ROW_TEXT_SEP}', {', '.join(cell(c.index) for c in layout.columns)})"
                if layout.columns else "''")
    # `fast`: the row's cells as read, run together, show no edge space, no empty cell ('')
    # and nothing ROW_WORK_SQL finds. Then trimming changes no cell (trim() removes only
    # spaces, the other space separators are in ROW_WORK_SQL), the row's text is that text,
    # and normalisation has nothing to fold or mask: one regular expression a row instead
    # of a trim() a cell. Most rows of an export are such rows.
    as_read = (f"concat_ws('{ROW_TEXT_SEP}', {', '.join(_ident(f'c{c.index}') for c in layout.columns)})"
               if layout.columns else "''")
    fast = f"NOT regexp_matches(as_read, '{ROW_WORK_SQL}|{_EDGE_SQL}')"
    row_text = f"CASE WHEN fast THEN as_read ELSE {row_text} END"
    if wide:
        # The same two values from the row's list of cells (`cells`, in column order); the
        # list cast to JSON is the same text as json_array's.
        raw = "list_transform(cells, lambda x: nullif(x, ''))::JSON"
        row_text = f"array_to_string(list_transform(cells, lambda x: {_trimmed('x')}), '{ROW_TEXT_SEP}')"
        as_read, fast = "NULL::VARCHAR", "false"

    key_fields = ("received_on", "title", "case_id", "status") if layout.kind == "case" else ("meeting_on", "topic")
    content = " OR ".join(
        f"{cell(fields[k].index)} IS NOT NULL" for k in key_fields if k in fields
    ) or "false"
    cells = ", ".join(f"CASE WHEN fast THEN {_ident(f'c{i}')} ELSE {_trimmed(_ident(f'c{i}'))} END AS t{i}"
                      for i in used)

    staged.parts.append(f"""
        SELECT ${p}sheet_no::INTEGER AS sheet_no, ${p}sheet::VARCHAR AS sheet, row_no, ${p}kind::VARCHAR AS kind,
               ${p}district::VARCHAR AS ctx_district, ${p}street::VARCHAR AS ctx_street,
               ${p}community::VARCHAR AS ctx_community, ${p}year::INTEGER AS ctx_year,
               {", ".join(field_exprs)},
               CASE WHEN {blank} THEN 'blank'
                    WHEN ({maybe_total}) AND ({first_cells}) THEN 'total'
                    WHEN {all_filled} AND ({header_hits}) >= 2 THEN 'header'
                    WHEN NOT ({content}) THEN 'blank'
               END AS skip,
               raw, ${p}layout::INTEGER AS raw_layout,
               {row_text} AS row_text, fast
        FROM (SELECT row_no{", " if cells else ""}{cells}, raw, as_read, fast{", cells" if wide else ""}
              FROM (SELECT *, {fast} AS fast
                    FROM (SELECT *, {raw} AS raw, {as_read} AS as_read FROM {source})))""")
    ctx = layout.context
    staged.params.update({
        f"{p}sheet_no": sheet_no, f"{p}sheet": None if sheet.csv is not None else sheet.name,
        f"{p}kind": layout.kind,
        f"{p}district": ctx.get("district") or fixed.get("district"),
        f"{p}street": ctx.get("street") or fixed.get("street"),
        f"{p}community": ctx.get("community") or fixed.get("community"), f"{p}year": layout.year,
        # replace(?, ' ', ''): the header as a row would repeat it, spaces dropped
        **{f"{p}h{n}": c.header.replace(" ", "") for n, c in enumerate(header_cols)},
        **{f"{p}f{n}": c.header.replace(" ", "")[:1] for n, c in enumerate(header_cols)},
        f"{p}layout": layout_id,
    })
    headers = [(sheet_no, c.field, c.header) for c in layout.columns if c.field]
    con.executemany("INSERT INTO sheet_headers VALUES (?, ?, ?)", headers)


# A cell starting or ending with a space, or empty (''), in a row's cells run together.
_EDGE_SQL = r"(?:^|\|)(?:[ |]|$)| (?:\||$)"


def _trimmed(c: str) -> str:
    """SQL: cell `c` trimmed, '' as NULL. Every space trim() removes counts (a row of
    full-width spaces is blank, '　合计' a total row). trim() on every cell: a look at both
    ends first (left()/right() against the spaces) cost more than trim() itself on DuckDB 2.0
    (16 cells of 200,000 rows: 0.24 against 0.19 s CPU)."""
    return f"nullif(trim({c}), '')"


def raw_layout_id(con: duckdb.DuckDBPyConnection, headers: list[str]) -> int:
    """The raw_layouts row of a sheet's headers (masked as the cells are, then each made
    unique): the one stored, else a new one. Runs inside the file's transaction: a file
    that fails, or a dry run, adds none."""
    keys = _unique_keys([mask_text(h) for h in headers])
    found = con.execute("SELECT layout_id FROM raw_layouts WHERE keys = ?::VARCHAR[]", [keys]).fetchall()
    if found:
        return found[0][0]
    return con.execute("""
        INSERT INTO raw_layouts SELECT coalesce(max(layout_id), 0) + 1, ?::VARCHAR[] FROM raw_layouts
        RETURNING layout_id
    """, [keys]).fetchall()[0][0]


def _unique_keys(headers: list[str]) -> list[str]:
    """Each header once: a repeated one numbered 备注_2, 备注_3 … (skipping a name another
    header of the sheet has), so that each names one cell."""
    taken = set(headers)
    seen: dict[str, int] = {}
    keys = []
    for h in headers:
        n = seen.get(h, 0) + 1
        while n > 1 and f"{h}_{n}" in taken:
            n += 1
        seen[h] = n
        key = h if n == 1 else f"{h}_{n}"
        taken.add(key)
        keys.append(key)
    return keys


def _arrow_source(con, sheet_no: int, sheet: RawSheet, layout: SheetLayout, width: int,
                  used: list[int] | None) -> str:
    """Register the sheet's data rows as an Arrow table: row_no and a column c<i> per cell
    (`used`: only those, and a list column `cells` holding all of the row's cells)."""
    rows = sheet.rows[layout.header_row + 1:]
    start = layout.header_row + 2  # Excel row number of the first data row
    columns = {"row_no": pa.array(range(start, start + len(rows)), pa.int32())}
    for i in (range(width) if used is None else used):
        columns[f"c{i}"] = pa.array([r[i] if i < len(r) else "" for r in rows], pa.string())
    if used is not None:
        flat = [r[i] if i < len(r) else "" for r in rows for i in range(width)]
        offsets = pa.array(range(0, width * len(rows) + 1, width), pa.int32())
        columns["cells"] = pa.ListArray.from_arrays(offsets, pa.array(flat, pa.string()))
    # Registered until the file is done (etl/load.py unregisters them): the staged
    # SELECT reads them when `checked` is built.
    name = f"sheet_rows_{sheet_no}"
    con.register(name, pa.table(columns))
    return name


def read_csv_rows(con, sheet: RawSheet, layout: SheetLayout, folder: Path,
                  file_lines: Callable[[], tuple[int, bool]]) -> None:
    """Read a CSV's rows under its header into table CSV_ROWS with DuckDB's reader, for a
    file the direct read (DirectRead) could not take: its default options, no FAST_READ.

    Run outside the file's transaction: a failed attempt would abort it, and line breaks
    inside quoted cells (a multi-line 问题) need a second, single-threaded attempt.
    `folder`: a private folder for the database file holding the rows (see CSV_ROWS).
    `file_lines`: gives the file's number of lines (and whether they are short). When the
    records do not account for every line after the header (a cell holding line breaks,
    blank lines, which the reader drops), each record's first line is found as an editor
    numbers it (csv_line_nos, `numbered`).
    """
    src = sheet.csv
    _attach_rows_db(con, folder)
    params = reader_params(src, layout)
    read = f"CREATE OR REPLACE TABLE {CSV_ROWS} AS SELECT * FROM {{}}"
    multiline = False
    try:
        try:
            con.execute(read.format(reader_sql()), params)
        except duckdb.Error as exc:
            if "parallel" not in str(exc):
                raise
            con.execute(read.format(reader_sql(options=", parallel = false")), params)
            multiline = True
    except duckdb.InvalidInputException as exc:
        raise _csv_error(src.name, str(exc)) from None
    records = con.execute(f"SELECT count(*) FROM {CSV_ROWS}").fetchall()[0][0]
    lines, _ = file_lines()
    skip = params["skip"]
    src.numbered = False
    if multiline or lines - skip != records:
        try:
            starts = record_lines(src.utf8_path, skip, src.delimiter)
        except CellTooLong as exc:
            # DuckDB's reader may drop such a line without a word: the file is refused instead.
            raise _too_long(src.name, exc.line) from None
        # Found the same records as DuckDB (else the row numbers stay records counted from
        # the header, as docs/ledgers.md says).
        if len(starts) == records:
            con.register("csv_line_starts", pa.table({"line_no": pa.array(starts, pa.int32())}))
            con.execute("CREATE OR REPLACE TEMP TABLE csv_line_nos AS SELECT line_no FROM csv_line_starts")
            con.unregister("csv_line_starts")
            src.numbered = True


def _attach_rows_db(con, folder: Path) -> None:
    """Attach a new database file in `folder` as ROWS_DB (for CSV_ROWS)."""
    drop_csv_rows(con)
    path = folder / "csv_rows.duckdb"
    path.unlink(missing_ok=True)
    con.execute(f"ATTACH ? AS {ROWS_DB}", [str(path)])


def drop_csv_rows(con) -> None:
    """Detach ROWS_DB and delete its file (outside the file's transaction: the rows were
    read before it began, and a transaction writes to one database only)."""
    found = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = ?", [ROWS_DB]).fetchall()
    if not found:
        return
    con.execute(f"DROP TABLE IF EXISTS {CSV_ROWS}")  # nothing left to write at the detach
    con.execute(f"DETACH DATABASE {ROWS_DB}")
    for path in (Path(found[0][0]), Path(found[0][0] + ".wal")):
        path.unlink(missing_ok=True)


class CellTooLong(Exception):
    """A CSV cell longer than MAX_CELL_BYTES, starting on `line`."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _too_long(name: str, line) -> LedgerError:
    return LedgerError(
        f"{name}: 第{line}行有一个超过 {MAX_CELL_BYTES >> 20} MB 的单元格,不像台账内容(可能是引号没有配对,"
        "把后面的行并进了一个单元格),请检查这一行的引号或删去多余的内容 / line "
        f"{line} holds a cell longer than {MAX_CELL_BYTES >> 20} MB: not ledger text (often a quote left open, "
        "which runs the following lines into one cell); check that line's quotes or cut the cell short"
    )


def _csv_error(name: str, text: str) -> LedgerError:
    """DuckDB's CSV reader error as a message a user can act on (line, what to do). Never
    DuckDB's text itself: it quotes the line (unmasked) and suggests its own options."""
    found = re.search(r"CSV Error on Line: (\d+)", text)
    line = found.group(1) if found else "?"
    if "Maximum line size" in text:
        return _too_long(name, line)
    if "unicode" in text.lower() or "utf-8" in text.lower():
        return LedgerError(
            f"{name}: 第{line}行不是 UTF-8 编码(文件前面是 UTF-8,从这里换了编码,常见于把两个文件拼在一起),"
            "请用 Excel/WPS 打开整个文件,另存为“CSV UTF-8” / line "
            f"{line} is not UTF-8 text although the lines before it are (the encoding changes there, as "
            "when two files were pasted together): open the whole file in Excel or WPS and save it as CSV UTF-8"
        )
    first = text.splitlines()[0] if text else ""
    return LedgerError(
        f"{name}: 第{line}行无法按 CSV 读取({first}),请用 Excel/WPS 打开后另存为“CSV UTF-8” / line {line} "
        f"cannot be read as CSV ({first}): open the file in Excel or WPS and save it as CSV UTF-8"
    )


def record_lines(path, skip: int, delimiter: str) -> list[int]:
    """The line (1-based, as a text editor or spreadsheet numbers it) on which each record
    after the first `skip` lines starts; blank lines are no record, as for DuckDB's reader.
    Raises CellTooLong for a cell longer than DuckDB reads (it drops that line)."""
    starts = []
    csv.field_size_limit(MAX_CELL_BYTES)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True)
        line = skip
        try:
            for record in reader:
                if record:
                    starts.append(line + 1)
                line = skip + reader.line_num
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise
            raise CellTooLong(line + 1) from None
    return starts


def reader_sql(p: str = "", options: str = "") -> str:
    """DuckDB's reader as the import calls it (every cell text, nothing detected), bound to
    the values reader_params names with prefix `p`; `options`: FAST_READ, parallel = false."""
    return (f"read_csv(${p}csv, header = false, skip = ${p}skip, delim = ${p}delim, quote = '\"', "
            f"escape = '\"', columns = ${p}columns, null_padding = true, strict_mode = false, "
            f"all_varchar = true, auto_detect = false{options})")


def reader_params(src, layout: SheetLayout, p: str = "") -> dict[str, object]:
    """The values reader_sql binds: the UTF-8 file, the lines above the first data row, the
    delimiter, and a text column c<i> for every cell of the widest row seen."""
    total_cols = max(layout.width, max((len(r) for r in src.head), default=0))
    return {f"{p}csv": str(src.utf8_path), f"{p}skip": layout.header_row + 1, f"{p}delim": src.delimiter,
            f"{p}columns": {f"c{i}": "VARCHAR" for i in range(total_cols)}}


def _direct_csv_source(staged: Staged, sheet_no: int, src, layout: SheetLayout, used: list[int] | None) -> str:
    """The CSV's rows straight from DuckDB's reader (FAST_READ), row_no NULL (DirectRead)."""
    p = f"s{sheet_no}_"
    staged.params.update(reader_params(src, layout, p))
    return f"(SELECT NULL::INTEGER AS row_no, {_csv_columns(layout.width, used)} FROM {reader_sql(p, FAST_READ)} r)"


def _csv_columns(width: int, used: list[int] | None) -> str:
    """The columns of a CSV's rows `r`: all, or only `used` and a list `cells` of all."""
    if used is None:
        return "r.*"
    every = ", ".join("r." + _ident(f"c{i}") for i in range(width))
    return ", ".join([*("r." + _ident(f"c{i}") for i in used), f"list_value({every}) AS cells"])


def _csv_source(layout: SheetLayout, numbered: bool, used: list[int] | None = None) -> str:
    """The CSV's rows with row_no; `used`: only those columns, and a list `cells` of all."""
    columns = _csv_columns(layout.width, used)
    if numbered:
        # CSV_ROWS is stored in file order, csv_line_nos in the same order: row by row.
        return f"(SELECT n.line_no AS row_no, {columns} FROM {CSV_ROWS} r POSITIONAL JOIN csv_line_nos n)"
    start = layout.header_row + 2
    # rowid follows file order (written with insertion order kept); the offset keeps that
    # true wherever it starts.
    return (
        f"(SELECT (r.rowid - (SELECT min(rowid) FROM {CSV_ROWS}) + {start})::INTEGER AS row_no, {columns} "
        f"FROM {CSV_ROWS} r)"
    )
