"""The dashboard in a real browser: `taizhang serve` on a copy of the demo database, driven
by Debian chromium through Playwright. Overview (a street's bar hovered: its exact score)
→ a click on a street's plotly bar (drilled in place) → a community's bar (in place) → its
cases (Areas page) → case, numbers equal to the KPI layer's at each step; a `taizhang load` from another process while the page is
open shows after the next click; then English. Screenshots go to the test's output folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest

from taizhang.kpi import api as kpi
from taizhang.charts import SCORE_COLOR, SELECTED_COLOR
from taizhang.formatting import is_missing as kpi_is_missing

from browser import WAIT_MS, new_tab
from kpi_fixtures import kpi_call

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=WAIT_MS)


def card(tab, label: str):
    """The value of the KPI card whose label is `label`."""
    return tab.locator(".tz-card").filter(
        has=tab.locator(".tz-label", has_text=re.compile(f"^{label}$"))
    ).locator(".tz-value")


def query(tab) -> dict[str, str]:
    """The page's query parameters (from the page: Playwright's tab.url may lag a replaced URL)."""
    return {k: v[0] for k, v in parse_qs(urlparse(tab.evaluate("location.href")).query).items()}


def click_row(tab, row: int, grid: int = 0) -> None:
    """Select a row of an st.dataframe (a canvas grid) by clicking its row-selection cell."""
    table = tab.locator("[data-testid=stDataFrame]").nth(grid)
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible()
    box = table.bounding_box()
    tab.mouse.click(box["x"] + 15, box["y"] + 35 * (row + 1) + 17)


def chart(tab, key: str):
    """The plotly chart drawn by st.plotly_chart(key=<key>…) (a followed chart's key gets a suffix)."""
    return tab.locator(f'[class*="st-key-{key}"] .js-plotly-plot')


def bar_centre(tab, plot, index: int) -> tuple[float, float]:
    """Where a reader points at bar `index` of a plotly bar chart (its drawn path)."""
    bar = plot.locator("g.point path").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drawn_bars(plot) -> tuple[list[str], list[str]]:
    """A horizontal bar chart as drawn: its bars' names (y tick labels, top first) and texts."""
    names = [t.strip() for t in plot.locator(".ytick text").all_text_contents()]
    tops = plot.locator(".ytick text").evaluate_all(
        "(ts) => ts.map((t) => t.getBoundingClientRect().top)")
    return ([n for _, n in sorted(zip(tops, names))],
            plot.locator(".bars .bartext").all_text_contents())


def rgb(colour: str) -> str:
    """'#0b3c75' as the browser writes a fill: 'rgb(11, 60, 117)'."""
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


def settle(tab) -> None:
    """Wait until Streamlit has finished the current run."""
    time.sleep(0.4)
    tab.locator("[data-testid=stStatusWidget]").wait_for(state="detached")
    time.sleep(0.6)


# The texts of a drawn plotly chart whose boxes overlap (titles, tick labels, axis titles,
# the lines' labels, bar values), as [text, its class, text, its class].
_OVERLAPS = """(chart) => {
  const items = [...chart.querySelectorAll('text')]
    .filter((t) => t.textContent.trim() && t.getBBox().width > 0)
    .map((t) => ({text: t.textContent.trim(), kind: t.getAttribute('class') || t.parentNode.getAttribute('class'),
                  box: t.getBoundingClientRect()}));
  const out = [];
  items.forEach((a, i) => items.slice(i + 1).forEach((b) => {
    if (a.box.left < b.box.right - 1 && b.box.left < a.box.right - 1
        && a.box.top < b.box.bottom - 1 && b.box.top < a.box.bottom - 1)
      out.push([a.text, a.kind, b.text, b.kind]);
  }));
  return out;
}"""


def overlapping_texts(plot) -> list:
    return plot.evaluate(_OVERLAPS)


def totals(db, **where):
    frame = kpi_call(db, kpi.metrics, (), kpi.Filters.make(where=where or None))
    return frame.iloc[0]


def write_ledger(path: Path, street: str, community: str, n: int, prefix: str = "E2E",
                 bad_date: str | None = None) -> None:
    """A small office ledger with `n` new cases in one community, as openpyxl writes it;
    with `bad_date`, one more row whose 反映时间 cannot be read (a reject)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = community
    sheet.append([f"{street}{community}民生问题台账(2022年7月补录)"])
    sheet.append(["编号", "街道", "社区", "议题", "类别", "反映时间", "办理状态", "责任单位"])
    for i in range(n):
        sheet.append([f"{prefix}-2022-{i:03d}", street, community, f"补录问题{i}:路灯不亮",
                      "市政设施", f"2022-07-{20 + i:02d}", "正在解决", "街道城管办"])
    if bad_date:
        sheet.append([f"{prefix}-2022-bad", street, community, "日期写错的问题", "市政设施",
                      bad_date, "正在解决", "街道城管办"])
    book.save(path)


def test_click_through_live_load_and_english(server, page, output_dir, tmp_path):
    url, db, log = server
    tab = page

    # 1. Overview: the headline equals the KPI layer's district total (all the data).
    tab.goto(url + "?period=all")
    district = totals(db)
    expect(card(tab, "已解决")).to_have_text(kpi.format_ratio(district["resolved"], kpi.resolution_base(district)))
    expect(card(tab, "受理")).to_have_text(str(int(district["received"])))
    expect(tab.get_by_text("示例数据").first).to_be_visible()
    plots = tab.locator(".js-plotly-plot")
    expect(plots).to_have_count(3)   # trend, street ranking, categories
    tab.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')]"
                          ".every((c) => c._fullLayout && c.querySelector('.modebar'))")
    # The modebar is reduced: the PNG download stays, zoom and pan are gone.
    expect(plots.first.locator(".modebar-btn[data-title^='Download plot']")).to_have_count(1)
    expect(plots.first.locator(".modebar-btn[data-val='zoom'], .modebar-btn[data-val='pan']")).to_have_count(0)
    settle(tab)
    tab.screenshot(path=output_dir / "01_overview.png")

    # Hover the top street's bar: plotly's hover label says its exact score.
    ranking = kpi_call(db, kpi.ranking, "street", kpi.Filters())
    best = ranking.sort_values("score", ascending=False, kind="stable").iloc[0]
    streets = chart(tab, "street-ranking")
    x, y = bar_centre(tab, streets, 0)
    tab.mouse.move(x, y)
    label = streets.locator(".hoverlayer .hovertext")
    moved = "" if kpi_is_missing(best["rank_change"]) else f" (较上月 {int(best['rank_change']):+d})"
    expect(label).to_have_text(
        f"{best['street']}综合得分: {best['score']:.1f}排名: {int(best['rank'])}{moved}"
        f"受理: {int(best['received'])}考核件数: {int(best['due_cases'])}")
    tab.screenshot(path=output_dir / "01b_hover.png")

    # 2. Click the top bar of the street ranking: the overview drills into that street in
    # place — its numbers, its bar highlighted, its communities ranked beside it, all in the URL.
    tab.mouse.click(x, y)
    tab.wait_for_function("location.search.includes('street=')")
    street = query(tab)["street"]
    assert street == best["street"]
    street_total = totals(db, street=street)
    expect(card(tab, "受理")).to_have_text(str(int(street_total["received"])))
    expect(card(tab, "已解决")).to_have_text(
        kpi.format_ratio(street_total["resolved"], kpi.resolution_base(street_total)))
    communities = kpi_call(db, kpi.ranking, "community", kpi.Filters.make(where={"street": street}))
    ranked = communities.dropna(subset=["score"]).sort_values("score", ascending=False, kind="stable")
    community_plot = chart(tab, "community-ranking")
    expect(community_plot.locator("g.point")).to_have_count(len(ranked))
    settle(tab)
    names, scores = drawn_bars(community_plot)
    assert sorted(names) == sorted(ranked["community"])
    assert sorted(scores) == sorted(f"{s:.1f}" for s in ranked["score"])
    assert community_plot.evaluate("(c) => c.data[0].y") == list(ranked["community"])
    # The clicked street's bar is the dark one.
    streets = chart(tab, "street-ranking")
    fills = streets.locator("g.point path").evaluate_all("(ps) => ps.map((p) => p.style.fill)")
    order = streets.evaluate("(c) => c.data[0].y")
    assert fills[order.index(street)] == rgb(SELECTED_COLOR)
    assert {f for n, f in zip(order, fills) if n != street} == {rgb(SCORE_COLOR)}
    expect(tab.get_by_role("link", name=re.compile(f"{street} 社区明细表"))).to_be_visible()
    community_plot.scroll_into_view_if_needed()   # below the trend
    tab.screenshot(path=output_dir / "02_street.png")

    # 3. Click the top community's bar: drilled in place too; its link opens its cases on
    # the Areas page.
    community = ranked["community"].iloc[0]
    tab.mouse.click(*bar_centre(tab, community_plot, 0))
    tab.wait_for_function("location.search.includes('community=')")
    assert query(tab)["community"] == community and query(tab)["street"] == street
    community_total = totals(db, street=street, community=community)
    expect(card(tab, "受理")).to_have_text(str(int(community_total["received"])))
    settle(tab)  # the run that drew the link has ended: the link clicked is the one shown
    tab.get_by_role("link", name=re.compile(f"{community} 案件明细")).click()
    tab.wait_for_url(re.compile(r"/areas\?.*community="))
    expect(card(tab, "受理")).to_have_text(str(int(community_total["received"])))
    settle(tab)
    tab.screenshot(path=output_dir / "03_community.png")

    # 4. Select the first case: the case page with its source. The grid is a canvas: its
    # first row is clicked once the grid shows that case (its accessible cells name it).
    cases = kpi_call(db, kpi.case_list, kpi.Filters.make(where={"street": street, "community": community}))
    case_id = cases["case_id"].iloc[0]
    grid = tab.locator("[data-testid=stDataFrame]").first
    expect(grid.get_by_text(str(cases["case_no"].iloc[0]), exact=True).first).to_be_attached()
    click_row(tab, 0)
    tab.wait_for_url(re.compile(r"case="))
    assert query(tab)["case"] == case_id
    expect(tab.get_by_role("heading", name=re.compile(re.escape(case_id)))).to_be_visible()
    expect(tab.get_by_text(Path(cases["source_file"].iloc[0]).name).first).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "04_case.png")

    # 5. Another process loads a new ledger while the page is open; no lock error on either side.
    ledger = tmp_path / "补录台账.xlsx"
    write_ledger(ledger, street, community, 3)
    loaded = subprocess.run(
        [sys.executable, "-m", "taizhang", "--db", str(db), "load", str(ledger)],
        capture_output=True, text=True, timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "lock" not in (loaded.stdout + loaded.stderr).lower()
    after = totals(db, street=street, community=community)
    assert after["received"] == community_total["received"] + 3
    settle(tab)
    tab.get_by_role("button", name=re.compile(community)).click()   # breadcrumb back up
    tab.wait_for_url(lambda u: "case=" not in u)
    expect(card(tab, "受理")).to_have_text(str(int(after["received"])))
    expect(tab.get_by_text("补录问题0").first).to_be_attached()  # a cell of the canvas grid
    settle(tab)
    tab.screenshot(path=output_dir / "05_after_load.png")

    # 6. English: same numbers, English words, language kept in the URL.
    settle(tab)
    tab.get_by_role("radio", name="English").click()
    tab.wait_for_url(re.compile(r"lang=en"))
    expect(card(tab, "Received")).to_have_text(str(int(after["received"])))
    expect(tab.get_by_role("heading", name="Streets and communities")).to_be_visible()
    settle(tab)
    tab.screenshot(path=output_dir / "06_english.png")

    # Reloading the URL shows the same view (the state lives in the query string).
    tab.reload()
    expect(card(tab, "Received")).to_have_text(str(int(after["received"])))

    # 7. Data page: upload a ledger through the browser; its summary line and reject show.
    upload = tmp_path / "上传台账.xlsx"
    write_ledger(upload, street, community, 1, prefix="UP", bad_date="某日")
    tab.get_by_role("link", name="Data").click()
    tab.wait_for_url(re.compile(r"/data\?"))
    settle(tab)
    tab.screenshot(path=output_dir / "07a_data.png")
    tab.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(upload)
    tab.get_by_role("button", name="Import").click()
    # The result line in the page's language only (English here), not "中文 / English".
    expect(tab.get_by_text(re.compile("上传台账.xlsx: imported — new 1"))).to_be_visible()
    expect(tab.get_by_text(re.compile("已导入"))).to_have_count(0)
    # The banner above the page counts the new reject at once (it was read before the upload).
    expect(tab.get_by_text(re.compile(r"^7 ledger rows could not be imported"))).to_be_visible()
    # The upload's result table, then the list of every reject: the new one in both, its
    # reason in English only (the stored text keeps both languages for the command line).
    tables = tab.locator("[data-testid=stTable]")
    expect(tables).to_have_count(2)
    for table in (tables.nth(0), tables.nth(1)):
        expect(table.get_by_text("某日", exact=True)).to_be_visible()
        expect(table.get_by_text(
            re.compile(r"Column 反映时间: '某日' is not a date Taizhang can read"))).to_be_visible()
    expect(tab.locator("[data-testid=stTable]").get_by_text(re.compile("不是可识别的日期"))).to_have_count(0)
    history = kpi_call(db, kpi.imports_history)
    assert Path(history["file"].iloc[0]).name == "上传台账.xlsx" and history["rows_rejected"].iloc[0] == 1
    assert not Path(history["file"].iloc[0]).exists()  # no copy of the upload is kept
    settle(tab)
    tab.screenshot(path=output_dir / "07_upload.png")
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_back_and_forward_walk_the_views_shown(server, page, output_dir, lang):
    """District → a street (drilled in place) → a community (Areas page), then Back twice
    and Forward once: each step shows the view it showed before, heading and tab title
    included, in 中文 and in English alike."""
    url, db, log = server
    tab = page
    words = {"zh": ("受理", "总览", "台账看板"), "en": ("Received", "Overview", "Taizhang")}[lang]
    received, overview, app = words
    tab.goto(url + ("?period=all&lang=en" if lang == "en" else "?period=all"))
    district = totals(db)
    expect(card(tab, received)).to_have_text(str(int(district["received"])))
    tab.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')]"
                          ".every((c) => c._fullLayout)")
    settle(tab)
    expect(tab).to_have_title(f"{overview} · {app}")

    streets = chart(tab, "street-ranking")
    tab.mouse.click(*bar_centre(tab, streets, 0))
    tab.wait_for_function("location.search.includes('street=')")
    street = query(tab)["street"]
    street_total = totals(db, street=street)
    expect(card(tab, received)).to_have_text(str(int(street_total["received"])))
    expect(tab.get_by_role("heading", name=f"{street} · {overview}")).to_be_visible()
    expect(tab).to_have_title(f"{street} · {app}")
    community_plot = chart(tab, "community-ranking")
    expect(community_plot.locator("g.point").first).to_be_visible()
    settle(tab)
    community = community_plot.evaluate("(c) => c.data[0].y")[0]
    tab.mouse.click(*bar_centre(tab, community_plot, 0))
    tab.wait_for_function("location.search.includes('community=')")
    community_total = totals(db, street=street, community=community)
    expect(card(tab, received)).to_have_text(str(int(community_total["received"])))
    expect(tab.get_by_role("heading", name=f"{street} › {community} · {overview}")).to_be_visible()
    expect(tab).to_have_title(f"{community} · {app}")
    settle(tab)
    history_length = tab.evaluate("history.length")

    # Back: the street drilled in place on the overview, as it was shown.
    tab.go_back()
    tab.wait_for_function("!location.search.includes('community=')")
    settle(tab)
    assert query(tab).get("street") == street and "community" not in query(tab)
    expect(card(tab, received)).to_have_text(str(int(street_total["received"])))
    expect(tab.get_by_role("heading", name=f"{street} · {overview}")).to_be_visible()
    expect(tab).to_have_title(f"{street} · {app}")
    tab.screenshot(path=output_dir / f"back1_{lang}.png")

    # Back again: the district, as first shown.
    tab.go_back()
    tab.wait_for_function("!location.search.includes('street=')")
    settle(tab)
    assert "street" not in query(tab)
    expect(card(tab, received)).to_have_text(str(int(district["received"])))
    expect(tab.get_by_role("heading", name=overview, exact=True)).to_be_visible()
    expect(tab).to_have_title(f"{overview} · {app}")
    tab.screenshot(path=output_dir / f"back2_{lang}.png")

    # Forward: the street again; no view was added to the history on the way back.
    tab.go_forward()
    tab.wait_for_function("location.search.includes('street=')")
    settle(tab)
    expect(card(tab, received)).to_have_text(str(int(street_total["received"])))
    assert tab.evaluate("history.length") == history_length
    assert "Traceback" not in log.read_text()


def test_phone_layout_keeps_cards_compact_and_the_report_whole(server, browser, output_dir):
    """At 390×844 (a phone): the six cards take under half the screen's height, each card's
    number is drawn at least 20 px high, and the embedded report is the 长图's one column,
    as wide as the screen, with the way to its A4 PDF."""
    url, db, log = server
    tab = new_tab(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab.goto(url + "?period=all")
    expect(card(tab, "受理")).to_have_text(str(int(totals(db)["received"])))
    # The six headline cards (the 12345 measures' row follows them where the data has it).
    headline = tab.locator(".tz-cards").first
    box = headline.bounding_box()
    expect(headline.locator(".tz-card")).to_have_count(6)
    assert box["height"] < 844 / 2, box
    size = tab.locator(".tz-value").first.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 20
    tab.screenshot(path=output_dir / "phone_overview.png")
    tab.goto(url + "/report?period=all")
    frame = tab.frame_locator("iframe").first
    sheet = frame.locator(".sheet")
    expect(sheet).to_be_visible()
    # The report in the 长图's one-column layout, as wide as the frame, its type at least
    # 9 px as drawn; the note under the buttons points to the A4 PDF.
    expect(frame.locator("body.long")).to_have_count(1)
    frame_width = tab.locator("iframe").first.bounding_box()["width"]
    zoom = sheet.evaluate("() => parseFloat(getComputedStyle(document.documentElement).zoom || 1)")
    drawn = sheet.evaluate("(s) => s.offsetWidth") * zoom
    assert frame_width - 40 <= drawn <= frame_width + 1, (drawn, frame_width)
    # The frame is as tall as the column: the phone scrolls the page, not a frame in it.
    tab.wait_for_function("document.querySelector('iframe').offsetHeight > 1300")
    frame_height = tab.locator("iframe").first.bounding_box()["height"]
    assert frame_height >= sheet.evaluate("(s) => s.offsetHeight") * zoom, frame_height
    cell = frame.locator(".rank-block td.text").first
    assert cell.evaluate("(c) => parseFloat(getComputedStyle(c).fontSize)") * zoom >= 9
    expect(tab.get_by_text("手机上月报按长图版式显示")).to_be_visible()
    expect(tab.get_by_role("button", name="下载 PDF")).to_be_visible()
    tab.screenshot(path=output_dir / "phone_report.png", full_page=True)
    assert "Traceback" not in log.read_text()


def drawn_words(element) -> str:
    """What a reader sees of an element whose text CSS may draw over (dashboard/ui.py
    uploader_words): its ::after content when its own text is drawn at size 0, else its text."""
    return element.evaluate("""(e) => {
      const own = parseFloat(getComputedStyle(e).fontSize);
      const after = getComputedStyle(e, '::after').content;
      return own === 0 ? (after === 'none' ? '' : JSON.parse(after)) : e.textContent.trim();
    }""")


def test_the_uploader_speaks_the_pages_language(server, page, output_dir):
    """Streamlit draws its uploader's button, limits line and drop text in English; in 中文
    the page draws them in Chinese (the markup the CSS relies on is Streamlit's: should it
    change, these words turn English again and this test fails). English stays Streamlit's."""
    url, db, log = server
    tab = page
    dropzone = tab.locator("[data-testid=stFileUploaderDropzone]")
    button = dropzone.locator("button p")
    limits = tab.locator("[data-testid=stFileUploaderDropzoneInstructions] > div > span")
    for lang, words in (("zh", ("选择文件", "每个文件不超过 200MB · XLSX、XLS、ODS、CSV", "松开鼠标,放入文件")),
                        ("en", ("Upload", "200MB per file • XLSX, XLS, ODS, CSV", "Drag and drop files here"))):
        tab.goto(url + "/data" + ("?lang=en" if lang == "en" else ""))
        expect(button).to_have_count(1)
        settle(tab)
        assert drawn_words(button) == words[0]
        assert drawn_words(limits) == words[1]
        assert button.bounding_box()["width"] > 20   # drawn, not collapsed
        tab.screenshot(path=output_dir / f"uploader_{lang}.png")
        # A file dragged over the drop zone: its overlay's words.
        files = tab.evaluate_handle("() => { const d = new DataTransfer();"
                                    " d.items.add(new File(['x'], '台账.xlsx')); return d; }")
        dropzone.dispatch_event("dragenter", {"dataTransfer": files})
        overlay = dropzone.locator(":scope > div:not([data-testid]) > span")
        expect(overlay).to_have_count(1)
        assert drawn_words(overlay) == words[2]
        dropzone.dispatch_event("dragleave", {"dataTransfer": files})
    assert "Traceback" not in log.read_text()


def test_the_grid_toolbar_speaks_the_pages_language(server, page, output_dir):
    """The toolbar over a grid names its buttons in tooltips Streamlit writes in English; in
    中文 the page draws them in Chinese (dashboard/ui.py toolbar_words: should Streamlit's
    markup change, the words turn English again and this test fails). English stays as is."""
    url, db, log = server
    tab = page
    for lang, words in (("zh", {"Search": "搜索", "Fullscreen": "全屏"}),
                        ("en", {"Search": "Search", "Fullscreen": "Fullscreen"})):
        tab.goto(url + "/areas" + ("?lang=en" if lang == "en" else ""))
        grid = tab.locator("[data-testid=stDataFrame]").first
        expect(grid).to_be_visible()
        settle(tab)
        for name, word in words.items():
            grid.hover()   # the toolbar shows over the grid under the pointer
            button = tab.locator(f'[data-testid=stElementToolbarButton] button[aria-label^="{name}"]').first
            expect(button).to_be_visible()
            button.hover()
            tip = tab.locator("[data-testid=stTooltipContent] p")
            expect(tip).to_have_count(1)   # shown after the pointer rests a second
            assert drawn_words(tip) == word, (lang, name)
            tab.screenshot(path=output_dir / f"grid_toolbar_{lang}_{name}.png")
            tab.mouse.move(0, 0)
            expect(tip).to_have_count(0)
    assert "Traceback" not in log.read_text()


def test_the_ranking_download_has_a_title_row_and_numbers(server, browser, output_dir, tmp_path):
    """The street ranking's Excel as a reader gets it from the Areas page: a dated name, a
    title row (what, where, as of), a note (period, 考核口径), the header with an
    autofilter, then the KPI layer's numbers as numbers — rates shown 84.6%."""
    url, db, log = server
    tab = new_tab(browser, accept_downloads=True)
    tab.goto(f"{url}/areas?period=custom&from=2022-07-01&to=2022-07-31&as_of=2022-07-31")
    button = tab.get_by_role("button", name="下载本表(Excel)").first
    expect(button).to_be_visible()
    settle(tab)
    with tab.expect_download() as download:
        button.click()
    name = download.value.suggested_filename
    assert name == "街道社区_全区_2022-07-31.xlsx"
    saved = tmp_path / name
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert sheet["A1"].value == "街道社区 · 全区 · 数据截至 2022-07-31"
    note = sheet["A2"].value
    assert "2022-07-01 至 2022-07-31" in note and "考核口径：本期到期或办结" in note
    header = [c.value for c in sheet[3]]
    assert header[:2] == ["排名", "街道(镇)"] and "考核件数" in header
    assert sheet.auto_filter.ref.startswith("A3:")
    ranking = kpi_call(db, kpi.ranking, "street", kpi.Filters.make("2022-07-01", "2022-07-31", "2022-07-31"))
    col = {h: i + 1 for i, h in enumerate(header)}
    assert sheet.max_row - 3 == len(ranking)
    for i, row in enumerate(ranking.to_dict("records"), start=4):
        assert sheet.cell(i, col["街道(镇)"]).value == row["street"]
        assert sheet.cell(i, col["考核件数"]).value == row["due_cases"]
        rate = sheet.cell(i, col["到期解决率"])
        if kpi_is_missing(row["due_resolution_rate"]):
            assert rate.value is None
        else:
            assert rate.data_type == "n" and rate.number_format == "0.0%"
            assert rate.value == pytest.approx(row["due_resolution_rate"])
        score = sheet.cell(i, col["综合得分"])
        assert score.value is None if kpi_is_missing(row["score"]) else score.value == pytest.approx(row["score"])
    assert "Traceback" not in log.read_text()


def test_a_drilled_overview_puts_the_categories_under_both_rankings(server, page, output_dir):
    """Drilled into a street, the communities' ranking sits beside the streets' and the
    categories under both, the page's width (under the communities alone they left the
    space under the street ranking empty); not drilled, the categories sit beside the
    streets."""
    url, db, log = server
    tab = page
    tab.goto(f"{url}/?street=丁公路街道")
    boxes = {}
    for key in ("street-ranking", "community-ranking", "categories"):
        plot = chart(tab, key)
        expect(plot).to_have_count(1)
        plot.scroll_into_view_if_needed()
        boxes[key] = plot.bounding_box()
    settle(tab)
    tab.screenshot(path=output_dir / "overview_street.png", full_page=True)
    streets, communities, categories = boxes["street-ranking"], boxes["community-ranking"], boxes["categories"]
    # No text drawn over another: the street has one community in July, and its chart's
    # long title (丁公路街道 各社区(村)综合排名) ran into its line's label, its axis title
    # into its ticks.
    for key in boxes:
        assert overlapping_texts(chart(tab, key)) == [], key
    assert communities["x"] > streets["x"] + streets["width"] - 1        # side by side
    assert categories["y"] >= max(streets["y"] + streets["height"], communities["y"] + communities["height"])
    assert categories["width"] > 1.5 * streets["width"]                    # the page's width
    tab.goto(url)
    plots = [chart(tab, key) for key in ("street-ranking", "categories")]
    for plot in plots:
        expect(plot).to_have_count(1)
    streets, categories = (p.bounding_box() for p in plots)
    assert categories["x"] > streets["x"] + streets["width"] - 1         # beside the streets
