"""Charts (the dashboard's frames → taizhang/svg.py, the drawer the report shares) and the
Excel export, as plain functions."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import openpyxl
import pandas as pd
import pytest

from dashboard import cards, charts
from dashboard.export import neutralise, xlsx_bytes
from taizhang import svg

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ET.Element:
    """Parse chart markup (it must be well-formed XML to be drawn at all)."""
    return ET.fromstring(markup)


def _tips(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}title")]


def test_trend_svg_draws_the_kpi_columns_in_status_colours():
    trend = pd.DataFrame({"month": ["2022-06", "2022-07"], "received": [100, 120],
                          "resolved": [80, 90], "resolution_rate": [0.8, None]})
    root = _svg(charts.trend_svg(trend, "zh"))
    tips = _tips(root)
    assert "2022-07 受理: 120" in tips and "2022-06 已解决: 80" in tips
    assert "2022-06 解决率: 80.0%" in tips and not any("2022-07 解决率" in t for t in tips)
    fills = {rect.get("fill") for rect in root.iter(f"{SVG}rect")}
    assert {svg.STATUS_COLORS["received"], svg.STATUS_COLORS["resolved"]} <= fills
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert "月度受理与解决" in texts and "100%" in texts
    assert "Resolved" in [el.text for el in _svg(charts.trend_svg(trend, "en")).iter(f"{SVG}text")]


def test_ranking_svg_carries_each_street_for_click_through():
    ranking = pd.DataFrame({"street": ["南站街道", "桃花镇", "新区<b>"], "score": [70.0, 85.5, None],
                            "rank": [2, 1, None]})
    root = _svg(charts.ranking_svg(ranking, "street", "zh", selected="南站街道"))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("data-area")]
    # Unscored areas are left out; best on top.
    assert [g.get("data-area") for g in bars] == ["桃花镇", "南站街道"]
    selected = [r.get("fill") for r in bars[1].iter(f"{SVG}rect")]
    assert svg.SELECTED_COLOR in selected and svg.SCORE_COLOR not in selected
    assert "桃花镇\n综合得分: 85.5" in _tips(root)
    titled = _svg(charts.ranking_svg(ranking, "street", "zh", title="南站街道 各社区"))
    assert titled.get("aria-label") == "南站街道 各社区"
    # Names from ledgers are escaped, never markup.
    odd = pd.DataFrame({"street": ["新区<b>\"x"], "score": [50.0], "rank": [1]})
    assert [g.get("data-area") for g in _svg(charts.ranking_svg(odd)).iter(f"{SVG}g")
            if g.get("data-area")] == ['新区<b>"x']


def test_category_svg_stacks_statuses_with_the_same_colours():
    categories = pd.DataFrame({"category": ["停车", "环境卫生"], "received": [5, 9], "resolved": [3, 8],
                               "in_progress": [1, 1], "pending": [1, 0], "deferred": [0, 0]})
    root = _svg(charts.category_svg(categories, "zh"))
    tips = _tips(root)
    assert "环境卫生\n已解决: 8" in tips and "停车\n正在解决: 1" in tips
    assert not any("暂缓" in t for t in tips)  # a zero segment is not drawn
    labels = [el.text for el in root.iter(f"{SVG}text") if el.text in ("停车", "环境卫生")]
    assert labels == ["环境卫生", "停车"]  # largest first, on top
    fills = {rect.find(f"{SVG}title").text.split("\n")[1].split(":")[0]: rect.get("fill")
             for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None}
    assert fills == {"已解决": svg.STATUS_COLORS["resolved"],
                     "正在解决": svg.STATUS_COLORS["in_progress"],
                     "未启动": svg.STATUS_COLORS["pending"]}


# The shared drawer (taizhang/svg.py) on both media: the report prints what the dashboard shows.

NAMES = svg.TrendNames("受理", "已解决", "解决率", empty="无数据")
MEDIA = {"screen": (svg.SCREEN, 940, 300), "print": (svg.PRINT, 380, 178)}


def _trend(points, medium: str) -> ET.Element:
    chosen, width, height = MEDIA[medium]
    return _svg(svg.trend_svg(points, NAMES, chosen, width, height))


def test_axis_ticks_are_round_whole_and_cover_the_data():
    assert svg.nice_ticks(308, 3) == [0, 200, 400]
    assert svg.nice_ticks(165) == [0, 50, 100, 150, 200]
    assert svg.nice_ticks(100) == [0, 25, 50, 75, 100]
    assert svg.nice_ticks(9) == [0, 5, 10]  # counts are whole: never a step of 2.5
    assert svg.nice_ticks(3) == [0, 1, 2, 3]
    assert svg.nice_ticks(0) == [0, 1]


def test_screen_and_print_share_colours_and_ticks_and_differ_in_behaviour():
    points = [svg.TrendPoint(f"{m}月", 100 + m, 80, 0.8) for m in range(1, 13)]
    screen, printed = _trend(points, "screen"), _trend(points, "print")
    for root in (screen, printed):
        fills = {r.get("fill") for r in root.iter(f"{SVG}rect")}
        assert fills == {svg.STATUS_COLORS["received"], svg.STATUS_COLORS["resolved"]}
        assert {c.get("fill") for c in root.iter(f"{SVG}circle")} == {svg.RATE_COLOR}
    ticks = [[t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"
              and t.get("fill") == svg.AXIS_COLOR] for root in (screen, printed)]
    assert ticks[0] == ticks[1] == ["0", "50", "100", "150"]
    # Screen: scales with its column, hover titles. Print: fixed size, no pointer markup.
    assert screen.get("width") == "100%" and _tips(screen)
    assert (printed.get("width"), printed.get("height")) == ("380", "178") and not _tips(printed)
    bars = [("南站街道", 80.0)]
    assert 'data-area="南站街道"' in svg.ranking_svg(bars, "排名", "得分")
    plain = svg.ranking_svg(bars, "排名", "得分", medium=svg.PRINT)
    assert "data-area" not in plain and "<title>" not in plain and "南站街道" in plain


@pytest.mark.parametrize("medium", MEDIA)
def test_trend_never_draws_an_undefined_rate_as_zero(medium):
    points = [svg.TrendPoint("1月", 10, 8, 0.8), svg.TrendPoint("2月", 12, 9, 0.75),
              svg.TrendPoint("3月", 0, 0, None), svg.TrendPoint("4月", 5, 5, 1.0),
              svg.TrendPoint("5月", 4, 2, 0.5)]
    root = _trend(points, medium)
    # The line stops at March and starts again; a dot for each of the four defined months
    # and the legend's.
    assert [len(p.get("points").split()) for p in root.iter(f"{SVG}polyline")] == [2, 2]
    assert len(list(root.iter(f"{SVG}circle"))) == 4 + 1
    markup = ET.tostring(root, encoding="unicode")
    assert "nan" not in markup.lower() and "无数据" not in markup
    empty = _trend([svg.TrendPoint("1月", 0, 0, None)] * 12, medium)
    assert "无数据" in [t.text for t in empty.iter(f"{SVG}text")]
    assert not list(empty.iter(f"{SVG}polyline"))


@pytest.mark.parametrize("medium", MEDIA)
def test_trend_axis_makes_room_for_a_city_s_counts(medium):
    """Seven-digit counts (a city's month) are not cut at the chart's left edge."""
    size = MEDIA[medium][0].text
    for received in (146, 317540, 1734567):
        root = _trend([svg.TrendPoint("1月", received, received // 2, 0.5)] * 12, medium)
        labels = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"
                  and t.get("fill") == svg.AXIS_COLOR]
        assert labels[-1].text == svg.format_number(svg.nice_ticks(received)[-1])
        # Right-aligned at x: the widest label (digits ≈ 0.6 em) starts inside the chart.
        assert min(float(t.get("x")) - 0.6 * size * len(t.text) for t in labels) >= 0


def test_cards_show_values_and_changes_escaped_and_coloured():
    assert cards.tone_of(146, "normal") == ("good", "up")
    assert cards.tone_of(-0.005, "normal") == ("bad", "down")
    assert cards.tone_of(2, "inverse") == ("bad", "up")       # more days to close is worse
    assert cards.tone_of(46, "off") == ("flat", "up")
    assert cards.tone_of(0, "normal") == ("flat", None) and cards.tone_of(None, "normal") == ("flat", None)
    markup = cards.cards_html([cards.Card("received", "受理", "2090", "+146 环比", "good", "up", 3),
                               cards.Card("x", "<b>", "—")])
    assert '<div class="tz-label">受理</div><div class="tz-value">2090</div>' in markup
    assert '<div class="tz-delta tz-good">↑ +146 环比</div>' in markup
    assert "span 3" in markup and "&lt;b&gt;" in markup and "<b>" not in markup


def test_xlsx_export_neutralises_formula_text():
    frame = pd.DataFrame({"问题": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "楼道堆物"],
                          "天数": [1, -2, 3, 4, 5]})
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame, "督办清单")))
    sheet = book["督办清单"]
    texts = [sheet.cell(row=r, column=1).value for r in range(2, 7)]
    assert texts == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "楼道堆物"]
    assert [sheet.cell(row=r, column=2).value for r in range(2, 7)] == [1, -2, 3, 4, 5]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 7))
    assert neutralise(None) is None


def test_screen_and_report_colour_a_change_alike(monkeypatch):
    """One rule for a change's colour and arrow: a rate moving by 0.02 points (shown as
    '-0.0pp') is neither red nor ↓ on the dashboard, and every card the two share has
    the same tone on screen as in the report (受理 rising is neither good nor bad)."""
    from dashboard import ui
    from report import sections

    metrics = {"received": 2090, "resolved": 1769, "cancelled": 0, "referred": 0, "in_progress": 300,
               "median_days": 4.5,
               "on_time_rate": 0.8, "satisfaction_rate": 0.9, "rated": 600, "overdue_open": 12}
    delta = {"received": 146, "resolved": -20, "in_progress": 0, "median_days": 1.5,
             "on_time_rate": -0.0002, "satisfaction_rate": -0.024, "rated": 3, "overdue_open": 2}
    head = {"metrics": metrics, "delta_month": delta, "delta_year": delta}
    shown = []
    monkeypatch.setattr(cards, "show", shown.extend)
    ui.headline_cards(head, "zh")
    screen = {card.key: card for card in shown}
    assert screen["on_time_rate"].change_text == "-0.0pp 环比"
    assert (screen["on_time_rate"].tone, screen["on_time_rate"].arrow) == ("flat", None)
    assert '<div class="tz-delta tz-flat">-0.0pp 环比</div>' in cards.cards_html(shown)
    assert (screen["satisfaction_rate"].tone, screen["satisfaction_rate"].arrow) == ("bad", "down")
    assert (screen["received"].tone, screen["received"].arrow) == ("flat", "up")
    assert (screen["median_days"].tone, screen["median_days"].arrow) == ("bad", "up")

    report = dict(zip(sections.CARDS, sections.cards(head, head, "zh")))
    arrows = {"▲": "up", "▼": "down", "": None}
    for key, card in screen.items():
        assert (card.tone, card.arrow) == (report[key].mom.tone, arrows[report[key].mom.arrow]), key


def test_12345_cards_only_where_the_ledger_has_them(monkeypatch):
    """The second row: a 12345 measure is a card only when defined (a ledger without 签收
    times has no 响应率 card), cancelled/referred only when some case ended so; a falling
    response rate and a rising reopened rate are bad."""
    from dashboard import ui

    metrics = {"received": 20, "resolved": 10, "cancelled": 0, "referred": 2, "in_progress": 8,
               "median_days": 3.0, "on_time_rate": 0.8, "satisfaction_rate": 0.9,
               "response_rate": 0.75, "median_hours": None, "feedback_on_time_rate": None,
               "reopened_rate": 0.1, "return_rate": 0.1}
    delta = {"response_rate": -0.05, "reopened_rate": 0.02}
    shown = []
    monkeypatch.setattr(cards, "show", shown.extend)
    ui.headline_cards({"metrics": metrics, "delta_month": delta}, "zh")
    screen = {card.key: card for card in shown}
    assert screen["resolved"].value == "10/18 (55.6%)"  # 2 referred are not judged
    assert {"response_rate", "reopened_rate", "return_rate", "referred"} <= set(screen)
    assert not {"median_hours", "feedback_on_time_rate", "cancelled"} & set(screen)
    assert (screen["response_rate"].value, screen["referred"].value) == ("75.0%", "2")
    assert (screen["response_rate"].tone, screen["response_rate"].arrow) == ("bad", "down")
    assert (screen["reopened_rate"].tone, screen["reopened_rate"].arrow) == ("bad", "up")
