"""A dashboard table's Excel download (dashboard/ui.py xlsx_download → dashboard/export.py),
read back with openpyxl: the street ranking of the demo's July as the Areas page offers it —
title and note rows, the header with an autofilter, rates as numbers shown 84.6%, scores
and ranks as numbers, names as text, Chinese-width columns, a dated file name."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from taizhang.dashboard import export, ui
from taizhang.db import reading
from taizhang.formatting import is_missing
from taizhang.kpi import api as kpi
from taizhang.settings import Settings

# The Areas page's ranking columns (dashboard/app_pages/areas.py), those read here first.
RANKING_COLUMNS = ["rank", "street", "score", "rank_change", "due_resolution_rate", "due_on_time_rate",
                   "due_cases", "satisfaction_rate", "rated", "received", "resolution_rate",
                   "unranked_reason"]
JULY = kpi.Filters.make("2022-07-01", "2022-07-31", "2022-07-31")


@pytest.fixture(scope="module")
def ranking(demo_db):
    with reading(demo_db) as con:
        return kpi.ranking(con, "street", JULY, Settings())


def test_the_ranking_download_keeps_numbers_numbers(ranking):
    shown, formats = ui.file_frame(ranking, RANKING_COLUMNS, "zh")
    title = export.Title("街道社区 · 全区 · 数据截至 2022-07-31", "期间:2022-07-01 至 2022-07-31;共 11 行。")
    data = export.xlsx_bytes(shown, "街道社区", title, formats)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["街道社区"]
    assert (sheet["A1"].value, sheet["A2"].value) == (title.heading, title.note)
    assert sheet["A1"].font.b
    header = [c.value for c in sheet[3]]
    assert header[:7] == ["排名", "街道(镇)", "综合得分", "排名变化", "到期解决率", "到期按期率", "考核件数"]
    assert sheet.auto_filter.ref == f"A3:{openpyxl.utils.get_column_letter(len(header))}{3 + len(ranking)}"
    assert sheet.freeze_panes == "A4"
    col = {name: i + 1 for i, name in enumerate(header)}
    for i, row in enumerate(ranking.to_dict("records"), start=4):
        street = sheet.cell(i, col["街道(镇)"])
        assert street.value == row["street"] and street.data_type == "s"
        for name, key, number_format in (("到期解决率", "due_resolution_rate", "0.0%"),
                                         ("满意率", "satisfaction_rate", "0.0%"),
                                         ("综合得分", "score", "0.0"), ("排名", "rank", "0")):
            cell = sheet.cell(i, col[name])
            if is_missing(row[key]):
                assert cell.value is None           # undefined: an empty cell, never "—" text
                continue
            assert cell.data_type == "n" and cell.number_format == number_format, (name, cell.value)
            assert cell.value == pytest.approx(float(row[key]))
        received = sheet.cell(i, col["受理"])
        assert received.data_type == "n" and received.value == row["received"]
        assert sheet.cell(i, col["考核件数"]).value == row["due_cases"]
    # A rate sorts as a number: the column's values are floats 0–1.
    rates = [sheet.cell(i, col["到期解决率"]).value for i in range(4, 4 + len(ranking))]
    assert all(r is None or 0 <= r <= 1 for r in rates) and any(isinstance(r, float) for r in rates)
    # Chinese text counts two columns a character: the street column is wider than the rank's.
    widest = max(len(s) * 2 for s in ranking["street"] if isinstance(s, str))
    assert sheet.column_dimensions["B"].width >= widest > sheet.column_dimensions["A"].width


def test_a_case_list_download_keeps_dates_dates(demo_db):
    with reading(demo_db) as con:
        cases = kpi.case_list(con, kpi.Filters.make("2022-07-01", "2022-07-31", "2022-07-31"))
    columns = ["case_no", "received_on", "title", "status", "resolved_on"]
    shown, formats = ui.file_frame(cases, columns, "en")
    sheet = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(
        shown, "Cases", export.Title("Cases", "note"), formats))).active
    header = [c.value for c in sheet[3]]
    received = sheet.cell(4, header.index("Received on") + 1)
    assert isinstance(received.value, datetime) and received.number_format == "yyyy-mm-dd"
    resolved = [sheet.cell(r, header.index("Resolved on") + 1).value for r in range(4, sheet.max_row + 1)]
    assert None in resolved and all(v is None or isinstance(v, datetime) for v in resolved)


def test_the_file_name_says_what_where_and_as_of_when():
    assert export.file_name("街道社区", "南站街道", date(2022, 7, 31), "xlsx") == "街道社区_南站街道_2022-07-31.xlsx"
    assert export.file_name("案件查询", "a/b:c", date(2022, 7, 31), "xlsx") == "案件查询_a_b_c_2022-07-31.xlsx"


def test_a_ranking_download_names_the_dates_its_page_ranks_over(demo_db, monkeypatch, tmp_path):
    """Over all the data, the ranking's page says 排名期间:<first> 至 <last>: its download's
    note names the same dates (it said 全部时间), as it does for a chosen period."""
    from taizhang.dashboard import loaders

    monkeypatch.setenv("TAIZHANG_DB", str(demo_db))
    monkeypatch.delenv("TAIZHANG_AUTH", raising=False)
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    with reading(demo_db) as con:
        first, last = con.execute("SELECT min(received_on), max(received_on) FROM cases").fetchall()[0]
    every = kpi.Filters.make(as_of="2022-07-31")
    try:
        for filters, span in ((every, f"{first} 至 {last}"), (JULY, "2022-07-01 至 2022-07-31")):
            note = ui.file_title("街道社区", filters, 11, "zh", "考核口径：本期到期或办结").note
            assert note == f"期间:{span} · 考核口径：本期到期或办结;共 11 行。"
            assert f"排名期间:{span}(截至 2022-07-31)" in ui.rank_period(filters, "zh")
        english = ui.file_title("Areas", every, 11, "en", "Scored on").note
        assert english == f"Period: {first} to {last} · Scored on; 11 rows."
        # A table that ranks nothing keeps saying it is over all the data.
        assert ui.file_title("街道社区", every, 11, "zh", None).note == "期间:全部时间;共 11 行。"
    finally:
        loaders.release()
