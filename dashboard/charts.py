"""Chart builders: pure functions from a KPI DataFrame to a plotly figure.

They never query and never compute a metric: every number plotted is a column the KPI
layer returned. One colour per status everywhere (STATUS_COLORS), Chinese labels from
the catalogue, and `PLOTLY_CONFIG` sets plotly's zh-CN locale for the chart toolbar.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from taizhang.i18n import label, status_label, t

# The same status is the same colour on every chart and in the report.
STATUS_COLORS = {
    "received": "#1f5fa8",
    "resolved": "#2e8540",
    "in_progress": "#e0a100",
    "pending": "#8c8c8c",
    "deferred": "#8a5a44",
}
RATE_COLOR = "#c0392b"
SCORE_COLOR = "#1f5fa8"
SELECTED_COLOR = "#0b3c75"
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"

# Passed to st.plotly_chart(config=...): Chinese locale, no plotly logo.
PLOTLY_CONFIG = {"locale": "zh-CN", "displaylogo": False, "displayModeBar": False}


def _layout(fig: go.Figure, title: str, height: int = 340) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "y": 0.98, "yanchor": "top", "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        font={"family": FONT},
        separators=".,",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right",
                "traceorder": "normal", "title": None},
        plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#eeeeee", zeroline=False)
    return fig


def trend_figure(trend: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Monthly received vs resolved bars with the resolution rate as a line.

    trend: one row a month with columns month (date or 'YYYY-MM'), received, resolved,
    resolution_rate (fraction 0–1 or null).
    """
    months = pd.to_datetime(trend["month"].astype(str)).dt.strftime("%Y-%m")
    fig = go.Figure()
    for metric in ("received", "resolved"):
        fig.add_bar(
            x=months,
            y=trend[metric],
            name=label(metric, lang),
            marker_color=STATUS_COLORS[metric],
            hovertemplate="%{x}<br>" + label(metric, lang) + ": %{y:,}<extra></extra>",
        )
    fig.add_scatter(
        x=months,
        y=trend["resolution_rate"],
        name=label("resolution_rate", lang),
        yaxis="y2",
        mode="lines+markers",
        line={"color": RATE_COLOR, "width": 2},
        hovertemplate="%{x}<br>" + label("resolution_rate", lang) + ": %{y:.1%}<extra></extra>",
    )
    fig.update_layout(
        barmode="group",
        xaxis={"type": "category", "title": None},
        yaxis={"title": t("chart.count", lang), "tickformat": ",d"},
        yaxis2={
            "title": t("chart.rate", lang),
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1.05],
            "dtick": 0.2,
            "showgrid": False,
        },
    )
    return _layout(fig, t("overview.trend", lang))


def ranking_figure(ranking: pd.DataFrame, area_column: str = "street", lang: str = "zh",
                   selected: str | None = None) -> go.Figure:
    """Horizontal bars of score by area, best on top; the area name rides in customdata.

    ranking: columns <area_column>, score (0–100 or null for unranked), rank. The
    customdata lets a click on a bar be turned back into the area it stands for.
    """
    ranked = ranking.dropna(subset=["score"]).sort_values("score", ascending=True)
    names = ranked[area_column].astype(str).tolist()
    colors = [SELECTED_COLOR if n == selected else SCORE_COLOR for n in names]
    fig = go.Figure(
        go.Bar(
            x=ranked["score"],
            y=names,
            orientation="h",
            customdata=names,
            marker_color=colors,
            text=[f"{s:.1f}" for s in ranked["score"]],
            textposition="outside",
            hovertemplate="%{y}<br>" + label("score", lang) + ": %{x:.1f}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis={"title": label("score", lang), "range": [0, 105]},
        yaxis={"title": None, "type": "category"},
        clickmode="event+select",
        dragmode=False,
    )
    return _layout(fig, t("overview.ranking", lang), height=max(260, 34 * len(names) + 80))


def category_figure(categories: pd.DataFrame, lang: str = "zh", top: int = 10) -> go.Figure:
    """Stacked bars of each category's cases by status (top categories by received).

    categories: columns category, received, resolved, in_progress, pending, deferred.
    """
    shown = categories.sort_values("received", ascending=False).head(top).iloc[::-1]
    names = shown["category"].fillna("—").astype(str)
    fig = go.Figure()
    for status in ("resolved", "in_progress", "pending", "deferred"):
        fig.add_bar(
            x=shown[status],
            y=names,
            orientation="h",
            name=status_label(status, lang),
            marker_color=STATUS_COLORS[status],
            hovertemplate="%{y}<br>" + status_label(status, lang) + ": %{x:,}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        xaxis={"title": t("chart.count", lang), "tickformat": ",d"},
        yaxis={"title": None, "type": "category"},
    )
    return _layout(fig, t("overview.categories", lang), height=max(260, 30 * len(shown) + 100))


def status_figure(headline_counts: dict, lang: str = "zh") -> go.Figure:
    """A donut of the slice's cases by status, in the status colours.

    headline_counts: {status: count} for resolved, in_progress, pending, deferred.
    """
    statuses = [s for s in ("resolved", "in_progress", "pending", "deferred")]
    fig = go.Figure(
        go.Pie(
            labels=[status_label(s, lang) for s in statuses],
            values=[headline_counts.get(s) or 0 for s in statuses],
            marker={"colors": [STATUS_COLORS[s] for s in statuses]},
            hole=0.55,
            sort=False,
            textinfo="value+percent",
            hovertemplate="%{label}: %{value:,} (%{percent})<extra></extra>",
        )
    )
    return _layout(fig, t("overview.status_mix", lang), height=300)
