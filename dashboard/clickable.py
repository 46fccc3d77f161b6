"""Charts on the page: the SVG of dashboard/charts.py in a tiny component, bars clickable.

st.components.v2 mounts the markup in the page itself (no iframe, 15 kB of Streamlit
code, no chart library), so it shows as soon as it arrives. A click (or Enter on a
focused bar) on an element carrying `data-area` sends that area back as a trigger value:
it is set for the one run the click starts and gone after it, so a followed click is
never replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

_JS = """
export default function ({ parentElement, data, setTriggerValue }) {
  // Fetch and parse Streamlit's own code for what a click will show next while the
  // reader looks at this page (once; the browser keeps one copy of a module).
  const main = document.querySelector('script[type=module][src*="/static/js/"]');
  if (main && data.preload && !window.taizhangPreloaded) {
    window.taizhangPreloaded = true;
    const later = window.requestIdleCallback || ((f) => setTimeout(f, 200));
    later(() => data.preload.forEach((name) => import(new URL(name, main.src).href).catch(() => {})));
  }
  const root = parentElement.querySelector(".chart");
  if (root.dataset.drawn !== data.svg) {
    root.innerHTML = data.svg;  // built and escaped by dashboard/charts.py
    root.dataset.drawn = data.svg;
  }
  const pick = (target) => {
    const bar = target.closest("[data-area]");
    if (bar) setTriggerValue("area", bar.dataset.area);
  };
  root.onclick = (event) => pick(event.target);
  root.onkeydown = (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      pick(event.target);
    }
  };
}
"""
_CSS = """
.chart { width: 100%; }
.chart [data-area]:hover rect:not([fill=transparent]) { opacity: 0.8; }
.chart [data-area]:focus { outline: none; }
.chart [data-area]:focus rect[fill=transparent] { fill: #e8eef7; }
"""

# The Areas page's table is Streamlit's data grid, 1.2 MB of JavaScript the browser would
# otherwise fetch and parse only after the click on a street (0.5–0.9 s measured). Its
# file name carries a content hash, so it is looked up in the installed Streamlit; if a
# release renames it, nothing is preloaded and nothing else changes.
_STATIC_JS = Path(st.__file__).parent / "static" / "static" / "js"
PRELOAD = sorted(path.name for path in _STATIC_JS.glob("DataFrame.*.js"))

_component = st.components.v2.component(
    "taizhang_clickable_chart", html='<div class="chart"></div>', css=_CSS, js=_JS,
)


def svg_chart(svg: str, key: str, on_click: Callable[[str], None] | None = None) -> None:
    """Show `svg`; with on_click, a click on a bar calls on_click(area) before the run it starts.

    (st.html would sanitise the SVG's attributes away; this markup is ours, escaped.)
    """
    data = {"svg": svg, "preload": PRELOAD}
    if on_click is None:
        _component(data=data, key=key, width="stretch")
        return

    def clicked() -> None:
        area = getattr(st.session_state.get(key), "area", None)
        if area:
            on_click(str(area))

    _component(data=data, key=key, width="stretch", on_area_change=clicked)
