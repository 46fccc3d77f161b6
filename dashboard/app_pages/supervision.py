"""督办 Supervision: one row a case with its reasons, counts by unit, lead official and
escalation tier; the Excel download.

The most urgent cases and how many there are, not the whole list: a city's list is
millions of rows (loaders.SUPERVISION_PAGE_CASES, SUPERVISION_EXPORT_CASES).
"""

from dataclasses import replace

import streamlit as st

from taizhang.dashboard import cards, loaders, supervision_file, ui
from taizhang.dashboard.state import filters_for
from taizhang.formatting import format_number
from taizhang.i18n import t

KINDS = ("overdue", "stalled", "dissatisfied", "reopened")
COLUMNS = [
    "case_no", "reasons", "tier", "days_overdue", "days_stalled", "title", "street", "community",
    "responsible_unit", "officials", "received_on", "due_on", "status", "satisfaction",
    "reopened_count",
]
BREAKDOWN_ROWS = 15

view = ui.current_view()
lang = view.lang


def _on_kinds() -> None:
    chosen = [k for k in KINDS if k in (st.session_state.get("w-kinds") or [])]
    kinds = None if not chosen or len(chosen) == len(KINDS) else ",".join(chosen)
    ui.apply_view(replace(ui.current_view(), kinds=kinds))


def _breakdown(column, by: str, title_key: str) -> None:
    frame = loaders.supervision_breakdown(filters, by, kinds)
    frame = frame.assign(**{by: frame[by].fillna(t("supervision.none_named", lang))})
    column.markdown(f"**{t(title_key, lang)}**")
    with column:
        ui.table(frame.head(BREAKDOWN_ROWS), [by, "cases"], lang, key=f"by-{by}")
    if len(frame) > BREAKDOWN_ROWS:
        column.caption(t("supervision.more_rows", lang, n=format_number(len(frame) - BREAKDOWN_ROWS)))


st.header(t("supervision.title", lang))
if view.case:
    st.button(f"‹ {t('areas.back', lang)}", on_click=ui.apply_view, args=(replace(view, case=None),))
    ui.case_panel(view.case, lang)
    ui.stop()
filters = filters_for(view)
as_of = loaders.list_as_of(filters)
kinds = tuple(k for k in (view.kinds or "").split(",") if k in KINDS) or KINDS
st.session_state["w-kinds"] = list(kinds)
st.multiselect(t("filters.reasons", lang), KINDS, key="w-kinds",
               format_func=lambda k: t(f"reason.{k}", lang), on_change=_on_kinds)

listing, total = loaders.supervision_page(filters, kinds)
ui.follow_selection("supervision-table", listing, "case_id", "case")
title = supervision_file.sheet_title(filters, as_of, total, lang)
st.caption(t("supervision.sheet_note", lang, as_of=as_of.isoformat(), period=title.period,
             n=format_number(total)))
counts = loaders.supervision_counts(filters)
cards.show([cards.Card(kind, t(f"reason.{kind}", lang), format_number(counts.get(kind, 0)),
                       span=12 // len(KINDS)) for kind in KINDS])
tiers = loaders.supervision_breakdown(filters, "tier", kinds).dropna(subset=["tier"])
if len(tiers):
    tiers = tiers.sort_values("tier")
    thresholds = loaders.settings().escalation_days
    cards.show([cards.Card(f"tier-{int(r.tier)}", supervision_file.tier_band_text(r.tier, thresholds, lang),
                           format_number(r.cases), span=max(2, 12 // len(tiers)))
                for r in tiers.itertuples(index=False)])

if listing.empty:
    st.info(t("empty.supervision", lang), icon=":material/task_alt:")
    ui.stop()

if len(listing) < total:
    st.caption(t("supervision.shown", lang, n=format_number(total), shown=format_number(len(listing))))
else:
    st.caption(t("supervision.count", lang, n=format_number(total)))
ui.table(listing, COLUMNS, lang, key="supervision-table", select=True)


export_name = supervision_file.file_name(title.scope, as_of, "xlsx", lang)
# The download is built on its click in another thread: it asks, and is written to the
# audit log, for the person of this run (no file is given if the entry cannot be written).
person = loaders.current_person()


def _xlsx() -> bytes:
    loaders.act_as(person)
    try:
        rows, cases, listed_as_of = loaders.supervision_export(filters, kinds)
        loaders.audit("export", export_name, {"rows": len(rows)}, person)
        return supervision_file.xlsx_bytes(
            rows, supervision_file.sheet_title(filters, listed_as_of, cases, lang), lang,
            loaders.settings().escalation_days)
    finally:
        loaders.act_as(None)


# The download is built only when clicked, and holds at most SUPERVISION_EXPORT_CASES cases.
st.download_button(
    t("supervision.download", lang), data=_xlsx,
    file_name=export_name,
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
)
exported = min(total, loaders.SUPERVISION_EXPORT_CASES)
if exported < total:
    st.caption(t("supervision.download_capped", lang, n=format_number(total),
                 shown=format_number(exported)))

left, right = st.columns(2)
_breakdown(left, "responsible_unit", "supervision.by_unit")
_breakdown(right, "lead", "supervision.by_official")
