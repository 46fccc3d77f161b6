"""KPI cards as one block of HTML: label, value, the change against last month.

Why not st.metric: its code is a separate file the browser fetches only once the first
card has arrived, and in Chromium on this machine that held the headline numbers back by
0.5–0.8 s behind the sidebar's widgets. Markdown is drawn by code every page has already
loaded, so the cards show with the page title. Numbers come formatted (kpi.format_*);
every text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import streamlit as st

from taizhang.formatting import change_tone

_CSS = """
<style>
.tz-cards { display: grid; grid-template-columns: repeat(12, 1fr); gap: 1rem; margin-bottom: 1rem; }
.tz-card { border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.75rem 1rem;
           min-width: 0; }
.tz-label { font-size: 0.875rem; color: rgb(49, 51, 63); margin-bottom: 0.25rem; }
.tz-value { font-size: 2.25rem; line-height: 1.3; white-space: nowrap; overflow: hidden;
            text-overflow: ellipsis; color: rgb(49, 51, 63); }
.tz-detail { font-size: 0.8rem; color: rgba(49, 51, 63, 0.7); }
.tz-delta { display: inline-block; font-size: 0.875rem; border-radius: 0.5rem;
            padding: 0 0.4rem; margin-top: 0.25rem; }
.tz-good { color: rgb(23, 114, 51); background: rgba(33, 195, 84, 0.1); }
.tz-bad { color: rgb(189, 64, 67); background: rgba(255, 43, 43, 0.1); }
.tz-flat { color: rgb(49, 51, 63); background: rgba(49, 51, 63, 0.08); }
.tz-scope, .tz-year { grid-column: span 12; font-size: 0.875rem; color: rgba(49, 51, 63, 0.75); }
@media (max-width: 640px) {
  /* A phone: two cards a row (已解决, the long one, a row of its own), smaller numbers,
     so the six cards take half a screen instead of three. */
  .tz-cards { gap: 0.4rem; grid-auto-flow: row dense; }
  .tz-card { grid-column: span 6 !important; padding: 0.3rem 0.55rem; }
  .tz-card[data-kpi="resolved"] { grid-column: span 12 !important; }
  .tz-label { font-size: 0.8rem; margin-bottom: 0; }
  .tz-value { font-size: 1.4rem; line-height: 1.25; }
  .tz-detail { font-size: 0.7rem; }
  .tz-delta { font-size: 0.7rem; margin-top: 0.1rem; }
}
</style>
"""
ARROWS = {"up": "↑", "down": "↓"}
_METRIC_COLOURS = {"normal": True, "inverse": False, "off": None}


@dataclass(frozen=True)
class Card:
    """One card: its label, its value as shown, and optionally its change ('+146 环比')."""

    key: str
    label: str
    value: str
    change_text: str | None = None
    tone: str = "flat"             # good | bad | flat: the colour of the change
    arrow: str | None = None       # up | down | None
    span: int = 4                  # of 12 columns
    detail: str | None = None      # the n a rate rests on ('已回访 34'), under the value


def tone_of(change: float | None, rise: bool | str | None, rate: bool = True) -> tuple[str, str | None]:
    """(tone, arrow) of a change by the one rule screen and report share
    (taizhang.formatting.change_tone); `rise` is a formatting.RISE value (a rise is good:
    True, bad: False, neither: None) or st.metric's word for it: 'normal', 'inverse', 'off'."""
    return change_tone(change, _METRIC_COLOURS.get(rise, rise), rate)


def cards_html(cards: list[Card], scope: str | None = None, footer: str | None = None) -> str:
    """The cards as HTML in a 12-column grid (each card spans `span` columns); `scope`
    (what period and place they count) above them, `footer` below."""
    parts = [f'<div class="tz-scope" data-scope="1">{escape(scope)}</div>'] if scope else []
    for card in cards:
        change = ""
        if card.change_text is not None:
            arrow = f"{ARROWS[card.arrow]} " if card.arrow else ""
            change = (f'<div class="tz-delta tz-{card.tone}">{arrow}'
                      f"{escape(card.change_text)}</div>")
        parts.append(
            f'<div class="tz-card" data-kpi="{escape(card.key)}" '
            f'style="grid-column: span {card.span}">'
            f'<div class="tz-label">{escape(card.label)}</div>'
            f'<div class="tz-value">{escape(card.value)}</div>'
            + (f'<div class="tz-detail">{escape(card.detail)}</div>' if card.detail else "")
            + f"{change}</div>"
        )
    if footer:
        parts.append(f'<div class="tz-year">{escape(footer)}</div>')
    return f'{_CSS}<div class="tz-cards">{"".join(parts)}</div>'


def show(cards: list[Card], scope: str | None = None, footer: str | None = None) -> None:
    """Draw the cards."""
    st.markdown(cards_html(cards, scope, footer), unsafe_allow_html=True)
