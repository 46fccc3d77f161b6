"""Chart builders (DataFrame → figure) and the Excel export, as plain functions."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from dashboard import charts
from dashboard.export import neutralise, xlsx_bytes


def test_trend_figure_plots_the_kpi_columns_in_status_colours():
    trend = pd.DataFrame({"month": ["2022-06", "2022-07"], "received": [100, 120],
                          "resolved": [80, 90], "resolution_rate": [0.8, None]})
    fig = charts.trend_figure(trend, "zh")
    received, resolved, rate = fig.data
    assert list(received.y) == [100, 120] and received.marker.color == charts.STATUS_COLORS["received"]
    assert list(resolved.y) == [80, 90] and resolved.name == "已解决"
    assert list(rate.x) == ["2022-06", "2022-07"] and rate.yaxis == "y2"
    assert charts.trend_figure(trend, "en").data[1].name == "Resolved"


def test_ranking_figure_carries_the_street_for_click_through():
    ranking = pd.DataFrame({"street": ["南站街道", "桃花镇", "新区"], "score": [70.0, 85.5, None],
                            "rank": [2, 1, None]})
    fig = charts.ranking_figure(ranking, "street", "zh", selected="南站街道")
    bar = fig.data[0]
    # Unscored areas are left out; best on top means last in a horizontal bar chart.
    assert list(bar.y) == ["南站街道", "桃花镇"] and list(bar.customdata) == ["南站街道", "桃花镇"]
    assert bar.marker.color[0] == charts.SELECTED_COLOR


def test_category_figure_stacks_statuses_with_the_same_colours():
    categories = pd.DataFrame({"category": ["停车", "环境卫生"], "received": [5, 9], "resolved": [3, 8],
                               "in_progress": [1, 1], "pending": [1, 0], "deferred": [0, 0]})
    fig = charts.category_figure(categories, "zh")
    colours = {trace.name: trace.marker.color for trace in fig.data}
    assert colours["已解决"] == charts.STATUS_COLORS["resolved"]
    assert colours["正在解决"] == charts.STATUS_COLORS["in_progress"]
    assert list(fig.data[0].y) == ["停车", "环境卫生"]  # largest on top


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
