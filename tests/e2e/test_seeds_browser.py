"""The 议事与服务 and 每月一题 pages in a real browser (`taizhang serve` on a copy of the
demo database, Debian chromium): the figures shown equal the KPI layer's, a group chosen
shows its cases, and English works. Screenshots go to the test's output folder."""

from __future__ import annotations

import pytest

from taizhang.kpi import api as kpi
from taizhang.kpi import seeds

from kpi_fixtures import kpi_call
from test_dashboard_browser import expect, settle

pytestmark = pytest.mark.e2e


def test_seed_pages_in_the_browser(server, page, output_dir):  # noqa: F811
    url, db, _ = server
    tab = page
    tab.goto(f"{url}/seeds?period=all")   # all the data, as kpi.Filters() below
    totals = seeds.meetings_overview(kpi_call(db, kpi.meetings_compliance, kpi.Filters()))
    rate = tab.get_by_test_id("stMetric").filter(has_text="提议反馈率")
    expect(rate).to_contain_text(kpi.format_rate(totals["feedback_rate"]))
    funnel = seeds.funnel_totals(kpi_call(db, kpi.funnel, kpi.Filters()))
    expect(tab.get_by_test_id("stMetric").filter(has_text="建议/问题")).to_contain_text(
        kpi.format_number(funnel["suggestions"]))
    expect(tab.get_by_text("认领代表", exact=True)).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "01_seeds.png", full_page=True)

    tab.goto(f"{url}/recurring?period=all")
    groups, cases = kpi_call(db, kpi.recurring_problems, kpi.Filters())
    expect(tab.get_by_text("同类问题", exact=True)).to_be_visible()
    tab.get_by_test_id("stSelectbox").filter(has_text="查看第几组").click()
    second = f"2. {groups['label'].iloc[1]}"
    tab.get_by_role("option", name=second).click()
    expect(tab.get_by_text("第 2 组的事项")).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "02_recurring.png", full_page=True)

    tab.goto(f"{url}/seeds?lang=en&period=all")
    expect(tab.get_by_text("Consultation and service", exact=True)).to_be_visible()
    expect(tab.get_by_test_id("stMetric").filter(has_text="Proposal feedback rate")).to_contain_text(
        kpi.format_rate(totals["feedback_rate"]))
    settle(tab)
    tab.screenshot(path=output_dir / "03_seeds_english.png", full_page=True)
