"""Hostile and broken ledgers: refused with a message before they take the machine's memory,
wide sheets refused (and staged in time linear in their cells), impossible dates rejected
by row, files we write inert in Excel, interruptions said as they are, messages a person
can act on. Files are built here by zipfile, openpyxl and csv; the CLI runs as a real
process where memory or signals are what is tested."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from taizhang.etl import stage
from taizhang.etl.commands import run_load
from taizhang.etl.load import load_paths
from taizhang.kpi.commands import render
from taizhang.cli import build_parser
from taizhang.settings import Settings

from commands import RAW_JSON
from ledgers import workbook
# benchmarks/ is not an installed package: pytest puts the checkout on the path (pyproject).
from benchmarks.hostile import write_bomb

D = dt.date
ROOT = Path(__file__).resolve().parents[1]
TAIZHANG = [sys.executable, "-m", "taizhang"]
HEADER = ["编号", "街道", "社区", "问题", "反映时间", "办理状态", "办结时间", "满意度"]


def good_book(path: Path, rows: int = 5) -> Path:
    days = [D(2023, 3, 1) + dt.timedelta(days=n % 200) for n in range(1, rows + 1)]
    return workbook(path, "桃源社区", [HEADER, *(
        [f"G{n}", "南站街道", "桃源社区", f"路灯不亮{n}", day, "已解决", day + dt.timedelta(days=1), "满意"]
        for n, day in enumerate(days, start=1))])


def counts(db: Path) -> tuple[int, int]:
    """(cases, imports that went in) of the database ((0, 0) before its tables exist)."""
    with duckdb.connect(str(db), read_only=True) as con:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'cases'").fetchall()[0][0]:
            return 0, 0
        return con.execute(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM imports WHERE status IN ('ok', 'unchanged'))"
        ).fetchall()[0]


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = run_load(build_parser().parse_args(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_measured(args: list[str], env: dict | None = None) -> tuple[int, str, str, int]:
    """Run `taizhang ARGS` as its own process; (exit code, stdout, stderr, its peak RSS in MB),
    the peak read by a parent that has no other child (RUSAGE_CHILDREN)."""
    wrapper = (
        "import json, resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps([r.returncode, r.stdout, r.stderr,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024]))\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, *TAIZHANG, *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)
    code, out, err, peak = json.loads(done.stdout)
    return code, out, err, peak


# ---------------------------------------------------------------- decompression bombs

def test_a_decompression_bomb_is_refused_within_bounded_memory(tmp_path):
    db = tmp_path / "t.duckdb"
    code, _, _, _ = run_measured(["--db", str(db), "load", str(good_book(tmp_path / "台账.xlsx"))])
    assert code == 0 and counts(db) == (5, 1)
    bomb = write_bomb(tmp_path / "炸弹.xlsx", 600)
    assert bomb.stat().st_size < 3 << 20  # 600 MB of sheet in under 3 MB
    code, out, err, peak_mb = run_measured(["--db", str(db), "load", str(bomb)])
    assert code == 1
    with zipfile.ZipFile(bomb) as archive:
        declared = sum(info.file_size for info in archive.infolist()) >> 20
    assert declared >= 590
    assert "炸弹.xlsx: 导入失败,数据库未改动" in out and f"解压后 {declared} MB(上限 500 MB),未读取" in out
    assert f"unpacks to {declared} MB (limit 500 MB)" in out and "max_unzipped_mb" in out
    assert counts(db) == (5, 1)  # the database as it was
    assert peak_mb < 600, f"peak RSS {peak_mb} MB"


def test_a_part_packed_a_thousand_times_is_refused_as_a_bomb(tmp_path, capsys):
    db = tmp_path / "t.duckdb"
    bomb = write_bomb(tmp_path / "小炸弹.xlsx", 60)  # under the size limit, not under the ratio
    code, out, _ = cli(["--db", str(db), "load", str(bomb)], capsys)
    assert code == 1
    assert "xl/worksheets/sheet1.xml 压缩比为" in out and "可能是“压缩炸弹”" in out and "max_zip_ratio" in out


def test_too_many_cells_and_a_far_away_cell_are_refused_before_reading(tmp_path):
    book = good_book(tmp_path / "大表.xlsx", 200)  # 9 × 201 cells
    [summary] = load_paths(tmp_path / "t.duckdb", [book], settings=Settings(max_cells=1000))
    assert summary.status == "failed"
    assert "工作表「桃源社区」有 1608 个单元格(上限 1000),未读取" in summary.error
    wb = openpyxl.load_workbook(good_book(tmp_path / "远处.xlsx"))
    wb.active["XFD1048576"] = "x"  # one cell: a used range of 17 billion cells
    wb.save(tmp_path / "远处.xlsx")
    [summary] = load_paths(tmp_path / "t.duckdb", [tmp_path / "远处.xlsx"])
    assert summary.status == "failed" and "工作表「桃源社区」有 17179869184 个单元格(上限 2000000)" in summary.error


def test_an_ods_asking_for_99_million_cells_in_1_kb_is_refused(tmp_path):
    """number-rows-repeated × number-columns-repeated on a filled cell: calamine would
    allocate every cell. Empty repeats (LibreOffice's million trailing rows) count nothing."""
    def ods(path: Path, rows: int, filled: bool) -> Path:
        cell = ('<table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p>'
                '</table:table-cell>' if filled else '<table:table-cell table:number-columns-repeated="1024"/>')
        content = (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
            '<office:spreadsheet><table:table table:name="桃源社区"><table:table-column table:number-columns-repeated="1024"/>'
            '<table:table-row><table:table-cell office:value-type="string"><text:p>反映时间</text:p></table:table-cell>'
            '<table:table-cell office:value-type="string"><text:p>问题</text:p></table:table-cell></table:table-row>'
            f'<table:table-row table:number-rows-repeated="{rows}">{cell}</table:table-row>'
            '</table:table></office:spreadsheet></office:body></office:document-content>')
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("content.xml", content)
            archive.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
                             '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                             'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        return path

    bomb = ods(tmp_path / "炸弹.ods", 99_000, filled=True)
    assert bomb.stat().st_size < 2000
    [summary] = load_paths(tmp_path / "t.duckdb", [bomb])
    assert summary.status == "failed" and "工作表「桃源社区」有 99001000 个单元格(上限 2000000),未读取" in summary.error
    [summary] = load_paths(tmp_path / "t.duckdb", [ods(tmp_path / "空行.ods", 1_048_553, filled=False)])
    assert "个单元格" not in (summary.error or "")  # a million empty rows: read (no ledger rows in it)


# ---------------------------------------------------------------- wide sheets

def wide_book(path: Path, columns: int, filled: int | None = None) -> Path:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "宽表"
    filled = columns if filled is None else filled
    extra = [f"备注{i}" if i < filled - len(HEADER) else "" for i in range(columns - len(HEADER))]
    sheet.append(HEADER + extra)
    for n in range(1, 4):
        cells = [f"x{n}_{i}" if i < filled - len(HEADER) else "" for i in range(columns - len(HEADER))]
        sheet.append([f"W{n}", "南站街道", "桃源社区", f"问题{n} 13912345678", D(2023, 3, n), "已解决",
                      D(2023, 3, n + 1), "满意", *cells])
    wb.save(path)
    return path


def test_a_sheet_wider_than_the_limit_is_refused_naming_file_and_sheet(tmp_path, capsys):
    db = tmp_path / "t.duckdb"
    code, out, _ = cli(["--db", str(db), "load", str(wide_book(tmp_path / "宽.xlsx", 1200))], capsys)
    assert code == 1
    assert "宽.xlsx: 工作表「宽表」有 1200 列(上限 1000),不像台账,未读取" in out
    assert "sheet 宽表 has 1200 columns (limit 1000)" in out
    wide_csv = tmp_path / "宽.csv"
    wide_csv.write_text(",".join(HEADER + [f"列{i}" for i in range(1200)]) + "\nA1,南站街道,桃源社区,x,2023-03-01,已解决,,\n",
                        encoding="utf-8")
    [summary] = load_paths(db, [wide_csv])
    assert summary.status == "failed" and "宽.csv: 工作表「宽」有 1208 列(上限 1000)" in summary.error
    # blank columns at the right end are not counted: 1,200 columns, 20 of them used
    [summary] = load_paths(db, [wide_book(tmp_path / "右侧空列.xlsx", 1200, filled=20)])
    assert summary.status == "ok" and summary.rows_new == 3


def test_a_wide_sheet_stages_to_the_same_rows_as_a_narrow_one(tmp_path, monkeypatch):
    """Sheets over stage.WIDE_COLUMNS reach DuckDB as one list a row; what is stored is the
    same as by one column a cell (the narrow path, forced here), the raw row's JSON array
    text included (a list cast to JSON against json_array())."""
    book = wide_book(tmp_path / "宽.xlsx", 90)
    rows = []
    csv_path = tmp_path / "宽.csv"
    sheet = openpyxl.load_workbook(book).active
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[c.value.isoformat() if isinstance(c.value, dt.datetime) else c.value for c in r]
                                  for r in sheet.iter_rows()])
    for limit in (stage.WIDE_COLUMNS, 10_000):
        monkeypatch.setattr(stage, "WIDE_COLUMNS", limit)
        db = tmp_path / f"t{limit}.duckdb"
        summaries = load_paths(db, [book, csv_path])
        assert [s.status for s in summaries] == ["ok", "unchanged"]
        with duckdb.connect(str(db), read_only=True) as con:
            rows.append(con.execute(f"SELECT case_id, title, received_on, status, {RAW_JSON}, raw::VARCHAR "
                                    "FROM cases ORDER BY 1")
                        .fetchall())
    assert rows[0] == rows[1] and len(rows[0]) == 3
    assert json.loads(rows[0][0][4])["备注81"] == "x1_81" and "139****5678" in rows[0][0][1]


# ---------------------------------------------------------------- implausible dates

def dates_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "桃源社区"
    sheet.append(HEADER)
    sheet.append(["A1", "南站街道", "桃源社区", "正常", D(2023, 3, 1), "已解决", D(2023, 3, 2), "满意"])
    sheet.append(["A2", "南站街道", "桃源社区", "2100年", D(2100, 1, 1), "正在解决", None, None])
    sheet.append(["A3", "南站街道", "桃源社区", "2999年", D(2999, 5, 1), "正在解决", None, None])
    sheet.append(["A4", "南站街道", "桃源社区", "9999年", dt.datetime(9999, 12, 31), "正在解决", None, None])
    sheet.append(["A5", "南站街道", "桃源社区", "1900年", dt.datetime(1900, 1, 1), "正在解决", None, None])
    sheet.append(["A6", "南站街道", "桃源社区", "第0天", 0, "正在解决", None, None])
    sheet["E7"].number_format = "yyyy-mm-dd"  # Excel's day 0: calamine reads a bare 00:00:00
    sheet.append(["A7", "南站街道", "桃源社区", "办结在未来", D(2023, 3, 1), "已解决", D(2100, 1, 1), "满意"])
    sheet.append(["A8", "南站街道", "桃源社区", "1989年", D(1989, 12, 31), "正在解决", None, None])
    wb.save(path)
    return path


def test_impossible_dates_are_rejected_by_row_and_the_file_loads(tmp_path):
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [dates_book(tmp_path / "日期.xlsx")])
    assert summary.status == "ok" and summary.rows_new == 1
    assert summary.as_of == D(2023, 3, 2)  # the impossible dates move nothing
    codes = {r["row"]: (r["code"], r["column"], r["value"]) for r in summary.rejects}
    assert codes == {
        3: ("future_date:received_on", "反映时间", "2100-01-01"),
        4: ("future_date:received_on", "反映时间", "2999-05-01"),
        5: ("future_date:received_on", "反映时间", "9999-12-31"),
        6: ("too_early:received_on", "反映时间", "1900-01-01"),
        7: ("time_only:received_on", "反映时间", "00:00:00"),
        8: ("future_date:resolved_on", "办结时间", "2100-01-01"),
        9: ("too_early:received_on", "反映时间", "1989-12-31"),
    }
    reasons = {r["row"]: r["reason"] for r in summary.rejects}
    latest = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert reasons[3].startswith(f"日期.xlsx 工作表「桃源社区」第3行「反映时间」的值「2100-01-01」晚于 {latest}")
    assert "请核对年份" in reasons[3] and "check the year" in reasons[3]
    assert "「1900-01-01」早于 1990-01-01" in reasons[6]
    assert "只有时间、没有日期" in reasons[7] and "write the date like 2023-01-08" in reasons[7]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT max(received_on), count(*) FROM cases").fetchall()[0] == (D(2023, 3, 1), 1)


def test_impossible_dates_in_a_csv(tmp_path):
    path = tmp_path / "热线.csv"
    path.write_text("编号,反映时间,问题,办理状态,办结时间\nC1,2023-03-01,正常,已解决,2023-03-02\n"
                    "C2,2100-01-01,未来,已解决,\nC3,9999-12-31,远,正在解决,\nC4,1900/1/1,早,正在解决,\n"
                    "C5,2023-03-01,办结在未来,已解决,99991231\n", encoding="utf-8")
    [summary] = load_paths(tmp_path / "t.duckdb", [path])
    assert summary.status == "ok" and summary.rows_new == 1
    assert [(r["row"], r["code"], r["value"]) for r in summary.rejects] == [
        (3, "future_date:received_on", "2100-01-01"), (4, "future_date:received_on", "9999-12-31"),
        (5, "too_early:received_on", "1900/1/1"), (6, "future_date:resolved_on", "99991231")]


# ---------------------------------------------------------------- files we write

def test_the_rejects_workbook_holds_no_formula_and_no_stray_quote(tmp_path, capsys):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "桃源社区"
    sheet.append(["南站街道桃源社区 2023年问题台账"] + [None] * 10)
    sheet.merge_cells("A1:K1")  # the title over 11 columns, as offices write it
    sheet.append(HEADER + ["备注", "联系人", "附件"])
    attack = "=cmd|' /C calc'!A0"
    link = '=HYPERLINK("http://example.invalid/x","点击")'
    sheet.append(["F1", "南站街道", "桃源社区", attack, None, "已解决", None, None, link, "+86 139-1234-5678", "@SUM(A1)"])
    sheet.append(["F2", "南站街道", "桃源社区", "-1+1", D(2023, 3, 1), "乱写", None, None, "\t=1+1", "", ""])
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text cells, as a hostile ledger holds them (openpyxl would write formulas)
    source = tmp_path / "公式.xlsx"
    wb.save(source)
    out_path = tmp_path / "未导入.xlsx"
    code, out, _ = cli(["--db", str(tmp_path / "t.duckdb"), "load", str(source), "--rejects-out", str(out_path)],
                       capsys)
    # both rows are rejected: the file could not be imported (exit 1), the workbook is written
    assert code == 1 and "2 rejected rows written" in out
    book = openpyxl.load_workbook(out_path)
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type == "s" for c in cells)  # every cell text: no formula ('f')
    values = [c.value for c in cells]
    for text in (attack, link, "@SUM(A1)", "-1+1", "\t=1+1", "+86 139-****-5678"):
        assert text in values  # as written, no ' added
    assert not any(v.startswith("'") for v in values)
    # the merged title once, not once per column it spans
    assert book["桃源社区"]["A1"].value == "公式 南站街道桃源社区 2023年问题台账"


def test_kpi_csv_neutralises_ledger_text_only():
    from taizhang.filters import METRICS

    record = {c: None for c in METRICS}
    record.update(received=-3)
    text = render([{"community": '=HYPERLINK("http://x")', **record}, {"community": "桃源社区", **record}],
                  ("community",), "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[2][0] == "桃源社区"
    assert "-3" in rows[1]  # a number is not text: no '


def test_kpi_view_csv_neutralises_ledger_text_too():
    """`taizhang kpi --view` tables (deputies, recurring titles …) are ledger text as well."""
    import pandas as pd

    from taizhang.kpi.commands import render_view

    frame = pd.DataFrame({"deputy": ["=cmd|' /C calc'!A0", "代表甲"], "claimed": [-2, 3]})
    rows = list(csv.reader(io.StringIO(render_view(frame, "csv"))))
    assert rows[1][0] == "'=cmd|' /C calc'!A0" and rows[2][0] == "代表甲"
    assert rows[1][1] == "-2"  # a number is not text: no '


# ---------------------------------------------------------------- interruptions

def paused_load(args: list[str], point: str, sig: int, tmp_path: Path, inspect=None) -> tuple[int, str]:
    """Run `taizhang load` paused at `point` (the loader's own test hook: a sleep, the rest
    real), call inspect() while it waits, then send `sig`; returns (exit code, stderr)."""
    proc = subprocess.Popen([*TAIZHANG, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "TAIZHANG_TEST_PAUSE": point})
    line = proc.stderr.readline()
    assert line.strip() == f"paused at {point}", line + proc.stdout.read()
    if inspect:
        inspect()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out + err


def test_ctrl_c_after_the_commit_says_the_file_is_in(tmp_path):
    db = tmp_path / "t.duckdb"
    code, text = paused_load(["--db", str(db), "load", str(good_book(tmp_path / "台账.xlsx"))], "after_commit",
                             signal.SIGINT, tmp_path)
    assert code == 130
    assert "已中断(Ctrl-C)" in text and "台账.xlsx 在中断前已全部导入" in text and "imported completely" in text
    assert "failed" not in text and "数据库未改动" not in text
    assert counts(db) == (5, 1)


def test_sigterm_before_the_commit_says_the_file_is_out(tmp_path):
    db = tmp_path / "t.duckdb"
    code, text = paused_load(["--db", str(db), "load", str(good_book(tmp_path / "台账.xlsx"))], "before_commit",
                             signal.SIGTERM, tmp_path)
    assert code == 143
    assert "已中断(SIGTERM)" in text and "台账.xlsx 未导入,数据库中没有它的任何一行,请重新导入" in text
    assert "internal error" not in text and "内部错误" not in text
    assert counts(db) == (0, 0)


def test_a_gbk_copy_is_masked_private_and_removed_on_sigterm(tmp_path):
    from test_etl_hostile_privacy import FORMATS, leaks, write_gbk_csv

    db = tmp_path / "db" / "t.duckdb"
    source = write_gbk_csv(tmp_path / "热线.csv")
    seen = {}

    def inspect():
        [folder] = [p for p in db.parent.iterdir() if p.name.startswith(".taizhang-import-")]
        # the transcoded copy alone: DuckDB's reader reads it within the statement that
        # normalises its rows (no table of its cells is written first)
        [copy] = [p for p in folder.iterdir() if p.suffix == ".csv"]
        seen.update(others=sorted(p.name for p in folder.iterdir() if p != copy),mode=folder.stat().st_mode & 0o777, file_mode=copy.stat().st_mode & 0o777,
                    text=copy.read_text(encoding="utf-8"))

    code, text = paused_load(["--db", str(db), "load", str(source)], "read", signal.SIGTERM, tmp_path, inspect)
    assert code == 143 and "热线.csv 未导入" in text
    assert seen["mode"] == 0o700 and seen["file_mode"] == 0o600
    assert seen["others"] == []
    assert "楼道堆物" in seen["text"] and leaks(seen["text"].splitlines()) == [] and len(FORMATS) > 5
    assert not [p for p in db.parent.iterdir() if p.name.startswith(".taizhang-import-")]


def test_what_duckdb_spills_goes_to_the_private_folder(tmp_path):
    """A file larger than the import's memory: DuckDB spills the rows it works on (their
    cells as read, a mobile number in them) to disk, into the private 0700 folder, never
    to its default folder beside the database (<db>.tmp, the folder's own permissions)."""
    path = tmp_path / "大.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "反映时间", "问题", "办理状态", "社区"])
        writer.writerows([f"B{i}", f"2023-0{1 + i % 9}-1{i % 9}", f"楼道堆物{i},联系13912345678", "已解决",
                          "桃源社区"] for i in range(300_000))
    db = tmp_path / "db" / "t.duckdb"
    seen = {}

    def inspect():
        [folder] = [p for p in db.parent.iterdir() if p.name.startswith(".taizhang-import-")]
        spilled = [p for p in folder.rglob("*") if p.is_file() and "csv_rows" not in p.name]
        seen.update(spilled=spilled, size=sum(p.stat().st_size for p in spilled),
                    mode=folder.stat().st_mode & 0o777, beside=sorted(p.name for p in db.parent.iterdir()))

    env = {**os.environ, "TAIZHANG_LOAD_MEMORY_LIMIT": "160MB"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", env)
        code, text = paused_load(["--db", str(db), "load", str(path)], "before_commit", signal.SIGTERM,
                                 tmp_path, inspect)
    assert code == 143, text
    assert seen["size"] > 1 << 20, seen  # it did spill, into the private folder
    assert seen["mode"] == 0o700
    assert not [n for n in seen["beside"] if n.endswith(".tmp")], seen["beside"]
    assert not [p for p in db.parent.iterdir() if p.name.startswith(".taizhang-import-")]


def test_a_signal_in_the_middle_of_a_query_is_an_interruption(tmp_path):
    """No hook: SIGTERM lands inside DuckDB's work on a large CSV, which DuckDB reports as
    its own 'Query interrupted'. Whatever point it hit, the message matches the database."""
    path = tmp_path / "大.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "反映时间", "问题", "办理状态", "社区"])
        writer.writerows([f"B{i}", f"2023-0{1 + i % 9}-1{i % 9}", f"楼道堆物{i}", "已解决", "桃源社区"]
                         for i in range(300_000))
    db = tmp_path / "t.duckdb"
    proc = subprocess.Popen([*TAIZHANG, "--db", str(db), "load", str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # started once the database file exists (the loader creates it before reading); the
    # signal then lands while the file is read, staged or merged
    while not db.exists() and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the load finished before the signal")
    assert proc.returncode == 143, out + err
    assert "已中断(SIGTERM)" in err and "内部错误" not in out + err
    cases, imported = counts(db)
    assert (cases, imported) == ((300_000, 1) if "已全部导入" in err else (0, 0))


# ---------------------------------------------------------------- messages

def test_a_huge_cell_and_an_encoding_switch_are_named_by_line(tmp_path):
    head = "编号,反映时间,问题,办理状态\n" + "".join(f"A{i},2023-01-08,楼道堆物{i},已解决\n" for i in range(50))
    big = tmp_path / "长单元格.csv"
    big.write_text(head + "B1,2023-01-08," + "长" * (1 << 20) + ",已解决\nB2,2023-01-09,x,已解决\n", encoding="utf-8")
    mixed = tmp_path / "混合.csv"
    # UTF-8 for its first 1.4 MB (past what the encoding is detected from), then GBK
    mixed.write_bytes(head.encode("utf-8")
                      + b"".join(f"C{i},2023-01-08,{'楼' * 40},已解决\n".encode("utf-8") for i in range(12000))
                      + "D1,2023-01-08,楼道,已解决\n".encode("gbk"))
    db = tmp_path / "t.duckdb"
    summaries = load_paths(db, [big, mixed])
    assert [s.status for s in summaries] == ["failed", "failed"]
    assert "长单元格.csv: 第52行有一个超过 2 MB 的单元格" in summaries[0].error
    assert "line 52 holds a cell longer than 2 MB" in summaries[0].error
    assert "混合.csv: 第12052行不是 UTF-8 编码" in summaries[1].error and "save it as CSV UTF-8" in summaries[1].error
    assert "max_line_size" not in summaries[0].error + summaries[1].error
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 0


def test_a_small_file_that_stops_being_utf8_is_named_by_line_not_garbled(tmp_path):
    # Under the 1 MB the encoding is detected from, the whole file is the sample: a UTF-8
    # file with one line in another encoding was guessed as a Cyrillic code page, and
    # refused for "no header row" with its header garbled (зј–еҸ·).
    path = tmp_path / "坏.csv"
    path.write_bytes("编号,反映时间,问题,办理状态\nC1,2023-01-01,好,已办结\n".encode("utf-8")
                     + "C2,2023-01-02,楼道,已办结\n".encode("gbk"))
    [summary] = load_paths(tmp_path / "t.duckdb", [path])
    assert summary.status == "failed"
    assert "坏.csv: 第3行不是 UTF-8 编码" in summary.error and "save it as CSV UTF-8" in summary.error
    assert "表头" not in summary.error and "з" not in summary.error
    # A GBK file is still read as GBK (its header is no UTF-8 at all).
    gbk = tmp_path / "国标.csv"
    gbk.write_bytes("编号,反映时间,问题,办理状态\nC1,2023-01-01,楼道堆物,已办结\n".encode("gbk"))
    [read] = load_paths(tmp_path / "t.duckdb", [gbk])
    assert (read.status, read.rows_new) == ("ok", 1), read.line()


def test_a_line_over_2_mb_of_short_cells_is_refused_and_lines_under_1_mb_are_read(tmp_path):
    # The reader's faster options (a 32 MB line limit) are kept only for a file whose lines
    # are all under 1 MB; a 2.5 MB line of short cells is refused as DuckDB's default refuses it.
    head = "编号,反映时间,问题,办理状态\n" + "".join(f"A{i},2023-01-08,楼道堆物{i},已解决\n" for i in range(50))
    wide = tmp_path / "长行.csv"
    wide.write_text(head + "B1,2023-01-08,x,已解决," + ",".join("长" * 300 for _ in range(2900)) + "\n",
                    encoding="utf-8")
    near = tmp_path / "近1MB.csv"  # a line of 0.9 MB: read, its text kept whole
    near.write_text(head + "B2,2023-01-08," + "长" * 300_000 + ",已解决\n", encoding="utf-8")
    db = tmp_path / "t.duckdb"
    too_long, read = load_paths(db, [wide, near])
    assert too_long.status == "failed" and "第52行" in too_long.error and "2 MB" in too_long.error, too_long.error
    assert read.status == "ok" and read.rows_new == 51, read.line()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT strlen(title) FROM cases WHERE case_id = 'B2'").fetchall() == [(900_000,)]


def test_a_csv_read_within_the_normalising_statement_numbers_its_rows_by_line(tmp_path, monkeypatch, capsys):
    # A plain CSV is read by the statement that normalises its rows (no table of its cells
    # first): they are numbered by their place, from the line after the header. A file the
    # default reader reads differently (here a cell over two lines) is read into a table
    # first instead (the `csv_read` step). Either way a row is named by its editor's line.
    from taizhang.timing import JSON_PREFIX

    monkeypatch.setenv("TAIZHANG_TIMING", "1")
    head = "东关街道 12345 工单\n导出日期 2023-02-01\n编号,反映时间,问题,办理状态\n"
    rows = [f"A{i},2023-01-{i:02d},楼道堆物{i},已解决\n" for i in range(1, 9)]
    rows[4] = "A5,2023-13-45,楼道堆物5,已解决\n"  # line 8: two title lines, the header, four rows
    plain = tmp_path / "工单.csv"
    plain.write_text(head + "".join(rows), encoding="utf-8")
    multi = tmp_path / "多行.csv"
    multi.write_text(head + "".join([rows[0], 'A2,2023-01-02,"楼道\n堆物",已解决\n', *rows[2:]]), encoding="utf-8")
    for path, read_first, lines in ((plain, False, [4, 5, 6, 7, 9, 10, 11]), (multi, True, [4, 5, 7, 8, 10, 11, 12])):
        db = tmp_path / f"{path.stem}.duckdb"
        [summary] = load_paths(db, [path])
        assert (summary.status, summary.rows_new) == ("ok", 7), summary.line()
        assert [r["row"] for r in summary.rejects] == [lines[3] + 1], path.name
        timed = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith(JSON_PREFIX)]
        assert ("csv_read" in json.loads(timed[-1][len(JSON_PREFIX):])["steps"]) is read_first, path.name
        with duckdb.connect(str(db), read_only=True) as con:
            stored = con.execute("SELECT source_row FROM cases ORDER BY source_row").fetchall()
        assert [r[0] for r in stored] == lines, path.name


def test_file_facts_count_lines_and_find_a_line_of_1_mb(tmp_path):
    import hashlib

    from taizhang.etl.load import file_facts

    short = tmp_path / "short.csv"
    short.write_bytes(b"a,b\n" + b"x" * 600_000 + b"\n" + b"y\n" * 400_000 + b"end")
    long = tmp_path / "long.csv"
    long.write_bytes(b"a,b\n" + b"x" * (1 << 20) + b"\n")
    for path, lines, under in ((short, 400_003, True), (long, 2, False)):
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        assert file_facts(path) == (sha, lines, under)


def test_control_characters_are_dropped_and_odd_scores_rejected(tmp_path):
    path = tmp_path / "杂.csv"
    path.write_text("编号,反映时间,问题,办理状态,满意度\n"
                    "N1,2023-01-08,楼道\x00堆物\x01\x7f,已解决,满意\n"
                    "N2,2023-01-08,噪音,已解决,3.5\n"
                    "N3,2023-01-08,噪音,已解决,NaN\n"
                    "N4,2023-01-08,噪音,已解决,4\n", encoding="utf-8")
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [path])
    assert summary.status == "ok" and summary.rows_new == 2
    assert [(r["row"], r["code"], r["value"]) for r in summary.rejects] == [
        (3, "unknown_satisfaction:satisfaction", "3.5"), (4, "unknown_satisfaction:satisfaction", "NaN")]
    assert "1–5 的整数分" in summary.rejects[0]["reason"]
    with duckdb.connect(str(db), read_only=True) as con:
        title, raw, satisfaction = con.execute(
            f"SELECT title, {RAW_JSON}, satisfaction FROM cases WHERE case_id = 'N1'").fetchall()[0]
        assert con.execute("SELECT satisfaction FROM cases WHERE case_id = 'N4'").fetchall()[0][0] == "satisfied"
    assert title == "楼道堆物" and satisfaction == "satisfied"
    assert json.loads(raw)["问题"] == "楼道堆物" and "\\u0000" not in raw
