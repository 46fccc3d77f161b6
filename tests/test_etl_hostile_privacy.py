"""Every way an office writes a phone or ID number is masked before anything is written:
in every table and column of the database (raw JSON included), in the --rejects-out
workbook, and from a GBK CSV (read through a transcoded copy) as from a workbook."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import duckdb
import openpyxl
import pytest

from taizhang.etl.commands import run_load
from taizhang.cli import build_parser
from taizhang.safetext import csv_cell, mask_text

# As written in a ledger → the number it is (digits only, ASCII).
FORMATS = {
    "139-1234-5678": "13912345678",
    "138 1234 5678": "13812345678",
    "+86 13712345678": "13712345678",
    "+86-136-1234-5678": "13612345678",
    "8613512345678": "13512345678",
    "１３４１２３４５６７８": "13412345678",
    "36010219800101123X": "36010219800101123",
    "360102198001011234": "360102198001011234",
    "110105710923002": "110105710923002",
}
FULL_TO_ASCII = str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")
D = dt.date


def digits(text: str) -> str:
    """The text with full-width digits made ASCII and every separator an office puts in a
    number dropped: a number stored in any of its forms shows here as its bare digits."""
    return re.sub(r"[-\s+－　]", "", text.translate(FULL_TO_ASCII))


def leaks(texts) -> list[str]:
    found = []
    for text in texts:
        bare = digits(str(text))
        found += [number for number in FORMATS.values() if number in bare]
    return found


def write_workbook(path, formats=FORMATS):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "问题台账"
    numbers = list(formats)
    # a title row carrying a number (it goes into messages and the rejects workbook)
    sheet.append([f"南站街道桃源社区台账 联系人 {numbers[0]}"])
    sheet.append(["编号", "街道", "社区", "问题", "反映人", "反映时间", "办理状态", "挂点领导", "进展情况", "联系电话"])
    for n, text in enumerate(numbers, start=1):
        sheet.append([f"P{n}", "南站街道", "桃源社区", f"路灯不亮,请回电{text}", f"陶先生{text}",
                      D(2023, 3, n), "正在解决", f"王一{text}", f"电话 {text};身份 {text}", text])
    # rejected rows (no received date; a bad status) keep their raw cells in `rejects`
    for n, text in enumerate(numbers, start=100):
        sheet.append([f"R{n}", "南站街道", "桃源社区", f"漏水{text}", text, None, "已解决", "", text, text])
        sheet.append([f"S{n}", "南站街道", "桃源社区", "漏水", "", D(2023, 3, 1), f"在办{text}", "", "", ""])
    meetings = wb.create_sheet(f"会议{numbers[0]}")
    meetings.append(["会议时间", "街道", "社区", "议事形式", "议题", "参会人数", "参会领导"])
    for n, text in enumerate(numbers, start=1):
        meetings.append([D(2023, 4, n), "南站街道", "桃源社区", "幸福圆桌会", f"议题{text}", "12人", f"钱四{text}"])
    wb.save(path)
    return path


def write_gbk_csv(path, formats=FORMATS):
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "街道", "社区", "问题", "反映人", "反映时间", "办理状态", "联系电话"])
        for n, text in enumerate(formats, start=1):
            writer.writerow([f"G{n}", "南站街道", "桃源社区", f"楼道堆物{text}", f"李女士{text}", f"2023-05-{n:02d}",
                             "已解决", text])
            writer.writerow([f"H{n}", "南站街道", "桃源社区", f"噪音{text}", text, "", "已解决", text])
    return path


def stored_texts(db) -> list[tuple[str, str, str]]:
    """(table, column, value) of every non-null value of every table, as text."""
    out = []
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
        ).fetchall()]
        for table in tables:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()]
            for column in columns:
                rows = con.execute(f'SELECT CAST("{column}" AS VARCHAR) FROM "{table}" WHERE "{column}" IS NOT NULL')
                out += [(table, column, value) for (value,) in rows.fetchall()]
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_privacy")
    db = root / "t.duckdb"
    book = write_workbook(root / "台账.xlsx")
    gbk = write_gbk_csv(root / "热线.csv")
    rejects = root / "未导入.xlsx"
    args = build_parser().parse_args(["--db", str(db), "load", str(book), str(gbk), "--rejects-out", str(rejects)])
    code = run_load(args)
    return root, db, rejects, code


def test_every_format_is_masked_in_every_table(loaded):
    _, db, _, code = loaded
    assert code == 0
    texts = stored_texts(db)
    tables = {t for t, _, _ in texts}
    # the places a number could land: cases and their raw JSON, rejects, meetings, officials
    assert {"cases", "rejects", "meetings", "officials", "imports", "case_officials"} <= tables
    assert [(t, c, v) for t, c, v in texts if leaks([v])] == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 2 * len(FORMATS)
        assert con.execute("SELECT count(*) FROM rejects").fetchall()[0][0] == 3 * len(FORMATS)
        assert con.execute("SELECT count(*) FROM meetings").fetchall()[0][0] == len(FORMATS)
        title, reporter = con.execute("SELECT title, reporter FROM cases WHERE case_id = 'P1'").fetchall()[0]
        names = {r[0] for r in con.execute("SELECT name FROM officials").fetchall()}
    # masked, not dropped: the rest of the text and the number's ends stay readable
    assert title == "路灯不亮,请回电139-****-5678" and reporter == "陶先生139-****-5678"
    assert names == {"王一", "钱四"}


def test_every_format_is_masked_in_the_rejects_workbook(loaded):
    _, _, rejects, _ = loaded
    book = openpyxl.load_workbook(rejects)
    cells = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert len(cells) > 3 * len(FORMATS) * 5
    assert leaks(cells) == []
    assert "联系人 139-****-5678" in book["问题台账"]["A1"].value


def test_mask_text_and_the_sql_rule_agree_on_every_format():
    with duckdb.connect() as con:
        from taizhang.safetext import mask_sql

        for text in FORMATS:
            python = mask_text(f"电话{text}。")
            sql = con.execute(f"SELECT {mask_sql('?')}", [f"电话{text}。"]).fetchall()[0][0]
            assert python == sql and not leaks([python])
    # what must stay: dates, amounts, a 15-digit work-order number that is no birth date
    for text in ("2023-01-08", "金额1500元", "工单202301080001234", "0791-86801234"):
        assert mask_text(text) == text


def test_csv_cells_are_neutralised_only_when_they_start_like_a_formula():
    assert [csv_cell(v) for v in ("=1+1", "+86", "-2", "@SUM(A1)", "\tx", "楼道", -2, None)] == [
        "'=1+1", "'+86", "'-2", "'@SUM(A1)", "'\tx", "楼道", -2, None]


# Mobile numbers split over separators and lines of a cell, as an office types them.
SPLIT = {"139  1234 5678": "13912345678", "136\n1234\n5678": "13612345678",
         "135\t1234\t5678": "13512345678", "138- 1234- 5678": "13812345678"}


def test_every_stored_cell_of_a_ledger_row_and_its_headers_are_masked(tmp_path):
    """cases.raw keeps each row's cells (a JSON array) and raw_layouts its headers once: a number
    in any cell (one no field reads, a repeated header's, a wide sheet's 70th column) or in
    a header is stored masked, cell by cell, and still readable around the mask."""
    from taizhang.etl import stage
    from taizhang.etl.load import load_paths
    from taizhang.kpi import api as kpi

    numbers = {**FORMATS, **SPLIT}
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "问题台账"
    sheet.append(["编号", "社区", "问题", "反映时间", "办理状态", "备注", "备注", "联系人 139-1234-5678"])
    for n, text in enumerate(numbers, start=1):
        sheet.append([f"P{n}", "桃源社区", "路灯不亮", D(2023, 3, n), "正在解决", f"请回电{text}", f"另{text}", text])
    wide = wb.create_sheet("宽表")
    extra = [f"列{i}" for i in range(stage.WIDE_COLUMNS + 5)]
    wide.append(["编号", "社区", "问题", "反映时间", "办理状态", *extra])
    for n, text in enumerate(numbers, start=1):
        wide.append([f"W{n}", "桃源社区", "楼道堆物", D(2023, 4, n), "已解决", *([""] * (len(extra) - 1)), f"电话{text}"])
    book = tmp_path / "台账.xlsx"
    wb.save(book)
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [book])
    assert summary.status == "ok" and summary.rows_new == 2 * len(numbers), summary.line()
    with duckdb.connect(str(db), read_only=True) as con:
        rows = {case_id: json.loads(raw) for case_id, raw in con.execute("SELECT case_id, raw FROM cases").fetchall()}
        layouts = [keys for (keys,) in con.execute("SELECT keys FROM raw_layouts ORDER BY layout_id").fetchall()]
    cells = [cell for raw in rows.values() for cell in raw if cell is not None]
    assert len(cells) == len(numbers) * (8 + 6)
    found = [(cell, number) for cell in [*cells, *(k for keys in layouts for k in keys)]
             for number in numbers.values() if number in digits(cell)]
    assert found == []
    # masked, not dropped: each cell as the rule masks its text, in column order, and the
    # headers once a layout (a repeated one numbered, the one with a number masked)
    assert layouts == [["编号", "社区", "问题", "反映时间", "办理状态", "备注", "备注_2", "联系人 139-****-5678"],
                       ["编号", "社区", "问题", "反映时间", "办理状态", *extra]]
    for n, text in enumerate(numbers, start=1):
        assert rows[f"P{n}"][5:] == [mask_text(f"请回电{text}"), mask_text(f"另{text}"), mask_text(text)]
        assert rows[f"W{n}"][-1] == mask_text(f"电话{text}") and rows[f"W{n}"][5] is None
    split = len(FORMATS) + 1  # the first of SPLIT
    assert rows[f"P{split}"][-1] == "139  **** 5678" and rows[f"P{split + 1}"][-1] == "136\n****\n5678"
    with duckdb.connect(str(db), read_only=True) as con:  # the case page: header → cell
        detail = kpi.case_detail(con, f"P{split}", pii=True)["raw"]
    assert detail == dict(zip(layouts[0], rows[f"P{split}"]))
    assert detail["备注_2"] == "另139  **** 5678"
