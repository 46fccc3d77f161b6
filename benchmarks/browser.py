"""Dashboard timings in a real browser: Debian Chromium (Playwright) against `taizhang serve`.

first_numbers_s: from page.goto of the overview until the 受理 card shows the number the
KPI layer gives. click_ms: from a click on a street's bar in the overview's ranking until
the Areas page shows that street's communities table and its own 受理 number.
dashboard_rss_mb: the peak resident memory (VmHWM) of the server's processes, summed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from benchmarks.measure import median
from dashboard import server as dashboard_server
from report.render import CHROMIUM, CHROMIUM_ARGS

WAIT_MS = 120_000


def _tree(root: int) -> list[int]:
    """root and every descendant process id (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def peak_rss_mb(root: int) -> float:
    """Sum of VmHWM (each process's peak RSS) over a process tree, in MB."""
    total = 0
    for pid in _tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _card(tab, label: str):
    return tab.locator(".tz-card").filter(
        has=tab.locator(".tz-label", has_text=re.compile(f"^{label}$"))
    ).locator(".tz-value")


def _settle(tab) -> None:
    time.sleep(0.3)
    tab.locator("[data-testid=stStatusWidget]").wait_for(state="detached")


def measure_dashboard(db: Path, repeat: int, say) -> dict:
    """first_numbers_s (median of `repeat` opens), click_ms (median of clicks on streets), RSS."""
    import kpi
    from playwright.sync_api import expect, sync_playwright
    from taizhang.db import reading

    with reading(db) as con:
        received = kpi.headline(con, kpi.Filters())["metrics"]["received"]
        street_received = {
            row.street: int(row.received)
            for row in kpi.metrics(con, ("street",), kpi.Filters()).itertuples()
        }
    log = db.with_suffix(".serve.log")
    process, url = dashboard_server.start(db, log)
    opens, clicks = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for i in range(repeat):
                    tab = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
                    tab.set_default_timeout(WAIT_MS)
                    started = time.perf_counter()
                    tab.goto(url)
                    expect(_card(tab, "受理")).to_have_text(str(received), timeout=WAIT_MS)
                    opens.append(time.perf_counter() - started)
                    say(f"  open {i + 1}/{repeat}: numbers after {opens[-1]:.2f} s")
                    # Click the i-th street of the ranking: a street not shown before, whose
                    # answers come from the server's prefetch if it has got that far (as a
                    # user's click would), else are computed for this click.
                    expect(tab.locator("[data-area]").first).to_be_visible(timeout=WAIT_MS)
                    _settle(tab)
                    # The i-th bar from the top (a bar's second rect; the first is its row).
                    bars = tab.locator("[data-area]")
                    box = bars.nth(i % bars.count()).locator("rect").nth(1).bounding_box()
                    started = time.perf_counter()
                    tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                    tab.wait_for_url(re.compile(r"/areas\?.*street="), timeout=WAIT_MS)
                    street = parse_qs(urlparse(tab.url).query)["street"][0]
                    expect(_card(tab, "受理")).to_have_text(str(street_received[street]),
                                                          timeout=WAIT_MS)
                    expect(tab.locator("[data-testid=stDataFrame]").first).to_be_visible(timeout=WAIT_MS)
                    clicks.append((time.perf_counter() - started) * 1000)
                    say(f"  click on {street}: communities after {clicks[-1]:.0f} ms")
                    tab.close()
            finally:
                browser.close()
        rss = peak_rss_mb(process.pid)
    finally:
        dashboard_server.stop(process)
    return {
        "first_numbers_s": round(median(opens), 2),
        "first_numbers_cold_s": round(opens[0], 2),
        "click_ms": round(median(clicks)),
        "click_cold_ms": round(clicks[0]),
        "dashboard_rss_mb": round(rss, 1),
    }
