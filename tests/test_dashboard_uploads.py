"""Uploads on the Data page (AppTest, real .xlsx bytes written by openpyxl, the real ETL in
its child process): each upload is written 0600 in its own 0700 folder and deleted after
its import; two files with one name are two imports, neither lost; bytes imported before
are said, not imported again; leftovers are purged."""

from __future__ import annotations

import io
import os
import re
import stat
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest import run
from ledgers import workbook
from taizhang.dashboard import uploads
from hostile import shown
from taizhang.db import reading

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ledger_bytes(prefix: str, n: int, bad_date: str | None = None) -> bytes:
    """A small office ledger with `n` cases numbered <prefix>-001…, as openpyxl writes it;
    with `bad_date`, one more row (row n + 3) whose 反映时间 cannot be read (a reject)."""
    rows = [[f"{prefix}-{i + 1:03d}", "南浦街道", "湖滨社区", f"路灯不亮{i}", "市政设施",
             f"2022-07-{10 + i:02d}", "正在解决", "街道城管办"] for i in range(n)]
    if bad_date:
        rows.append([f"{prefix}-bad", "南浦街道", "湖滨社区", "日期写错", "市政设施", bad_date,
                     "正在解决", "街道城管办"])
    header = ["编号", "街道", "社区", "议题", "类别", "反映时间", "办理状态", "责任单位"]
    return workbook(io.BytesIO(), "湖滨社区", [header, *rows],
                    title="南浦街道湖滨社区民生问题台账(2022年7月)").getvalue()


@pytest.fixture
def data_page(demo_db_copy, monkeypatch):
    """Run the Data page on a demo copy; → (function uploading files and clicking 导入, db)."""
    monkeypatch.setenv("TAIZHANG_DB", str(demo_db_copy))
    written: list[tuple[Path, int, int]] = []
    write = uploads.write_private

    def recording(db_file, name, data):
        path = write(db_file, name, data)
        written.append((path, stat.S_IMODE(path.stat().st_mode),
                        stat.S_IMODE(path.parent.stat().st_mode)))
        return path

    monkeypatch.setattr(uploads, "write_private", recording)

    def upload(*files: tuple[str, bytes], lang: str = "zh") -> AppTest:
        at = run("data", timeout=180, **({"lang": "en"} if lang == "en" else {}))
        at.get("file_uploader")[0].set_value([(name, data, XLSX) for name, data in files]).run()
        next(b for b in at.button if b.label == {"zh": "导入", "en": "Import"}[lang]).click().run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        return at

    return upload, demo_db_copy, written


def cases_like(db: Path, prefix: str) -> int:
    with reading(db) as con:
        return con.execute("SELECT count(*) FROM cases WHERE case_id LIKE ?", [f"{prefix}-%"]).fetchone()[0]


def imports_count(db: Path) -> int:
    with reading(db) as con:
        return con.execute("SELECT count(*) FROM imports").fetchone()[0]


def test_an_upload_is_private_while_imported_and_not_kept(data_page):
    upload, db, written = data_page
    at = upload(("台账.xlsx", ledger_bytes("UPA", 3)))
    assert shown(at.success[0].value).startswith("台账.xlsx: 已导入")
    assert cases_like(db, "UPA") == 3
    [(path, file_mode, folder_mode)] = written
    assert file_mode == 0o600 and folder_mode == 0o700
    assert stat.S_IMODE((db.parent / "uploads").stat().st_mode) == 0o700
    assert path.name == "台账.xlsx" and path.parent.parent == db.parent / "uploads"
    assert not path.exists() and not path.parent.exists()        # deleted after the import
    assert list((db.parent / "uploads").iterdir()) == []          # nothing kept


def test_two_files_with_one_name_are_two_imports(data_page):
    upload, db, written = data_page
    before = imports_count(db)
    at = upload(("台账.xlsx", ledger_bytes("UPB", 2)), ("台账.xlsx", ledger_bytes("UPC", 4)))
    assert len(at.success) == 2
    assert cases_like(db, "UPB") == 2 and cases_like(db, "UPC") == 4   # neither overwritten
    assert imports_count(db) == before + 2
    assert written[0][0].parent != written[1][0].parent           # each its own folder


def test_bytes_imported_before_are_not_imported_again(data_page):
    upload, db, written = data_page
    data = ledger_bytes("UPD", 2)
    upload(("台账.xlsx", data))
    before = imports_count(db)
    at = upload(("台账(副本).xlsx", data))
    [info] = [shown(i.value) for i in at.info if "未重复导入" in i.value]
    assert "台账(副本).xlsx" in info and "台账.xlsx" in info
    assert imports_count(db) == before and len(written) == 1
    assert not at.success

    # The same bytes twice in one upload: imported once, and the page says so.
    twice = ledger_bytes("UPE", 1)
    at = upload(("a.xlsx", twice), ("b.xlsx", twice))
    assert len(at.success) == 1 and cases_like(db, "UPE") == 1
    assert any("b.xlsx" in shown(i.value) and "只导入一次" in i.value for i in at.info)


# One reject, as each language words it on the page: its place is the column only (the
# table's other columns give the file, sheet and row); the ledger's own words — its column
# and value — stay as the ledger wrote them.
BAD_DATE_REASON = {
    "zh": "「反映时间」的值「某日」不是可识别的日期,请写成 2023-01-08",
    "en": "Column 反映时间: '某日' is not a date Taizhang can read; write it like 2023-01-08",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reject_reasons_are_in_the_readers_language(data_page, lang):
    """A rejected row's reason in the page's language only, in the upload's result table and
    in the list of every reject (read back from the database), never '中文 / English'."""
    upload, db, written = data_page
    at = upload(("坏日期.xlsx", ledger_bytes("UPF", 1, bad_date="某日")), lang=lang)
    other = BAD_DATE_REASON["en" if lang == "zh" else "zh"]
    labels = {"zh": ("原因", "文件", "行号"), "en": ("Reason", "File", "Row")}[lang]
    label = labels[0]
    result, listed = (table.value for table in at.table[:2])
    [reason] = [shown(r) for r in result[label]]
    assert reason.startswith(BAD_DATE_REASON[lang]) and other[:12] not in reason
    # The list of every reject: the new one first, with its file and row beside its reason.
    first = listed.iloc[0]
    assert (shown(first[labels[1]]), shown(first[labels[2]])) == ("坏日期.xlsx", "4")
    assert shown(first[label]) == reason
    # Every reject of the demo, too: none in the other language, none with both.
    reasons = [shown(r) for r in listed[label]]
    assert len(reasons) == 7 and not any(" / " in r for r in reasons)
    assert not any(re.search("is not a|is empty" if lang == "zh" else "不是|为空|早于", r) for r in reasons)
    # The stored text keeps both languages and the whole place, for the command line.
    with reading(db) as con:
        [(text,)] = con.execute("SELECT reason FROM rejects WHERE value = '某日'").fetchall()
    assert text.startswith("坏日期.xlsx 工作表「湖滨社区」第4行" + BAD_DATE_REASON["zh"])
    assert "坏日期.xlsx, sheet 湖滨社区, row 4, c" + BAD_DATE_REASON["en"][1:] in text


def test_purge_removes_leftovers_older_than_the_limit(tmp_path):
    db = tmp_path / "taizhang.duckdb"
    old = uploads.write_private(db, "旧台账.xlsx", b"old")
    fresh = uploads.write_private(db, "新台账.xlsx", b"new")
    stray = db.parent / "uploads" / "20240101-120000" / "kept.xlsx"   # as an earlier version kept it
    stray.parent.mkdir()
    stray.write_bytes(b"x")
    hour_ago = time.time() - 3600
    for path in (old.parent, stray.parent):
        os.utime(path, (hour_ago, hour_ago))
    assert uploads.purge(db, older_than=1800) == 2
    assert fresh.exists() and not old.exists() and not stray.exists()
    assert uploads.purge(db, older_than=0) == 1 and not fresh.exists()
