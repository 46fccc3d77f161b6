"""No phone or ID-card number from the input is stored anywhere; meeting ledgers fill
meetings and attendance, and case rows with a 会议时间 link to their meeting."""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest

from taizhang.etl.areas import load_areas
from taizhang.etl.load import load_paths
from ledgers import write_registry

MOBILES = ["13812345678", "15900001111", "17712345678", "18688889999"]
ID_CARD = "36010219800101123X"
D = dt.date


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    db = root / "t.duckdb"
    load_areas(db, write_registry(root / "areas.csv"))
    wb = openpyxl.Workbook()
    cases = wb.active
    cases.title = "问题台账"
    cases.append(["编号", "街道", "社区", "问题", "反映人", "反映时间", "会议时间", "办理状态", "挂点领导",
                  "进展情况", "联系电话"])
    cases.append(["P1", "南站街道", "桃源社区", f"路灯不亮,请回电{MOBILES[0]}", f"陶先生{MOBILES[1]}",
                  D(2023, 3, 1), D(2023, 3, 1), "正在解决", f"王一{MOBILES[2]}",
                  f"身份证{ID_CARD},电话{MOBILES[3]};{MOBILES[0]}", MOBILES[1]])
    cases.append(["P2", "南站街道", "贤士湖社区", "停车难", "李女士", D(2023, 3, 2), "2023-03-02", "已解决",
                  "赵三", None, None])
    cases.append(["P3", "南站街道", "贤士湖社区", "漏水", "", None, None, "已解决", "", f"{MOBILES[2]}", None])
    meetings = wb.create_sheet("会议记录")
    meetings.append(["会议时间", "街道", "社区", "议事形式", "议题", "参会人数", "参会领导"])
    meetings.append([D(2023, 3, 1), "南站街道", "桃源社区", "幸福圆桌会", "小区照明", "23人", "王一、钱四 孙五"])
    meetings.append([D(2023, 3, 2), "南站街道", "贤士湖", "小队会", "停车", 12, "赵三"])
    path = root / "台账.xlsx"
    wb.save(path)
    [summary] = load_paths(db, [path])
    assert summary.status == "ok", summary.line()
    return db, summary


def test_no_number_from_the_input_is_stored_anywhere(db):
    path, summary = db
    assert summary.rows_rejected == 1  # P3 has no received date: its raw row is kept, masked
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
        ).fetchall()
        assert len({t for t, _ in columns}) >= 9
        found = []
        for table, column in columns:
            for number in MOBILES + [ID_CARD, ID_CARD[:17]]:
                hits = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?', [f"%{number}%"]
                ).fetchall()[0][0]
                if hits:
                    found.append((table, column, number))
        assert found == []
        title, reporter, note = con.execute("SELECT title, reporter, note FROM cases WHERE case_id = 'P1'").fetchall()[0]
    assert title == "路灯不亮,请回电138****5678"
    assert reporter == "陶先生159****1111"
    assert note == "身份证360102********123X,电话186****9999;138****5678"


def test_meetings_attendance_and_links(db):
    path, summary = db
    with duckdb.connect(str(path), read_only=True) as con:
        meetings = con.execute(
            "SELECT held_on, street, community, channel, topic, participants FROM meetings ORDER BY held_on"
        ).fetchall()
        attendance = con.execute("""
            SELECT m.held_on, o.name FROM meeting_attendance a JOIN meetings m USING (meeting_id)
            JOIN officials o USING (official_id) ORDER BY 1, 2
        """).fetchall()
        links = con.execute("""
            SELECT c.case_id, m.topic FROM cases c LEFT JOIN meetings m USING (meeting_id) ORDER BY 1
        """).fetchall()
        official_names = {n for (n,) in con.execute("SELECT name FROM officials").fetchall()}
    assert meetings == [
        (D(2023, 3, 1), "南站街道", "桃源社区", "幸福圆桌会", "小区照明", 23),
        (D(2023, 3, 2), "南站街道", "贤士湖社区", "小队会", "停车", 12),
    ]
    assert attendance == [(D(2023, 3, 1), "孙五"), (D(2023, 3, 1), "王一"), (D(2023, 3, 1), "钱四"),
                          (D(2023, 3, 2), "赵三")]
    assert links == [("P1", "小区照明"), ("P2", "停车")]
    assert official_names == {"王一", "赵三", "钱四", "孙五"}  # P1's lead "王一177…" is 王一
    assert summary.rows_new == 4  # two cases, two meetings
