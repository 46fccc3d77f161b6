"""Hostile ledger text and the server's surface in a real browser: `taizhang serve` on a demo
copy holding the hostile ledger of tests/hostile.py, driven by Debian chromium.

On every page: every request the browser makes goes to the local server (no font, icon,
image or telemetry from outside), the tab's icon is served locally, no image, link, bold
or maths comes from data, the hostile text shows literally, and no resident's number
shows. Screenshots go to the test's output folder.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlparse

import pytest

import hostile
from taizhang.dashboard import server as dashboard_server
from taizhang.dashboard.ui import masked
from taizhang.db import reading

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=60_000)

@pytest.fixture
def hostile_server(demo_db_copy, tmp_path):
    db = hostile.build_hostile_db(demo_db_copy, tmp_path)
    # An original an earlier version kept (0644, forever): gone once the server starts.
    kept = db.parent / "uploads" / "20240101-120000" / "台账.xlsx"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"resident names and numbers")
    process, url = dashboard_server.start(db, tmp_path / "serve.log", timeout=60)
    assert not kept.exists() and not kept.parent.exists()
    yield url, db
    dashboard_server.stop(process)


@pytest.fixture
def recorded_page(page):
    """A chromium tab and the list of every URL it requested."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return page, requests


def settle(tab) -> None:
    """Wait until Streamlit has finished the current run (and anything it loads).

    app.py draws the sidebar after the page: once its last button shows, the page is there.
    """
    expect(tab.get_by_role("button", name="清除筛选")).to_be_visible()
    expect(tab.locator("[data-testid=stSkeleton]")).to_have_count(0)
    tab.wait_for_timeout(400)
    tab.locator("[data-testid=stStatusWidget]").wait_for(state="detached")
    tab.wait_for_timeout(1000)   # what the drawn page asks for (images, fonts) is asked by then


def visible_text(tab) -> str:
    """The page's text as a reader sees it (zero-width spaces are invisible)."""
    return tab.evaluate("document.body.innerText").replace("\u200b", "")


def assert_nothing_from_data_rendered(tab) -> None:
    """No image, link, bold, maths or inline HTML made from the hostile texts."""
    # Our own links carry the view's query string, and with it the hostile names
    # URL-encoded: what must not exist is an image or link *to* the outside host.
    assert tab.evaluate("[...document.images].filter((i) => new URL(i.src, location).hostname "
                        "=== 'example.invalid').length") == 0
    assert tab.evaluate("[...document.querySelectorAll('a[href]')].filter((a) => a.hostname "
                        "=== 'example.invalid').length") == 0
    assert tab.locator("[data-testid=stMarkdownContainer] strong", has_text=re.compile("^bold$")).count() == 0
    assert tab.locator(".katex").count() == 0
    assert tab.locator("[data-testid=stMarkdownContainer] b", has_text="城管").count() == 0
    text = visible_text(tab)
    for digits in hostile.PHONE_DIGITS:
        assert digits not in text


def test_hostile_text_is_text_and_nothing_leaves_the_machine(hostile_server, recorded_page, output_dir):
    url, db = hostile_server
    tab, requests = recorded_page
    street = hostile.street()
    with reading(db) as con:
        official = con.execute("SELECT official_id FROM officials WHERE name = ?",
                               [hostile.OFFICIAL]).fetchone()[0]
    community = {"street": street, "community": hostile.COMMUNITY}
    views = [
        ("01_overview", "", {}),
        ("02_overview_street", "", {"street": street}),
        ("03_areas_community", "areas", community),
        ("04_case", "areas", {**community, "case": hostile.CASE_ID}),
        ("05_cases_search", "cases", {"q": "路灯不亮"}),
        ("06_official", "officials", {"official": official}),
        ("07_supervision_case", "supervision", {"case": hostile.CASE_ID}),
        ("08_report", "report", {"street": street}),
        ("09_data", "data", {}),
    ]
    title = f"{hostile.CASE_ID} · {masked(hostile.TITLE)}"
    for name, path, params in views:
        tab.goto(f"{url}/{path}" + (f"?{urlencode(params)}" if params else ""))
        settle(tab)
        tab.screenshot(path=output_dir / f"{name}.png", full_page=True)
        assert_nothing_from_data_rendered(tab)
        text = visible_text(tab)
        if name in ("04_case", "07_supervision_case"):
            assert title in text
            assert "第一行 **bold** 缩进的第二行 $x^2$ [link](http://example.invalid/l)" in text
            assert hostile.UNIT in text and "139-****-5678" in text and "1234-5678" not in text
            assert "反映人姓名与电话已脱敏" in text
        if name == "03_areas_community":
            assert f"{hostile.COMMUNITY} 的案件" in text
        if name == "06_official":
            assert f"{hostile.OFFICIAL} 的案件" in text
        if name == "09_data":
            # The database's file name, never its folder.
            assert "数据库文件:taizhang.duckdb" in text and str(db.parent) not in text
        # The tab's icon is a file of this server (a :material: icon is fetched from
        # fonts.gstatic.com by Streamlit's frontend).
        icon = tab.evaluate("document.querySelector(\"link[rel*='icon']\").href")
        assert icon.startswith(url), icon

    outside = [u for u in requests
               if urlparse(u).scheme not in ("data", "blob")
               and urlparse(u).hostname not in ("127.0.0.1",)]
    assert not outside, outside
    assert any("/media/" in u or "favicon" in u for u in requests)   # the local icon was fetched
    assert len(requests) > 20   # the recorder saw the pages' own requests


def test_grids_offer_no_csv_download(hostile_server, recorded_page, output_dir):
    """The grid's toolbar has no "Download as CSV" (it would write formulas as they are);
    the table's own .xlsx download is there instead."""
    url, _ = hostile_server
    tab, _ = recorded_page
    tab.goto(f"{url}/cases?{urlencode({'q': '路灯不亮'})}")
    settle(tab)
    grid = tab.locator("[data-testid=stDataFrame]").first
    grid.hover()
    tab.wait_for_timeout(500)
    toolbar = tab.locator("[data-testid=stElementToolbar]").first
    expect(toolbar).to_be_visible()
    tab.screenshot(path=output_dir / "grid_toolbar.png")
    assert toolbar.get_by_role("button", name=re.compile("Download|下载")).count() == 0
    expect(tab.get_by_role("button", name="下载本表(Excel)")).to_be_visible()
