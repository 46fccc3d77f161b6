"""Messy ledger variants (tests/ledgers) written by real writers all normalise to the same cases."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from taizhang.etl.areas import load_areas
from taizhang.etl.load import load_paths
from commands import RAW_JSON
from ledgers import EXPECTED, EXPECTED_LEADS, VARIANTS, write_registry


def _cases(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("""
            SELECT case_id, district, street, community, title, received_on, status, resolved_on, satisfaction
            FROM cases ORDER BY community, received_on
        """).fetchall()
        leads = set(con.execute("""
            SELECT c.title, o.name FROM case_officials co
            JOIN cases c USING (case_id) JOIN officials o USING (official_id) WHERE co.role = 'lead'
        """).fetchall())
    finally:
        con.close()
    return rows, leads


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Each variant loaded into its own database: variant → (summary, cases, leads)."""
    root = tmp_path_factory.mktemp("variants")
    registry = write_registry(root / "areas.csv")
    out = {}
    for name, writer in VARIANTS.items():
        folder = root / name
        folder.mkdir()
        path = writer(folder)
        db = folder / "t.duckdb"
        load_areas(db, registry)
        [summary] = load_paths(db, [path])
        out[name] = (summary, *_cases(db))
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_normalises_to_the_same_cases(loaded, variant):
    summary, rows, leads = loaded[variant]
    assert summary.status == "ok", summary.line()
    assert (summary.rows_new, summary.rows_rejected) == (6, 0), summary.rejects
    expected = sorted(EXPECTED, key=lambda r: (r[0], r[2]))
    assert [(r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows] == expected
    assert {(r[1], r[2]) for r in rows} == {("西湖区", "南站街道")}
    assert leads == EXPECTED_LEADS


def test_all_variants_give_the_same_case_ids(loaded):
    ids = {name: [r[0] for r in rows] for name, (_, rows, _) in loaded.items()}
    first = ids["xlsx_title_rows"]
    assert len(set(first)) == 6
    assert all(v == first for v in ids.values()), ids


def test_skipped_rows_are_counted(loaded):
    # title_rows: one repeated header + one 合计 row; sheets: a 小计 row per sheet; bom: a blank row
    assert loaded["xlsx_title_rows"][0].rows_skipped == 2
    assert loaded["xlsx_title_rows"][0].rows_read == 8
    assert loaded["xlsx_sheet_per_community"][0].rows_skipped == 2
    assert loaded["csv_utf8_bom"][0].rows_skipped == 1
    assert loaded["csv_gbk"][0].rows_skipped == 0


def test_area_names_match_the_registry_without_guessing(tmp_path):
    path = tmp_path / "areas_test.csv"
    path.write_text(
        "街道,社区,问题,反映时间,办理状态\n"
        ",桃源,a,2023-01-01,未启动\n"                 # 桃源社区 is in two streets: kept as written
        "朝阳洲街道办事处,桃源社区居委会,b,2023-01-02,未启动\n"
        ",贤士湖居委会,c,2023-01-03,未启动\n"          # unique: street and district from the registry
        "南站街道,新建社区,d,2023-01-04,未启动\n",     # not in the registry: kept, flagged by the KPI layer
        encoding="utf-8",
    )
    db = tmp_path / "t.duckdb"
    load_areas(db, write_registry(tmp_path / "areas.csv"))
    [summary] = load_paths(db, [path])
    assert summary.rows_new == 4
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT title, district, street, community FROM cases ORDER BY title").fetchall()
    assert rows == [
        ("a", None, None, "桃源"),
        ("b", "西湖区", "朝阳洲街道", "桃源社区"),
        ("c", "西湖区", "南站街道", "贤士湖社区"),
        ("d", "西湖区", "南站街道", "新建社区"),
    ]


def test_csv_with_line_breaks_in_cells_and_semicolons(tmp_path):
    path = tmp_path / "多行.csv"
    path.write_text('问题;反映时间;办理状态\n"路灯\n不亮";2023-01-03;未启动\n"含;分号";2023-01-04;已解决\n',
                    encoding="utf-8")
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [path])
    assert (summary.status, summary.rows_new) == ("ok", 2)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(f"SELECT title, received_on, status, {RAW_JSON}::JSON->>'问题' FROM cases "
                           "ORDER BY received_on").fetchall()
    assert rows == [("路灯 不亮", dt.date(2023, 1, 3), "pending", "路灯\n不亮"),
                    ("含;分号", dt.date(2023, 1, 4), "resolved", "含;分号")]
