"""Pure readers: a ledger file → sheets of raw text rows. Never touches the database.

Workbooks (.xlsx .xlsm .xls .ods) are read with python-calamine, every sheet, cells turned
into text the way a person reads them (dates as 2023-01-08, 12.0 as 12) and merged cells
filled with their top-left value. A CSV is not read into Python: its encoding is detected
(charset-normalizer), a GBK/GB18030 file is transcoded to a UTF-8 temporary file, and the
first rows are parsed so the loader can find the header; DuckDB's own reader then reads it.

A hostile or broken file is refused before it can take the machine's memory (limits are
settings, [import] in taizhang.toml): a workbook is a zip archive, whose parts are checked
for their unpacked size and packing ratio, and unpacked once as a stream (declared sizes can
lie) counting a sheet's cells, before calamine reads it; a sheet with more cells or columns
than a ledger has is refused with its name.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import math
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from taizhang.etl.errors import LedgerError
from taizhang.etl.fold import fold_text
from taizhang.safetext import mask_text
from taizhang.settings import Settings

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
LEDGER_SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".ods"}  # workbooks that are zip archives
HEAD_ROWS = 20          # the header row is looked for within this many rows
SNIFF_BYTES = 1 << 20   # bytes of a CSV used to detect its encoding
RATIO_FLOOR = 8 << 20   # parts smaller than this unpacked are not checked for their ratio
# A worksheet part of an .xlsx holds one <c …> element per cell that has a value or a style.
_CELL_TAGS = (b"<c ", b"<c>")


@dataclass
class CsvSource:
    """A CSV ready for DuckDB's reader: a UTF-8 file, its delimiter and its first rows."""

    utf8_path: Path
    encoding: str            # as detected in the original file
    delimiter: str
    head: list[list[str]]    # the first HEAD_ROWS records, for finding the header
    temporary: bool = False  # utf8_path is a transcoded copy to delete after loading
    name: str = ""           # the original file's name, for messages
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


# The area registry's columns and the header words for each (etl/areas.py loads the file).
REGISTRY_COLUMNS = ("district", "street", "community", "kind")
# Header names a registry may use for each column (compared after folding, lower case).
HEADER_ALIASES = {
    "district": ("district", "区", "区县", "县区", "所属区", "区(县)"),
    "street": ("street", "街道", "镇街", "街镇", "乡镇", "街道(镇)", "街道(乡镇)", "乡镇(街道)", "所属街道"),
    "community": ("community", "社区", "村社区", "社区(村)", "村(社区)", "村居", "所属社区", "社区名称"),
    "kind": ("kind", "类型", "类别", "社区类型", "村/社区"),
    # Optional: the community's service group (one group per community).
    "service_group": ("service_group", "服务团", "服务团队", "服务组", "社区服务团"),
}


def registry_column(name: str) -> str | None:
    """The registry column a header cell names (区 → district …), None for another name."""
    key = fold_text(name).replace(" ", "").lower()
    return next((col for col, names in HEADER_ALIASES.items() if key in names), None)


def is_registry_header(cells: list[str]) -> bool:
    """True when a CSV's first line names the four registry columns (in any order)."""
    return {registry_column(c) for c in cells} >= set(REGISTRY_COLUMNS)


def is_registry(path: Path) -> bool:
    """True for an area registry CSV (first line district,street,community,kind or 区,街道,社区,类型)."""
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


class PrivateTemp:
    """A private folder (0700) for transcoded copies, made in `parent` (the database's
    folder) on first use, never in the shared system temp folder; remove() deletes it."""

    def __init__(self, parent: Path):
        self.parent, self.folder, self.made_parent = parent, None, False

    def path(self) -> Path:
        if self.folder is None:
            self.made_parent = not self.parent.exists()  # `taizhang check` on a new path
            self.parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=".taizhang-import-", dir=self.parent))
        return self.folder

    def remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
            if self.made_parent and not any(self.parent.iterdir()):
                self.parent.rmdir()


def read_ledger(path: str | os.PathLike, limits: Settings | None = None,
                temp_dir: PrivateTemp | None = None) -> RawLedger:
    """Read a ledger file into raw sheets; raises LedgerError when it cannot be read at all
    or is larger than `limits` allow. `temp_dir`: where a transcoded CSV copy goes (a
    private folder; etl/load.py makes one beside the database)."""
    path = Path(path)
    limits = limits or Settings()
    if not path.is_file():
        raise LedgerError(f"找不到文件 {path} / no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        if suffix in ZIP_SUFFIXES:
            check_archive(path, limits)
        return RawLedger(path, _read_workbook(path, limits))
    if suffix in CSV_SUFFIXES:
        return RawLedger(path, [RawSheet(path.stem, csv=_prepare_csv(path, temp_dir, limits))])
    raise LedgerError(
        f"{path.name}: 不支持的文件类型 {suffix or '(无扩展名)'},请另存为 .xlsx 或 .csv / "
        f"unsupported file type {suffix or '(none)'}: save the ledger as .xlsx or .csv"
    )


# ---------------------------------------------------------------- workbooks

def check_archive(path: Path, limits: Settings) -> None:
    """Refuse a zip workbook that unpacks to more than `limits` allow (a decompression
    bomb), before anything reads it: the declared sizes and ratios first, then every part
    unpacked as a stream into nothing, which stops at the limit whatever the headers say and
    counts each worksheet's cells."""
    max_bytes = limits.max_unzipped_mb << 20
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            if declared > max_bytes:
                raise _too_large(path, f"解压后 {declared >> 20} MB", f"unpacks to {declared >> 20} MB",
                                 limits, "max_unzipped_mb")
            for info in infos:
                if info.file_size > RATIO_FLOOR and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
                    ratio = info.file_size // max(info.compress_size, 1)
                    raise LedgerError(
                        f"{path.name}: 其中的 {info.filename} 压缩比为 {ratio} 倍(上限 {limits.max_zip_ratio}),"
                        f"不像台账,可能是“压缩炸弹”,未读取;如确是台账,请另存为 CSV 或调高 [import] max_zip_ratio / "
                        f"its part {info.filename} is packed {ratio} times (limit {limits.max_zip_ratio}): not like a "
                        "ledger, possibly a decompression bomb, so it was not read; if it is a ledger, save it as "
                        "CSV or raise [import] max_zip_ratio"
                    )
            unpacked = 0
            names = _sheet_names(archive)
            for info in infos:
                cells, unpacked = _unpack_counting(archive, info, unpacked, max_bytes, path, limits)
                for sheet, count in cells.items():
                    if count > limits.max_cells:
                        sheet = names.get(sheet, Path(sheet).stem)
                        raise _too_many_cells(path, mask_text(sheet), count, limits)
    except zipfile.BadZipFile as exc:
        raise LedgerError(
            f"{path.name}: 无法打开工作簿(文件已损坏,无法解压:{exc}),请用 Excel/WPS 打开后另存为 .xlsx / cannot "
            f"open the workbook (damaged, cannot be unpacked: {exc}): open it in Excel or WPS and save it again as .xlsx"
        ) from exc


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part file name (sheet1.xml) → the sheet's name as Excel shows it, from the
    workbook part and its relationships (small parts, read after their sizes were checked)."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, target = re.search(r'Id="([^"]*)"', tag), re.search(r'Target="([^"]*)"', tag)
        if rid and target:
            targets[rid.group(1)] = target.group(1).rsplit("/", 1)[-1]
    names = {}
    for tag in re.findall(r"<sheet\b[^>]*>", book):
        name, rid = re.search(r'\bname="([^"]*)"', tag), re.search(r'r:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = html.unescape(name.group(1))
    return names


class _SheetExtent:
    """What a worksheet part's XML says of its size, read as it streams past: its cells
    (<c> elements) and the rectangle from A1 to its last row and column reference.
    calamine allocates the whole rectangle at once, so one far-away cell is as costly as a
    full sheet (17 billion cells for XFD1048576: the process aborts). The references A…Z
    (most cells of a ledger) are not collected one by one: only whether a letter above
    the last one seen occurs at all; the longer references AA… are collected."""

    def __init__(self):
        self.cells = 0
        self.last_row = 0
        self.last_letter = 0  # 1 = A … 26 = Z
        self.columns: set[bytes] = set()

    def feed(self, data: bytes) -> None:
        self.cells += sum(data.count(tag) for tag in _CELL_TAGS)
        rows = _ROW_REF.findall(data)
        if rows:
            self.last_row = max(self.last_row, max(map(int, rows)))
        for letter in range(26, self.last_letter, -1):
            if data.find(b' r="%c' % (64 + letter)) >= 0:
                self.last_letter = letter
                break
        if _LONG_COLUMN.search(data):
            self.columns.update(_LONG_COLUMN.findall(data))

    def span(self) -> int:
        """Cells of the rectangle A1 … last row and column referenced."""
        return self.last_row * max([self.last_letter, *(_column_number(c) for c in self.columns)])

    def sizes(self, part: str) -> dict[str, int]:
        """{worksheet part file name: cells}."""
        return {part: max(self.cells, self.span())}


_ROW_REF = re.compile(rb'<row r="([0-9]{1,9})"')
_LONG_COLUMN = re.compile(rb' r="([A-Z]{2,3})[0-9]')  # writers put one space before an attribute


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _unpack_counting(archive: zipfile.ZipFile, info: zipfile.ZipInfo, unpacked: int, max_bytes: int,
                     path: Path, limits: Settings) -> tuple[dict[str, int], int]:
    """Unpack one part into nothing; returns ({sheet: cells it makes the reader hold}, bytes
    so far): for an .xlsx worksheet part, the larger of its <c> elements and the span of
    its references; for an .ods content part, each table's span."""
    name = info.filename
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        extent = _SheetExtent()
    elif name == "content.xml":
        extent = _OdsExtent()
    else:
        extent = None
    carry = b""
    # zipfile stops at the declared size and then checks the CRC: a part that says it is
    # small but unpacks to more fails there (BadZipFile) instead of growing.
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            unpacked += len(chunk)
            if unpacked > max_bytes:
                raise _too_large(path, f"解压后超过 {max_bytes >> 20} MB", f"unpacks to more than {max_bytes >> 20} MB",
                                 limits, "max_unzipped_mb")
            if extent is not None:
                # whole tags only: the text from the chunk's last '<' waits for the next one
                data = carry + chunk
                cut = data.rfind(b"<")
                cut = cut if cut > 0 else len(data)
                extent.feed(data[:cut])
                carry = data[cut:][-4096:]
    if extent is None:
        return {}, unpacked
    extent.feed(carry)
    return extent.sizes(Path(name).name), unpacked


class _OdsExtent:
    """The rectangle each table of an .ods content part fills, read as it streams past.
    A cell or row may say it repeats (number-columns-repeated / number-rows-repeated): a
    1.5 KB file can ask for 99 million cells, which calamine allocates (and aborts beyond
    its own cap). Empty repeats (every LibreOffice file ends its sheets with a million
    empty rows) fill nothing, as for calamine."""

    def __init__(self):
        self.tables: dict[str, int] = {}
        self.table = ""
        self.row = self.col = self.last_row = self.last_col = 0
        self.repeat = 1
        self.filled = False

    def feed(self, data: bytes) -> None:
        for match in _ODS_TOKEN.finditer(data):
            tag, attrs, closed = match.group(1), match.group(2), match.group(3)
            if tag == b"table:table":
                self._close_table()
                found = re.search(rb'table:name="([^"]*)"', attrs)
                self.table = html.unescape(found.group(1).decode("utf-8", "replace")) if found else "?"
            elif tag == b"table:table-row":
                self.repeat, self.col, self.filled = _repeats(attrs, b"rows"), 0, False
                if closed:
                    self.row += self.repeat
            elif tag == b"/table:table-row":
                if self.filled:
                    self.last_row = self.row + self.repeat
                self.row += self.repeat
            else:  # a cell, covered or not
                span = _repeats(attrs, b"columns")
                if not closed or b"value-type" in attrs:
                    self.filled = True
                    self.last_col = max(self.last_col, self.col + span)
                self.col += span

    def _close_table(self) -> None:
        if self.table:
            self.tables[self.table] = self.last_row * self.last_col
        self.row = self.col = self.last_row = self.last_col = 0

    def sizes(self, _part: str) -> dict[str, int]:
        self._close_table()
        self.table = ""
        return self.tables


_ODS_TOKEN = re.compile(
    rb"<(table:table|table:table-row|/table:table-row|table:table-cell|table:covered-table-cell)(?=[\s/>])([^>]*?)(/?)>")


def _repeats(attrs: bytes, what: bytes) -> int:
    found = re.search(rb"number-" + what + rb'-repeated="([0-9]{1,9})"', attrs)
    return int(found.group(1)) if found else 1


def _too_large(path: Path, zh: str, en: str, limits: Settings, key: str) -> LedgerError:
    return LedgerError(
        f"{path.name}: 工作簿{zh}(上限 {limits.max_unzipped_mb} MB),未读取;请把台账拆成几个文件或另存为 CSV "
        f"(或调高 [import] {key}) / the workbook {en} (limit {limits.max_unzipped_mb} MB) and was not read: "
        f"split the ledger into several files or save it as CSV (or raise [import] {key})"
    )


def _too_many_cells(path: Path, sheet: str, cells: int, limits: Settings) -> LedgerError:
    return LedgerError(
        f"{path.name}: 工作表「{sheet}」有 {cells} 个单元格(上限 {limits.max_cells}),未读取;请删除多余的行列、"
        f"把台账拆成几个文件或另存为 CSV(或调高 [import] max_cells) / sheet {sheet} has {cells} cells "
        f"(limit {limits.max_cells}) and was not read: delete unused rows and columns, split the ledger or "
        "save it as CSV (or raise [import] max_cells)"
    )


def _read_workbook(path: Path, limits: Settings) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            # Before any cell becomes a Python object: a used range can be far larger than
            # its cells (one value in XFD1048576), and to_python() fills all of it.
            if sheet.height * sheet.width > limits.max_cells:
                raise _too_many_cells(path, mask_text(name), sheet.height * sheet.width, limits)
            # Most cells are text already: only the others go through cell_text.
            rows = [[v if type(v) is str else cell_text(v) for v in row]
                    for row in sheet.to_python(skip_empty_area=False)]
            _check_width(path, mask_text(name), rows, limits)
            _fill_merged(rows, sheet.merged_cell_ranges or [])
            sheets.append(RawSheet(mask_text(name), rows=rows))
    except LedgerError:
        raise
    except Exception as exc:  # calamine raises several private error types for broken files
        raise LedgerError(
            f"{path.name}: 无法打开工作簿({exc}),请用 Excel/WPS 打开后另存为 .xlsx / cannot open the "
            f"workbook ({exc}): open it in Excel or WPS and save it again as .xlsx"
        ) from exc
    return sheets


def used_width(rows: list[list[str]]) -> int:
    """Columns up to the last one holding text in any row (blank columns at the right end
    not counted)."""
    width = 0
    for row in rows:
        end = len(row)
        while end > width and not row[end - 1]:
            end -= 1
        width = max(width, end)
    return width


def _check_width(path: Path, sheet: str, rows: list[list[str]], limits: Settings) -> None:
    """Refuse a sheet wider than any ledger; cut blank columns off its right end."""
    width = used_width(rows)
    if width > limits.max_columns:
        raise LedgerError(
            f"{path.name}: 工作表「{sheet}」有 {width} 列(上限 {limits.max_columns}),不像台账,未读取;请删除多余的列"
            f"(或调高 [import] max_columns) / sheet {sheet} has {width} columns (limit {limits.max_columns}): not "
            "like a ledger, so it was not read; delete the unused columns (or raise [import] max_columns)"
        )
    for i, row in enumerate(rows):
        if len(row) > width:
            rows[i] = row[:width]


def _fill_merged(rows: list[list[str]], ranges) -> None:
    """Give every cell of a merged range its top-left value, as the user sees it on screen.
    Only inside the sheet's cells: a range reaching row 1048576 adds no row of its own."""
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    for (r0, c0), (r1, c1) in ranges:
        r1, c1 = min(r1, height - 1), min(c1, width - 1)
        if r0 > r1 or c0 > c1:
            continue
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
        # Whole lines of UTF-8 holding Chinese, then a byte that is not UTF-8: a file whose
        # encoding changes (two files pasted together). Read as UTF-8, the reader names the
        # line where it stops being UTF-8; a guess for the whole file (a Cyrillic code page)
        # garbled even its header.
        lines = sample[:exc.start][:sample[:exc.start].rfind(b"\n") + 1]
        if any(byte >= 0x80 for byte in lines):
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return ""
    name = best.encoding.lower().replace("-", "_")
    # GB2312 and GBK are subsets of GB18030; decoding as GB18030 never loses a character.
    return "gb18030" if name in {"gb2312", "gbk", "gb18030", "hz"} else best.encoding


def _prepare_csv(path: Path, temp_dir: PrivateTemp | None, limits: Settings) -> CsvSource:
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    encoding = detect_encoding(sample)
    if not encoding:
        raise LedgerError(
            f"{path.name}: 无法识别文件编码,请另存为“CSV UTF-8” / cannot tell the text encoding: "
            "save the file as CSV UTF-8"
        )
    head_text = sample.decode(encoding, errors="ignore")
    head = _head_records(head_text)
    if not head:
        raise LedgerError(f"{path.name}: 文件是空的 / the file is empty")
    _check_width(path, path.stem, head, limits)
    utf8_path, temporary = path, False
    if encoding not in ("utf-8", "utf-8-sig", "ascii"):
        utf8_path, temporary = _transcode(path, encoding, temp_dir), True
    return CsvSource(utf8_path, encoding, _sniff_delimiter(head_text), head, temporary, name=path.name)


def _transcode(path: Path, encoding: str, temp_dir: PrivateTemp | None) -> Path:
    """Stream a non-UTF-8 CSV into a UTF-8 copy (DuckDB reads UTF-8 only here), with every
    phone and ID number already masked, in `temp_dir` (a private folder beside the database,
    removed when the import ends or is interrupted: etl/load.py)."""
    if temp_dir is None:
        raise ValueError("a transcoded copy needs a private temp_dir")
    name = temp_dir.path() / f"{path.stem[:40]}-utf8.csv"
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    read = 0  # bytes of the file decoded so far (for the position of a bad byte)
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        with path.open("rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            carry = ""
            while chunk := src.read(1 << 22):
                read += len(chunk)
                text = carry + decoder.decode(chunk)
                # masked a line at a time: a number never spans a line break
                cut = text.rfind("\n") + 1
                dst.write(mask_text(text[:cut]))
                carry = text[cut:]
            dst.write(mask_text(carry + decoder.decode(b"", final=True)))
    except UnicodeDecodeError as exc:
        name.unlink(missing_ok=True)
        at = read - len(exc.object) + exc.start  # exc.object: the bytes decoded last (with any held over)
        raise LedgerError(
            f"{path.name}: 文件按 {encoding} 编码读取时在第 {at} 字节出错,请另存为“CSV UTF-8” / "
            f"the file is not valid {encoding} text (byte {at}): save it as CSV UTF-8"
        ) from exc
    except BaseException:
        name.unlink(missing_ok=True)
        raise
    return name


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
