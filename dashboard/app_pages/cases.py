"""案件 Cases: text search and filters over the cases; a case page with timeline and source."""

from dataclasses import replace

import streamlit as st

from taizhang.dashboard import loaders, ui
from taizhang.dashboard.state import filters_for
from taizhang.i18n import t

COLUMNS = [
    "case_no", "received_on", "street", "community", "channel", "category", "title", "status",
    "responsible_unit", "officials", "reporter", "resolved_on", "satisfaction",
]

view = ui.current_view()
lang = view.lang


def _on_search() -> None:
    text = (st.session_state.get("w-search") or "").strip()
    ui.apply_view(replace(ui.current_view(), search=text or None, case=None))


st.header(t("cases.title", lang))
if view.case:
    st.button(f"‹ {t('areas.back', lang)}", on_click=ui.apply_view, args=(replace(view, case=None),))
    ui.case_panel(view.case, lang)
    ui.stop()

st.caption(ui.plain(ui.scope_text(view, lang)))  # the period and place the list below holds
st.session_state["w-search"] = view.search or ""
st.text_input(t("filters.search", lang), key="w-search", on_change=_on_search)

filters = filters_for(view)
cases = loaders.case_list(filters, view.search)
ui.follow_selection("cases-table", cases, "case_id", "case")
if cases.empty:
    st.info(t("empty.slice", lang), icon=":material/filter_alt_off:")
    ui.stop()

if view.search:
    st.caption(t("cases.count", lang, n=len(cases)))
else:
    total = loaders.case_count(filters)
    st.caption(t("cases.count", lang, n=total) if total <= len(cases)
               else t("cases.more", lang, shown=len(cases), n=total))
st.caption(f"{t('cases.open', lang)} · {t('cases.masked', lang)}")
ui.table(cases, COLUMNS, lang, key="cases-table", select=True, download="cases.title")
