"""The charts of the dashboard and the monthly report as SVG: one palette, one tick rule.

Pure functions from numbers to markup: they never query and never compute a metric;
every value drawn is one the KPI layer returned, and every number reads as kpi's
formatters write it. The screen and the printed page differ only in a `Medium`: type
sizes, whether the chart scales with its column, and whether it answers the pointer
(hover titles; ranking bars that carry their area in `data-area`, which
dashboard/clickable.py turns into a click, and take the keyboard focus).

Why SVG drawn here rather than plotly or Vega-Lite: the browser draws it at once (the
dashboard loaded plotly.js, 4.7 MB, before its headline cards), and the report prints it
as vector graphics with selectable labels, offline. Every text from the data is escaped
(street names come from ledgers).

    svg = trend_svg([TrendPoint("6月", 146, 120, 0.82), …], TrendNames("受理", "已解决", "解决率"),
                    PRINT, width=380, height=178)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from taizhang.formatting import format_number, format_rate

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
AXIS_COLOR = "#666666"
GRID_COLOR = "#e8e8e8"
BASELINE_COLOR = "#bbbbbb"
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
STATUSES = ("resolved", "in_progress", "pending", "deferred", "cancelled", "referred")
RATE_TICKS = (0, 0.2, 0.4, 0.6, 0.8, 1.0)
# The rate axis reaches a little above 100%, so a month at 100% is not drawn on the frame.
RATE_TOP = 1.05


@dataclass(frozen=True)
class Medium:
    """Where a chart is shown: type sizes in SVG units, and how it behaves there."""

    text: float  # axis labels and values
    legend: float
    title: float  # the chart's own title; the report titles its blocks itself
    fluid: bool  # scales with its column (width 100%) instead of a fixed size in CSS px
    interactive: bool  # hover titles; ranking bars focusable, carrying data-area


# Screen widths are CSS px at the dashboard's 1400 px layout (the SVG scales with its
# column); the printed chart is drawn at its size on the A4 sheet.
SCREEN = Medium(text=11, legend=12, title=15, fluid=True, interactive=True)
PRINT = Medium(text=9, legend=9.5, title=15, fluid=False, interactive=False)


def nice_ticks(top: float, count: int = 4) -> list[int]:
    """Round axis ticks from 0 to at least `top`: about `count` whole steps of 1, 2, 2.5 or 5 × 10^k."""
    if not top or top <= 0 or math.isnan(top):
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    # Counts are whole: a step of 2.5 only from 25 up, and never below 1.
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw and (m * power) % 1 == 0
                or m == 10)
    step = max(int(step), 1)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def text_width(text: str, size: float) -> float:
    """Rough width of a label: CJK characters are square, others about 0.6 as wide."""
    return sum(size if ord(c) > 0x2E80 else size * 0.6 for c in text)


def _n(x: float) -> str:
    """A coordinate with one decimal: short markup, no visible rounding."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, size: float, *, anchor: str = "start",
          color: str = AXIS_COLOR, weight: str = "normal") -> str:
    bold = f' font-weight="{weight}"' if weight != "normal" else ""
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{_n(size)}" '
            f'fill="{color}"{bold}>{escape(text)}</text>')


def _rect(x: float, y: float, w: float, h: float, color: str, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" '
            f'height="{_n(max(h, 0))}" fill="{color}">{title}</rect>')


def _line(x1: float, y1: float, x2: float, y2: float, color: str, width: float = 1) -> str:
    stroke = f' stroke-width="{_n(width)}"' if width != 1 else ""
    return (f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
            f'stroke="{color}"{stroke}/>')


def _svg(width: int, height: float, body: list[str], name: str, medium: Medium,
         title: str = "") -> str:
    """The root element: fluid on screen, at its own size in print; titled when asked."""
    size = 'width="100%"' if medium.fluid else f'width="{width}" height="{_n(height)}"'
    heading = _text(0, medium.title + 3, title, medium.title, color=TEXT_COLOR,
                    weight="600") if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_n(height)}" '
            f'{size} role="img" aria-label="{escape(name)}" '
            f'style="font-family: {FONT}; display: block; overflow: visible">'
            + heading + "".join(body) + "</svg>")


def _legend(items: list[tuple[str, str, str]], x: float, y: float, size: float,
            room: float, align: str = "end") -> tuple[list[str], float]:
    """Legend entries (kind 'box' | 'line', colour, text) from `x` (align 'start') or
    ending at `x` ('end'), centred on `y`; a second row when they need more than `room`.
    Returns the markup and the y of the last row."""
    widths = [text_width(text, size) + size * 2.8 for _, _, text in items]
    if sum(widths) > room and len(items) > 1:
        half = (len(items) + 1) // 2
        first, _ = _legend(items[:half], x, y, size, room * 2, align)
        second, last = _legend(items[half:], x, y + size + 4, size, room * 2, align)
        return first + second, last
    parts = []
    box = size * 0.9
    left = x if align == "start" else x - sum(widths) + size * 1.2
    for (kind, color, text), w in zip(items, widths):
        if kind == "box":
            parts.append(_rect(left, y - box / 2, box, box, color))
        else:
            parts.append(_line(left - 2, y, left + box + 2, y, color, 2)
                         + f'<circle cx="{_n(left + box / 2)}" cy="{_n(y)}" r="{_n(size * 0.25)}" '
                           f'fill="{color}"/>')
        parts.append(_text(left + box + size * 0.4, y + size * 0.36, text, size, color=TEXT_COLOR))
        left += w
    return parts, y


@dataclass
class TrendPoint:
    """One month of the trend: its label ('2022-06' or '6月'), counts, and the
    resolution rate as a fraction, None when undefined (no case received)."""

    label: str
    received: int
    resolved: int
    rate: float | None


@dataclass(frozen=True)
class TrendNames:
    """The words of a trend chart; empty ones are not drawn."""

    received: str
    resolved: str
    rate: str
    title: str = ""
    count_axis: str = ""
    rate_axis: str = ""
    empty: str = ""  # written across a chart whose months have no cases at all


def trend_svg(points: list[TrendPoint], names: TrendNames, medium: Medium = SCREEN,
              width: int = 940, height: int = 300) -> str:
    """Bars of received and resolved per month (left axis) with the resolution rate as a
    line (right axis, broken where a month has no rate: an undefined rate is never 0)."""
    size = medium.text
    ticks = nice_ticks(max([p.received for p in points] + [p.resolved for p in points] + [1]))
    tick_labels = [format_number(t) for t in ticks]
    # Room for the longest count label (a city's 1234567 too) and for '100%' on the right.
    left = max(text_width(t, size) for t in tick_labels) + size * 0.8
    right = text_width("100%", size) + size * 0.8
    # Header: the title (or not) and the legend on one row, axis names under it.
    row = max(medium.title if names.title else 0, medium.legend) + 6
    legend = [("box", STATUS_COLORS["received"], names.received),
              ("box", STATUS_COLORS["resolved"], names.resolved),
              ("line", RATE_COLOR, names.rate)]
    if names.title:
        room = width - text_width(names.title, medium.title) - 24
        body, y = _legend(legend, width - 4, row / 2 + 1, medium.legend, room)
    else:
        body, y = _legend(legend, left, row / 2, medium.legend, width - left, "start")
    y += row / 2
    if names.count_axis or names.rate_axis:
        y += size + 4
        body.append(_text(0, y, names.count_axis, size))
        body.append(_text(width, y, names.rate_axis, size, anchor="end", color=RATE_COLOR))
    top, bottom = y + size, size + 9
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_count(v: float) -> float:
        return top + plot_h * (1 - v / ticks[-1])

    def y_rate(r: float) -> float:
        return top + plot_h * (1 - r / RATE_TOP)

    for tick, text in zip(ticks, tick_labels):
        body.append(_line(left, y_count(tick), width - right, y_count(tick), GRID_COLOR))
        body.append(_text(left - size * 0.5, y_count(tick) + size * 0.36, text, size, anchor="end"))
    for rate in RATE_TICKS:
        body.append(_text(width - right + size * 0.5, y_rate(rate) + size * 0.36,
                          format_rate(rate, 0), size, color=RATE_COLOR))
    slot = plot_w / max(len(points), 1)
    bar_w = min(slot * 0.36, 28)
    widest = max([text_width(p.label, size) for p in points] + [0]) + size * 0.5
    label_every = next((k for k in (1, 2, 3, 4, 6) if slot * k >= widest), 12)
    runs: list[list[str]] = [[]]
    dots = []
    for i, p in enumerate(points):
        centre = left + slot * (i + 0.5)
        for offset, key, value in ((-1, "received", p.received), (0, "resolved", p.resolved)):
            tip = f"{p.label} {getattr(names, key)}: {format_number(value)}" if medium.interactive else ""
            body.append(_rect(centre + offset * bar_w, y_count(value), bar_w,
                              y_count(0) - y_count(value), STATUS_COLORS[key], tip))
        if i % label_every == 0:
            body.append(_text(centre, height - 6, p.label, size, anchor="middle"))
        if p.rate is None:
            runs.append([])  # a month without cases breaks the line
            continue
        runs[-1].append(f"{_n(centre)},{_n(y_rate(p.rate))}")
        tip = (f"<title>{escape(p.label)} {escape(names.rate)}: {format_rate(p.rate)}</title>"
               if medium.interactive else "")
        dots.append(f'<circle cx="{_n(centre)}" cy="{_n(y_rate(p.rate))}" r="{_n(size * 0.3)}" '
                    f'fill="{RATE_COLOR}">{tip}</circle>')
    body.append(_line(left, y_count(0), width - right, y_count(0), BASELINE_COLOR))
    body += [f'<polyline points="{" ".join(run)}" fill="none" stroke="{RATE_COLOR}" '
             f'stroke-width="{_n(size * 0.18)}"/>' for run in runs if len(run) > 1]
    body += dots
    if names.empty and not any(p.received or p.resolved for p in points):
        body.append(_text(left + plot_w / 2, top + plot_h / 2, names.empty, size * 1.2,
                          anchor="middle", color="#9aa5b1"))
    return _svg(width, height, body, names.title or names.rate, medium, names.title)


def ranking_svg(bars: list[tuple[str, float]], title: str, score_name: str,
                selected: str | None = None, medium: Medium = SCREEN, width: int = 560) -> str:
    """Horizontal bars of score (0–100) by area, in the order given (best first).

    On an interactive medium each bar is a focusable group carrying its area in
    `data-area` (dashboard/clickable.py makes it a click) with a hover title.
    """
    size, row = medium.text, medium.text * 2.7
    top = medium.title + 25
    names = [name for name, _ in bars]
    label_w = min(max([text_width(n, size + 2) for n in names] + [40]) + 10, 190)
    bar_left, bar_right = label_w + 4, width - size * 4
    height = top + row * len(bars) + size * 3

    def x_of(score: float) -> float:
        return bar_left + (bar_right - bar_left) * max(0.0, min(score, 100.0)) / 100

    body = []
    for tick in (0, 20, 40, 60, 80, 100):
        body.append(_line(x_of(tick), top - 4, x_of(tick), top + row * len(bars), GRID_COLOR))
        body.append(_text(x_of(tick), top + row * len(bars) + size * 1.45, str(tick), size,
                          anchor="middle"))
    body.append(_text((bar_left + bar_right) / 2, height - 2, score_name, size, anchor="middle"))
    for i, (name, score) in enumerate(bars):
        y = top + row * i
        shown = name if text_width(name, size + 2) <= label_w - 10 else name[:11] + "…"
        value = f"{score:.1f}"
        tip = f"{name}\n{score_name}: {value}" if medium.interactive else ""
        inner = (_text(label_w, y + row / 2 + size * 0.4, shown, size + 2, anchor="end",
                       color=TEXT_COLOR)
                 + _rect(bar_left, y + 5, x_of(score) - bar_left, row - 10,
                         SELECTED_COLOR if name == selected else SCORE_COLOR, tip)
                 + _text(x_of(score) + 4, y + row / 2 + size * 0.36, value, size))
        if medium.interactive:
            # The transparent row is the click target; clickable.py's CSS highlights it on focus.
            body.append(f'<g class="bar" data-area="{escape(name)}" tabindex="0" role="button" '
                        f'aria-label="{escape(name)} {escape(score_name)} {value}" '
                        f'style="cursor:pointer">' + _rect(0, y, width, row, "transparent")
                        + inner + "</g>")
        else:
            body.append(inner)
    return _svg(width, height, body, title, medium, title)


def category_svg(rows: list[tuple[str, dict[str, int]]], status_names: dict[str, str],
                 title: str, count_name: str, medium: Medium = SCREEN, width: int = 370) -> str:
    """Stacked bars of each category's cases by status (STATUSES order), in the order given.

    rows: (category, {status: count}); a zero segment is not drawn.
    """
    size, row = medium.text, medium.text * 2.4
    names = [name for name, _ in rows]
    totals = [sum(counts.get(s, 0) for s in STATUSES) for _, counts in rows]
    label_w = min(max([text_width(n, size + 1) for n in names] + [30]) + 8, 120)
    ticks = nice_ticks(max(totals + [1]), 3)
    bar_left, bar_right = label_w + 4, width - size * 3.6
    legend = [("box", STATUS_COLORS[s], status_names[s]) for s in STATUSES]
    body, y = _legend(legend, width - 4, medium.title + 20, medium.legend, width - 8)
    top = y + size + 13
    height = top + row * len(rows) + size * 3

    def x_of(v: float) -> float:
        return bar_left + (bar_right - bar_left) * v / ticks[-1]

    for tick in ticks:
        body.append(_line(x_of(tick), top - 4, x_of(tick), top + row * len(rows), GRID_COLOR))
        body.append(_text(x_of(tick), top + row * len(rows) + size * 1.45, format_number(tick),
                          size, anchor="middle"))
    body.append(_text((bar_left + bar_right) / 2, height - 2, count_name, size, anchor="middle"))
    for i, ((name, counts), total) in enumerate(zip(rows, totals)):
        y = top + row * i
        shown = name if text_width(name, size + 1) <= label_w - 8 else name[:8] + "…"
        body.append(_text(label_w, y + row / 2 + size * 0.36, shown, size + 1, anchor="end",
                          color=TEXT_COLOR))
        x = 0
        for status in STATUSES:
            value = counts.get(status, 0)
            if value:
                tip = (f"{name}\n{status_names[status]}: {format_number(value)}"
                       if medium.interactive else "")
                body.append(_rect(x_of(x), y + 4, x_of(x + value) - x_of(x), row - 8,
                                  STATUS_COLORS[status], tip))
            x += value
        body.append(_text(x_of(total) + 4, y + row / 2 + size * 0.36, format_number(total), size))
    return _svg(width, height, body, title, medium, title)
