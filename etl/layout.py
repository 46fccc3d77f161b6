"""Where a sheet's table is: the header row, which column is which field, and the area and
year a sheet is about when its rows do not say (sheet name, title rows, file name)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from taizhang.etl.errors import LedgerError
from taizhang.etl.fold import fold_text, header_key, mask_text
from taizhang.etl.profile import Profile

# A header row must name at least this many known columns, one of them the case's or the
# meeting's date or its title.
MIN_HEADER_FIELDS = 2
KEY_FIELDS = {"received_on", "title", "meeting_on", "case_id"}

_BRACKETS = re.compile(r"[(\[【(].*?[)\]】)]")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
_DISTRICT = re.compile(r"([\u4e00-\u9fff]{1,6}?(?:区|县|市))")
_STREET = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:街道办事处|街道|镇|乡))")
# (铁路一村社区: a 村 may be part of a 社区's name, so a 社区 suffix right after it is kept.)
_COMMUNITY = re.compile(r"([\u4e00-\u9fff]{2,10}?(?:社区居委会|社区|居委会|村委会|村)(?:社区居委会|社区|居委会)?)")
# Words that end in 村/镇/区 without naming an area.
_NOT_AREA = ("农村", "乡村", "新农村", "城区", "辖区", "社区")


@dataclass
class Column:
    """A ledger column: its position, header text as written, and canonical field."""

    index: int
    header: str
    field: str | None  # None: kept in `raw` only


@dataclass
class SheetLayout:
    """How to read one sheet: header row position, columns, and context values."""

    header_row: int                     # 0-based index into the sheet's rows
    columns: list[Column]
    kind: str                           # 'case' | 'meeting'
    title: str = ""                     # text of the rows above the header
    context: dict[str, str] = field(default_factory=dict)  # district/street/community
    year: int | None = None

    @property
    def width(self) -> int:
        """The number of columns under the header: one past its last column's index."""
        return max((c.index for c in self.columns), default=-1) + 1

    def field_columns(self) -> dict[str, Column]:
        """Canonical field → its column (the first one when two columns map to a field)."""
        out: dict[str, Column] = {}
        for col in self.columns:
            if col.field and col.field not in out:
                out[col.field] = col
        return out


def match_field(header: str, index: dict[str, str]) -> str | None:
    key = header_key(header)
    if not key:
        return None
    if key in index:
        return index[key]
    # "反映时间(年月日)" → "反映时间"; "办理状态*" → "办理状态"
    stripped = _BRACKETS.sub("", key).strip("*※:：")
    return index.get(stripped)


def find_layout(head: list[list[str]], profile: Profile) -> SheetLayout | None:
    """The header row among the first rows and its columns, or None when there is none."""
    index = profile.header_index()
    best: tuple[int, int] | None = None
    for r, row in enumerate(head):
        fields = {match_field(cell, index) for cell in row} - {None}
        if len(fields) >= MIN_HEADER_FIELDS and fields & KEY_FIELDS:
            if best is None or len(fields) > best[1]:
                best = (r, len(fields))
    if best is None:
        return None
    r = best[0]
    columns = []
    seen: set[str] = set()
    for c, cell in enumerate(head[r]):
        fld = match_field(cell, index)
        if fld in seen:
            fld = None
        if fld:
            seen.add(fld)
        columns.append(Column(c, mask_text(fold_text(cell)) or f"列{c + 1}", fld))
    fields = {c.field for c in columns}
    # A meeting ledger has a meeting date but no received date, status or case id.
    if "meeting_on" in fields and not fields & {"received_on", "status", "case_id", "resolved_on"}:
        kind = "meeting"
        for col in columns:
            if col.field == "title" and "topic" not in fields:
                col.field = "topic"
    else:
        kind = "case"
    return SheetLayout(r, columns, kind, title_text(head[:r]))


def title_text(rows: list[list[str]]) -> str:
    """The text of the rows above the header, each text once: a merged title fills every
    cell it spans (etl/read.py), and the same words repeated in a row say nothing more.
    Numbers a person could be reached by are masked (the title goes into messages and
    into the --rejects-out workbook)."""
    texts: list[str] = []
    for row in rows:
        for cell in row:
            text = fold_text(cell)
            if text and text not in texts:
                texts.append(text)
    return mask_text(" ".join(texts))


def check_profile_columns(profile: Profile, layout: SheetLayout, file: str, sheet: str | None) -> None:
    """LedgerError when a case sheet has no column for a field the profile names (a profile
    read against the wrong file must not load it with that metric silently empty). Any of
    the field's names will do, the built-in ones included."""
    if layout.kind != "case":
        return
    present = layout.field_columns()
    if "received_on" not in present and "received_on" not in profile.fixed:
        raise LedgerError(no_received_text(profile, layout, file, sheet))
    missing = [(fld, names) for fld, names in profile.required.items() if fld not in present]
    if not missing:
        return
    where = f"{file} 工作表「{sheet}」" if sheet else file
    where_en = f"{file}, sheet {sheet}" if sheet else file
    wanted = "; ".join(f"{fld} ← {' / '.join(names)}" for fld, names in missing)
    has = ", ".join(c.header for c in layout.columns if c.header)
    raise LedgerError(
        f"{where}:格式配置 {profile.name} 要求的列在文件中找不到:{wanted}。文件中的列:{has}。"
        f"请换用合适的配置,或用 taizhang profile suggest {file} 生成一个 / {where_en}: the profile "
        f"{profile.name} names column(s) the file lacks: {wanted}. The file's columns: {has}. Use "
        f"the profile made for this export, or write one with `taizhang profile suggest {file}`."
    )


def no_received_text(profile: Profile, layout: SheetLayout, file: str, sheet: str | None) -> str:
    """The error for a case sheet without a received-date column: every row would be
    rejected for an empty date the sheet never had, so the file is refused at once, with
    the names that would be recognised and the sheet's columns Taizhang did not use."""
    where = f"{file} 工作表「{sheet}」" if sheet else file
    where_en = f"{file}, sheet {sheet}" if sheet else file
    names = profile.columns.get("received_on", [])
    unused = [c.header for c in layout.columns if not c.field and c.header] or ["—"]
    return (
        f"{where}:找不到受理日期列(可识别的列名:{'、'.join(names)})。未识别的列:{'、'.join(unused)}。请把记录受理"
        f"日期的列改名为「反映时间」后重新导入,或用 taizhang profile suggest {file} 生成格式配置 / "
        f"{where_en}: no column for the received date (names recognised: {', '.join(names)}). "
        f"Columns not used: {', '.join(unused)}. Rename the column that holds the date a case was received to 反映时间 "
        f"and load the file again, or write a profile with `taizhang profile suggest {file}`."
    )


def describe_layout(layout: SheetLayout, sheet: str | None) -> str:
    """The header row a sheet was read with and what each of its names became (for check)."""
    where = f"工作表「{sheet}」" if sheet else ""
    where_en = f"sheet {sheet}, " if sheet else ""
    used = ", ".join(f"{c.header}→{c.field}" for c in layout.columns if c.field)
    unused = ", ".join(c.header for c in layout.columns if not c.field and c.header)
    return (f"表头:{where}第 {layout.header_row + 1} 行 / header: {where_en}row "
            f"{layout.header_row + 1}; 识别 recognised: {used or '—'}; 未用 not used: {unused or '—'}")


def no_header_text(path, sheets, profile: Profile) -> str:
    """The error for a file in which no sheet has a header row: the row that looks most like
    one and its names, the profile's missing columns, and how to get a profile."""
    first_rows = [(sheet.name, r, row) for sheet in sheets for r, row in enumerate(sheet.head())
                  if sum(1 for cell in row if cell.strip()) >= 2]
    seen = ""
    if first_rows:
        name, r, row = first_rows[0]
        names = ", ".join(fold_text(cell) for cell in row if cell.strip())
        seen = f"第 {r + 1} 行的列名 / the names in row {r + 1}: {names}. "
    lacking = ""
    if profile.required:
        wanted = "; ".join(f"{fld} ← {' / '.join(names)}" for fld, names in profile.required.items())
        lacking = (f"格式配置 {profile.name} 要求的列都不在其中 / none of the columns the profile "
                   f"{profile.name} names: {wanted}. ")
    return (
        f"{path.name}: 前 20 行中找不到可识别的表头(需要如 反映时间、问题、办理状态 这样的列名)/ no header "
        f"row Taizhang recognises in the first 20 rows (it needs column names such as 反映时间, 问题, "
        f"办理状态). {seen}{lacking}"
        f"若这是其他系统的导出文件,运行 taizhang profile suggest {path.name} > 配置.toml 生成格式配置,编辑后用 "
        f"--profile 配置.toml 导入 / if this is another system's export, run `taizhang profile suggest "
        f"{path.name} > my.toml`, edit it, and load with --profile my.toml."
    )


def names_in(text: str) -> dict[str, str]:
    """Area names that look like one by their suffix (…区, …街道/镇/乡, …社区/村)."""
    found: dict[str, str] = {}
    rest = fold_text(text).replace(" ", "")
    m = _DISTRICT.search(rest)
    if m and not m.group(1).endswith(("社区", "城区", "辖区")) and m.start() == 0:
        found["district"] = m.group(1)
        rest = rest[m.end():]
    m = _STREET.search(rest)
    if m:
        found["street"] = m.group(1)
        rest = rest[m.end():]
    m = _COMMUNITY.search(rest)
    if m and m.group(1) not in _NOT_AREA and not m.group(1).endswith(_NOT_AREA[:3]):
        found["community"] = m.group(1)
    return found


def sheet_context(sheet_name: str, title: str, file_stem: str) -> tuple[dict[str, str], int | None]:
    """Area and year a sheet is about, as the ledger writes them: names with an area suffix
    in the sheet name first, then its title rows, then the file name (a level the sheet
    name lacks comes from the title, e.g. 南站街道 from the title and 桃源社区 from the sheet).

    No registry here: the names stay as written, the registry resolves them together
    (etl/normalize.py), so a case's key never depends on the registry loaded at the time.
    """
    context: dict[str, str] = {}
    for text in (sheet_name, title, file_stem):
        for key, value in names_in(text).items():
            context.setdefault(key, value)
    year = None
    for text in (title, sheet_name, file_stem):
        m = _YEAR.search(fold_text(text))
        if m:
            year = int(m.group(1))
            break
    return context, year
