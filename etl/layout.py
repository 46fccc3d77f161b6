"""Where a sheet's table is: the header row, which column is which field, and the area and
year a sheet is about when its rows do not say (sheet name, title rows, file name)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from etl.fold import fold_text, header_key, mask_text
from etl.profile import Profile

# A header row must name at least this many known columns, one of them the case's or the
# meeting's date or its title.
MIN_HEADER_FIELDS = 2
KEY_FIELDS = {"received_on", "title", "meeting_on", "case_id"}

_BRACKETS = re.compile(r"[(\[【(].*?[)\]】)]")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
_DISTRICT = re.compile(r"([\u4e00-\u9fff]{1,6}?(?:区|县|市))")
_STREET = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:街道办事处|街道|镇|乡))")
_COMMUNITY = re.compile(r"([\u4e00-\u9fff]{2,10}?(?:社区居委会|社区|居委会|村委会|村))")
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

    def field_columns(self) -> dict[str, Column]:
        """Canonical field → its column (the first one when two columns map to a field)."""
        out: dict[str, Column] = {}
        for col in self.columns:
            if col.field and col.field not in out:
                out[col.field] = col
        return out


def _match_field(header: str, index: dict[str, str]) -> str | None:
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
        fields = {_match_field(cell, index) for cell in row} - {None}
        if len(fields) >= MIN_HEADER_FIELDS and fields & KEY_FIELDS:
            if best is None or len(fields) > best[1]:
                best = (r, len(fields))
    if best is None:
        return None
    r = best[0]
    columns = []
    seen: set[str] = set()
    for c, cell in enumerate(head[r]):
        fld = _match_field(cell, index)
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


def area_base(name: str) -> str:
    """An area name without its administrative suffix (桃源社区居委会 → 桃源)."""
    name = fold_text(name)
    for suffix in ("社区居民委员会", "村民委员会", "居民委员会", "街道办事处", "社区居委会", "办事处",
                   "居委会", "村委会", "街道", "社区", "镇", "乡", "村"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Registry:
    """The area registry as lists, for recognising names in titles and file names."""

    rows: list[tuple[str, str, str, str]]  # district, street, community, kind

    def find(self, text: str) -> dict[str, str]:
        """district/street/community named in `text` (registry names first, then by suffix)."""
        found: dict[str, str] = {}
        for district, street, community, _ in sorted(self.rows, key=lambda r: -len(r[2])):
            if community in text or (len(area_base(community)) >= 2 and area_base(community) + _kind_word(community) in text):
                found.update(district=district, street=street, community=community)
                return found
        for district, street, _, _ in sorted(self.rows, key=lambda r: -len(r[1])):
            if street in text or (len(area_base(street)) >= 2 and area_base(street) + "街道" in text):
                found.update(district=district, street=street)
                return found
        return found


def _kind_word(community: str) -> str:
    return "村" if community.endswith("村") else "社区"


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


def sheet_context(sheet_name: str, title: str, file_stem: str, registry: Registry) -> tuple[dict[str, str], int | None]:
    """Area and year a sheet is about: sheet name first, then its title rows, then the file name."""
    context: dict[str, str] = {}
    for text in (sheet_name, title, file_stem):
        for source in (registry.find(fold_text(text)), names_in(text)):
            for key, value in source.items():
                context.setdefault(key, value)
    year = None
    for text in (title, sheet_name, file_stem):
        m = _YEAR.search(fold_text(text))
        if m:
            year = int(m.group(1))
            break
    return context, year
