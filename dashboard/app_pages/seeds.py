"""议事与服务 Consultation & service: the 2+4 rule with proposal feedback, the consultation
funnel, service groups and 三事分流, 销号 and the deputies' table (kpi.seeds)."""

import streamlit as st

from taizhang.dashboard import loaders, ui
from taizhang.dashboard.state import filters_for
from taizhang.formatting import format_number, format_rate
from taizhang.i18n import t

MEETING_COLUMNS = ["level", "street", "community", "meetings_held", "required", "compliant",
                   "proposals", "answered", "feedback_rate"]
FUNNEL_COLUMNS = ["street", "community", "consultations", "suggestions", "solved", "solved_rate"]
GROUP_COLUMNS = ["street", "community", "service_group", "received"]
MATTER_COLUMNS = ["street", "count_大事", "count_小事", "count_私事", "unclassified",
                  "share_大事", "share_小事", "share_私事"]
SIGNOFF_COLUMNS = ["street", "resolved", "signed_off", "awaiting_signoff", "signoff_rate",
                   "median_signoff_days"]
DEPUTY_COLUMNS = ["official", "title_job", "claimed", "resolved", "deputy_resolution_rate",
                  "dissatisfied", "reopened"]

view = ui.current_view()
lang = view.lang
filters = filters_for(view)

st.header(t("seeds.title", lang))
st.caption(ui.plain(ui.scope_text(view, lang)))  # the period and place every figure below counts
if loaders.meetings_compliance(filters).empty:  # lists the registry's areas
    st.info(t("seeds.no_registry", lang), icon=":material/info:")

st.subheader(t("seeds.meetings", lang))
st.caption(t("seeds.meetings_note", lang))
meetings = loaders.meetings_compliance(filters)
totals = loaders.seed_totals("meetings", meetings)
columns = st.columns(3)
columns[0].metric(t("seeds.streets_ok", lang), f"{totals['street_compliant']}/{totals['street_areas']}")
columns[1].metric(t("seeds.communities_ok", lang),
                  f"{totals['community_compliant']}/{totals['community_areas']}")
columns[2].metric(t("feedback_rate", lang), format_rate(totals["feedback_rate"]),
                  help=f"{totals['answered']}/{totals['proposals']}")
shown = meetings.assign(level=meetings["level"].map(lambda v: t(v, lang)),
                        compliant=meetings["compliant"].map(
                            lambda v: "—" if v is None or v != v else ("✓" if v else "✗")))
ui.table(shown, MEETING_COLUMNS, lang, key="seeds-meetings", download="seeds.meetings")

st.subheader(t("seeds.funnel", lang))
st.caption(t("seeds.funnel_note", lang))
level = st.segmented_control(t("seeds.funnel_by", lang), ["street", "community"], default="street",
                             key="w-funnel-level", format_func=lambda v: t(v, lang)) or "street"
funnel = loaders.funnel(filters, level=level)
whole = loaders.seed_totals("funnel", funnel)
columns = st.columns(4)
for column, name in zip(columns, ("consultations", "suggestions", "solved")):
    column.metric(t(name, lang), format_number(whole[name]))
columns[3].metric(t("solved_rate", lang), format_rate(whole["solved_rate"]))
ui.table(funnel, FUNNEL_COLUMNS, lang, key="seeds-funnel", download="seeds.funnel")

st.subheader(t("seeds.groups", lang))
st.caption(t("seeds.groups_note", lang))
groups = loaders.service_groups(filters)
coverage = loaders.seed_totals("groups", groups)
columns = st.columns(3)
columns[0].metric(t("seeds.coverage", lang), format_rate(coverage["coverage"]),
                  help=f"{coverage['with_group']}/{coverage['communities']}")
columns[1].metric(t("seeds.without_group", lang), format_number(coverage["without_group"]))
columns[2].metric(t("seeds.idle_groups", lang), format_number(coverage["groups_without_cases"]))
for key, names in (("seeds.without_group", coverage["communities_without_group"]),
                   ("seeds.idle_groups", coverage["idle_groups"])):
    st.markdown(f"**{t(key, lang)}**")
    st.text("、".join(names) if names else t("seeds.none", lang))
with st.expander(t("service_group", lang)):
    ui.table(groups, GROUP_COLUMNS, lang, key="seeds-groups", download="seeds.groups")

st.subheader(t("seeds.matters", lang))
st.caption(t("seeds.matters_note", lang))
ui.table(loaders.matter_shares(filters), MATTER_COLUMNS, lang, key="seeds-matters",
         download="seeds.matters")

st.subheader(t("seeds.signoff", lang))
st.caption(t("seeds.signoff_note", lang))
whole = loaders.signoff(filters, by="")
columns = st.columns(3)
if len(whole):
    row = whole.iloc[0]
    columns[0].metric(t("signed_off", lang), f"{int(row['signed_off'])}/{int(row['resolved'])}")
    columns[1].metric(t("awaiting_signoff", lang), format_number(int(row["awaiting_signoff"])))
    columns[2].metric(t("median_signoff_days", lang), format_number(row["median_signoff_days"]))
ui.table(loaders.signoff(filters), SIGNOFF_COLUMNS, lang, key="seeds-signoff",
         download="seeds.signoff")

st.subheader(t("seeds.deputies", lang))
st.caption(t("seeds.deputies_note", lang))
deputies = loaders.deputies(filters).rename(columns={"title": "title_job"})
ui.table(deputies, DEPUTY_COLUMNS, lang, key="seeds-deputies",
         download="seeds.deputies")
