"""Charts (taizhang/charts.py: KPI frames → plotly figures, shared by dashboard and report),
the click on a bar, the KPI cards and the Excel export, as plain functions."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from taizhang.dashboard import cards
from taizhang.dashboard.charts import clicked_area
from taizhang.dashboard.export import Title, xlsx_bytes
from taizhang import charts

TREND = pd.DataFrame({"month": ["2022-06", "2022-07", "2022-08"], "received": [1769, 120, 0],
                      "resolved": [1500, 90, 0], "resolution_rate": [0.8458, 0.75, None]})


def _hover(trace, i: int) -> str:
    """The hover label of point i as plotly.js writes it: the template with its customdata."""
    text = trace.hovertemplate.replace("<extra></extra>", "")
    custom = trace.customdata[i]
    if isinstance(custom, (list, tuple)):
        for k, value in enumerate(custom):
            text = text.replace(f"%{{customdata[{k}]}}", str(value))
    return text.replace("%{customdata}", str(custom)).replace("%{y}", str(trace.y[i]))


def test_trend_figure_draws_the_kpi_columns_with_exact_hover_values():
    fig = charts.trend_figure(TREND, "zh")
    received, resolved, rate = fig.data
    assert (received.type, resolved.type, rate.type) == ("bar", "bar", "scatter")
    assert list(received.x) == ["2022-06", "2022-07", "2022-08"]
    assert list(received.y) == [1769, 120, 0] and list(resolved.y) == [1500, 90, 0]
    assert received.marker.color == charts.STATUS_COLORS["received"]
    assert resolved.marker.color == charts.STATUS_COLORS["resolved"]
    # Hover: the number as the cards write it (no thousands separator, one decimal rate).
    assert _hover(received, 0) == "受理: 1769" and _hover(rate, 0) == "解决率: 84.6% (1500/1769)"
    # An undefined rate is a gap in the line, never 0.
    assert rate.y[2] is None and rate.yaxis == "y2"
    layout = fig.layout
    assert layout.yaxis2.tickformat == ".0%" and layout.yaxis2.range == (0, charts.RATE_TOP)
    assert layout.yaxis.tickformat == "d" and layout.separators == ".,"
    assert layout.title.text == "月度受理与解决" and layout.hovermode == "x unified"
    english = charts.trend_figure(TREND, "en")
    assert [t.name for t in english.data] == ["Received", "Resolved", "Resolution rate"]


def test_ranking_figure_carries_each_area_for_the_click():
    ranking = pd.DataFrame({"street": ["南站街道", "桃花镇", "新区"], "score": [70.0, 85.55, None],
                            "rank": [2, 1, None]})
    fig = charts.ranking_figure(ranking, "street", "zh", selected="南站街道")
    (bars,) = fig.data
    # Unscored areas are left out; best on top (the axis runs downwards).
    assert list(bars.y) == ["桃花镇", "南站街道"] and fig.layout.yaxis.autorange == "reversed"
    assert list(bars.marker.color) == [charts.SCORE_COLOR, charts.SELECTED_COLOR]
    assert list(bars.text) == ["85.5", "70.0"]  # as the tables write a score
    assert _hover(bars, 0).startswith("桃花镇<br>综合得分: 85.5<br>排名: 1")
    assert fig.layout.title.text == "街道综合排名"
    titled = charts.ranking_figure(ranking, "street", "zh", title="南站街道 各社区(村)综合排名")
    assert titled.layout.title.text == "南站街道 各社区(村)综合排名"


def test_names_from_the_data_are_drawn_as_typed_and_clicked_as_stored():
    hostile = '<a href="http://example.invalid">南站</a>&<b>x</b>'
    ranking = pd.DataFrame({"street": [hostile, None], "score": [80.0, 60.0], "rank": [1, 2]})
    (bars,) = charts.ranking_figure(ranking, "street", "zh").data
    # plotly.js reads <a>, <b> in tick and hover labels as markup: entities show them as text.
    drawn = '&lt;a href="http://example.invalid"&gt;南站&lt;/a&gt;&amp;&lt;b&gt;x&lt;/b&gt;'
    assert list(bars.y) == [drawn, "未明确区域"]  # a case without a street is not 'nan'
    assert "<a" not in _hover(bars, 0) and _hover(bars, 0).startswith(drawn)
    # The click hands back the stored name; the bar of cases without an area drills nowhere.
    assert [c[0] for c in bars.customdata] == [hostile, ""]
    assert clicked_area({"selection": {"points": [{"customdata": list(bars.customdata[0])}]}}) == hostile
    assert clicked_area({"selection": {"points": [{"customdata": list(bars.customdata[1])}]}}) is None
    categories = pd.DataFrame({"category": ["<i>停车</i>"], "received": [1], "resolved": [1],
                               "in_progress": [0], "pending": [0], "deferred": [0]})
    assert list(charts.category_figure(categories, "zh").data[0].y) == ["&lt;i&gt;停车&lt;/i&gt;"]


def test_a_click_on_a_bar_names_its_area():
    event = {"selection": {"points": [{"x": 85.5, "y": "桃花镇", "customdata": ["桃花镇", "85.5"],
                                       "point_index": 0}], "point_indices": [0]}}
    assert clicked_area(event) == "桃花镇"
    assert clicked_area({"selection": {"points": [{"y": "南站街道"}]}}) == "南站街道"
    assert clicked_area({"selection": {"points": [], "point_indices": []}}) is None
    assert clicked_area(None) is None


def test_category_figure_stacks_statuses_with_the_same_colours():
    categories = pd.DataFrame({"category": ["停车", "环境卫生", None], "received": [5, 9, 1],
                               "resolved": [3, 8, 1], "in_progress": [1, 1, 0],
                               "pending": [1, 0, 0], "deferred": [0, 0, 0]})
    fig = charts.category_figure(categories, "zh")
    assert [t.name for t in fig.data] == ["已解决", "正在解决", "未启动", "暂缓"]
    assert [t.marker.color for t in fig.data] == [charts.STATUS_COLORS[s] for s in charts.STATUSES[:4]]
    # 撤单 / 转办退回 are drawn where the slice has them, and not listed in the legend otherwise
    with_cancelled = charts.category_figure(categories.assign(cancelled=[0, 2, 0], referred=0), "zh")
    assert [t.name for t in with_cancelled.data] == ["已解决", "正在解决", "未启动", "暂缓", "撤单"]
    assert list(with_cancelled.data[4].x) == [2, 0, 0]
    assert list(fig.data[0].y) == ["环境卫生", "停车", "—"]  # largest first, on top
    assert list(fig.data[0].x) == [8, 3, 1] and fig.layout.barmode == "stack"
    assert _hover(fig.data[1], 1) == "停车<br>正在解决: 1"


def test_screen_and_print_draw_the_same_trend_at_different_sizes():
    screen = charts.trend_figure(TREND, "zh", charts.SCREEN)
    printed = charts.trend_figure(TREND, "zh", charts.PRINT, empty="无数据")
    for a, b in zip(screen.data, printed.data):
        assert list(a.y) == list(b.y) and a.marker.color == b.marker.color
    assert list(printed.data[0].x) == ["6月", "7月", "8月"]
    assert (printed.layout.width, printed.layout.height) == (380, 164)
    assert screen.layout.width is None and printed.layout.title.text is None
    assert not printed.layout.annotations  # cases in the period: no "无数据"
    empty = TREND.assign(received=0, resolved=0, resolution_rate=None)
    assert charts.trend_figure(empty, "zh", charts.PRINT, empty="无数据").layout.annotations[0].text == "无数据"


def test_modebar_is_reduced_and_keeps_the_png_download():
    config = charts.config("trend")
    assert config["displaylogo"] is False
    assert "toImage" not in config["modeBarButtonsToRemove"]
    assert {"zoom2d", "pan2d", "select2d", "lasso2d"} <= set(config["modeBarButtonsToRemove"])
    assert config["toImageButtonOptions"]["filename"] == "trend"


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
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame, "督办清单", Title("=1+1", "@SUM(A1)"))))
    sheet = book["督办清单"]
    texts = [sheet.cell(row=r, column=1).value for r in range(4, 9)]
    # stored as text cells, inert, and shown exactly as written (no stray ')
    assert texts == ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "楼道堆物"]
    assert [sheet.cell(row=r, column=2).value for r in range(4, 9)] == [1, -2, 3, 4, 5]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(1, 9) if r != 3)
    assert (sheet["A1"].value, sheet["A2"].value) == ("=1+1", "@SUM(A1)")


def test_screen_and_report_colour_a_change_alike(monkeypatch):
    """One rule for a change's colour and arrow: a rate moving by 0.02 points (shown as
    '-0.0pp') is neither red nor ↓ on the dashboard, and every card the two share has
    the same tone on screen as in the report (受理 rising is neither good nor bad)."""
    from taizhang.dashboard import ui
    from taizhang.report import sections

    metrics = {"received": 2090, "resolved": 1769, "cancelled": 0, "referred": 0, "in_progress": 300,
               "median_days": 4.5,
               "on_time_rate": 0.8, "satisfaction_rate": 0.9, "rated": 600, "overdue_open": 12}
    delta = {"received": 146, "resolved": -20, "in_progress": 0, "median_days": 1.5,
             "on_time_rate": -0.0002, "satisfaction_rate": -0.024, "rated": 3, "overdue_open": 2}
    head = {"metrics": metrics, "delta_month": delta, "delta_year": delta}
    shown = []
    monkeypatch.setattr(cards, "show", lambda drawn, **_: shown.extend(drawn))
    ui.headline_cards(head, "zh")
    screen = {card.key: card for card in shown}
    assert screen["on_time_rate"].change_text == "较上月 -0.0pp"
    assert (screen["on_time_rate"].tone, screen["on_time_rate"].arrow) == ("flat", None)
    assert '<div class="tz-delta tz-flat">较上月 -0.0pp</div>' in cards.cards_html(shown)
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
    from taizhang.dashboard import ui

    metrics = {"received": 20, "resolved": 10, "cancelled": 0, "referred": 2, "in_progress": 8, "rated": 6,
               "median_days": 3.0, "on_time_rate": 0.8, "satisfaction_rate": 0.9,
               "response_rate": 0.75, "median_hours": None, "feedback_on_time_rate": None,
               "reopened_rate": 0.1, "return_rate": 0.1}
    delta = {"response_rate": -0.05, "reopened_rate": 0.02}
    shown = []
    monkeypatch.setattr(cards, "show", lambda items, footer=None: shown.extend(items))
    ui.headline_cards({"metrics": metrics, "delta_month": delta}, "zh")
    screen = {card.key: card for card in shown}
    assert screen["resolved"].value == "10/18 (55.6%)"  # 2 referred are not judged
    assert {"response_rate", "reopened_rate", "return_rate", "referred"} <= set(screen)
    assert not {"median_hours", "feedback_on_time_rate", "cancelled"} & set(screen)
    assert (screen["response_rate"].value, screen["referred"].value) == ("75.0%", "2")
    assert (screen["response_rate"].tone, screen["response_rate"].arrow) == ("bad", "down")
    assert (screen["reopened_rate"].tone, screen["reopened_rate"].arrow) == ("bad", "up")


def test_an_immature_month_is_drawn_apart_and_targets_are_lines():
    """July has 7 open cases not yet due (received 10 = resolved 3 + 7): its rate is on the
    dotted trace only, June's on both (where the dotted one starts), May's on the solid."""
    trend = pd.DataFrame({"month": ["2022-05", "2022-06", "2022-07"], "received": [10, 10, 10],
                          "resolved": [9, 8, 3], "resolution_rate": [0.9, 0.8, 0.3],
                          "overdue_open": [1, 2, 0], "deferred": [0, 0, 0]})
    fig = charts.trend_figure(trend, "zh", target=0.9)
    solid, dotted = fig.data[2], fig.data[3]
    assert list(solid.y) == [0.9, 0.8, None]
    assert list(dotted.y) == [None, 0.8, 0.3] and dotted.line.dash == "dot"
    assert "尚有未到期案件" in dotted.customdata[2] and "尚有未到期案件" not in dotted.customdata[1]
    (line,) = fig.layout.shapes
    assert (line.y0, line.yref, line.label.text) == (0.9, "y2", "目标 90.0%")
    ranking = pd.DataFrame({"street": ["甲", "乙"], "score": [90.0, 70.0], "rank": [1, 2],
                            "rank_change": [2, None], "received": [40, 12], "due_cases": [30, 9]})
    bars = charts.ranking_figure(ranking, "street", "zh", average=81.25, target=80)
    assert [s.x0 for s in bars.layout.shapes] == [81.25, 80]
    assert bars.layout.shapes[0].label.text == "全区 81.2"
    assert _hover(bars.data[0], 0) == "甲<br>综合得分: 90.0<br>排名: 1 (较上月 +2)<br>受理: 40<br>考核件数: 30"
    assert _hover(bars.data[0], 1) == "乙<br>综合得分: 70.0<br>排名: 2<br>受理: 12<br>考核件数: 9"


def test_only_the_trailing_months_waiting_on_deadlines_are_immature():
    """An older month with a case on a long deadline, or with cancelled and referred cases
    (never due), is drawn solid: only the trailing run of waiting months is dotted."""
    trend = pd.DataFrame({"month": ["2022-04", "2022-05", "2022-06", "2022-07"],
                          "received": [10, 10, 10, 10], "resolved": [8, 8, 8, 3],
                          "resolution_rate": [0.8, 0.8, 0.8, 0.3], "overdue_open": [1, 0, 2, 0],
                          "deferred": [0, 0, 0, 0], "cancelled": [0, 1, 0, 0], "referred": [0, 1, 0, 0]})
    solid, dotted = charts.trend_figure(trend, "zh").data[2:4]
    assert list(solid.y) == [0.8, 0.8, 0.8, None]      # April waits on one case: still solid
    assert list(dotted.y) == [None, None, 0.8, 0.3]


def test_rank_history_draws_each_street_by_month_with_gaps():
    frame = pd.DataFrame({"month": ["2022-06", "2022-07", "2022-06", "2022-07"],
                          "street": ["甲", "甲", "乙", "乙"], "rank": [1, 2, 2, None]})
    fig = charts.rank_history_figure(frame, "street", "zh", selected="甲")
    lines = {trace.name: list(trace.y) for trace in fig.data}
    assert lines == {"甲": [1, 2], "乙": [2, None]}
    assert list(fig.layout.yaxis.range) == [2.5, 0.5]   # rank 1 on top


def _fonts(layout) -> list[float]:
    """The sizes of every `font` dict in a layout."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            font = node.get("font")
            if isinstance(font, dict) and isinstance(font.get("size"), (int, float)):
                found.append(font["size"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(layout)
    return found


def test_no_screen_chart_text_is_smaller_than_12_px_and_the_trend_legend_is_under_its_title():
    """A phone shows a chart at its own size: no text under 12 px (the target line's and
    the district average's labels were 10.8); the trend's legend sits on a line of its own
    under the title, from the left, not over the title and the chart's buttons."""
    ranking = pd.DataFrame({"street": ["甲", "乙"], "score": [80.0, 60.0], "rank": [1, 2],
                            "received": [10, 8], "due_cases": [9, 7], "rank_change": [1, -1]})
    categories = pd.DataFrame({"category": ["物业", "交通"], "received": [5, 3], "resolved": [3, 1],
                               "in_progress": [2, 2]})
    history = pd.DataFrame({"month": ["2022-06", "2022-07"] * 2, "street": ["甲", "甲", "乙", "乙"],
                            "rank": [1, 2, 2, 1]})
    figures = [charts.trend_figure(TREND, "zh", target=0.9),
               charts.ranking_figure(ranking, "street", "zh", average=70.0),
               charts.category_figure(categories, "zh"),
               charts.rank_history_figure(history, "street", "zh", selected="甲")]
    for fig in figures:
        layout = fig.to_plotly_json()["layout"]
        sizes = _fonts(layout)
        assert sizes and min(sizes) >= 12, (layout.get("title"), sizes)
    trend = figures[0].layout
    assert (trend.legend.x, trend.legend.xanchor, trend.legend.yref) == (0, "left", "container")
    # the legend's top is below the title's line (the title sits at the container's top)
    assert (1 - trend.legend.y) * trend.height >= trend.title.font.size + trend.title.pad.t
    assert trend.margin.t >= (1 - trend.legend.y) * trend.height + 2 * 12   # room for two legend lines
    # the rank history has no legend of a dozen names: the chosen street is in the title
    history_layout = figures[3].layout
    assert history_layout.showlegend is False and history_layout.title.text.endswith("· 甲")
    # printed at 2×, the report's trend keeps its own smaller type
    assert charts.PRINT.small < 12


def test_a_cards_change_names_the_period_it_is_compared_with():
    from taizhang.dashboard import ui

    assert ui.change_text(30, False, 1, "zh") == "较上月 +30"
    assert ui.change_text(-0.024, True, 3, "zh") == "较上季 -2.4pp"
    assert ui.change_text(5, False, 12, "en") == "+5 vs a year earlier"
    assert ui.change_text(2, False, 2, "zh") == "较前2个月 +2"
    # All the data: a running total, against itself at the end of last month.
    assert ui.change_text(146, False, 0, "zh") == "较上月末 +146"
    assert ui.change_text(146, False, 0, "en") == "+146 since the end of last month"
    assert ui.change_text(None, False, 1, "zh") is None
