"""Chart builders: pure functions from a KPI DataFrame to SVG markup.

They never query and never compute a metric: every number drawn is a column the KPI
layer returned. One colour per status everywhere (STATUS_COLORS), words from the
catalogue, numbers formatted as on every screen (kpi.format_*).

Why SVG built here rather than plotly or Vega-Lite: the browser draws it at once.
Streamlit loads plotly.js (4.7 MB) or Vega (1 MB) only when a chart arrives, and
parsing it held the headline cards back by 1–4 s on this machine; an SVG costs the
browser a few milliseconds. Hover texts are SVG <title>s; the ranking's bars carry
their area in `data-area`, which dashboard/clickable.py turns into a click.
Every text from the data is escaped (street names come from ledgers).
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from kpi import format_number, format_rate
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
AXIS_COLOR = "#666666"
GRID_COLOR = "#eeeeee"
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
# Widths in SVG units = CSS pixels at the 1400 px wide layout (the SVG scales with its
# column): the trend spans the page, the ranking 3/5 of it, the categories 2/5.
TREND_WIDTH, RANKING_WIDTH, CATEGORY_WIDTH = 940, 560, 370
STATUSES = ("resolved", "in_progress", "pending", "deferred")


def _fmt(x: float) -> str:
    """A coordinate with one decimal: short markup, no visible rounding."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12,
          color: str = AXIS_COLOR, weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{color}" font-weight="{weight}"{extra}>{escape(text)}</text>')


def _rect(x: float, y: float, w: float, h: float, color: str, tip: str = "",
          extra: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(max(w, 0))}" '
            f'height="{_fmt(max(h, 0))}" fill="{color}"{extra}>{title}</rect>')


def _svg(width: int, height: float, title: str, body: list[str], label_text: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_fmt(height)}" '
        f'width="100%" role="img" aria-label="{escape(label_text)}" '
        f'style="font-family: {FONT}; display: block; overflow: visible">'
        + _text(0, 18, title, size=15, color="#31333f", weight="600")
        + "".join(body) + "</svg>"
    )


def _legend(items: list[tuple[str, str, str]], right: float, y: float,
            room: float) -> list[str]:
    """Legend entries right-aligned at `right`, (kind 'box' | 'line', colour, text) each;
    a second row below when they need more than `room` units."""
    widths = [_text_width(text, 12) + 34 for _, _, text in items]
    if sum(widths) > room and len(items) > 1:
        half = (len(items) + 1) // 2
        return _legend(items[:half], right, y, room * 2) + _legend(items[half:], right, y + 16, room * 2)
    parts, x = [], right - sum(widths) + 14
    for (kind, color, text), w in zip(items, widths):
        if kind == "box":
            parts.append(_rect(x, y - 6, 11, 11, color))
        else:
            parts.append(f'<line x1="{_fmt(x - 2)}" x2="{_fmt(x + 13)}" y1="{_fmt(y)}" '
                         f'y2="{_fmt(y)}" stroke="{color}" stroke-width="2"/>'
                         f'<circle cx="{_fmt(x + 5.5)}" cy="{_fmt(y)}" r="3" fill="{color}"/>')
        parts.append(_text(x + 16, y + 4, text, size=12, color="#31333f"))
        x += w
    return parts


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least `top`, about `count` steps of 1/2/5 × 10^k."""
    if not top or top <= 0 or math.isnan(top):
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1:
        step = 1
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _text_width(text: str, size: int) -> float:
    """Rough width of a label: CJK characters are square, others about half as wide."""
    return sum(size if ord(c) > 0x2E80 else size * 0.6 for c in text)


def trend_svg(trend: pd.DataFrame, lang: str = "zh") -> str:
    """Monthly received vs resolved bars with the resolution rate as a line (right axis).

    trend: one row a month with columns month (date or 'YYYY-MM'), received, resolved,
    resolution_rate (fraction 0–1 or null).
    """
    width, height = TREND_WIDTH, 300
    left, right, top, bottom = 52, 52, 62, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    months = pd.to_datetime(trend["month"].astype(str)).dt.strftime("%Y-%m").tolist()
    received = [0 if pd.isna(v) else int(v) for v in trend["received"]]
    resolved = [0 if pd.isna(v) else int(v) for v in trend["resolved"]]
    rates = [None if pd.isna(v) else float(v) for v in trend["resolution_rate"]]
    ticks = nice_ticks(max(received + resolved + [1]))
    y_max = ticks[-1]

    def y_count(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    def y_rate(r: float) -> float:
        return top + plot_h * (1 - r / 1.05)

    body = _legend([("box", STATUS_COLORS["received"], label("received", lang)),
                    ("box", STATUS_COLORS["resolved"], label("resolved", lang)),
                    ("line", RATE_COLOR, label("resolution_rate", lang))], width - 4, 14, 600)
    body.append(_text(0, top - 16, t("chart.count", lang), size=11))
    body.append(_text(width, top - 16, t("chart.rate", lang), anchor="end", size=11))
    for tick in ticks:
        y = y_count(tick)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{_fmt(y)}" y2="{_fmt(y)}" '
                    f'stroke="{GRID_COLOR}"/>')
        body.append(_text(left - 8, y + 4, format_number(tick), anchor="end", size=11))
    for rate in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        body.append(_text(width - right + 8, y_rate(rate) + 4, format_rate(rate, 0), size=11))
    n = max(len(months), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.36, 28)
    label_every = 1 if slot >= 58 else 2 if slot >= 29 else 3
    points = []
    for i, month in enumerate(months):
        centre = left + slot * (i + 0.5)
        for offset, metric, value in ((-1, "received", received[i]), (0, "resolved", resolved[i])):
            x = centre + offset * bar_w
            body.append(_rect(x, y_count(value), bar_w, y_count(0) - y_count(value),
                              STATUS_COLORS[metric],
                              f"{month} {label(metric, lang)}: {format_number(value)}"))
        if i % label_every == 0:
            body.append(_text(centre, height - bottom + 18, month, anchor="middle", size=11))
        if rates[i] is not None:
            points.append((centre, y_rate(rates[i]), month, rates[i]))
    # The line breaks where a month has no rate (no case received).
    segment: list[str] = []
    runs: list[list[str]] = []
    previous = None
    for centre, y, _, _ in points:
        if previous is not None and round((centre - previous) / slot) > 1:
            runs.append(segment)
            segment = []
        segment.append(f"{_fmt(centre)},{_fmt(y)}")
        previous = centre
    runs.append(segment)
    for run in runs:
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{RATE_COLOR}" '
                        f'stroke-width="2"/>')
    for centre, y, month, rate in points:
        body.append(f'<circle cx="{_fmt(centre)}" cy="{_fmt(y)}" r="3.5" fill="{RATE_COLOR}">'
                    f"<title>{escape(month)} {escape(label('resolution_rate', lang))}: "
                    f"{format_rate(rate)}</title></circle>")
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{_fmt(y_count(0))}" '
                f'y2="{_fmt(y_count(0))}" stroke="#bbbbbb"/>')
    return _svg(width, height, t("overview.trend", lang), body, t("overview.trend", lang))


def ranking_svg(ranking: pd.DataFrame, area_column: str = "street", lang: str = "zh",
                selected: str | None = None) -> str:
    """Horizontal bars of score by area, best on top; each bar carries its area in data-area.

    ranking: columns <area_column>, score (0–100 or null for unranked), rank. Unranked
    areas are left out. A bar is a focusable group, so a keyboard can open it too.
    """
    ranked = ranking.dropna(subset=["score"]).sort_values("score", ascending=False)
    names = ranked[area_column].astype(str).tolist()
    scores = [float(s) for s in ranked["score"]]
    width, row, top = RANKING_WIDTH, 30, 40
    label_w = min(max([_text_width(n, 13) for n in names] + [40]) + 10, 190)
    bar_left, bar_right = label_w + 4, width - 44
    height = top + row * len(names) + 34

    def x_of(score: float) -> float:
        return bar_left + (bar_right - bar_left) * max(0.0, min(score, 100.0)) / 100

    body = []
    for tick in (0, 20, 40, 60, 80, 100):
        x = x_of(tick)
        body.append(f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top - 4}" '
                    f'y2="{_fmt(top + row * len(names))}" stroke="{GRID_COLOR}"/>')
        body.append(_text(x, top + row * len(names) + 16, str(tick), anchor="middle", size=11))
    body.append(_text((bar_left + bar_right) / 2, height - 2, label("score", lang),
                      anchor="middle", size=11))
    score_name = label("score", lang)
    for i, (name, score) in enumerate(zip(names, scores)):
        y = top + row * i
        colour = SELECTED_COLOR if name == selected else SCORE_COLOR
        shown = name if _text_width(name, 13) <= label_w - 10 else name[:11] + "…"
        body.append(
            f'<g class="bar" data-area="{escape(name)}" tabindex="0" role="button" '
            f'aria-label="{escape(name)} {escape(score_name)} {score:.1f}" style="cursor:pointer">'
            + _rect(0, y, width, row, "transparent")
            + _text(label_w, y + row / 2 + 4.5, shown, anchor="end", size=13, color="#31333f")
            + _rect(bar_left, y + 5, x_of(score) - bar_left, row - 10, colour,
                    f"{name}\n{score_name}: {score:.1f}")
            + _text(x_of(score) + 4, y + row / 2 + 4, f"{score:.1f}", size=11)
            + "</g>"
        )
    return _svg(width, height, t("overview.ranking", lang), body, t("overview.ranking", lang))


def category_svg(categories: pd.DataFrame, lang: str = "zh", top: int = 10) -> str:
    """Stacked bars of each category's cases by status (top categories by received, largest first).

    categories: columns category, received, resolved, in_progress, pending, deferred.
    """
    shown = categories.sort_values("received", ascending=False).head(top)
    names = shown["category"].fillna("—").astype(str).tolist()
    counts = {s: [0 if pd.isna(v) else int(v) for v in shown[s]] for s in STATUSES}
    totals = [sum(counts[s][i] for s in STATUSES) for i in range(len(names))]
    width, row, top_y = CATEGORY_WIDTH, 26, 62
    label_w = min(max([_text_width(n, 12) for n in names] + [30]) + 8, 120)
    ticks = nice_ticks(max(totals + [1]), 3)
    bar_left, bar_right = label_w + 4, width - 40
    height = top_y + row * len(names) + 34

    def x_of(v: float) -> float:
        return bar_left + (bar_right - bar_left) * v / ticks[-1]

    legend = [("box", STATUS_COLORS[s], status_label(s, lang)) for s in STATUSES]
    body = _legend(legend, width - 4, 38, width - 8)
    for tick in ticks:
        x = x_of(tick)
        body.append(f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top_y - 4}" '
                    f'y2="{_fmt(top_y + row * len(names))}" stroke="{GRID_COLOR}"/>')
        body.append(_text(x, top_y + row * len(names) + 16, format_number(tick), anchor="middle",
                          size=11))
    body.append(_text((bar_left + bar_right) / 2, height - 2, t("chart.count", lang),
                      anchor="middle", size=11))
    for i, name in enumerate(names):
        y = top_y + row * i
        shown_name = name if _text_width(name, 12) <= label_w - 8 else name[:8] + "…"
        body.append(_text(label_w, y + row / 2 + 4, shown_name, anchor="end", size=12,
                          color="#31333f"))
        x = 0.0
        for status in STATUSES:
            value = counts[status][i]
            if value:
                body.append(_rect(x_of(x), y + 4, x_of(x + value) - x_of(x), row - 8,
                                  STATUS_COLORS[status],
                                  f"{name}\n{status_label(status, lang)}: {format_number(value)}"))
            x += value
        body.append(_text(x_of(x) + 4, y + row / 2 + 4, format_number(totals[i]), size=11))
    return _svg(width, height, t("overview.categories", lang), body, t("overview.categories", lang))
