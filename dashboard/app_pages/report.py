"""月报 Monthly report: the report of SPEC §6 in its print layout, with PDF/PNG built on click."""

from dataclasses import replace

import streamlit as st

from dashboard import loaders, ui
from dashboard.state import report_months
from taizhang.i18n import t

view = ui.current_view()
lang = view.lang
info = loaders.dataset_info()
months = report_months(info.get("first_received_on"), view.as_of or info.get("as_of"))


def _on_month() -> None:
    ui.apply_view(replace(ui.current_view(), month=st.session_state.get("w-month")))


st.header(t("report.title", lang))
if not months:
    st.info(t("empty.db", lang))
    ui.stop()
month = view.month if view.month in months else months[0]
st.session_state["w-month"] = month
controls = st.container(horizontal=True, vertical_alignment="bottom")
controls.selectbox(t("report.month", lang), months, key="w-month", on_change=_on_month, width=200)

scope = (("street", view.street),) if view.street else None
try:
    from report.render import html_to_pdf, html_to_png

    html = loaders.report_html(month, scope, lang)
except ImportError as exc:
    st.warning(t("report.unavailable", lang, error=exc))
    ui.stop()


def _render(renderer):
    """Build the file only when its button is clicked (it starts a browser)."""
    def build() -> bytes:
        return renderer(html)
    return build


name = f"{view.street or info.get('district') or 'report'}-{month}"
controls.download_button(t("report.pdf", lang), data=_render(html_to_pdf), file_name=f"{name}.pdf",
                     mime="application/pdf", icon=":material/picture_as_pdf:")
controls.download_button(t("report.png", lang), data=_render(html_to_png), file_name=f"{name}.png",
                      mime="image/png", icon=":material/image:")
st.iframe(html, height=1200)
