"""街道社区 Areas: street ranking → a street's communities → a community's cases → a case."""

from dataclasses import replace

import streamlit as st

from taizhang import charts as figures
from taizhang.dashboard import charts, loaders, timing, ui
from taizhang.dashboard.state import drill_level, filters_for
from taizhang.i18n import t

# What the score judges first, each rate with its n beside it; then what was received.
RANKING_COLUMNS = [
    "rank", "street", "score", "rank_change", "due_resolution_rate", "due_on_time_rate",
    "due_cases", "due_satisfaction_rate", "due_rated", "response_rate", "median_hours", "reopened_rate",
    "return_rate", "received", "resolved", "resolution_rate", "satisfaction_rate", "rated", "cancelled",
    "referred", "overdue_open", "unranked_reason",
]
TOP_N = 3  # 先进 / 后进: how many of each
CASE_COLUMNS = [
    "case_no", "received_on", "title", "category", "status", "responsible_unit", "officials",
    "resolved_on", "satisfaction",
]

view = ui.current_view()
lang = view.lang
level = drill_level(view)

st.header(t("areas.title", lang))
ui.breadcrumb_bar(view, lang)

if level == "district":
    streets = loaders.ranking("street", filters_for(view, areas=False))
    ui.follow_selection("streets-table", streets, "street", "street")
    st.subheader(t("areas.streets", lang))
    st.caption(ui.rank_period(filters_for(view, areas=False), lang))
    ui.table(streets, RANKING_COLUMNS, lang, key="streets-table", select=True, height="content",
             download="areas.title")

    # 先进 / 后进, as 12345 boards publish them: the first and the last ranked.
    ranked = streets.dropna(subset=["rank"])
    n = min(TOP_N, len(ranked) // 2)
    if n:
        best, worst = st.columns(2)
        for column, key, rows in ((best, "areas.leaders", ranked.head(n)),
                                  (worst, "areas.laggards", ranked.tail(n))):
            with column:
                st.markdown(f"**{t(key, lang, n=n)}**")
                ui.table(rows, ["rank", "street", "score", "due_resolution_rate", "due_cases"], lang,
                         key=f"{key}-table")

    # Two streets side by side: every figure of both, and the rank month by month.
    st.subheader(t("areas.compare", lang))
    names = [s for s in streets["street"] if isinstance(s, str)]
    if len(names) >= 2:
        left, right = st.columns(2)
        first = left.selectbox(t("areas.compare_pick", lang), names, index=0, key="compare-a")
        second = right.selectbox(t("areas.compare_pick", lang), names, index=len(names) - 1,
                                 key="compare-b")
        pair = streets[streets["street"].isin([first, second])].set_index("street").reindex(
            [first, second]).reset_index()
        ui.table(pair, RANKING_COLUMNS, lang, key="compare-table")
        history = filters_for(replace(view, period="12m", date_from=None), areas=False)
        charts.show(loaders.chart(figures.rank_history_figure, loaders.rank_history, (history,), lang=lang,
                                  selected=first), key="rank-history")

elif level == "street":
    communities, head = loaders.street_page(view)   # what the overview prefetches
    ui.follow_selection("communities-table", communities, "community", "community")
    ui.headline_cards(head, lang)
    timing.mark("cards")
    st.subheader(ui.say("areas.communities", lang, street=view.street))
    st.caption(ui.rank_period(filters_for(view), lang))
    columns = ["community" if c == "street" else c for c in RANKING_COLUMNS]
    ui.table(communities, columns, lang, key="communities-table", select=True, height="content",
             download="areas.title")

elif level == "community":
    filters = filters_for(view)
    cases = loaders.case_list(filters)
    ui.follow_selection("community-cases", cases, "case_id", "case")
    ui.headline_cards(loaders.headline(filters), lang)
    st.subheader(ui.say("areas.cases", lang, community=view.community))
    if cases.empty:
        st.info(t("empty.slice", lang), icon=":material/filter_alt_off:")
    ui.table(cases, CASE_COLUMNS, lang, key="community-cases", select=True,
             download="cases.title")

else:
    ui.case_panel(view.case, lang)
