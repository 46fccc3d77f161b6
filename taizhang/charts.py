"""Every chart of the dashboard and the monthly report, as plotly figures from KPI frames.

One builder per chart, used by the screen (st.plotly_chart) and by the printed page
(report/render.py draws the same figure with the plotly.js that ships in the plotly
package): the same colours, axes and words on both. A `Medium` says what differs:
type size, a fixed size on the A4 sheet, the title, how months are labelled.

The builders never query and never compute a metric: every value drawn is a column the
KPI layer returned, and every number in a hover label reads as taizhang.formatting
writes it on the cards (84.6%, 2090, 76.0), passed in `customdata` so that plotly shows
the exact text rather than formatting the value again. Labels come from the catalogue
(taizhang/i18n.py). Text from the data (area and category names) is drawn through
`data_text`: plotly.js reads a subset of HTML in tick labels and hover labels (`<a href>`,
`<b>`, `<span style>`), so `&`, `<` and `>` are written as entities and show as typed; a
click still hands back the name as stored (customdata[0]).

Adding a chart: a function `x_figure(frame, lang, medium=SCREEN) -> go.Figure` that
starts from `base_layout` and uses the palette below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from taizhang.formatting import format_number, format_rate, is_missing
from taizhang.i18n import label, status_label, t
from taizhang.statuses import ENDED_STATUSES, NEVER_DUE, STATUSES

# The same status is the same colour on every chart, on screen and in the report.
STATUS_COLORS = {
    "received": "#1f5fa8",
    "resolved": "#2e8540",
    "in_progress": "#e0a100",
    "pending": "#8c8c8c",
    "deferred": "#8a5a44",
    "cancelled": "#b5b5b5",
    "referred": "#6a5acd",
}
RATE_COLOR = "#c0392b"
SCORE_COLOR = "#1f5fa8"
SELECTED_COLOR = "#0b3c75"
TEXT_COLOR = "#31333f"
GRID_COLOR = "#e8e8e8"
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
# The rate axis reaches a little above 100%, so a month at 100% is not drawn on the frame.
RATE_TOP = 1.05


@dataclass(frozen=True)
class Medium:
    """Where a chart is shown."""

    text: float  # font size of axes, legend and values
    title: bool  # the chart carries its own title (the report titles its blocks itself)
    width: int | None  # fixed size in CSS px (None: the column's width)
    height: int | None
    short_months: bool  # '6月' / 'Jun' instead of '2022-06'
    min_text: float = 12  # no text smaller: a phone shows a screen chart at its own size

    @property
    def small(self) -> float:
        """The size of secondary labels (a target line's, the district average's)."""
        return max(self.text * 0.9, self.min_text)


SCREEN = Medium(text=12, title=True, width=None, height=None, short_months=False)
# report.css gives the trend block 382 px on the A4 sheet (printed, read at 2×); 164 px
# high, the row beside the categories gives the fullest page the room of the gap above
# 议事与服务 (tests/test_report.py::test_fullest_page_fits_a4_without_shrinking).
PRINT = Medium(text=9, title=False, width=380, height=164, short_months=True, min_text=8)


def config(filename: str) -> dict:
    """plotly.js options for the screen: no logo, a modebar reduced to what a reader uses
    (the PNG download, zoom back), PNG files named after the chart.

    plotly.js has its modebar texts in Chinese only as a locale module (zh-CN) that
    Streamlit's bundled plotly.js does not include, so the buttons are few rather than
    translated.
    """
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
                                   "zoomOut2d", "autoScale2d", "toggleSpikelines",
                                   "hoverClosestCartesian", "hoverCompareCartesian"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def base_layout(medium: Medium, title: str = "") -> dict:
    """What every chart shares: font, colours, margins, the number separators."""
    layout = {
        "font": {"family": FONT, "size": medium.text, "color": TEXT_COLOR},
        "separators": ".,",  # 84.6%, no grouping of thousands (as the cards write 2090)
        "margin": {"l": 8, "r": 8, "t": 48 if title else 8, "b": 8},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "hoverlabel": {"font": {"family": FONT}},
        "showlegend": True,
    }
    if title:
        # At the top edge whatever the margin below it holds (a legend, on some charts).
        layout["title"] = {"text": title, "x": 0, "xanchor": "left", "yref": "container",
                           "y": 1, "yanchor": "top", "pad": {"t": 12},
                           "font": {"size": medium.text + 3}}
    if medium.width:
        layout.update(width=medium.width, height=medium.height, autosize=False)
    return layout


def data_text(value, missing: str = "—") -> str:
    """A name from the data as plotly shows it literally: entities for `&`, `<`, `>`
    (plotly.js would draw `<a href=…>` as a link, `<b>` as bold); `missing` for no name."""
    if is_missing(value) or str(value).strip() == "":
        return missing
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _count(value) -> int:
    return 0 if is_missing(value) else int(value)


def _month_labels(months, lang: str, short: bool) -> list[str]:
    """'2022-06', or on paper '6月' / 'Jun'."""
    labels = []
    for month in months:
        year, number = (int(p) for p in str(month)[:7].split("-"))
        if not short:
            labels.append(f"{year:04d}-{number:02d}")
        else:
            labels.append(f"{number}月" if lang == "zh" else date(year, number, 1).strftime("%b"))
    return labels


def trend_figure(trend: pd.DataFrame, lang: str = "zh", medium: Medium = SCREEN,
                 empty: str = "", target: float | None = None) -> go.Figure:
    """Monthly received vs resolved bars (left axis) with the resolution rate as a line
    (right axis, broken where a month has no rate: an undefined rate is never 0).

    trend: one row a month with columns month (date or 'YYYY-MM'), received, resolved,
    resolution_rate (fraction 0–1 or null), and when present overdue_open and deferred.
    `empty` is written across a chart whose months have no cases at all; `target` (a
    resolution rate, e.g. 0.9) is drawn as a dashed line.

    A month with open cases not yet due (received > resolved + overdue_open + deferred: the
    latest one or two) is immature: its resolution rate will still rise. Its point is
    drawn hollow on a dotted line and its hover says so, so that a reader does not take
    the unfinished month for a dip.
    """
    months = _month_labels(trend["month"], lang, medium.short_months)
    received = [_count(v) for v in trend["received"]]
    resolved = [_count(v) for v in trend["resolved"]]
    rates = [None if is_missing(r) else float(r) for r in trend["resolution_rate"]]
    fig = go.Figure()
    for key, values in (("received", received), ("resolved", resolved)):
        name = label(key, lang)
        fig.add_bar(x=months, y=values, name=name, marker_color=STATUS_COLORS[key],
                    customdata=[format_number(v) for v in values],
                    hovertemplate=f"{name}: %{{customdata}}<extra></extra>")
    rate_name = label("resolution_rate", lang)
    immature = _immature(trend)
    mature_rates = [None if late else r for r, late in zip(rates, immature)]
    texts = [f"{format_rate(r)} ({format_number(n)}/{format_number(m)})"
             for r, n, m in zip(rates, resolved, received)]
    fig.add_scatter(x=months, y=mature_rates, name=rate_name, yaxis="y2", mode="lines+markers",
                    line={"color": RATE_COLOR, "width": 2}, marker={"size": 5},
                    customdata=texts, hovertemplate=f"{rate_name}: %{{customdata}}<extra></extra>")
    if any(immature):
        # The last mature month starts the dotted line, so it joins the solid one.
        first = immature.index(True)
        tail = [r if (late or i == first - 1) else None
                for i, (r, late) in enumerate(zip(rates, immature))]
        note = t("chart.immature", lang)
        fig.add_scatter(x=months, y=tail, name=f"{rate_name}({note})", yaxis="y2",
                        mode="lines+markers", showlegend=False,
                        line={"color": RATE_COLOR, "width": 2, "dash": "dot"},
                        marker={"size": 7, "symbol": "circle-open"},
                        customdata=[f"{x} · {note}" if late else x for x, late in zip(texts, immature)],
                        hovertemplate=f"{rate_name}: %{{customdata}}<extra></extra>")
    title = t("overview.trend", lang) if medium.title else ""
    layout = base_layout(medium, title)
    layout.update(
        barmode="group",
        bargap=0.3,
        hovermode="x unified",
        # Ticks turn when months do not fit side by side (a phone), instead of overlapping.
        xaxis={"type": "category", "automargin": True},
        yaxis={"title": {"text": t("chart.count", lang) if medium.title else ""},
               "tickformat": "d", "rangemode": "tozero", "gridcolor": GRID_COLOR,
               "automargin": True, "fixedrange": True},
        yaxis2={"title": {"text": t("chart.rate", lang) if medium.title else "",
                          "font": {"color": RATE_COLOR}},
                "overlaying": "y", "side": "right", "range": [0, RATE_TOP],
                "tickformat": ".0%", "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                "tickfont": {"color": RATE_COLOR}, "showgrid": False, "automargin": True,
                "fixedrange": True},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
    )
    if not medium.width:
        layout["height"] = 340
    if medium.title:
        # The legend on a line of its own under the title, from the left: on a phone it
        # wraps downwards, never over the title or the chart's buttons at the top right.
        layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "yref": "container",
                            "y": 1 - (medium.text * 3.2) / layout["height"], "yanchor": "top"}
        layout["margin"]["t"] = int(medium.text * 7.5)
    else:
        layout["margin"]["t"] = medium.text * 3
    if target is not None:
        layout["shapes"] = [target_line(target, "y2 domain", lang, "target.resolution_rate", medium)]
    if empty and not any(received) and not any(resolved):
        layout["annotations"] = [{"text": empty, "showarrow": False, "xref": "paper",
                                  "yref": "paper", "x": 0.5, "y": 0.5,
                                  "font": {"color": "#9aa5b1", "size": medium.text * 1.2}}]
    fig.update_layout(layout)
    return fig


def _immature(trend: pd.DataFrame) -> list[bool]:
    """Per month: immature when it and every later month hold cases still open and not yet
    due (received > resolved + overdue_open + deferred + cancelled + referred). Only that
    trailing run: an older month with one case waiting on a long deadline is drawn as the
    others are."""
    if "overdue_open" not in trend.columns:
        return [False] * len(trend)
    waiting = trend["received"] - trend["resolved"] - trend["overdue_open"]
    for ended in NEVER_DUE:   # not what a rate waits for
        if ended in trend.columns:
            waiting = waiting - trend[ended].fillna(0)
    flags = [bool(w > 0) for w in waiting.fillna(0)]
    trailing = len(flags)
    while trailing and flags[trailing - 1]:
        trailing -= 1
    return [i >= trailing for i in range(len(flags))]


def target_line(value: float, axis: str, lang: str, key: str, medium: Medium) -> dict:
    """A dashed horizontal line at `value` of the y axis `axis` ('y2 domain' → y2), labelled."""
    yref = axis.split()[0]
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": yref, "y0": value,
            "y1": value, "line": {"color": "#7f8c8d", "width": 1, "dash": "dash"},
            "label": {"text": t(key, lang, value=format_rate(value)), "textposition": "end",
                      "font": {"size": medium.small, "color": "#7f8c8d"}}}


def ranking_figure(ranking: pd.DataFrame, area_column: str = "street", lang: str = "zh",
                   selected: str | None = None, title: str | None = None,
                   medium: Medium = SCREEN, average: float | None = None,
                   target: float | None = None, average_of: str | None = None) -> go.Figure:
    """Horizontal bars of score by area, best on top, the selected area darker.

    ranking: columns <area_column>, score (0–100 or null for unranked), and when present
    received, due_cases, rank and rank_change (shown in the hover label: what the score
    rests on and how the rank moved). Unranked areas are left out. Each bar carries its
    area as its y value and in customdata[0], which a click hands back
    (dashboard/app_pages/overview.py). `title` replaces the overview's "street ranking"
    (e.g. whose communities these are). `average` (the whole slice's score) and `target`
    (a score) are drawn as vertical dashed lines; the average's line is labelled 全区 (the
    district), or `average_of` (the street whose communities these are).
    """
    ranked = ranking.dropna(subset=["score"]).sort_values("score", ascending=False, kind="stable")
    names = ["" if is_missing(name) else str(name) for name in ranked[area_column]]
    drawn = [data_text(name, t("chart.no_area", lang)) for name in names]
    scores = [float(s) for s in ranked["score"]]
    shown = [f"{s:.1f}" for s in scores]
    score_name = label("score", lang)
    context = [_ranking_context(row, lang) for row in ranked.to_dict("records")]
    fig = go.Figure(go.Bar(
        x=scores, y=drawn, orientation="h", name=score_name,
        marker_color=[SELECTED_COLOR if n == selected else SCORE_COLOR for n in names],
        text=shown, textposition="outside", cliponaxis=False,
        customdata=list(zip(names, shown, drawn, context)),
        hovertemplate=(f"%{{customdata[2]}}<br>{score_name}: %{{customdata[1]}}"
                       "%{customdata[3]}<extra></extra>"),
    ))
    layout = base_layout(medium, (title or t("overview.ranking", lang)) if medium.title else "")
    row = medium.text * 2.3
    layout["margin"]["r"] = medium.text * 3  # room for '100.0' beside the longest bar
    layout.update(
        showlegend=False,
        dragmode=False,  # a drag would only pan the bars; a click is what a reader does
        # at least three rows high: the axis, its title and a line's label need the room
        # (a street of one community drew its axis title over the ticks)
        height=layout.get("height") or int(80 + row * max(len(names), 3)),
        bargap=0.25,
        xaxis={"range": [0, 108], "title": {"text": score_name}, "tickvals": [0, 20, 40, 60, 80, 100],
               "gridcolor": GRID_COLOR, "fixedrange": True},
        yaxis={"autorange": "reversed", "type": "category", "automargin": True,
               "fixedrange": True, "ticksuffix": " "},
    )
    shapes = []
    for value, key in ((average, "target.average"), (target, "target.score")):
        if value is not None and not is_missing(value):
            text = t(key, lang, value=f"{float(value):.1f}") if key != "target.average" or not average_of \
                else t("target.area_average", lang, area=average_of, value=f"{float(value):.1f}")
            shapes.append({"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": value,
                           "x1": value, "line": {"color": "#7f8c8d", "width": 1, "dash": "dash"},
                           # the label on the line's inner side: a long name near 100 is not cut
                           "label": {"text": text, "xanchor": "right" if float(value) > 50 else "left",
                                     "textposition": "end", "textangle": 0,
                                     "font": {"size": medium.small, "color": "#7f8c8d"}}})
    if shapes:
        layout["shapes"] = shapes
        if medium.title:
            # the lines' labels stand above the bars: a band of their own under the title
            # (a long title, 丁公路街道 各社区(村)综合排名, ran into 丁公路街道 86.7)
            layout["margin"]["t"] += medium.small + 4
    fig.update_layout(layout)
    return fig


def _ranking_context(row: dict, lang: str) -> str:
    """Hover lines under a bar's score: rank and its change, received, cases judged."""
    lines = []
    if not is_missing(row.get("rank")):
        change = row.get("rank_change")
        moved = "" if is_missing(change) else f" ({t('chart.rank_change', lang, change=f'{int(change):+d}')})"
        lines.append(f"{label('rank', lang)}: {int(row['rank'])}{moved}")
    for key in ("received", "due_cases"):
        if key in row and not is_missing(row[key]):
            lines.append(f"{label(key, lang)}: {format_number(row[key])}")
    return "".join(f"<br>{line}" for line in lines)


def category_figure(categories: pd.DataFrame, lang: str = "zh", top: int = 10,
                    medium: Medium = SCREEN) -> go.Figure:
    """Stacked bars of each category's cases by status (top categories by received, largest
    on top), one trace a status in STATUSES order.

    categories: columns category, received and the statuses of STATUSES (one missing: 0).
    """
    shown = categories.sort_values("received", ascending=False, kind="stable").head(top)
    names = [data_text(n) for n in shown["category"]]
    fig = go.Figure()
    for status in STATUSES:
        values = [_count(v) for v in shown[status]] if status in shown else [0] * len(shown)
        if status in ENDED_STATUSES and not any(values):
            continue  # 撤单 / 转办退回 only where the slice has them
        name = status_label(status, lang)
        fig.add_bar(x=values, y=names, orientation="h", name=name,
                    marker_color=STATUS_COLORS[status],
                    customdata=[format_number(v) for v in values],
                    hovertemplate=f"%{{y}}<br>{name}: %{{customdata}}<extra></extra>")
    layout = base_layout(medium, t("overview.categories", lang) if medium.title else "")
    layout["margin"]["t"] += medium.text * 4  # the legend between the title and the bars
    layout["margin"]["r"] = medium.text * 2
    layout.update(
        barmode="stack",
        height=layout.get("height") or int(110 + medium.text * 2.2 * max(len(names), 1)),
        xaxis={"title": {"text": t("chart.count", lang)}, "tickformat": "d",
               "gridcolor": GRID_COLOR, "fixedrange": True},
        yaxis={"autorange": "reversed", "type": "category", "automargin": True,
               "fixedrange": True, "ticksuffix": " "},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
    )
    fig.update_layout(layout)
    return fig


def rank_history_figure(by_month: pd.DataFrame, area_column: str = "street", lang: str = "zh",
                        selected: str | None = None, medium: Medium = SCREEN) -> go.Figure:
    """Each area's rank month by month (1 on top), one line per area; `selected` drawn dark,
    the others light. by_month: columns month, <area_column>, rank (kpi.metrics grouped by
    area and month ranks within each month; an unranked month is a gap, never a rank)."""
    months = sorted({str(m)[:7] for m in by_month["month"]})
    labels = _month_labels(months, lang, medium.short_months)
    fig = go.Figure()
    rank_name = label("rank", lang)
    for area, rows in by_month.groupby(area_column, sort=True, dropna=True):
        ranks = dict(zip((str(m)[:7] for m in rows["month"]), rows["rank"]))
        values = [None if is_missing(ranks.get(m)) else int(ranks[m]) for m in months]
        strong = selected is None or area == selected
        fig.add_scatter(
            x=labels, y=values, name=data_text(str(area)), mode="lines+markers",
            line={"color": SELECTED_COLOR if area == selected else SCORE_COLOR,
                  "width": 3 if area == selected else 1.5},
            opacity=1.0 if strong else 0.35, connectgaps=False,
            hovertemplate=f"{data_text(str(area))} %{{x}}<br>{rank_name}: %{{y}}<extra></extra>")
    title = t("chart.rank_history", lang)
    if selected is not None:
        title = f"{title} · {data_text(str(selected))}"
    layout = base_layout(medium, title if medium.title else "")
    top = int(pd.to_numeric(by_month["rank"], errors="coerce").max() or 1)
    # No legend: a dozen names under the chart ran over the month labels on a phone. The
    # chosen area is named in the title and drawn dark; a hover names any line.
    layout.update(
        yaxis={"autorange": False, "range": [top + 0.5, 0.5], "dtick": 1, "title": {"text": rank_name},
               "gridcolor": GRID_COLOR, "fixedrange": True},
        xaxis={"type": "category", "fixedrange": True, "automargin": True},
        showlegend=False,
    )
    if not medium.width:
        layout["height"] = 380
    fig.update_layout(layout)
    return fig
