"""A file none of whose rows can be imported: the CLI says so and why, exits 1, and no
figure moves — not the as-of date, not the overdue count of the data already loaded."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from commands import run
from ledgers import workbook

D = dt.date
HEADER = ["编号", "反映时间", "反映问题", "办理状态", "办结时间", "办理时限"]
GOOD = [
    ["A1", D(2023, 3, 1), "路灯不亮", "已解决", D(2023, 3, 5), D(2023, 3, 10)],
    ["A2", D(2023, 3, 2), "垃圾清运", "正在解决", None, D(2023, 3, 20)],
    ["A3", D(2023, 3, 20), "井盖破损", "正在解决", None, D(2023, 4, 10)],
]
# Every row bad: no received date, a date nobody can read, a status nobody uses.
BAD = [
    ["B1", None, "楼道杂物", "正在解决", None, None],
    ["B2", None, "停车难", "正在解决", None, None],
    ["B3", "明天", "噪音", "正在解决", None, None],
    ["B4", D(2023, 9, 1), "外墙脱落", "研究中", None, None],
]


def write_ledger(path, rows):
    return workbook(path, "桃源社区", [HEADER, *rows], title="南站街道问题台账")


def figures(db, capsys) -> tuple:
    code, out, _ = run(["--db", str(db), "kpi", "--by", "street", "--format", "json", "--period", "all"],
                       capsys)
    assert code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    from taizhang.kpi.api import dataset_info
    with duckdb.connect(str(db), read_only=True) as con:
        as_of = dataset_info(con)["as_of"]
    return json.loads(out), cases, as_of


def test_a_file_whose_every_row_is_rejected_imports_nothing_and_moves_no_figure(tmp_path, capsys):
    db = tmp_path / "taizhang.duckdb"
    assert run(["--db", str(db), "load", str(write_ledger(tmp_path / "台账.xlsx", GOOD))], capsys)[0] == 0
    before = figures(db, capsys)
    rows, cases, as_of = before
    assert cases == 3 and as_of == D(2023, 3, 20)
    # Counted by hand: on 2023-03-20 A2 (due 03-20) is not yet overdue, A3 is not due.
    assert sum(r["overdue_open"] for r in rows) == 0 and sum(r["received"] for r in rows) == 3

    code, out, err = run(["--db", str(db), "load", str(write_ledger(tmp_path / "坏台账.xlsx", BAD))], capsys)
    assert code == 1
    assert "坏台账.xlsx: 导入失败,数据库未改动" in out
    assert "全部 4 行都未通过检查,没有导入任何内容" in out and "nothing was imported: all 4 rows were rejected" in out
    # the top reasons with their counts, most frequent first, Chinese then English
    assert "主要原因:「反映时间」为空 2 行;「反映时间」不是可识别的日期 1 行;「办理状态」不是已知的办理状态 1 行" in out
    assert "Top reasons: 反映时间 empty: 2 rows; 反映时间 not a date: 1 row; 办理状态 not a known status: 1 row" in out
    assert "第4行「反映时间」为空" in out  # each row's own reason follows
    assert "1 个文件未能导入" in err and "无变化" not in out
    assert figures(db, capsys) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, rows_rejected, as_of FROM imports ORDER BY import_id").fetchall() == [
            ("ok", 0, D(2023, 3, 20)), ("failed", 4, None)]


def test_an_import_that_stored_nothing_does_not_set_the_as_of_date(tmp_path, capsys):
    """A database where an older Taizhang recorded such a file as imported (its as-of the
    day of the import): the KPI layer does not take that date."""
    db = tmp_path / "taizhang.duckdb"
    run(["--db", str(db), "load", str(write_ledger(tmp_path / "台账.xlsx", GOOD))], capsys)
    before = figures(db, capsys)
    with duckdb.connect(str(db)) as con:
        con.execute("""INSERT INTO imports (import_id, file, sha256, profile, as_of, started_at, rows_read,
                       rows_rejected, status) VALUES (99, '坏台账.xlsx', 'x', 'builtin', DATE '2026-01-01',
                       now(), 4, 4, 'unchanged')""")
    assert figures(db, capsys) == before


def test_a_ledger_with_a_header_and_no_rows_imports_nothing(tmp_path, capsys):
    db = tmp_path / "taizhang.duckdb"
    code, out, _ = run(["--db", str(db), "load", str(write_ledger(tmp_path / "空台账.xlsx", []))], capsys)
    assert code == 1 and "表头下没有数据行,没有导入任何内容" in out
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM imports").fetchall() == [("failed",)]
