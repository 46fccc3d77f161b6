"""总览 Overview: headline cards with month-over-month deltas, trend, street ranking, categories."""

import streamlit as st

from dashboard import loaders, timing, ui
from dashboard.clickable import svg_chart
from dashboard.state import drill_into, filters_for, params_from_view
from taizhang.i18n import t

view = ui.current_view()
lang = view.lang
filters = filters_for(view)

# A click on a street bar started this run (its callback chose the view): open that
# street before drawing anything.
target = st.session_state.pop(ui.FOLLOW_KEY, None)
if target is not None:
    st.switch_page("app_pages/areas.py", query_params=params_from_view(target))

st.header(t("overview.title", lang))
head = loaders.headline(filters)
if not head["metrics"]["received"]:
    st.info(t("empty.slice", lang), icon=":material/filter_alt_off:")
    ui.stop()

ui.headline_cards(head, lang)
timing.mark("cards")

svg_chart(loaders.chart("trend_svg", "trend", (filters,), lang=lang), key="trend")

left, right = st.columns([3, 2])
with left:
    ranking_filters = filters_for(view, areas=False)
    svg_chart(
        loaders.chart("ranking_svg", "ranking", ("street", ranking_filters),
                      area_column="street", lang=lang, selected=view.street),
        key="street-ranking", on_click=lambda street: ui.follow(drill_into(view, "street", street)),
    )
    st.caption(t("overview.ranking_hint", lang))
with right:
    svg_chart(loaders.chart("category_svg", "metrics", (("category",), filters), lang=lang),
              key="categories")

timing.mark("charts")

# What a click on a bar will ask for, computed now while the reader looks at the page.
loaders.prefetch_streets(view)
