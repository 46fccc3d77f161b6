"""总览 Overview: headline cards with month-over-month deltas, trend, street ranking, categories."""

import streamlit as st

from dashboard import charts, loaders, ui
from dashboard.state import chart_selection, drill_into, filters_for, params_from_view
from taizhang.i18n import t

view = ui.current_view()
lang = view.lang
filters = filters_for(view)

# A click on a street bar started this run: open that street before drawing anything.
clicked = chart_selection(ui.selected("street-ranking"))
if clicked:
    ui.forget_selection("street-ranking")
    target = drill_into(view, "street", clicked)
    ui.apply_view(target)
    st.switch_page("app_pages/areas.py", query_params=params_from_view(target))

st.header(t("overview.title", lang))
head = loaders.headline(filters)
if not head["metrics"]["received"]:
    st.info(t("empty.slice", lang), icon=":material/filter_alt_off:")
    st.stop()

ui.headline_cards(head, lang)

st.plotly_chart(loaders.figure("trend_figure", "trend", (filters,), lang=lang),
                config=charts.PLOTLY_CONFIG)

left, right = st.columns([3, 2])
with left:
    ranking = loaders.figure("ranking_figure", "ranking", ("street", filters_for(view, areas=False)),
                             area_column="street", lang=lang, selected=view.street)
    st.plotly_chart(
        ranking,
        key=ui.selection_key("street-ranking"), on_select="rerun", selection_mode="points",
        config=charts.PLOTLY_CONFIG,
    )
    st.caption(t("overview.ranking_hint", lang))
with right:
    categories = loaders.figure("category_figure", "metrics", (("category",), filters), lang=lang)
    st.plotly_chart(categories, config=charts.PLOTLY_CONFIG)
