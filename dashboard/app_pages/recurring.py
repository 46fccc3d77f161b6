"""每月一题 Recurring problems: case titles grouped across communities (kpi.recurring),
the top groups and, for the one chosen, its cases."""

import streamlit as st

from taizhang.dashboard import loaders, ui
from taizhang.dashboard.state import filters_for
from taizhang.i18n import t

GROUP_COLUMNS = ["group", "label", "cases", "communities", "streets", "recent", "earlier", "growth", "open"]
CASE_COLUMNS = ["case_no", "received_on", "street", "community", "title", "status"]

view = ui.current_view()
lang = view.lang

st.header(t("recurring.title", lang))
st.caption(ui.plain(ui.scope_text(view, lang)))  # the period and place every figure below counts
st.caption(t("recurring.note", lang))
with st.spinner(t("recurring.working", lang)):  # seconds for a few thousand titles
    groups, cases = loaders.recurring_problems(filters_for(view))
if groups.empty:
    st.info(t("recurring.empty", lang))
    ui.stop()
st.subheader(t("recurring.groups", lang))
ui.table(groups, GROUP_COLUMNS, lang, key="recurring-groups", download="recurring.groups")
chosen = st.selectbox(t("recurring.pick", lang), list(groups["group"]), key="w-recurring-group",
                      format_func=lambda n: f"{n}. {groups.loc[groups['group'] == n, 'label'].iloc[0]}")
st.subheader(ui.say("recurring.cases", lang, n=chosen))
ui.table(cases[cases["group"] == chosen], CASE_COLUMNS, lang, key="recurring-cases")
