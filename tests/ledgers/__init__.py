"""Messy ledger variants for the ETL tests, written at test time by real writers, and
workbook(), the one-sheet .xlsx every other test writes its own rows into.

Every variant holds the same six cases of 南站街道 (CASES), laid out the way different
offices keep them: title rows, one sheet per community, total rows and repeated headers,
GBK and UTF-8-BOM CSV, .xls (xlwt), .ods (pandas + odfpy), column orders and date styles.
All of them must normalise to the same cases.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

REGISTRY = [
    ("西湖区", "南站街道", "桃源社区", "社区"),
    ("西湖区", "南站街道", "贤士湖社区", "社区"),
    ("西湖区", "朝阳洲街道", "桃源社区", "社区"),   # same name in another street
    ("西湖区", "桃花镇", "桃花村", "村"),
]

D = dt.date
# community, title, received, status phrase, resolved, satisfaction phrase, score, leads
CASES = [
    ("桃源社区", "小区路灯不亮", D(2023, 1, 8), "已解决", D(2023, 1, 20), "满意", 5, "王一、李二"),
    ("桃源社区", "垃圾清运不及时", D(2023, 1, 15), "正在解决", None, "", None, "王一"),
    ("桃源社区", "楼道堆放杂物", D(2023, 2, 3), "未启动", None, "", None, ""),
    ("贤士湖社区", "停车位不足", D(2023, 1, 9), "协调对接中", None, "", None, "赵三"),
    ("贤士湖社区", "下水道堵塞", D(2023, 2, 11), "已办结", D(2023, 2, 12), "基本满意", 3, "赵三"),
    ("贤士湖社区", "公园健身器材损坏", D(2023, 2, 20), "暂缓", None, "未回访", None, ""),
]
# What every variant must become: (community, title, received_on, status, resolved_on, satisfaction)
EXPECTED = [
    ("桃源社区", "小区路灯不亮", D(2023, 1, 8), "resolved", D(2023, 1, 20), "satisfied"),
    ("桃源社区", "垃圾清运不及时", D(2023, 1, 15), "in_progress", None, None),
    ("桃源社区", "楼道堆放杂物", D(2023, 2, 3), "pending", None, None),
    ("贤士湖社区", "停车位不足", D(2023, 1, 9), "in_progress", None, None),
    ("贤士湖社区", "下水道堵塞", D(2023, 2, 11), "resolved", D(2023, 2, 12), "basically_satisfied"),
    ("贤士湖社区", "公园健身器材损坏", D(2023, 2, 20), "deferred", None, None),
]
EXPECTED_LEADS = {("小区路灯不亮", "王一"), ("小区路灯不亮", "李二"), ("垃圾清运不及时", "王一"),
                  ("停车位不足", "赵三"), ("下水道堵塞", "赵三")}


def write_registry(path: Path, rows=REGISTRY) -> Path:
    """An area registry CSV (district, street, community, kind): by default the small one
    the variants are matched against."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["district", "street", "community", "kind"])
        writer.writerows(rows)
    return path


def workbook(path, sheet: str, rows, title: str | None = None):
    """A ledger as an office saves it with openpyxl: one sheet named `sheet`, its title row
    (when given) above `rows` (the header first). `path`: a file name or a binary file."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title is not None:
        ws.append([title])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _iso_slash(d):
    return f"{d.year}/{d.month}/{d.day}" if d else ""


def _dotted(d):
    return f"{d.year}.{d.month}.{d.day}" if d else ""


def _chinese(d):
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


def xlsx_title_rows(folder: Path) -> Path:
    """openpyxl: a title row, a blank row, datetime cells, a repeated header, a total row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["南站街道幸福圆桌会问题台账(2023年)"])
    ws.append([])
    header = ["序号", "社区", "问题", "反映时间", "办理状态", "办结时间", "满意度", "挂点领导", "进展情况"]
    ws.append(header)
    for n, (community, title, received, status, resolved, sat, _, leads) in enumerate(CASES, start=1):
        if n == 4:
            ws.append(header)  # sheets pasted one under the other
        ws.append([n, community, title, dt.datetime.combine(received, dt.time(9, 30)), status, resolved,
                   sat, leads, "已联系居民"])
    ws.append(["合计", "", "6件"])
    path = folder / "南站街道台账_title_rows.xlsx"
    wb.save(path)
    return path


def xlsx_sheet_per_community(folder: Path) -> Path:
    """xlsxwriter: one sheet per community (named with a suffix variant), merged title, slashes."""
    import xlsxwriter

    path = folder / "sheets_per_community.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    header = ["问题描述", "办理进度", "受理时间", "解决时间", "群众满意度", "包案领导"]
    for sheet_name, community in (("桃源社区", "桃源社区"), ("贤士湖社区居委会", "贤士湖社区")):
        ws = wb.add_worksheet(sheet_name)
        ws.merge_range(0, 0, 0, len(header) - 1, "南站街道 2023年 问题清单")
        ws.write_row(2, 0, header)
        r = 3
        for c, title, received, status, resolved, sat, _, leads in CASES:
            if c != community:
                continue
            ws.write_row(r, 0, [title, status, _iso_slash(received), _iso_slash(resolved), sat, leads])
            r += 1
        ws.write_row(r, 0, ["小计", "", "", "", "", ""])
    wb.close()
    return path


def csv_gbk(folder: Path) -> Path:
    """GBK CSV from a hotline system: street with 办事处 suffix, community without 社区, dots."""
    path = folder / "hotline_gbk.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["街道", "社区", "诉求内容", "来电时间", "状态", "完成时间", "评价", "责任领导"])
        for community, title, received, status, resolved, sat, _, leads in CASES:
            writer.writerow(["南站街道办事处", community.removesuffix("社区"), title, _dotted(received) + " 10:12",
                             status, _dotted(resolved), sat, leads.replace("、", ",")])
    return path


def csv_utf8_bom(folder: Path) -> Path:
    """UTF-8-BOM CSV: a title line, 年月日 dates (one with full-width digits), stray spaces."""
    path = folder / "utf8_bom.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["南站街道问题台账"])
        writer.writerow(["所属社区", "议题", "提出时间", "解决情况", "办结时间", "满意度", "责任领导", "所属街道"])
        for n, (community, title, received, status, resolved, sat, _, leads) in enumerate(CASES):
            text = _chinese(received)
            writer.writerow([community, f" {title} ", _full_width(text) if n == 0 else text, f" {status}　",
                             _chinese(resolved), sat, leads.replace("、", " "), "南站街道"])
        writer.writerow(["", "", "", "", "", "", "", ""])
    return path


def xls_serials(folder: Path) -> Path:
    """xlwt .xls: date cells for received, bare Excel serial numbers for resolved, 1–5 scores."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("南站街道")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    header = ["编号前序号", "社区(村)", "事项", "登记时间", "办理状态", "办结时间", "满意度", "挂点领导"]
    header[0] = "序号"
    for c, h in enumerate(header):
        ws.write(0, c, h)
    for r, (community, title, received, status, resolved, _, score, leads) in enumerate(CASES, start=1):
        ws.write(r, 0, r)
        ws.write(r, 1, community)
        ws.write(r, 2, title)
        ws.write(r, 3, received, date_style)
        ws.write(r, 4, status)
        if resolved:
            ws.write(r, 5, (resolved - dt.date(1899, 12, 30)).days)  # a number, not a date cell
        if score:
            ws.write(r, 6, score)
        ws.write(r, 7, leads)
    path = folder / "xls_serials.xls"
    wb.save(str(path))
    return path


def ods_month_day(folder: Path) -> Path:
    """pandas + odfpy .ods: 1月8日 dates with the year (and street) from the file name."""
    import pandas as pd

    rows = [{
        "社区": community, "问题": title, "反映时间": f"{received.month}月{received.day}日", "办理状态": status,
        "办结时间": f"{resolved.month}月{resolved.day}日" if resolved else "", "满意度": sat,
        "挂点领导": leads,
    } for community, title, received, status, resolved, sat, _, leads in CASES]
    path = folder / "南站街道2023年台账.ods"
    pd.DataFrame(rows).to_excel(path, engine="odf", index=False, sheet_name="Sheet1")
    return path


VARIANTS = {
    "xlsx_title_rows": xlsx_title_rows,
    "xlsx_sheet_per_community": xlsx_sheet_per_community,
    "csv_gbk": csv_gbk,
    "csv_utf8_bom": csv_utf8_bom,
    "xls_serials": xls_serials,
    "ods_month_day": ods_month_day,
}
