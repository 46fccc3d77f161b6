"""Dashboard timings in a real browser: Debian Chromium (Playwright) against `taizhang serve`.

first_numbers_s: from opening the overview (the navigation's start, by the page's clock)
until the frame after the 受理 card shows the number the KPI layer gives. click_ms: from a click on a street's bar in the overview's ranking until
the overview shows that street's own 受理 number and every one of its ranked communities
with the score the KPI layer gives (the click drills in place, docs/dashboard.md), timed in
the page; click_page_done_ms: until the click's script run has ended (the street's trend and
categories drawn too; to ±0.3 s, Playwright's side). charts_s: from page.goto of the
overview until every chart on it (trend, street ranking, categories) is an interactive
plotly chart (plotly.js has laid it out, `_fullLayout`, and put up its modebar), by the
page's clock from the navigation's start.
dashboard_rss_mb: the peak resident memory (VmHWM) of the server's processes, summed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from benchmarks.measure import median
from taizhang.dashboard import server as dashboard_server
from taizhang.report.render import CHROMIUM, CHROMIUM_ARGS

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
    """Wait until the page's script run has ended (Streamlit marks its state on the app)."""
    time.sleep(0.3)
    tab.wait_for_function(
        "document.querySelector('[data-test-script-state]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=WAIT_MS)


# In the page: from the click's pointerdown until the frame after the DOM shows the
# clicked street's own 受理 number on its card and every one of its ranked communities
# with its score in the community ranking (so a stale page never counts). Timed by the
# browser's clock, so neither Playwright's polling nor its protocol adds to the figure.
_WATCH_CLICK = """
({received, communities, waitMs}) => ({done: new Promise((resolve, reject) => {
  const shown = () => {
    const card = [...document.querySelectorAll('.tz-card')].find(
      (c) => c.querySelector('.tz-label')?.textContent === '受理');
    if (card?.querySelector('.tz-value')?.textContent !== received) return false;
    // The plotly chart as drawn: its bars' names (y tick labels) and scores (bar texts).
    const chart = document.querySelector('[class*="st-key-community-ranking"] .js-plotly-plot');
    if (!chart?._fullLayout) return false;
    const names = [...chart.querySelectorAll('.ytick text')].map((t) => t.textContent.trim());
    const scores = [...chart.querySelectorAll('.bars .bartext')].map((t) => t.textContent);
    // (plotly writes the tick labels bottom to top and the bar texts top to bottom)
    const sorted = (list) => JSON.stringify([...list].sort());
    return sorted(names) === sorted(communities.map(([name]) => name))
      && sorted(scores) === sorted(communities.map(([, score]) => score));
  };
  document.addEventListener('pointerdown', () => {
    const clicked = performance.now();
    const check = () => {
      if (!shown()) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - clicked));
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                     attributes: true});
    check();
  }, {capture: true, once: true});
  setTimeout(() => reject(new Error('the street and its communities never showed')), waitMs);
})})
"""


# In the page, from the navigation's start: the frame after the DOM first shows the 受理
# card with the KPI layer's number. Timed by the page's clock: Playwright's polling would
# add its interval, and could not look while the browser parses plotly.js (1–3 s in one
# task) even though the cards were painted before it.
_WATCH_NUMBERS = """
window.taizhangNumbers = new Promise((resolve) => {
  new MutationObserver((changes, observer) => {
    const card = [...document.querySelectorAll('.tz-card')].find(
      (c) => c.querySelector('.tz-label')?.textContent === '受理');
    if (card?.querySelector('.tz-value')?.textContent !== RECEIVED) return;
    observer.disconnect();
    requestAnimationFrame(() => resolve(performance.now()));
  }).observe(document, {subtree: true, childList: true, characterData: true});
});
"""

# Every chart of the overview drawn and interactive: the page's clock when it was so.
_CHARTS_READY = """(count) => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')];
  return charts.length >= count && charts.every((c) => c._fullLayout && c.querySelector('.modebar'))
    && performance.now();
}"""
STREET_BARS = '[class*="st-key-street-ranking"] .js-plotly-plot'


def measure_dashboard(db: Path, repeat: int, say) -> dict:
    """first_numbers_s (median of `repeat` opens), charts_s, click_ms (median of clicks on
    streets), RSS."""
    from taizhang.kpi import api as kpi
    from playwright.sync_api import expect, sync_playwright
    from taizhang.db import reading

    with reading(db) as con:
        received = kpi.headline(con, kpi.Filters())["metrics"]["received"]
        street_received = {
            row.street: int(row.received)
            for row in kpi.metrics(con, ("street",), kpi.Filters()).itertuples()
        }

    def communities(street: str) -> list[tuple[str, str]]:
        """(community, score as the chart writes it) of each ranked community of `street`."""
        with reading(db) as con:
            frame = kpi.ranking(con, "community", kpi.Filters.make(where={"street": street}))
        frame = frame.dropna(subset=["score"])
        return [(str(c), f"{float(s):.1f}") for c, s in zip(frame["community"], frame["score"])]

    log = db.with_suffix(".serve.log")
    process, url = dashboard_server.start(db, log)
    opens, charts, clicks, done = [], [], [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for i in range(repeat):
                    tab = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
                    tab.set_default_timeout(WAIT_MS)
                    tab.add_init_script(_WATCH_NUMBERS.replace("RECEIVED", repr(str(received))))
                    # All the data, as `received` counts it (the default is the latest month).
                    tab.goto(f"{url}/?period=all")
                    expect(_card(tab, "受理")).to_have_text(str(received), timeout=WAIT_MS)
                    opens.append(tab.evaluate("window.taizhangNumbers") / 1000)
                    say(f"  open {i + 1}/{repeat}: numbers after {opens[-1]:.2f} s")
                    ready = tab.wait_for_function(_CHARTS_READY, arg=3, polling="raf",
                                                  timeout=WAIT_MS)
                    charts.append(ready.json_value() / 1000)
                    say(f"  every chart interactive after {charts[-1]:.2f} s")
                    # Click the i-th street of the ranking: a street not shown before, whose
                    # answers come from the server's prefetch if it has got that far (as a
                    # user's click would), else are computed for this click.
                    _settle(tab)
                    ranking = tab.locator(STREET_BARS)
                    count = ranking.locator("g.point").count()
                    bar = ranking.locator("g.point path").nth(i % count)
                    street = ranking.evaluate(f"(chart) => chart.data[0].y[{i % count}]")
                    expected = {"received": str(street_received[street]),
                                "communities": communities(street), "waitMs": WAIT_MS}
                    watch = tab.evaluate_handle(_WATCH_CLICK, expected)
                    # The bar itself, where a reader's pointer goes: scrolled into view
                    # first, as a reader would (the fifth street's bar lies below a 1200 px
                    # window, and a click outside the window reaches nothing).
                    bar.scroll_into_view_if_needed()
                    box = bar.bounding_box()
                    clicked = time.perf_counter()
                    tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                    clicks.append(tab.evaluate("(watch) => watch.done", watch))
                    # The view is in the URL (a reload or a shared link shows the same).
                    href = tab.evaluate("location.href")
                    assert parse_qs(urlparse(href).query)["street"] == [street], href
                    # The rest of the page (the street's trend and categories) comes after:
                    # wait for it, so the next open does not share the server with this run.
                    _settle(tab)
                    done.append((time.perf_counter() - clicked) * 1000)
                    say(f"  click on {street}: its communities after {clicks[-1]:.0f} ms, "
                        f"the whole page after ~{done[-1]:.0f} ms")
                    tab.close()
            finally:
                browser.close()
        rss = peak_rss_mb(process.pid)
    finally:
        dashboard_server.stop(process)
    return {
        "first_numbers_s": round(median(opens), 2),
        "first_numbers_cold_s": round(opens[0], 2),
        "charts_s": round(median(charts), 2),
        "charts_cold_s": round(charts[0], 2),
        "click_ms": round(median(clicks)),
        "click_cold_ms": round(clicks[0]),
        "click_page_done_ms": round(median(done)),
        "dashboard_rss_mb": round(rss, 1),
    }
