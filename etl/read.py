"""Pure readers: a ledger file → sheets of raw text rows. Never touches the database.

Workbooks (.xlsx .xlsm .xls .ods) are read with python-calamine, every sheet, cells turned
into text the way a person reads them (dates as 2023-01-08, 12.0 as 12) and merged cells
filled with their top-left value. A CSV is not read into Python: its encoding is detected
(charset-normalizer), a GBK/GB18030 file is transcoded to a UTF-8 temporary file, and the
first rows are parsed so the loader can find the header; DuckDB's own reader then reads it.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from etl.errors import LedgerError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
LEDGER_SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES
HEAD_ROWS = 20          # the header row is looked for within this many rows
SNIFF_BYTES = 1 << 20   # bytes of a CSV used to detect its encoding


@dataclass
class CsvSource:
    """A CSV ready for DuckDB's reader: a UTF-8 file, its delimiter and its first rows."""

    utf8_path: Path
    encoding: str            # as detected in the original file
    delimiter: str
    head: list[list[str]]    # the first HEAD_ROWS records, for finding the header
    temporary: bool = False  # utf8_path is a transcoded copy to delete after loading
    numbered: bool = False   # temp table csv_line_nos holds each record's first line (etl/stage.py)


@dataclass
class RawSheet:
    """One sheet: either `rows` (workbook, all cells as text) or `csv` (read by DuckDB)."""

    name: str
    rows: list[list[str]] | None = None
    csv: CsvSource | None = None

    def head(self) -> list[list[str]]:
        """The first rows, where titles and the header are."""
        return self.csv.head if self.csv else (self.rows or [])[:HEAD_ROWS]


@dataclass
class RawLedger:
    """A ledger file as read: its sheets in workbook order."""

    path: Path
    sheets: list[RawSheet] = field(default_factory=list)

    def cleanup(self) -> None:
        """Delete temporary transcoded copies."""
        for sheet in self.sheets:
            if sheet.csv and sheet.csv.temporary:
                sheet.csv.utf8_path.unlink(missing_ok=True)


def ledger_files(paths: list[str | os.PathLike]) -> list[Path]:
    """The ledger files named by `paths`, folders expanded (sorted; lock files and area
    registries such as the demo's areas.csv left out of folders)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in LEDGER_SUFFIXES and not p.name.startswith(("~$", "."))
                and not is_registry(p)
            )
        else:
            files.append(path)
    return files


def is_registry(path: Path) -> bool:
    """True for an area registry CSV (first line district,street,community,kind or 区,街道,社区,类型)."""
    from etl.areas import is_registry_header

    if path.suffix.lower() not in CSV_SUFFIXES:
        return False
    with path.open("rb") as fh:
        raw = fh.readline(400)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            first = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    return is_registry_header(next(csv.reader([first]), []))


def read_ledger(path: str | os.PathLike) -> RawLedger:
    """Read a ledger file into raw sheets; raises LedgerError when it cannot be read at all."""
    path = Path(path)
    if not path.is_file():
        raise LedgerError(f"找不到文件 {path} / no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return RawLedger(path, _read_workbook(path))
    if suffix in CSV_SUFFIXES:
        return RawLedger(path, [RawSheet(path.stem, csv=_prepare_csv(path))])
    raise LedgerError(
        f"{path.name}: 不支持的文件类型 {suffix or '(无扩展名)'},请另存为 .xlsx 或 .csv / "
        f"unsupported file type {suffix or '(none)'}: save the ledger as .xlsx or .csv"
    )


# ---------------------------------------------------------------- workbooks

def _read_workbook(path: Path) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            # Most cells are text already: only the others go through cell_text.
            rows = [[v if type(v) is str else cell_text(v) for v in row]
                    for row in sheet.to_python(skip_empty_area=False)]
            _fill_merged(rows, sheet.merged_cell_ranges or [])
            sheets.append(RawSheet(name, rows=rows))
    except LedgerError:
        raise
    except Exception as exc:  # calamine raises several private error types for broken files
        raise LedgerError(
            f"{path.name}: 无法打开工作簿({exc}),请用 Excel/WPS 打开后另存为 .xlsx / cannot open the "
            f"workbook ({exc}): open it in Excel or WPS and save it again as .xlsx"
        ) from exc
    return sheets


def _fill_merged(rows: list[list[str]], ranges) -> None:
    """Give every cell of a merged range its top-left value, as the user sees it on screen."""
    for (r0, c0), (r1, c1) in ranges:
        while len(rows) <= r1:
            rows.append([])
        for r in range(r0, r1 + 1):
            if len(rows[r]) <= c1:
                rows[r].extend([""] * (c1 + 1 - len(rows[r])))
        value = rows[r0][c0]
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if not rows[r][c]:
                    rows[r][c] = value


def cell_text(value) -> str:
    """A workbook cell as text: 2023-01-08 for dates, 12 for 12.0, '' for empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if isinstance(value, (time, timedelta)):
        return str(value)
    return str(value)


# ---------------------------------------------------------------- CSV

def detect_encoding(sample: bytes) -> str:
    """'utf-8' (with or without BOM) when the bytes are UTF-8, else charset-normalizer's guess."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A sample cut inside a multi-byte character fails only in its last 3 bytes.
        if exc.start >= len(sample) - 3 and len(sample) >= SNIFF_BYTES:
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return ""
    name = best.encoding.lower().replace("-", "_")
    # GB2312 and GBK are subsets of GB18030; decoding as GB18030 never loses a character.
    return "gb18030" if name in {"gb2312", "gbk", "gb18030", "hz"} else best.encoding


def _prepare_csv(path: Path) -> CsvSource:
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    encoding = detect_encoding(sample)
    if not encoding:
        raise LedgerError(
            f"{path.name}: 无法识别文件编码,请另存为“CSV UTF-8” / cannot tell the text encoding: "
            "save the file as CSV UTF-8"
        )
    utf8_path, temporary = path, False
    if encoding not in ("utf-8", "utf-8-sig", "ascii"):
        utf8_path, temporary = _transcode(path, encoding), True
    head_text = sample.decode(encoding, errors="ignore")
    head = _head_records(head_text)
    if not head:
        raise LedgerError(f"{path.name}: 文件是空的 / the file is empty")
    return CsvSource(utf8_path, encoding, _sniff_delimiter(head_text), head, temporary)


def _transcode(path: Path, encoding: str) -> Path:
    """Stream a non-UTF-8 CSV into a UTF-8 temporary file (DuckDB reads UTF-8 only here)."""
    fd, name = tempfile.mkstemp(prefix="taizhang-", suffix=".csv")
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        with path.open("rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 22):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        Path(name).unlink(missing_ok=True)
        raise LedgerError(
            f"{path.name}: 文件按 {encoding} 编码读取时在第 {exc.start} 字节出错,请另存为“CSV UTF-8” / "
            f"the file is not valid {encoding} text (byte {exc.start}): save it as CSV UTF-8"
        ) from exc
    return Path(name)


def _head_records(text: str) -> list[list[str]]:
    lines = text.lstrip("\ufeff").splitlines(keepends=True)[: HEAD_ROWS * 2]
    reader = csv.reader(io.StringIO("".join(lines)), delimiter=_sniff_delimiter(text))
    records = []
    try:
        for record in reader:
            records.append(record)
            if len(records) >= HEAD_ROWS:
                break
    except csv.Error:
        pass
    return records


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:HEAD_ROWS] if ln.strip()]
    counts = {d: max((ln.count(d) for ln in lines), default=0) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","
