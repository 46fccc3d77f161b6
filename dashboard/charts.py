"""Charts on the page: the figures of taizhang/charts.py in st.plotly_chart, bars clickable.

A ranking's bars are clicked through Streamlit's own selection events
(`on_select`, `selection_mode="points"`): the callback runs before the run the click
starts and reads the clicked bar's area from the widget's state. The followed chart then
gets a new key (`ui.selection_key`), because the browser would otherwise send its old
selection again when the page is shown next.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from taizhang.dashboard import ui
from taizhang.charts import config


def clicked_area(state) -> str | None:
    """The area of the clicked bar in a plotly selection state (its customdata[0], else its y)."""
    points = (state or {}).get("selection", {}).get("points") or []
    if not points:
        return None
    point = points[0]
    custom = point.get("customdata")
    if isinstance(custom, (list, tuple)) and custom:
        return str(custom[0]) or None  # '' is the bar of cases without an area: no drill
    return None if point.get("y") is None else str(point["y"])


def show(figure: dict, key: str, on_click: Callable[[str], None] | None = None) -> None:
    """Draw `figure` (a plotly figure as a dict); with on_click, a click on a bar calls
    on_click(area) before the run it starts."""
    # A downloaded PNG is named after the chart's title (街道综合排名.png), else its key.
    title = (figure.get("layout", {}).get("title") or {}).get("text") or key
    options = {"key": key, "config": config(title), "width": "stretch"}
    if on_click is None:
        st.plotly_chart(figure, **options)
        return

    def clicked() -> None:
        area = clicked_area(st.session_state.get(key))
        if area:
            on_click(area)

    st.plotly_chart(figure, on_select=clicked, selection_mode="points", **options)


def follow(name: str, go_to: Callable, view) -> None:
    """Follow a click on chart `name`: retire its widget (so the browser never sends the
    followed selection again, see ui.selection_key), then go_to(view)."""
    ui.forget_selection(name)
    go_to(view)
