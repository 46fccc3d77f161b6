"""街道社区 Areas: street ranking → a street's communities → a community's cases → a case."""

from dataclasses import replace

import streamlit as st

from dashboard import loaders, ui
from dashboard.state import drill_into, drill_level, filters_for, table_selection
from taizhang.i18n import t

RANKING_COLUMNS = [
    "rank", "street", "score", "rank_change", "resolution_rate", "on_time_rate",
    "satisfaction_rate", "received", "resolved", "overdue_open",
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
    st.subheader(t("areas.streets", lang))
    streets = loaders.ranking("street", filters_for(view, areas=False))
    event = ui.table(streets, RANKING_COLUMNS, lang, key="streets-table", select=True)
    street = table_selection(event, streets, "street")
    if street:
        ui.go(drill_into(view, "street", street))

elif level == "street":
    ui.headline_cards(loaders.headline(filters_for(view)), lang)
    st.subheader(t("areas.communities", lang, street=view.street))
    communities = loaders.ranking("community", filters_for(replace(view, community=None)))
    columns = ["community" if c == "street" else c for c in RANKING_COLUMNS]
    event = ui.table(communities, columns, lang, key="communities-table", select=True)
    community = table_selection(event, communities, "community")
    if community:
        ui.go(drill_into(view, "community", community))

elif level == "community":
    filters = filters_for(view)
    ui.headline_cards(loaders.headline(filters), lang)
    st.subheader(t("areas.cases", lang, community=view.community))
    cases = loaders.case_list(filters)
    if cases.empty:
        st.info(t("empty.slice", lang), icon=":material/filter_alt_off:")
    event = ui.table(cases, CASE_COLUMNS, lang, key="community-cases", select=True)
    case_id = table_selection(event, cases, "case_id")
    if case_id:
        ui.go(drill_into(view, "case", case_id))

else:
    ui.case_panel(view.case, lang)
