"""街道社区 Areas: street ranking → a street's communities → a community's cases → a case."""

import streamlit as st

from dashboard import loaders, timing, ui
from dashboard.state import drill_level, filters_for
from taizhang.i18n import t

# What the score judges first, each rate with its n beside it; then what was received.
RANKING_COLUMNS = [
    "rank", "street", "score", "rank_change", "due_resolution_rate", "due_on_time_rate",
    "due_cases", "satisfaction_rate", "rated", "received", "resolved", "resolution_rate",
    "overdue_open", "unranked_reason",
]
CASE_COLUMNS = [
    "case_id", "received_on", "title", "category", "status", "responsible_unit", "officials",
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
    ui.table(streets, RANKING_COLUMNS, lang, key="streets-table", select=True, height="content",
             download="areas.title")

elif level == "street":
    communities, head = loaders.street_page(view)   # what the overview prefetches
    ui.follow_selection("communities-table", communities, "community", "community")
    ui.headline_cards(head, lang)
    timing.mark("cards")
    st.subheader(ui.say("areas.communities", lang, street=view.street))
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
