"""A district office's own registry and workbooks: the street a title names decides between
two communities of the same name, the order of `areas` and `load` changes no figure, and
loading anything again adds no case (also into a database an older Taizhang wrote)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest

from taizhang.etl.areas import load_areas
from taizhang.etl.load import load_paths
from taizhang.cli import main

from ledgers import write_registry

D = dt.date
# 桃源社区 is in two streets of two districts; the first row is not the one a title means.
REGISTRY = [
    ("西湖区", "桃源街道", "桃源社区", "社区"),
    ("东湖区", "南站街道", "桃源社区", "社区"),
    ("东湖区", "南站街道", "幸福社区", "社区"),
    ("西湖区", "桃源街道", "和平社区", "社区"),
    ("东湖区", "北站街道", "和平社区", "社区"),
]
HEADER = ["序号", "反映时间", "反映问题", "办理状态", "办结时间"]
# sheet → rows (received, title, status, resolved); no id, no street or community column
SOUTH = {
    "桃源社区": [
        (D(2023, 1, 5), "小区路灯不亮", "已解决", D(2023, 1, 12)),
        (D(2023, 1, 9), "垃圾清运不及时", "正在解决", None),
        (D(2023, 2, 2), "楼道堆放杂物", "未启动", None),
        (D(2023, 2, 14), "停车位不足", "已解决", D(2023, 3, 1)),
        (D(2023, 3, 3), "下水道堵塞", "正在解决", None),
    ],
    "幸福社区": [
        (D(2023, 1, 20), "健身器材损坏", "已解决", D(2023, 1, 25)),
        (D(2023, 2, 8), "外墙脱落", "正在解决", None),
        (D(2023, 3, 10), "电梯故障", "已解决", D(2023, 3, 12)),
        (D(2023, 3, 15), "绿化带缺损", "未启动", None),
    ],
}
# A workbook that names no street: 和平社区 is in two streets, nothing says which.
UNNAMED = {"和平社区": [(D(2023, 2, 1), "路面破损", "正在解决", None),
                        (D(2023, 2, 9), "噪音扰民", "已解决", D(2023, 2, 20))]}


def write_workbook(path: Path, title: str, sheets: dict) -> Path:
    """One sheet per community, a merged title row above the header, as offices keep them."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        ws.append(HEADER)
        for n, (received, text, status, resolved) in enumerate(rows, start=1):
            ws.append([n, received, text, status, resolved])
    wb.save(path)
    return path


@pytest.fixture
def office(tmp_path) -> dict[str, Path]:
    return {
        "registry": write_registry(tmp_path / "区划.csv", REGISTRY),
        "south": write_workbook(tmp_path / "南站街道幸福圆桌会问题台账(2023年).xlsx",
                                "南站街道幸福圆桌会问题台账(2023年)", SOUTH),
        "unnamed": write_workbook(tmp_path / "圆桌会问题台账.xlsx", "幸福圆桌会问题台账(2023年)", UNNAMED),
    }


def areas_of(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""
            SELECT district, street, community, count(*) FROM cases GROUP BY ALL ORDER BY ALL
        """).fetchall()


def aggregate_tables(db) -> dict[str, list]:
    from taizhang.store.aggregates import TABLES

    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def figures(db, capsys) -> list[dict]:
    """What `taizhang kpi --by street` prints, as a user reads it."""
    capsys.readouterr()
    assert main(["--db", str(db), "kpi", "--by", "district,street,community", "--format", "json",
                 "--period", "all"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_title_names_the_street_of_a_community_the_registry_has_twice(office, tmp_path):
    db = tmp_path / "taizhang.duckdb"
    load_areas(db, office["registry"])
    [south] = load_paths(db, [office["south"]])
    assert south.status == "ok" and south.rows_new == 9, south.line()
    assert areas_of(db) == [("东湖区", "南站街道", "幸福社区", 4), ("东湖区", "南站街道", "桃源社区", 5)]


def test_a_community_nothing_disambiguates_is_left_without_a_street_and_said(office, tmp_path, capsys):
    db = tmp_path / "taizhang.duckdb"
    load_areas(db, office["registry"])
    assert main(["--db", str(db), "load", str(office["unnamed"])]) == 0
    out = capsys.readouterr().out
    assert "工作表「和平社区」中社区「和平社区」在区域名录中不止一处(东湖区北站街道、西湖区桃源街道)" in out
    assert "2 件未归入街道" in out and "sheet 和平社区: the registry has 和平社区 in more than one street" in out
    assert areas_of(db) == [(None, None, "和平社区", 2)]  # not the registry's first row
    # Loading the registry again says the same about the cases stored.
    assert main(["--db", str(db), "areas", str(office["registry"])]) == 0
    out = capsys.readouterr().out
    assert "注意:圆桌会问题台账.xlsx 工作表「和平社区」中社区「和平社区」在区域名录中不止一处" in out
    assert "warning: 圆桌会问题台账.xlsx, sheet 和平社区: the registry has 和平社区" in out


def test_workbook_before_registry_then_again_gives_the_figures_of_registry_first(office, tmp_path, capsys):
    first = tmp_path / "registry_first.duckdb"
    load_areas(first, office["registry"])
    load_paths(first, [office["south"], office["unnamed"]])

    late = tmp_path / "workbook_first.duckdb"
    load_paths(late, [office["south"], office["unnamed"]])
    assert {a[:3] for a in areas_of(late)} == {(None, "南站街道", "桃源社区"), (None, "南站街道", "幸福社区"),
                                               (None, None, "和平社区")}
    loaded = load_areas(late, office["registry"])  # re-resolves the stored cases
    assert (loaded.rows, loaded.cases_moved) == (5, 9)
    assert areas_of(late) == areas_of(first)
    assert aggregate_tables(late) == aggregate_tables(first)  # what the fast KPI path reads
    assert ("street", "东湖区", "南站街道") in {r[:3] for r in aggregate_tables(first)["agg_counts"]}
    assert figures(late, capsys) == figures(first, capsys)
    again = load_paths(late, [office["south"], office["unnamed"]])
    assert [(s.status, s.rows_new, s.rows_updated) for s in again] == [("unchanged", 0, 0)] * 2
    assert areas_of(late) == areas_of(first)
    assert figures(late, capsys) == figures(first, capsys)
    rows = figures(first, capsys)
    assert sum(r["received"] for r in rows) == 11
    assert {(r["street"], r["community"]): r["received"] for r in rows if r["received"]} == {
        ("南站街道", "桃源社区"): 5, ("南站街道", "幸福社区"): 4, (None, "和平社区"): 2}


def test_loading_everything_three_times_adds_no_case(office, tmp_path):
    db = tmp_path / "taizhang.duckdb"
    counts = []
    for _ in range(3):
        load_paths(db, [office["south"]])
        load_areas(db, office["registry"])
        load_paths(db, [office["unnamed"], office["south"]])
        with duckdb.connect(str(db), read_only=True) as con:
            counts.append(con.execute("SELECT count(*), count(DISTINCT case_id) FROM cases").fetchone())
    assert counts == [(11, 11)] * 3


def test_a_schema_4_database_re_keys_its_cases_when_their_file_comes_again(office, tmp_path):
    """A database written before schema 5 keyed id-less cases by the resolved area (here the
    registry's first 桃源社区, as that version did): re-importing the file adds nothing and
    moves them to the street the title names."""
    db = tmp_path / "taizhang.duckdb"
    load_areas(db, office["registry"])
    load_paths(db, [office["south"]])
    with duckdb.connect(str(db)) as con:  # as Taizhang with schema 4 left it
        con.execute("""UPDATE cases SET district = '西湖区', street = '桃源街道'
                       WHERE community = '桃源社区'""")
        old_key = """'h' || substr(md5(concat_ws('|', district, street, community, received_on::VARCHAR,
                     lower(regexp_replace(title, '[\\s\\p{P}\\p{S}]', '', 'g')))), 1, 16)"""
        for table in ("case_events", "case_officials"):
            con.execute(f"UPDATE {table} SET case_id = (SELECT {old_key} FROM cases c "
                        f"WHERE c.case_id = {table}.case_id)")
        con.execute(f"UPDATE cases SET case_id = {old_key}")
        for column in ("given_district", "given_street", "given_community"):
            con.execute(f"ALTER TABLE cases DROP COLUMN {column}")
            con.execute(f"ALTER TABLE meetings DROP COLUMN {column}")
        con.execute("DROP TABLE legacy_keys")
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        old_ids = {r[0] for r in con.execute("SELECT case_id FROM cases").fetchall()}
    [again] = load_paths(db, [office["south"]])
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 5, 4), again.line()
    assert areas_of(db) == [("东湖区", "南站街道", "幸福社区", 4), ("东湖区", "南站街道", "桃源社区", 5)]
    with duckdb.connect(str(db), read_only=True) as con:
        ids = {r[0] for r in con.execute("SELECT case_id FROM cases").fetchall()}
        assert not ids & old_ids and len(ids) == 9
        assert con.execute("SELECT count(*) FROM legacy_keys").fetchone()[0] == 0
        assert con.execute("SELECT count(DISTINCT case_id) FROM case_events").fetchone()[0] == 9
        assert not con.execute("SELECT count(*) FROM case_events WHERE case_id NOT IN "
                               "(SELECT case_id FROM cases)").fetchone()[0]
    [third] = load_paths(db, [office["south"]])
    assert (third.status, third.rows_new) == ("unchanged", 0)
