"""The demo's .xls and .ods ledgers, written by real old-format writers (xlwt, odfpy).

Taizhang installs neither writer (xlwt is unmaintained since 2017 and nothing in the base
install writes .xls), so `taizhang demo` copies the files this module wrote once, shipped in
etl/demo_data/. tests/test_demo.py rewrites them from the same demo world and checks that
the shipped files still hold exactly those cells. After a change to the demo world:

    PYTHONPATH=. .venv/bin/python -m tests.demo_old_formats    # rewrites etl/demo_data/
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from taizhang.etl.demo import ODS_STREET, OLD_FORMAT_LEDGERS, SEED, XLS_STREET, _assign_ids, _by_year
from taizhang.etl.demo_cases import AS_OF, DemoCase, build_world
from taizhang.etl.demo_files import _row
from taizhang.etl.demo_ledgers import Style

SHIPPED = Path(__file__).resolve().parent.parent / "etl" / "demo_data"

XLS_HEADER = [
    ("编号", "case_id"), ("街道", "street"), ("社区", "community"), ("事项", "title"),
    ("登记时间", "received_on"), ("来源", "channel"), ("会议时间", "meeting_on"), ("类别", "category"),
    ("承办单位", "responsible_unit"), ("责任领导", "lead"), ("期限", "due_on"), ("进度", "status"),
    ("完成时间", "resolved_on"), ("评价", "satisfaction"),
]
ODS_HEADER = [
    ("问题编号", "case_id"), ("所属街道", "street"), ("所属社区", "community"), ("问题内容", "title"),
    ("受理时间", "received_on"), ("反映渠道", "channel"), ("会议时间", "meeting_on"),
    ("问题类别", "category"), ("责任单位", "responsible_unit"), ("挂点领导", "lead"),
    ("认领代表", "deputy"), ("办结时限", "due_on"), ("状态", "status"), ("办结时间", "resolved_on"),
    ("回访满意度", "satisfaction"),
]

def write_xls(path: Path, sheets: dict[str, list[DemoCase]], style: Style, as_of: date) -> None:
    """An old-format .xls workbook (xlwt), one sheet a year, header in the first row."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    for name, cases in sheets.items():
        sheet = workbook.add_sheet(name)
        for c, (h, _) in enumerate(XLS_HEADER):
            sheet.write(0, c, h)
        for r, case in enumerate(cases, start=1):
            for c, value in enumerate(_row(XLS_HEADER, case, style, as_of, r)):
                if value not in (None, ""):
                    sheet.write(r, c, value)
    workbook.save(str(path))


def write_ods(path: Path, sheets: dict[str, list[DemoCase]], style: Style, as_of: date) -> None:
    """An OpenDocument spreadsheet (odfpy), one sheet a year, dates as date cells."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    def cell(value) -> TableCell:
        if isinstance(value, datetime):
            out = TableCell(valuetype="date", datevalue=value.date().isoformat())
            value = value.date().isoformat()
        elif isinstance(value, int):
            out = TableCell(valuetype="float", value=value)
        else:
            out = TableCell(valuetype="string")
        if value not in (None, ""):
            out.addElement(P(text=str(value)))
        return out

    document = OpenDocumentSpreadsheet()
    for name, cases in sheets.items():
        table = Table(name=name)
        rows = [[h for h, _ in ODS_HEADER]] + [
            _row(ODS_HEADER, case, style, as_of, n) for n, case in enumerate(cases, start=1)]
        for values in rows:
            row = TableRow()
            for value in values:
                row.addElement(cell(value))
            table.addElement(row)
        document.spreadsheet.addElement(table)
    document.save(str(path))


def write_all(folder: Path) -> dict[str, Path]:
    """Write both ledgers from the demo world into folder; shipped name -> path."""
    world = build_world(SEED)
    _assign_ids(world)
    by_street: dict[str, list[DemoCase]] = defaultdict(list)
    for case in world.cases + world.bad_rows:
        if case.channel != "12345热线":
            by_street[case.street].append(case)
    xls, ods = (folder / name for name in OLD_FORMAT_LEDGERS)
    write_xls(xls, {f"{y}年": cs for y, cs in _by_year(by_street[XLS_STREET], AS_OF).items()},
              Style("closing", scores=True, dates="dotted"), AS_OF)
    write_ods(ods, {f"{y}年": cs for y, cs in _by_year(by_street[ODS_STREET], AS_OF).items()},
              Style("roundtable", dates="cell"), AS_OF)
    return {xls.name: xls, ods.name: ods}


if __name__ == "__main__":
    for name, path in write_all(SHIPPED).items():
        print(f"{path} ({path.stat().st_size} bytes)")
