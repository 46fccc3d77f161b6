"""Login, street scope, names and the audit log in a real browser.

A local OpenID Connect provider (oidc-provider-mock) runs as a real process on 127.0.0.1;
`taizhang serve` runs with [auth] pointing at it; Debian chromium logs in through the
provider's own page, as a person would. Expected numbers come from the unscoped KPI layer
filtered to the street (the district's view of that street), rows from the database.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from taizhang.kpi import api as kpi
from taizhang.dashboard import server as dashboard_server
from taizhang.db import reading

from browser import WAIT_MS

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=60_000)

STREET = "南站街道"
OTHER = "丁公路街道"
LOCAL = re.compile(r"^https?://(127\.0\.0\.1|localhost)[:/]")


def wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.3)


@pytest.fixture
def provider(tmp_path):
    """The OIDC provider: its own process, on a free port of 127.0.0.1."""
    port = dashboard_server.free_port()
    log = tmp_path / "oidc.log"
    script = Path(sys.executable).with_name("oidc-provider-mock")
    with log.open("w") as out:
        process = subprocess.Popen([str(script), "--port", str(port)], stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/.well-known/openid-configuration", process, log)
        yield url
    finally:
        dashboard_server.stop(process)


def taizhang(db, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "taizhang", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def serve_with_login(provider: str, db: Path, tmp_path: Path, settings: str = ""):
    """`taizhang serve` with [auth] pointing at the provider (plus `settings` TOML); → (process, url, log)."""
    port = dashboard_server.free_port()
    config = tmp_path / "taizhang.toml"
    config.write_text(
        settings + "[auth]\n"
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        'client_id = "taizhang-e2e"\nclient_secret = "e2e-secret"\n'
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n', encoding="utf-8")
    log = tmp_path / "serve.log"
    process, url = dashboard_server.start(db, log, timeout=60, port=port,
                                          env={"TAIZHANG_CONFIG": str(config)})
    return process, url, log


@pytest.fixture
def server(provider, demo_db_copy, tmp_path, output_dir):
    """`taizhang serve` with login through the provider, and grants for three people."""
    db = demo_db_copy
    taizhang(db, "users", "add", "nz-secretary", "--role", "street", "--streets", STREET)
    taizhang(db, "users", "add", "boss", "--role", "leader", "--pii")
    taizhang(db, "users", "add", "admin@example.org", "--role", "admin")
    process, url, log = serve_with_login(provider, db, tmp_path)
    yield url, db, log
    dashboard_server.stop(process)
    (output_dir / "serve.log").write_text(log.read_text())


def login(browser, url: str, subject: str):
    """A new browser context logged in as `subject` through the provider's page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN",
                                  accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    # Nothing leaves the machine (the provider's page links a stylesheet on a CDN).
    tab.route(lambda u: not LOCAL.match(u), lambda route: route.abort())
    tab.goto(url)
    expect(tab.get_by_text("台账看板只对已授权的人员开放")).to_be_visible()
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_url(re.compile(r"/oauth2/authorize"))
    tab.fill("input[name=sub]", subject)
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(re.compile(re.escape(url)))
    # All the data (the overview's default is the latest complete month): street_totals'.
    tab.goto(f"{url}/?period=all")
    return tab


def settle(tab) -> None:
    time.sleep(0.4)
    tab.locator("[data-testid=stStatusWidget]").wait_for(state="detached")
    time.sleep(0.6)


def card(tab, label: str):
    return tab.locator(".tz-card").filter(
        has=tab.locator(".tz-label", has_text=re.compile(f"^{label}$"))).locator(".tz-value")


def street_totals(db, street: str | None = None):
    with reading(db) as con:
        where = {"street": street} if street else None
        return kpi.metrics(con, (), kpi.Filters.make(where=where)).iloc[0]


def audit(db) -> list[tuple]:
    with reading(db) as con:
        return con.execute("SELECT who, action, what, detail FROM audit_log ORDER BY audit_id").fetchall()


def sheet_values(path: Path) -> list[list]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_street_user_sees_and_downloads_only_their_street(server, browser, output_dir, tmp_path,
                                                          demo_build):
    url, db, log = server
    tab = login(browser, url, "nz-secretary")
    mine, district = street_totals(db, STREET), street_totals(db)
    assert mine["received"] < district["received"]

    # Overview: the street's numbers, not the district's; who and what scope, in the sidebar.
    expect(card(tab, "受理")).to_have_text(str(int(mine["received"])))
    expect(card(tab, "已解决")).to_have_text(kpi.format_ratio(mine["resolved"], kpi.resolution_base(mine)))
    expect(tab.get_by_text(f"可见范围:{STREET}")).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "01_street_overview.png")

    # Asking for another street through the URL shows nothing of it.
    tab.goto(f"{url}/areas?street={OTHER}")
    expect(card(tab, "受理")).to_have_text("0")
    # Another street's case by its id: not found.
    with reading(db) as con:
        (theirs,), = con.execute("SELECT case_id FROM cases WHERE street = ? LIMIT 1", [OTHER]).fetchall()
        mine_ids = {r[0] for r in con.execute("SELECT case_id FROM cases WHERE street = ?", [STREET]).fetchall()}
    tab.goto(f"{url}/cases?case={theirs}")
    expect(tab.get_by_text(f"找不到编号为 {theirs} 的案件。")).to_be_visible()

    # Cases page: the count is the street's.
    tab.goto(f"{url}/cases?period=all")
    expect(tab.get_by_text(re.compile(f"共 {int(mine['received'])} ")).first).to_be_visible()
    expect(tab.locator("[data-testid=stDataFrame]")).to_have_count(1)
    # No export but the audited downloads: the table's own CSV button is off with login.
    expect(tab.get_by_role("button", name="Download as CSV")).to_have_count(0)
    settle(tab)
    tab.screenshot(path=output_dir / "02_street_cases.png")

    # 督办: the download holds the street's cases only, and is in the audit log.
    tab.goto(f"{url}/supervision?period=all")
    with tab.expect_download() as download:
        tab.get_by_role("button", name="下载督办清单(Excel)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = sheet_values(saved)
    # A title row and a note row above the header (scope, as-of, what is listed).
    start = next(i for i, row in enumerate(rows) if any(str(c).startswith("街道") for c in row if c))
    header, body = rows[start], rows[start + 1:]
    street_col = next(i for i, h in enumerate(header) if str(h).startswith("街道"))
    case_col = next(i for i, h in enumerate(header) if "编号" in str(h))
    assert body and {r[street_col] for r in body} == {STREET}
    with reading(db) as con:
        only = kpi.Filters.make(where={"street": STREET})
        listed, expected_cases = kpi.supervision_cases(con, only, limit=100_000)
    assert {r[case_col] for r in body} == set(listed["case_no"]) and set(listed["case_id"]) <= mine_ids
    assert len({r[case_col] for r in body}) == expected_cases
    assert not any(OTHER in str(cell) for row in rows for cell in row)

    # Monthly report: its PDF is the street's, and logged.
    tab.goto(f"{url}/report")
    with tab.expect_download(timeout=300_000) as download:  # a browser renders it
        tab.get_by_role("button", name="下载 PDF").click()
    pdf = Path(download.value.path())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert STREET in text and OTHER not in text

    # Upload of another street's ledger: refused whole, rows named, nothing written.
    before = street_totals(db)
    other_file = sorted((demo_build / "ledgers" / "ledgers").glob(f"{OTHER}2022*"))[0]
    upload = tmp_path / other_file.name
    # Saved again (other bytes): the very file the demo imported would be refused as
    # already imported before its streets are looked at.
    book = openpyxl.load_workbook(other_file)
    book.active["A1"] = book.active["A1"].value  # the cells as they were
    book.save(upload)
    tab.goto(f"{url}/data")
    tab.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(upload)
    tab.get_by_role("button", name="导入").click()
    expect(tab.get_by_text(re.compile("整份文件未导入")).first).to_be_visible(timeout=120_000)
    expect(tab.get_by_text(re.compile(f"第 \\d+ 行 / sheet .* row \\d+: {OTHER}")).first).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "03_upload_refused.png")
    assert street_totals(db)["received"] == before["received"]

    entries = [(who, action, what) for who, action, what, _ in audit(db)]
    assert ("nz-secretary", "export", "督办清单.xlsx") in entries or any(
        who == "nz-secretary" and action == "export" and what.endswith(".xlsx") for who, action, what in entries)
    assert any(who == "nz-secretary" and action == "download" and what.endswith(".pdf")
               for who, action, what in entries)
    assert ("nz-secretary", "upload_refused", other_file.name) in entries
    assert "Traceback" not in log.read_text()


def test_no_grant_sees_nothing_and_pii_sees_names(server, browser, output_dir):
    url, db, log = server
    stranger = login(browser, url, "stranger")
    expect(stranger.get_by_text(re.compile("尚未获得看板的使用授权.*admin@example.org"))).to_be_visible()
    for path in ("", "/cases", "/supervision", "/data"):
        stranger.goto(f"{url}{path}")
        expect(stranger.get_by_text(re.compile("尚未获得看板的使用授权"))).to_be_visible()
        expect(stranger.locator(".tz-card")).to_have_count(0)
        expect(stranger.locator("[data-testid=stDataFrame]")).to_have_count(0)
    settle(stranger)
    stranger.screenshot(path=output_dir / "04_no_grant.png")

    with reading(db) as con:
        case_id, reporter = con.execute(
            "SELECT case_id, reporter FROM cases WHERE length(reporter) >= 2 LIMIT 1").fetchall()[0]
    boss = login(browser, url, "boss")
    expect(card(boss, "受理")).to_have_text(str(int(street_totals(db)["received"])))
    boss.goto(f"{url}/cases?case={case_id}")
    expect(boss.get_by_text(reporter, exact=False).first).to_be_visible()
    expect(boss.get_by_text("已显示反映人姓名")).to_be_visible()
    settle(boss)
    boss.screenshot(path=output_dir / "05_pii_case.png")
    assert ("boss", "pii_view", case_id) in [(w, a, x) for w, a, x, _ in audit(db)]

    # The same case for the street secretary (no pii): the name masked.
    secretary = login(browser, url, "nz-secretary")
    with reading(db) as con:
        mine, mine_reporter = con.execute(
            "SELECT case_id, reporter FROM cases WHERE street = ? AND length(reporter) >= 2 LIMIT 1",
            [STREET]).fetchall()[0]
    secretary.goto(f"{url}/cases?case={mine}")
    expect(secretary.get_by_text(kpi.mask_name(mine_reporter)).first).to_be_visible()
    expect(secretary.get_by_text(mine_reporter, exact=True)).to_have_count(0)
    assert "Traceback" not in log.read_text()


def test_a_login_older_than_the_session_limit_is_logged_out(provider, demo_db_copy, tmp_path, browser):
    taizhang(demo_db_copy, "users", "add", "boss", "--role", "leader")
    # 0.004 h = 14.4 s: long enough to log in on a busy machine, short enough to wait out.
    process, url, log = serve_with_login(provider, demo_db_copy, tmp_path,
                                         "[access]\nmax_session_hours = 0.004\n")
    try:
        tab = login(browser, url, "boss")
        expect(card(tab, "受理")).to_have_text(str(int(street_totals(demo_db_copy)["received"])))
        time.sleep(16)
        tab.goto(f"{url}/cases")
        # Logged out: Streamlit sends the browser to the provider's end-session page, which
        # sends it back to the dashboard, where only the login button is left.
        tab.wait_for_url(re.compile(r"/oauth2/end_session"))
        tab.get_by_role("button", name="End session").click()
        tab.wait_for_url(re.compile(re.escape(url)))
        tab.goto(f"{url}/cases")
        expect(tab.get_by_role("button", name="登录")).to_be_visible()
        expect(tab.locator(".tz-card")).to_have_count(0)
        assert "Traceback" not in log.read_text()
    finally:
        dashboard_server.stop(process)
