"""The dashboard's charts: a KPI DataFrame in, SVG markup out (drawn by taizhang/svg.py).

They never query and never compute a metric: every number drawn is a column the KPI
layer returned. This module only turns frames into the shared drawer's rows and picks
the words from the catalogue; the drawing, the palette and the axis ticks are the ones
the monthly report prints (taizhang/svg.py, `SCREEN` medium: hover titles, and ranking
bars carrying `data-area`, which dashboard/clickable.py turns into a click).
"""

from __future__ import annotations

import pandas as pd

from taizhang import svg
from taizhang.i18n import label, status_label, t

# Widths in SVG units = CSS pixels at the 1400 px wide layout (the SVG scales with its
# column): the trend spans the page, the ranking 3/5 of it, the categories 2/5.
TREND_WIDTH, RANKING_WIDTH, CATEGORY_WIDTH = 940, 560, 370


def _count(value) -> int:
    return 0 if pd.isna(value) else int(value)


def trend_svg(trend: pd.DataFrame, lang: str = "zh") -> str:
    """Monthly received vs resolved bars with the resolution rate as a line (right axis).

    trend: one row a month with columns month (date or 'YYYY-MM'), received, resolved,
    resolution_rate (fraction 0–1 or null).
    """
    months = pd.to_datetime(trend["month"].astype(str)).dt.strftime("%Y-%m").tolist()
    points = [
        svg.TrendPoint(month, _count(received), _count(resolved),
                       None if pd.isna(rate) else float(rate))
        for month, received, resolved, rate in zip(
            months, trend["received"], trend["resolved"], trend["resolution_rate"])
    ]
    names = svg.TrendNames(label("received", lang), label("resolved", lang),
                           label("resolution_rate", lang), title=t("overview.trend", lang),
                           count_axis=t("chart.count", lang), rate_axis=t("chart.rate", lang))
    return svg.trend_svg(points, names, svg.SCREEN, width=TREND_WIDTH, height=300)


def ranking_svg(ranking: pd.DataFrame, area_column: str = "street", lang: str = "zh",
                selected: str | None = None, title: str | None = None) -> str:
    """Horizontal bars of score by area, best on top; each bar carries its area in data-area.

    ranking: columns <area_column>, score (0–100 or null for unranked), rank. Unranked
    areas are left out. A bar is a focusable group, so a keyboard can open it too.
    `title` replaces the overview's "street ranking" (e.g. whose communities these are).
    """
    ranked = ranking.dropna(subset=["score"]).sort_values("score", ascending=False)
    bars = [(str(name), float(score)) for name, score in zip(ranked[area_column], ranked["score"])]
    return svg.ranking_svg(bars, title or t("overview.ranking", lang), label("score", lang), selected,
                           svg.SCREEN, width=RANKING_WIDTH)


def category_svg(categories: pd.DataFrame, lang: str = "zh", top: int = 10) -> str:
    """Stacked bars of each category's cases by status (top categories by received, largest first).

    categories: columns category, received and every status of svg.STATUSES.
    """
    shown = categories.sort_values("received", ascending=False).head(top)
    rows = [
        (str(name), {s: _count(v) for s, v in zip(svg.STATUSES, values)})
        for name, *values in zip(shown["category"].fillna("—"),  # a status not given: 0
                                 *(shown[s] if s in shown else [0] * len(shown) for s in svg.STATUSES))
    ]
    return svg.category_svg(rows, {s: status_label(s, lang) for s in svg.STATUSES},
                            t("overview.categories", lang), t("chart.count", lang),
                            svg.SCREEN, width=CATEGORY_WIDTH)
