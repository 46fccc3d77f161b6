"""Writers for the demo ledgers, one function a layout, each the way a real office keeps it.

  roundtable  openpyxl .xlsx, a title row "南站街道幸福圆桌会问题台账(2022年)", one sheet per
              community (the community only in the sheet name), Excel date cells, own ids
  yearbook    the same columns plus 社区, one workbook per street with one sheet a year
  office      xlsxwriter .xlsx, one sheet, title + blank row, another column order, no ids,
              a repeated header half-way, a blank row and a 合计 total row; dates as text
              (2022/1/8, 2022年1月8日, 1月8日 with the year in the title) or 年月日 date cells
  xls / ods   .xls one sheet a year, dotted dates, 1–5 scores; .ods, date cells: shipped in
              etl/demo_data/ (the writers, xlwt and odfpy, are not installed with Taizhang;
              tests/demo_old_formats.py rewrites them and checks they still match)
  town CSV    UTF-8 with BOM, 乡镇(街道)/村(社区) columns
  hotline     GBK CSV exported from the 12345 system, call times with seconds
  meetings    xlsxwriter, the consultation-meeting ledger: one sheet per street, 参会领导 joined by 、
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from openpyxl.utils import get_column_letter

from taizhang.etl.demo_cases import DemoCase, Meeting
from taizhang.etl.demo_ledgers import Style, fields_of

FIXED_TIME = datetime(2022, 7, 31, 18, 0)  # workbook metadata, so files do not depend on the clock

ROUNDTABLE_HEADER = [
    ("序号", None), ("编号", "case_id"), ("议事形式", "channel"), ("会议时间", "meeting_on"),
    ("反映时间", "received_on"), ("反映人", "reporter"), ("议题", "title"), ("类别", "category"),
    ("事项分类", "matter_class"), ("责任单位", "responsible_unit"), ("挂点领导", "lead"),
    ("认领代表", "deputy"), ("承办负责人", "handler"), ("办理时限", "due_on"), ("办理状态", "status"),
    ("进展情况", "note"), ("最新进展时间", "last_progress_on"), ("办结时间", "resolved_on"),
    ("销号时间", "closed_on"), ("满意度", "satisfaction"),
]
OFFICE_HEADER = [
    ("序号", None), ("社区", "community"), ("问题描述", "title"), ("问题来源", "channel"),
    ("会议时间", "meeting_on"), ("提出时间", "received_on"), ("问题类型", "category"),
    ("事项分类", "matter_class"), ("承办单位", "responsible_unit"), ("包案领导", "lead"),
    ("认领代表", "deputy"), ("承诺时限", "due_on"), ("解决情况", "status"), ("办理情况", "note"),
    ("解决时间", "resolved_on"), ("群众满意度", "satisfaction"),
]
TOWN_HEADER = [
    ("问题编号", "case_id"), ("乡镇(街道)", "street"), ("村(社区)", "community"), ("诉求内容", "title"),
    ("受理时间", "received_on"), ("议事形式", "channel"), ("会议时间", "meeting_on"),
    ("诉求类型", "category"), ("事项分类", "matter_class"), ("责任单位", "responsible_unit"),
    ("挂点领导", "lead"), ("认领代表", "deputy"), ("办理状态", "status"), ("进展情况", "note"),
    ("办结时间", "resolved_on"), ("销号时间", "closed_on"), ("回访结果", "satisfaction"),
]
HOTLINE_HEADER = [
    ("工单编号", "case_id"), ("来电时间", "received_on"), ("来电人", "reporter"), ("来源", "channel"),
    ("所属街道", "street"), ("所属社区", "community"), ("诉求类型", "category"),
    ("诉求内容", "title"), ("承办单位", "responsible_unit"), ("承办人", "handler"),
    ("办理时限", "due_on"), ("签收时间", "responded_at"), ("办理状态", "status"), ("办结时间", "resolved_on"),
    ("反馈时间", "feedback_at"), ("回访结果", "satisfaction"),
]


def _row(header, case: DemoCase, style: Style, as_of: date, number: int) -> list:
    values = fields_of(case, style, as_of)
    return [number if fld is None else values.get(fld) for _, fld in header]


YEARBOOK_HEADER = ROUNDTABLE_HEADER[:2] + [("社区", "community")] + ROUNDTABLE_HEADER[2:]


def write_titled(path: Path, sheets: list[tuple[str, str, list[DemoCase]]], header, as_of: date) -> None:
    """Sheets (name, title, cases): a merged title row, 填报单位/日期, the header, the cases (openpyxl).

    The roundtable layout passes one sheet per community (the community only in the sheet
    name), the yearbook layout one sheet per year with a 社区 column.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    style = Style("roundtable", dates="cell")
    workbook = Workbook(write_only=True)  # streams rows: several times faster than the default
    for name, title, cases in sheets:
        sheet = workbook.create_sheet(name)
        heading = WriteOnlyCell(sheet, value=title)
        heading.font, heading.alignment = Font(size=16, bold=True), Alignment(horizontal="center")
        sheet.append([heading])
        sheet.merged_cells.add(f"A1:{get_column_letter(len(header))}1")
        office = title[: title.index("街道") + 2] + "办事处" if "街道" in title else title[:3]
        sheet.append([f"填报单位：{office}", None, None, None, None, None,
                      f"填报日期：{as_of.year}年{as_of.month}月{as_of.day}日"])
        sheet.append([h for h, _ in header])
        for number, case in enumerate(cases, start=1):
            sheet.append([_date_cell(sheet, v) for v in _row(header, case, style, as_of, number)])
    workbook.properties.creator = "西湖区"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    workbook.save(path)


def _date_cell(sheet, value):
    """A date value as a write-only cell shown 2022-01-08; anything else as it is."""
    if not isinstance(value, datetime):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "yyyy-mm-dd"
    return cell


def write_office(path: Path, title: str, cases: list[DemoCase], style: Style, as_of: date) -> None:
    """One sheet: title, blank row, header; a repeated header mid-way, a blank row, 合计 (xlsxwriter)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": FIXED_TIME, "author": "西湖区"})
    date_format = workbook.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    sheet = workbook.add_worksheet("问题台账")
    sheet.write(0, 0, title, workbook.add_format({"bold": True, "font_size": 16}))
    header = [h for h, _ in OFFICE_HEADER]
    sheet.write_row(2, 0, header)
    r = 3
    half = len(cases) // 2
    for number, case in enumerate(cases, start=1):
        if number == half + 1 and half:  # second half pasted in with its own header, as offices do
            sheet.write_row(r, 0, header)
            r += 1
        for c, value in enumerate(_row(OFFICE_HEADER, case, style, as_of, number)):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif value not in (None, ""):
                sheet.write(r, c, _folded_oddly(value, number) if c in (1, 2) else value)
        r += 1
    r += 1  # a blank row before the total
    sheet.write_row(r, 0, ["合计", f"{len(cases)}件"])
    sheet.set_column(2, 2, 36)
    workbook.close()


def _folded_oddly(value, number: int):
    """Typists drop the 社区 suffix, leave full-width digits and stray spaces; the ETL copes."""
    if not isinstance(value, str):
        return value
    if number % 5 == 0 and value.endswith("社区") and not value[:-2].endswith("村"):
        value = value[:-2]
    if number % 7 == 3:
        value = value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if number % 11 == 5:
        value = f" {value}\u3000"
    return value


def write_csv(path: Path, header, cases: list[DemoCase], style: Style, as_of: date,
              encoding: str) -> None:
    """A CSV export in the given encoding (utf-8-sig for the town, gbk for the hotline)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([h for h, _ in header])
    for number, case in enumerate(cases, start=1):
        values = _row(header, case, style, as_of, number)
        if style.status == "hotline":  # the hotline system writes full unit names
            values = [_hotline_area(v, fld) for v, (_, fld) in zip(values, header)]
        writer.writerow(["" if v is None else v for v in values])
    path.write_bytes(buffer.getvalue().encode(encoding))


def _hotline_area(value, fld):
    if fld == "street" and value.endswith("街道"):
        return value + "办事处"
    if fld == "community":
        return value + ("委会" if value.endswith("村") else "居委会")
    return value


MEETING_HEADER = ["序号", "会议时间", "街道", "社区", "议事形式", "议题", "参会人数", "参会领导", "反馈情况"]


def write_meetings(path: Path, title: str, meetings: list[Meeting]) -> None:
    """The meetings ledger: one sheet per street, attending officials joined by 、 (xlsxwriter)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": FIXED_TIME})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for street in dict.fromkeys(m.street for m in meetings):
        sheet = workbook.add_worksheet(street)
        sheet.write(0, 0, title)
        sheet.write_row(1, 0, MEETING_HEADER)
        mine = sorted((m for m in meetings if m.street == street), key=lambda m: (m.held_on, m.community))
        for r, m in enumerate(mine, start=2):
            sheet.write_row(r, 0, [r - 1])
            sheet.write_datetime(r, 1, datetime(m.held_on.year, m.held_on.month, m.held_on.day), date_format)
            sheet.write_row(r, 2, [m.street, m.community, m.channel, m.topic, m.participants, "、".join(m.attendees),
                                  m.feedback])
    workbook.close()
