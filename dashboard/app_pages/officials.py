"""干部 Officials: one row per official (a case counts for each official linked to it) → cases."""

from dataclasses import replace

import streamlit as st

from taizhang.dashboard import loaders, ui
from taizhang.dashboard.state import filters_for
from taizhang.i18n import role_label, t

OFFICIAL_COLUMNS = [
    "official", "title_job", "unit", "roles", "received", "resolved", "resolution_rate", "median_days",
    "on_time_rate", "satisfaction_rate", "overdue_open", "meetings_attended", "attendance",
]
CASE_COLUMNS = [
    "case_id", "received_on", "street", "community", "title", "status", "responsible_unit",
    "resolved_on", "satisfaction",
]

view = ui.current_view()
lang = view.lang

st.header(t("officials.title", lang))
st.caption(ui.plain(ui.scope_text(view, lang)))  # the period and place every figure below counts
st.info(t("officials.note", lang), icon=":material/info:")

officials = loaders.official_table(filters_for(view)).rename(columns={"title": "title_job"})
if officials.empty:
    st.info(t("empty.list", lang))
    ui.stop()

if view.official:
    chosen = officials[officials["official_id"].astype(str) == view.official]
    name = chosen["official"].iloc[0] if len(chosen) else view.official
    st.button(f"‹ {t('areas.back', lang)}", on_click=ui.apply_view,
              args=(replace(view, official=None, case=None),))
    if view.case:
        ui.case_panel(view.case, lang)
    else:
        cases = loaders.case_list(filters_for(view, official=True))
        ui.follow_selection("official-cases", cases, "case_id", "case")
        st.subheader(ui.say("officials.cases", lang, name=name))
        if cases.empty:
            st.info(t("empty.slice", lang), icon=":material/filter_alt_off:")
        ui.table(cases, CASE_COLUMNS, lang, key="official-cases", select=True)
else:
    # Lead officials, deputies, handlers …: one role at a time (in the URL as role=lead).
    roles = sorted({r for rs in officials["roles"] for r in str(rs).split(",") if r})
    st.session_state["w-role"] = view.role if view.role in roles else None
    st.pills(t("officials.role", lang), roles, key="w-role",
             format_func=lambda r: role_label(r, lang),
             on_change=lambda: ui.apply_view(replace(ui.current_view(),
                                                     role=st.session_state.get("w-role"))))
    if view.role in roles:
        officials = officials[officials["roles"].str.split(",").map(lambda rs: view.role in rs)]
        officials = officials.reset_index(drop=True)
    ui.follow_selection("officials-table", officials, "official_id", "official")
    st.subheader(t("officials.table", lang))
    st.caption(t("officials.attendance_note", lang))
    ui.table(officials, OFFICIAL_COLUMNS, lang, key="officials-table", select=True, height=600,
             download="officials.title")
