"""The 12-month trend as an inline SVG: bars of received and resolved, a line of the rate.

Drawn here rather than with plotly so that the page needs no script, prints as vector
graphics with selectable labels, and renders offline. It draws the numbers it is given;
it computes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

RECEIVED_COLOUR = "#9db9d8"
RESOLVED_COLOUR = "#2e7d5b"
RATE_COLOUR = "#c0392b"


@dataclass
class TrendPoint:
    """One month: label "6月", counts, and the resolution rate as a fraction or None."""

    label: str
    received: int
    resolved: int
    rate: float | None


def _nice_ceiling(value: int) -> int:
    """The smallest 1/2/5×10^k at or above value, so the axis reads in round steps."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def trend_svg(
    points: list[TrendPoint],
    legend: tuple[str, str, str],
    empty_text: str = "",
    width: int = 380,
    height: int = 178,
) -> str:
    """SVG markup for the trend; `legend` names received, resolved and the rate, and
    `empty_text` is written across a chart whose months have no cases at all."""
    # At least 2, so the middle grid line has a whole number.
    y_max = _nice_ceiling(max([p.received for p in points] + [p.resolved for p in points] + [2]))
    # Room for the longest count label (9px digits ≈ 5.2px wide): a city's 500000 fits too.
    left, right, top, bottom = max(30, round(6 + 5.2 * len(str(y_max)))), 34, 22, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(points), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.34, 1.0)

    def y_count(v: float) -> float:
        return top + plot_h - plot_h * v / y_max

    def y_rate(r: float) -> float:
        return top + plot_h - plot_h * r

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="trend" role="img">'
    ]
    # Grid and axes: counts on the left, rate 0–100% on the right.
    for frac in (0, 0.5, 1):
        y = top + plot_h - plot_h * frac
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="grid"/>'
        )
        if float(y_max * frac).is_integer():
            parts.append(
                f'<text x="{left - 4}" y="{y + 3:.1f}" class="axis" text-anchor="end">'
                f"{int(y_max * frac)}</text>"
            )
        parts.append(
            f'<text x="{left + plot_w + 4}" y="{y + 3:.1f}" class="axis rate-axis">'
            f"{round(frac * 100)}%</text>"
        )
    line: list[str] = []
    for i, p in enumerate(points):
        x0 = left + i * slot + (slot - 2 * bar_w) / 2
        for j, (value, colour) in enumerate(((p.received, RECEIVED_COLOUR), (p.resolved, RESOLVED_COLOUR))):
            y = y_count(value)
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{top + plot_h - y:.1f}" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{left + (i + 0.5) * slot:.1f}" y="{height - 6}" class="axis" '
            f'text-anchor="middle">{escape(p.label)}</text>'
        )
        if p.rate is not None:
            line.append(f"{left + (i + 0.5) * slot:.1f},{y_rate(p.rate):.1f}")
        elif len(line) > 1:
            # An undefined rate (a month without cases) breaks the line; never draw it as 0.
            parts.append(f'<polyline points="{" ".join(line)}" class="rate"/>')
            line = []
        else:
            line = []
    if line:
        parts.append(f'<polyline points="{" ".join(line)}" class="rate"/>')
    for i, p in enumerate(points):
        if p.rate is not None:
            parts.append(
                f'<circle cx="{left + (i + 0.5) * slot:.1f}" cy="{y_rate(p.rate):.1f}" '
                f'r="2" fill="{RATE_COLOUR}"/>'
            )
    if not any(p.received or p.resolved for p in points) and empty_text:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2 - 8:.1f}" class="empty" '
            f'text-anchor="middle">{escape(empty_text)}</text>'
        )
    # Legend along the top.
    x = left
    for name, colour, is_line in (
        (legend[0], RECEIVED_COLOUR, False),
        (legend[1], RESOLVED_COLOUR, False),
        (legend[2], RATE_COLOUR, True),
    ):
        if is_line:
            parts.append(
                f'<line x1="{x}" y1="9" x2="{x + 12}" y2="9" stroke="{colour}" stroke-width="2"/>'
            )
        else:
            parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 15}" y="13" class="legend">{escape(name)}</text>')
        x += 15 + 11 * len(name) + 14
    parts.append("</svg>")
    return "".join(parts)
