"""The dashboard's router: page config, the view from the URL, shared filters, navigation.

Run with `taizhang serve` (it passes the database as $TAIZHANG_DB). Pages live in
dashboard/app_pages/ and hold UI only; data comes from dashboard/loaders.py.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import replace
from datetime import date
from pathlib import Path

import streamlit as st

from taizhang.dashboard import access, loaders, timing, ui
from taizhang.dashboard.state import PERIODS, View, params_from_view, view_from_params, with_period
from taizhang.formatting import format_date
from taizhang.filters import FilterError
from taizhang.kpi.periods import DEFAULT_PERIOD
from taizhang.db import DatabaseBusy
from taizhang.i18n import t

PAGES = (
    ("overview", "app_pages/overview.py"),
    ("areas", "app_pages/areas.py"),
    ("officials", "app_pages/officials.py"),
    ("supervision", "app_pages/supervision.py"),
    ("seeds", "app_pages/seeds.py"),
    ("recurring", "app_pages/recurring.py"),
    ("cases", "app_pages/cases.py"),
    ("report", "app_pages/report.py"),
    ("data", "app_pages/data.py"),
    ("glossary", "app_pages/glossary.py"),
)
# The browser tab's icon: a file served by this server. A ":material/…:" icon would make
# every browser fetch it from fonts.gstatic.com (Streamlit's frontend does, for the tab and
# for every page link that has one), and the office network is often closed; nothing the
# dashboard shows comes from outside. So the pages carry no icon either.
ICON = Path(__file__).with_name("static") / "icon.png"
# A phone (≤ 640 px): less padding around the page, smaller headings and notices; what is
# for a phone only (a container keyed "phone-only") shows under 481 px, where the embedded
# report takes its phone layout. One style block, no script.
PHONE_CSS = """<style>
.st-key-phone-only { display: none; }
@media (max-width: 480px) { .st-key-phone-only { display: block; } }
@media (max-width: 640px) {
  /* the top clears the header bar (its ≫ button), which hid the first notice */
  [data-testid="stMainBlockContainer"] { padding: 3.25rem 0.6rem 3rem 0.6rem; }
  h1 { font-size: 1.5rem !important; } h2 { font-size: 1.25rem !important; }
  h3 { font-size: 1.1rem !important; }
  [data-testid="stAlert"] { font-size: 0.8rem; }
  [data-testid="stAlert"] > div { padding: 0.4rem 0.6rem; }
}
</style>"""
# Bounds of the date pickers: wide, so any date a shared URL carries can be shown.
EARLIEST, LATEST = date(1990, 1, 1), date(2099, 12, 31)


def read_view() -> View:
    """The view of this run: the URL's, and nothing else.

    The URL is the only truth, so that the browser's Back and Forward show exactly the
    views that were shown: an empty query string is the default view (the district in
    中文), never a view remembered from the session. Links between pages carry the
    view (see `page_links`), so a page switch does not drop it.
    """
    view = view_from_params(st.query_params.to_dict())
    st.session_state[ui.VIEW_KEY] = view
    return view


def page_links(pages: list, view: View) -> None:
    """The pages as links that carry the view's query string (language and filters)."""
    params = params_from_view(view)
    for page in pages:
        st.page_link(page, query_params=params)


def tab_title(view: View, page_name: str) -> str:
    """The browser tab's title: where the reader is, then the app ('南站街道 · 台账看板')."""
    lang = view.lang
    place = view.case or view.community or view.street
    parts = [place] if place else []
    if page_name != "overview" or not place:
        parts.append(t(f"page.{page_name}", lang))
    return " · ".join(parts + [t("app.title", lang)])


def _on_widget(field: str, key: str, clears: tuple[str, ...] = ()) -> None:
    """Callback of a sidebar widget: put its value into the view and the URL."""
    value = st.session_state.get(key)
    if field == "period":
        start, end = (tuple(value) + (None, None))[:2] if value else (None, None)
        # Dates picked by hand: a custom period, written into the URL as from/to.
        changes = {"period": "custom", "date_from": start, "date_to": end}
    elif field == "preset":
        changes = {"period": value or DEFAULT_PERIOD, "date_from": None, "date_to": None}
    elif field == "as_of":
        changes = {"as_of": None if value == st.session_state.get("data-as-of") else value}
    else:
        changes = {field: value or None}
    changes.update({name: None for name in clears})
    ui.apply_view(replace(ui.current_view(), **changes))


def _clear_filters() -> None:
    view = ui.current_view()
    ui.apply_view(View(lang=view.lang))


def language_switch(view: View) -> None:
    """中文 / English, kept in the URL as lang=en."""
    st.session_state["w-lang"] = view.lang
    st.segmented_control(
        t("lang.label", view.lang), ["zh", "en"], key="w-lang",
        format_func=lambda code: t(f"lang.{code}", view.lang),
        on_change=_on_widget, args=("lang", "w-lang"),
    )


def filter_sidebar(view: View, info: dict) -> None:
    """Period, as_of, street, community, category and channel: widgets that mirror the URL."""
    lang = view.lang
    first, last = info.get("first_received_on"), info.get("last_received_on")
    as_of_default = info.get("as_of") or last
    st.session_state["data-bounds"] = (first, last)
    st.session_state["data-as-of"] = as_of_default
    sidebar = st  # drawn inside the sidebar's container (see main)
    sidebar.subheader(t("filters.header", lang))
    st.session_state["w-preset"] = view.period
    sidebar.selectbox(
        t("filters.preset", lang), list(PERIODS), key="w-preset",
        format_func=lambda p: t(f"period.{p}", lang),
        on_change=_on_widget, args=("preset", "w-preset"),
    )
    if first and last:
        st.session_state["w-period"] = (view.date_from or first, view.date_to or last)
        sidebar.date_input(
            t("filters.period", lang), key="w-period", min_value=EARLIEST, max_value=LATEST,
            format="YYYY-MM-DD",
            on_change=_on_widget, args=("period", "w-period"),
        )
    if as_of_default:
        st.session_state["w-as-of"] = view.as_of or as_of_default
        sidebar.date_input(
            t("filters.as_of", lang), key="w-as-of", format="YYYY-MM-DD",
            min_value=EARLIEST, max_value=LATEST,
            on_change=_on_widget, args=("as_of", "w-as-of"),
        )
    options = loaders.filter_options()
    communities = options["communities"].get(view.street, []) if view.street else []
    choices = (
        ("street", options["streets"], ("community", "case")),
        ("community", communities, ("case",)),
        ("category", options["categories"], ()),
        ("channel", options["channels"], ()),
    )
    for field, values, clears in choices:
        current = getattr(view, field)
        values = [""] + list(values) + ([current] if current and current not in values else [])
        key = f"w-{field}"
        st.session_state[key] = current or ""
        sidebar.selectbox(
            t(field, lang), values, key=key, disabled=(field == "community" and not view.street),
            format_func=lambda v: v or t("filters.all", lang),
            on_change=_on_widget, args=(field, key, clears),
        )
    sidebar.button(t("filters.reset", lang), on_click=_clear_filters)


def banners(view: View, info: dict) -> None:
    """示例数据 on demo data; a warning when rows were rejected or areas are unknown."""
    lang = view.lang
    if info.get("is_demo"):
        st.info(t("demo.banner", lang), icon=":material/science:")
    if info.get("rejects"):
        st.warning(t("banner.rejects", lang, n=info["rejects"]), icon=":material/report:")
    if info.get("unknown_areas"):
        st.warning(t("banner.unknown_areas", lang, n=info["unknown_areas"]), icon=":material/help:")


def shell(view: View, status: str, info: dict, top, side, pages: list) -> None:
    """The sidebar (title, pages, 中文 / English, filters) and the banners above the page."""
    lang = view.lang
    with side:
        st.title(t("app.title", lang))
        page_links(pages, view)
        language_switch(view)
        if status == "ok":
            filter_sidebar(view, info)
    if status == "ok":
        with top:
            banners(view, info)
            st.caption(t("as_of.caption", lang, date=format_date(view.as_of or info.get("as_of"))))


def guarded(draw, lang: str) -> None:
    """Run `draw`; an error becomes a one-line message, never a traceback on screen."""
    try:
        draw()
    except DatabaseBusy:
        st.warning(t("error.busy", lang), icon=":material/hourglass:")
    except FilterError as exc:
        st.error(ui.plain(exc))
    except Exception as exc:  # noqa: BLE001 - never a traceback on screen; the log keeps it
        traceback.print_exc(file=sys.stderr)
        st.error(ui.say("error.query", lang, error=f"{type(exc).__name__}: {exc}"))


def main() -> None:
    timing.start()
    # A grid's own "Download as CSV" writes cells as they are (a cell "=HYPERLINK(…)" is a
    # live formula in Excel/WPS): it is hidden, and the pages offer .xlsx downloads whose
    # text cells stay text (dashboard/export.py). `taizhang serve` sets it too.
    st.set_option("client.disableDataExport", True)
    view = read_view()
    lang = view.lang
    # Who is asking: the login page, or whom to ask, stops the run here for anyone else.
    person = access.gate(loaders.database_file(), lang)
    loaders.act_as(person)
    pages = [
        st.Page(path, title=t(f"page.{name}", lang), url_path=name,
                default=(name == "overview"))
        for name, path in PAGES
    ]
    # The sidebar's own page menu would drop the query string on a page switch: it is
    # hidden, and page_links draws the pages as links that keep the view.
    page = st.navigation(pages, position="hidden")
    st.set_page_config(page_title=tab_title(view, page.url_path or "overview"), page_icon=ICON,
                       layout="wide")
    st.html(PHONE_CSS)
    ui.toolbar_words(lang)   # the grids' toolbar tooltips in Chinese (in 中文)
    timing.mark("navigation")
    # The page is drawn before the sidebar and the banners, into containers that keep
    # their places on screen: the browser draws what arrives first first, and the
    # sidebar's date pickers and select boxes held the headline cards back (~0.5 s
    # measured in Chromium). A page that stops early (ui.stop) still gets them.
    top, side = st.container(), st.sidebar.container()
    found: dict = {"status": "unknown", "info": {}}

    def content() -> None:
        found["status"], found["info"] = loaders.database_status()
        st.session_state["db-status"] = found["status"]
        # A preset period (本月, 本季 …) gets its dates from the data's latest date.
        st.session_state[ui.VIEW_KEY] = with_period(view, view.as_of or found["info"].get("as_of"))
        timing.mark("status")
        if found["status"] != "ok" and page.url_path != "data":
            st.info(ui.empty_text(found["status"], lang), icon=":material/info:")
            return
        try:
            page.run()
        except ui.PageDone:
            pass
        timing.mark("page")

    try:
        guarded(content, lang)
        # Read again after the page: an upload on the Data page changes the rejects banner.
        guarded(lambda: shell(ui.current_view(), *loaders.database_status(), top, side, pages), lang)
        with side:
            access.identity(person, lang)
        timing.mark("sidebar")
    finally:
        loaders.release()  # no connection stays open between two clicks
        loaders.act_as(None)
        timing.report(page.url_path or "overview")


# An upload's writer process (dashboard.loaders.import_ledgers, "spawn") imports this script
# again as __mp_main__: it must not draw the app there (nor ask who is logged in).
if __name__ != "__mp_main__":
    main()
