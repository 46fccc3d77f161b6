"""督办 Supervision: overdue, stalled, dissatisfied and reopened cases; Excel download.

The most urgent cases and how many there are, not the whole list: a city's list is
millions of rows (loaders.SUPERVISION_PAGE_CASES, SUPERVISION_EXPORT_CASES).
"""

from dataclasses import replace

import streamlit as st

from dashboard import cards, loaders, ui
from dashboard.state import filters_for
from kpi import format_number
from taizhang.i18n import t

KINDS = ("overdue", "stalled", "dissatisfied", "reopened")
COLUMNS = [
    "kind", "case_id", "days_overdue", "days_stalled", "title", "street", "community",
    "responsible_unit", "officials", "received_on", "due_on", "status", "satisfaction",
    "reopened_count",
]

view = ui.current_view()
lang = view.lang


def _on_kinds() -> None:
    chosen = [k for k in KINDS if k in (st.session_state.get("w-kinds") or [])]
    kinds = None if not chosen or len(chosen) == len(KINDS) else ",".join(chosen)
    ui.apply_view(replace(ui.current_view(), kinds=kinds))


st.header(t("supervision.title", lang))
if view.case:
    st.button(f"‹ {t('areas.back', lang)}", on_click=ui.apply_view, args=(replace(view, case=None),))
    ui.case_panel(view.case, lang)
    ui.stop()
st.caption(t("supervision.caption", lang))
kinds = tuple(k for k in (view.kinds or "").split(",") if k in KINDS) or KINDS
st.session_state["w-kinds"] = list(kinds)
st.multiselect(t("filters.reasons", lang), KINDS, key="w-kinds",
               format_func=lambda k: t(f"reason.{k}", lang), on_change=_on_kinds)

filters = filters_for(view)
listing, total = loaders.supervision_page(filters, kinds)
ui.follow_selection("supervision-table", listing, "case_id", "case")
counts = loaders.supervision_counts(filters)
cards.show([cards.Card(kind, t(f"reason.{kind}", lang), str(counts.get(kind, 0)),
                       span=12 // len(KINDS)) for kind in KINDS])

if listing.empty:
    st.info(t("empty.supervision", lang), icon=":material/task_alt:")
    ui.stop()

shown = listing["case_id"].nunique()
if shown < total:
    st.caption(t("supervision.shown", lang, n=format_number(total), shown=format_number(shown)))
else:
    st.caption(t("supervision.count", lang, n=format_number(total)))
ui.table(listing, COLUMNS, lang, key="supervision-table", select=True)

# The download is built only when clicked, and holds at most SUPERVISION_EXPORT_CASES cases.
ui.xlsx_download(lambda: loaders.supervision_export(filters, kinds), COLUMNS, lang,
                 "supervision.download", "supervision.title", "supervision.file")
exported = min(total, loaders.SUPERVISION_EXPORT_CASES)
if exported < total:
    st.caption(t("supervision.download_capped", lang, n=format_number(total),
                 shown=format_number(exported)))
