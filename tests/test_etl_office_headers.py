"""A roundtable workbook as a street office makes one: a merged title row, a 填报单位 line, one
sheet per community, the date a problem was collected under 收集日期 and the person who
took it on under 责任人, a 合计 row. Loaded before the registry and again after it."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest

from taizhang.etl.areas import load_areas
from taizhang.etl.load import load_paths

HEADER = ["序号", "街道", "社区", "收集日期", "来源", "问题内容", "责任人", "责任单位", "办理状态",
          "办结时间", "联系电话"]
SHEETS = {
    "柳林社区": ("东关街道", [("2024-03-02", "楼道灯坏了", "甲", "已办结", "2024-03-10", "13812345678"),
                              ("2024/3/5", "垃圾桶不够", "乙", "办理中", None, None)]),
    "西湖柳林": ("西湖街道", [("2024年3月9日", "停车难", "丙", "已办结", "2024-04-01", None)]),
}


def office_workbook(path, header=HEADER):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, (street, rows) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append([f"{street}幸福圆桌会问题台账"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append(["填报单位:", street, None, "填报日期:", "2024-04-05"])
        ws.append(header)
        for i, (day, title, person, status, done, phone) in enumerate(rows, 1):
            cells = dict(zip(HEADER, [i, street, "柳林社区", day, "幸福圆桌会", title, person, "社区居委会",
                                      status, done, phone]))
            ws.append([cells.get(name) for name in header])
        ws.append(["合计", None, None, None, None, f"{len(rows)}件"])
    wb.save(path)
    return path


def registry(path):
    path.write_text("区,街道,社区,类型\n清河区,东关街道,柳林社区,社区\n清河区,西湖街道,柳林社区,社区\n",
                    encoding="utf-8-sig")
    return path


def stored(db):
    with duckdb.connect(str(db), read_only=True) as con:
        cases = con.execute("SELECT street, community, received_on::VARCHAR, title FROM cases "
                            "ORDER BY received_on").fetchall()
        roles = con.execute("SELECT role, count(*) FROM case_officials GROUP BY role").fetchall()
        raw = con.execute("SELECT string_agg(raw::VARCHAR, '') FROM cases").fetchone()[0]
    return cases, dict(roles), raw


@pytest.mark.parametrize("registry_first", [True, False])
def test_collected_on_and_the_responsible_person_are_read_in_either_order(tmp_path, registry_first):
    db, book, reg = tmp_path / "t.duckdb", office_workbook(tmp_path / "台账.xlsx"), registry(tmp_path / "区划.csv")
    if registry_first:
        load_areas(db, reg)
    [first] = load_paths(db, [book])
    if not registry_first:
        load_areas(db, reg)
    assert first.status == "ok", first.line()
    cases, roles, raw = stored(db)
    # The two 柳林社区 stay in their own streets; 收集日期 is the received date.
    assert cases == [("东关街道", "柳林社区", "2024-03-02", "楼道灯坏了"),
                     ("东关街道", "柳林社区", "2024-03-05", "垃圾桶不够"),
                     ("西湖街道", "柳林社区", "2024-03-09", "停车难")]
    assert roles == {"handler": 3}  # 责任人 is the handler who took the case on
    assert "13812345678" not in raw  # the contact number column is never stored as written
    [again] = load_paths(db, [book])
    assert again.status in ("ok", "unchanged") and stored(db)[0] == cases  # loaded twice: nothing doubles


def test_a_sheet_without_a_received_date_column_is_refused_with_its_columns_named(tmp_path):
    db = tmp_path / "t.duckdb"
    load_paths(db, [office_workbook(tmp_path / "好.xlsx")])
    before = stored(db)
    header = [name if name != "收集日期" else "时间" for name in HEADER]
    [summary] = load_paths(db, [office_workbook(tmp_path / "无日期.xlsx", header)])
    assert summary.status == "failed"
    text = summary.line()
    assert "无日期.xlsx 工作表「柳林社区」:找不到受理日期列" in text
    assert "未识别的列:序号、时间" in text and "反映时间" in text
    assert "Columns not used: 序号, 时间" in text
    assert stored(db) == before
