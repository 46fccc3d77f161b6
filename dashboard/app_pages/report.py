"""月报 Monthly report: the report of SPEC §6 in its print layout, with PDF/PNG built on click."""

from dataclasses import replace

import streamlit as st

from taizhang.dashboard import loaders, ui
from taizhang.dashboard.state import report_months
from taizhang.kpi.periods import DEFAULT_PERIOD, period_bounds
from taizhang.report.devtools import BrowserError
from taizhang.report.render import (
    RenderUnavailable, check_prerequisites, html_to_longpng, html_to_pdf, html_to_png,
)
from taizhang.i18n import LANGS, t

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
# The month the view's period ends in (the default period: the latest complete month).
end = view.date_to or period_bounds(DEFAULT_PERIOD, view.as_of or info.get("as_of"))[1]
default = end.strftime("%Y-%m") if end else None
month = view.month if view.month in months else (default if default in months else months[0])
st.session_state["w-month"] = month
controls = st.container(horizontal=True, vertical_alignment="bottom")
controls.selectbox(t("report.month", lang), months, key="w-month", on_change=_on_month, width=200)

scope = (("street", view.street),) if view.street else None
html = loaders.report_html(month, scope, lang)
try:
    # Missing chromium or fonts: said on the page, not found out by a click on a button.
    check_prerequisites()
except RenderUnavailable as exc:
    st.warning(ui.say("report.render_failed", lang, error=exc))
    st.iframe(html, height=1200)
    ui.stop()


person = loaders.current_person()


def _render(renderer, file_name: str):
    """Build the file only when its button is clicked (it starts a browser); logged."""
    def build() -> bytes:
        try:
            loaders.audit("download", file_name, {"month": month, "street": view.street}, person)
            return renderer(html)
        except (RenderUnavailable, BrowserError) as exc:
            # This runs outside the page's script, where nothing can be drawn: Streamlit
            # tells the user the download failed and logs this reason, not a traceback.
            raise RuntimeError(" / ".join(t("report.render_failed", lg, error=exc)
                                          for lg in LANGS)) from None
    return build


name = f"{view.street or info.get('district') or 'report'}-{month}"
controls.download_button(t("report.pdf", lang), data=_render(html_to_pdf, f"{name}.pdf"), file_name=f"{name}.pdf",
                     mime="application/pdf", icon=":material/picture_as_pdf:")
controls.download_button(t("report.png", lang), data=_render(html_to_png, f"{name}.png"), file_name=f"{name}.png",
                      mime="image/png", icon=":material/image:")
long_name = f"{name}_{t('report.longpng_file', lang)}.png"
controls.download_button(t("report.longpng", lang), data=_render(html_to_longpng, long_name),
                         file_name=long_name,
                         mime="image/png", icon=":material/smartphone:")
# Shown on a phone only (dashboard/app.py PHONE_CSS), where the frame below lays the report
# out as the 长图 (report/template.html).
with st.container(key="phone-only"):
    st.caption(ui.say("report.phone_note", lang, pdf=t("report.pdf", lang)))
st.iframe(html, height=1200)
