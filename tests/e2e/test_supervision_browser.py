"""The 督办 page in Debian chromium: one row a case, the Excel download's dated name and
typed cells, a row opened as a case that says why it is listed and shows its timeline.
Screenshots in tests/output/<test>/."""

from __future__ import annotations

import re
from datetime import datetime

import openpyxl
import pytest

from taizhang.kpi import api as kpi
from kpi_fixtures import kpi_call
from test_dashboard_browser import click_row, settle

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def test_supervision_page_download_and_case(server, page, output_dir):  # noqa: F811
    url, db, _ = server
    tab = page
    july = kpi.Filters.make("2022-07-01", "2022-07-31", "2022-07-31")
    rows, total = kpi_call(db, kpi.supervision_cases, july)
    tab.goto(f"{url}/supervision?from=2022-07-01&to=2022-07-31&as_of=2022-07-31")
    expect(tab.get_by_text(f"共 {total} 件需督办。")).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "01_supervision.png")

    with tab.expect_download() as info:
        tab.get_by_role("button", name=re.compile("下载督办清单")).click()
    download = info.value
    assert download.suggested_filename == "督办清单_全区_2022-07-31.xlsx"
    path = output_dir / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "督办清单 · 全区 · 数据截至 2022-07-31"
    assert sheet.max_row - 3 == total
    assert [sheet.cell(r, 1).value for r in range(4, 9)] == list(rows["case_no"].head(5))
    assert isinstance(sheet.cell(4, 4).value, int) and isinstance(sheet.cell(4, 11).value, datetime)

    click_row(tab, 0)
    first = rows.iloc[0]
    expect(tab.get_by_text("列入督办的原因")).to_be_visible()
    expect(tab.get_by_text(f"已超期 {int(first['days_overdue'])} 天", exact=False)).to_be_visible()
    expect(tab.get_by_text("办理过程")).to_be_visible()
    if first["case_no"] != first["case_id"]:
        expect(tab.get_by_text(f"内部编号 {first['case_id']}", exact=False)).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "02_case.png", full_page=True)
