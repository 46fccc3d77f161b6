"""Widgets shared by the pages: navigation to a view, KPI cards, labelled tables, the case panel.

Pages call these instead of repeating Streamlit code; no number is computed here, only
formatted (kpi.format_*) and labelled (taizhang.i18n).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import NoReturn

import pandas as pd
import streamlit as st

from taizhang.dashboard import cards, export, loaders, supervision_file
from taizhang.dashboard.masking import MASKED_COLUMNS, masked
from taizhang.dashboard.state import (View, breadcrumb, drill_into, filters_for, params_from_view,
                                      table_selection)
from taizhang.formatting import format_date, format_delta, format_number, format_rate, format_ratio
from taizhang.kpi.metrics import resolution_base
from taizhang.store.rejects import in_language as reason_in_language
from taizhang.filters import RATE_METRICS
from taizhang.kpi.seed_columns import SEED_DAYS, SEED_RATES
from taizhang.formatting import RISE, format_score, is_missing
from taizhang.i18n import column_labels, label, role_label, satisfaction_label, status_label, t
from taizhang.statuses import ENDED_STATUSES

VIEW_KEY = "view"
# The view a chart click chose, set by the click's callback and followed by the page
# before it draws anything (see overview.py).
FOLLOW_KEY = "follow-view"
RATE_COLUMNS = set(RATE_METRICS) | {"attendance", "rate"} | set(SEED_RATES)
DAY_COLUMNS = {"median_days", "p90_days", "mean_days", "median_hours", "p90_hours"} | set(SEED_DAYS)
DATE_COLUMNS = {
    "received_on", "due_on", "resolved_on", "closed_on", "last_progress_on", "event_on", "held_on",
}
TIME_COLUMNS = {"started_at", "finished_at"}


# --- ledger text on screen ------------------------------------------------------------
# Streamlit reads headings, captions, alerts, labels and markdown as Markdown (with maths,
# colours, emoji and icon shortcodes): a ledger's or a URL's text goes through `plain`
# first, so that it shows as the characters it is and never as markup.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")   # every ASCII punctuation mark
_ZERO_WIDTH_SPACE = "\u200b"
# Where a shortcode could start: ':' (escaped) before a letter, digit, _ + - or / (remark-emoji
# reads `:[\w-]+:`, `:+1:`, Streamlit `:material/…:`); "文件.xlsx: 已导入" keeps its colon as is.
_SHORTCODE_START = re.compile(r":(?=\\?[A-Za-z0-9_+/-])")


def plain(value) -> str:
    """Text for a Markdown slot that shows as itself: links, images, bold, `$maths$`,
    `:red[colours]`, `:emoji:` and HTML stay characters.

    Every ASCII punctuation mark is backslash-escaped (CommonMark shows an escaped mark as
    itself), and a zero-width space follows a ':' that could start a shortcode, because
    Streamlit replaces emoji and icon shortcodes in the text after the escapes are read.
    Lines keep their breaks; their leading spaces go (four would start a code block).
    """
    if value is None:
        return ""
    lines = [line.strip() for line in str(value).splitlines()]
    text = _PUNCTUATION.sub(r"\\\1", "  \n".join(lines))
    return _SHORTCODE_START.sub(":" + _ZERO_WIDTH_SPACE, text)


def say(key: str, lang: str, **values) -> str:
    """t(key, lang, **values) with every value shown as text (see `plain`)."""
    return t(key, lang, **{name: plain(value) for name, value in values.items()})


def empty_text(status: str, lang: str) -> str:
    """What to say when there is nothing to show (loaders.database_status's 'missing' or
    'empty'): how to import, into the warehouse or the DuckDB file this server reads (the
    file's name only: its folder is nothing a visitor needs to know)."""
    warehouse = loaders.warehouse()
    if warehouse is not None:
        return say("empty.warehouse", lang, url=warehouse.display())
    return say("empty.no_file" if status == "missing" else "empty.db", lang,
               path=loaders.database_file().name)


def file_name(path) -> str | None:
    """The file name of a stored source path (the folder is noise on screen)."""
    return Path(path).name if isinstance(path, str) and path else None


def current_view() -> View:
    """The view app.py read from the query string for this run."""
    return st.session_state.get(VIEW_KEY) or View()


def lang() -> str:
    """The language of this run: 'zh' or 'en'."""
    return current_view().lang


def apply_view(view: View) -> None:
    """Make `view` the current one and write it into the URL (safe inside callbacks)."""
    st.session_state[VIEW_KEY] = view
    st.query_params.from_dict(params_from_view(view))


def go(view: View) -> None:
    """Move to another view now: update the URL and rerun the page."""
    apply_view(view)
    st.rerun()


class PageDone(Exception):
    """Raised by ui.stop(): the page has nothing more to show."""


def stop() -> NoReturn:
    """End the page here. Unlike st.stop(), app.py still draws the sidebar and banners after it."""
    raise PageDone


def selection_key(name: str) -> str:
    """The widget key of a selectable table or chart; it changes once a selection is followed.

    A fresh key means a fresh widget, so a selection already followed is never replayed
    (the browser keeps the old widget's value and would send it again on return).
    """
    return f"{name}-{st.session_state.get(f'{name}-generation', 0)}"


def selected(name: str) -> object:
    """The selection event of the table or chart `name` from the click that started this run."""
    return st.session_state.get(selection_key(name))


def forget_selection(name: str) -> None:
    """Retire the widget of `name` after following its selection (see selection_key)."""
    generation = f"{name}-generation"
    st.session_state[generation] = st.session_state.get(generation, 0) + 1


def follow_selection(name: str, frame: pd.DataFrame, column: str, level: str) -> None:
    """Go where the row just selected in table `name` points, before anything is drawn.

    The click that started this run is already in session state, so the page need not
    draw itself once more only to read the table's return value.
    """
    value = table_selection(selected(name), frame, column)
    if value:
        forget_selection(name)
        go(drill_into(current_view(), level, value))


# In a grid, rates, scores, days and ranks stay numbers (so 9.1% sorts below 70.0%); the
# grid formats them: a rate as its percentage (0–100) with one decimal, like format_rate.
NUMBER_FORMATS = {
    **{column: "%.1f%%" for column in RATE_COLUMNS},
    **{column: "%.1f" for column in DAY_COLUMNS},
    "score": "%.1f",  # as format_score writes it on cards and in the report
    "rank": "%d",
    "rank_change": "%+d",
}


# The column naming a row stays pinned on the left while the numbers scroll past it (on a
# phone the grid is wider than the screen: names with their numbers, not names alone).
NAME_COLUMNS = ("street", "community", "official", "case_id")


def grid_column_config(shown: pd.DataFrame, columns: list[str], lang: str) -> dict:
    """st.column_config of a grid from display_frame(numeric=True): numbers as numbers,
    the first name column pinned."""
    labels = column_labels(columns, lang)
    config = {labels[column]: st.column_config.NumberColumn(labels[column], format=NUMBER_FORMATS[column])
              for column in columns if column in NUMBER_FORMATS and labels.get(column) in shown.columns}
    name = next((c for c in columns if c in NAME_COLUMNS and labels[c] in shown.columns), None)
    if name:
        config[labels[name]] = st.column_config.Column(labels[name], pinned=True)
    return config


def display_frame(frame: pd.DataFrame, columns: list[str], lang: str, *,
                  numeric: bool = False, file: bool = False) -> pd.DataFrame:
    """The columns to show, formatted as on every screen (84.6%, 2023-01-08, —) and labelled.

    With numeric=True (a grid), the columns of NUMBER_FORMATS stay numbers (a rate as
    0–100) for the grid to format and sort; a missing one is an empty cell. With file=True
    (an Excel download, file_frame), they stay numbers too, a rate as its fraction 0–1,
    dates stay dates and a missing value stays missing (an empty cell).
    """
    numeric = numeric or file
    shown = pd.DataFrame(index=frame.index)
    for column in columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        if column in MASKED_COLUMNS:
            values = values.map(masked)
        if numeric and column in NUMBER_FORMATS:
            values = pd.to_numeric(values, errors="coerce").astype("Float64")
            if column in RATE_COLUMNS and not file:
                values = values * 100
        elif column in RATE_COLUMNS:
            values = values.map(format_rate)
        elif column in DAY_COLUMNS:
            values = values.map(format_number)
        elif column == "score":
            values = values.map(format_score)
        elif column in DATE_COLUMNS:
            values = values.map(lambda v: None if is_missing(v) else pd.Timestamp(v).date()) if file \
                else values.map(format_date)
        elif column in TIME_COLUMNS:
            values = values.map(lambda v: format_number(None) if is_missing(v) else str(v)[:16])
        elif column == "status":
            values = values.map(lambda s: status_label(s, lang))
        elif column == "satisfaction":
            values = values.map(lambda s: satisfaction_label(s if isinstance(s, str) else None, lang))
        elif column == "kind":
            values = values.map(lambda k: t(f"reason.{k}", lang))
        elif column == "reasons":
            values = values.map(lambda r: supervision_file.reasons_text(r, lang))
        elif column == "tier":
            thresholds = loaders.settings().escalation_days
            values = values.map(lambda d: supervision_file.tier_text(d, thresholds, lang) or format_number(None))
        elif column == "unranked_reason":
            values = values.map(lambda r: t(f"unranked.{r}", lang) if isinstance(r, str) else "")
        elif column == "reason":   # a reject's: in the reader's language, from its rule's template
            # (its place: the column only, when the table shows the file, sheet and row)
            codes = frame["code"] if "code" in frame.columns else [None] * len(frame)
            places = frame["column"] if {"row", "column"} <= set(columns) & set(frame.columns) \
                else [None] * len(frame)
            values = pd.Series([reason_in_language(r, c, lang, p) for r, c, p in zip(values, codes, places)],
                               index=values.index)
        elif column == "rank_change":
            values = values.map(format_delta)
        elif column == "rank":
            values = values.map(format_number)
        elif column == "roles":
            values = values.map(lambda rs: "、".join(role_label(r, lang) for r in str(rs).split(",")))
        shown[column] = values
    shown = shown.reset_index(drop=True)
    for column in shown.columns:
        # Arrow needs one type a column: a column with gaps becomes text, gaps read "—".
        if shown[column].isna().any() and not (numeric and column in NUMBER_FORMATS) and not file:
            shown[column] = shown[column].map(_cell_text)
    return shown.rename(columns=column_labels(shown.columns, lang))


def _cell_text(value) -> str:
    if is_missing(value):
        return format_number(None)
    return format_number(value) if isinstance(value, (int, float)) else str(value)


def table(frame: pd.DataFrame, columns: list[str], lang: str, *, key: str | None = None,
          select: bool = False, height: int | str = "auto", download: str | None = None):
    """Show a labelled table; with select=True, one row can be selected (returns the event).

    The grid's own CSV download is off (app.py): with `download` (an i18n key naming the
    table), an .xlsx of the same rows is offered below it, its text cells kept text.
    """
    shown = display_frame(frame, columns, lang, numeric=True)
    config = grid_column_config(shown, columns, lang)
    # A number that is undefined (no case due, none rated) reads "—" as on the cards, not
    # the grid's own "None".
    options = {"hide_index": True, "height": height, "column_config": config,
               "placeholder": format_number(None)}
    if select:
        event = st.dataframe(shown, key=selection_key(key), on_select="rerun",
                             selection_mode="single-row", **options)
    else:
        event = st.dataframe(shown, key=key, **options)
    if download and len(shown):
        xlsx_download(frame, columns, lang, "download.table", download, download)
    return event if select else None


def text_table(frame: pd.DataFrame, columns: list[str], lang: str, limit: int = 50) -> None:
    """A labelled table whose long texts wrap (a reject's reason, read in full), its first
    `limit` rows; a line says how many more there are. Cells are shown as text (st.table
    reads them as Markdown otherwise)."""
    st.table(display_frame(frame.head(limit), columns, lang).map(plain))
    if len(frame) > limit:
        st.caption(say("table.more_rows", lang, n=len(frame) - limit))


# The Excel number format of each grid number column (see NUMBER_FORMATS): a rate 84.6%.
FILE_FORMATS = {
    **{column: export.PERCENT for column in RATE_COLUMNS},
    **{column: export.ONE_DECIMAL for column in DAY_COLUMNS},
    "score": export.ONE_DECIMAL,
    "rank": "0",
    "rank_change": "+0;-0;0",
}


def file_frame(frame: pd.DataFrame, columns: list[str], lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """A table as an Excel download holds it (display_frame(file=True)) and the number
    format of each labelled number column."""
    shown = display_frame(frame, columns, lang, file=True)
    labels = column_labels(columns, lang)
    return shown, {labels[c]: FILE_FORMATS[c] for c in columns
                   if c in FILE_FORMATS and labels[c] in shown.columns}


def file_title(table_name: str, filters, rows: int, lang: str, cohort: str | None) -> export.Title:
    """The title rows of table `table_name` of `filters` (kpi.Filters, as_of set): the
    narrowest place of the filters and the other filters, the as-of date, the period and
    row count, and for a ranking what its score judges (`cohort`, 考核口径)."""
    title = supervision_file.sheet_title(filters, filters.as_of, rows, lang)
    period = title.period
    if cohort:  # a ranking: over the dates its page names (rank_period), and what it judges
        first, last = rank_span(filters)
        period = f"{t('period.span', lang, first=format_date(first), last=format_date(last))} · {cohort}"
    return export.Title(
        t("download.sheet_title", lang, table=table_name, scope=title.scope,
          as_of=filters.as_of.isoformat()),
        t("download.sheet_note", lang, period=period, n=format_number(rows)))


def xlsx_download(frame: pd.DataFrame | Callable[[], pd.DataFrame], columns: list[str], lang: str,
                  label_key: str, sheet_key: str, file_key: str) -> None:
    """A download button for the labelled table as .xlsx, built only when clicked: a title
    row (what, where, as of), a note row (period, rows, and for a ranking 考核口径), numbers
    as numbers (rates 84.6%), dates as dates, an autofilter and a dated file name
    (街道社区_全区_2022-07-31.xlsx).

    `frame` may be a function giving the frame, so that it too is loaded only on a click.
    """
    # The download is built on its click in another thread: it asks, and is logged, for the
    # person of this run (dashboard.loaders.act_as).
    person = loaders.current_person()
    table_name = t(sheet_key, lang)
    # The view is this run's (the click's thread has none): its filters, and the as-of date.
    filters = filters_for(current_view())
    as_of = pd.Timestamp(filters.as_of or loaders.dataset_info().get("as_of") or date.today()).date()
    filters = replace(filters, as_of=as_of)
    cohort = t(f"ranking.cohort.{loaders.settings().ranking_basis}", lang) if "score" in columns else None
    name = export.file_name(t(file_key, lang), supervision_file.sheet_title(filters, as_of, 0, lang).scope,
                            as_of, "xlsx")

    def build() -> bytes:
        loaders.act_as(person)
        try:
            data = frame() if callable(frame) else frame
            loaders.audit("export", name, {"rows": len(data)}, person)
            shown, formats = file_frame(data, columns, lang)
            title = file_title(table_name, filters, len(data), lang, cohort)
            return export.xlsx_bytes(shown, table_name, title, formats)
        finally:
            loaders.act_as(None)

    st.download_button(
        t(label_key, lang),
        data=build,
        file_name=name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


# Streamlit 1.67 draws its file uploader's own words in English whatever the page's
# language, and has no parameter or locale setting for them. In 中文 they are drawn over
# from the catalogue by CSS on the uploader's stable parts (its data-testid attributes and
# the order of its elements): the English text is set to size 0, the Chinese drawn in its
# place. The end-to-end test reads the drawn words, so a Streamlit that changes this markup
# fails it rather than showing English again. In English nothing is changed.
_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button :is(p, div:not(:has(*))) { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button :is(p, div:not(:has(*)))::after {
  content: BUTTON; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span::after {
  content: LIMITS; font-size: 0.75rem; }
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span { font-size: 0; }
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span::after {
  content: DROP; font-size: 1rem; }
</style>"""


def upload_limit_mb() -> int:
    """The largest upload the server takes, in MB (Streamlit's server.maxUploadSize)."""
    return int(st.get_option("server.maxUploadSize"))


def uploader_words(lang: str, types: list[str]) -> None:
    """In 中文, the file uploader's button, limits line and drop text in Chinese (see above)."""
    if lang == "en":
        return
    words = {
        "BUTTON": t("data.uploader_button", lang),
        "LIMITS": t("data.uploader_limits", lang, size=upload_limit_mb(),
                    types="、".join(kind.upper() for kind in types)),
        "DROP": t("data.uploader_drop", lang),
    }
    css = _UPLOADER_CSS
    for name, text in words.items():
        css = css.replace(name, json.dumps(text, ensure_ascii=False))
    st.html(css)


# The toolbar over a grid (and other elements) names its buttons in English only in a
# tooltip: Streamlit 1.67 has no locale or parameter for them. The tooltip is drawn apart
# from its button (at the end of the page), so it cannot be told by its place; but only one
# tooltip is open at a time, the one of the button under the pointer (or focused), and the
# button's aria-label names it ('Search', or 'Search: <context>'). In 中文 the open
# tooltip's text is set to size 0 and the catalogue's word drawn in its place; the
# end-to-end test hovers each button and reads the drawn word, so a Streamlit that changes
# this markup fails it. In English nothing is changed.
TOOLBAR_BUTTONS = (("Search", "grid.search"), ("Fullscreen", "grid.fullscreen"),
                   ("Close fullscreen", "grid.close_fullscreen"),
                   ("Show/hide columns", "grid.columns"), ("Download as CSV", "grid.download"))
_TOOLBAR_CSS = """
body:has([data-testid="stElementToolbarButton"] button:is([aria-label="NAME"], [aria-label^="NAME:"]):is(:hover, :focus-visible))
  [data-testid="stTooltipContent"] p { font-size: 0; }
body:has([data-testid="stElementToolbarButton"] button:is([aria-label="NAME"], [aria-label^="NAME:"]):is(:hover, :focus-visible))
  [data-testid="stTooltipContent"] p::after { content: WORD; font-size: 0.875rem; }"""


def toolbar_words(lang: str) -> None:
    """In 中文, the element toolbar's tooltips (搜索, 全屏 …) in Chinese (see above)."""
    if lang == "en":
        return
    rules = "".join(_TOOLBAR_CSS.replace("NAME", name).replace("WORD", json.dumps(t(key, lang), ensure_ascii=False))
                    for name, key in TOOLBAR_BUTTONS)
    st.html(f"<style>{rules}\n</style>")


def rank_period(filters, lang: str) -> str:
    """'排名期间:2021-01-01 至 2022-07-31(截至 2022-07-31) · 考核口径：本期到期或办结…': the
    period a rank is over and which of its cases the score judges."""
    first, last = rank_span(filters)
    period = t("rank.period", lang, first=format_date(first), last=format_date(last),
               as_of=format_date(filters.as_of or loaders.dataset_info().get("as_of")))
    return f"{period} · {t(f'ranking.cohort.{loaders.settings().ranking_basis}', lang)}"


def rank_span(filters) -> tuple:
    """The first and last day a rank is over: the filters' dates, else the data's first and
    last day received (all the data)."""
    info = loaders.dataset_info()
    return filters.date_from or info.get("first_received_on"), filters.date_to or info.get("last_received_on")


def scope_text(view: View, lang: str) -> str:
    """What the cards count: the period (preset and dates) and the place, for the line above them."""
    start, end = view.date_from, view.date_to
    place = " › ".join(n for n in (view.street, view.community) if n) or t("areas.district", lang)
    if not (start or end):   # all the data: no dates to name
        return f"{t('period.all', lang)} · {place}"
    dates = f"{format_date(start)} – {format_date(end)}"
    return t("cards.scope", lang, period=t(f"period.{view.period}", lang), dates=dates, place=place)


def change_text(change, is_rate: bool, step: int, lang: str) -> str | None:
    """A card's change, naming what it is compared with: '较上月 +30', '+30 vs last month'
    (step: months between the period and the like period it is compared with; 0: all the
    data, its total against the same total at the end of last month)."""
    if change is None:
        return None
    against = t(f"delta.step{step}", lang) if step in (0, 1, 3, 12) else t("delta.steps", lang, n=step)
    return t("delta.change", lang, against=against, change=format_delta(change, rate=is_rate))


def headline_cards(head: dict, lang: str, scope: str | None = None,
                   year: dict | None = None, step: int = 1) -> None:
    """Six KPI cards with their deltas against the like period `step` months before (rates
    in points); `scope` (the period and place) heads them, `year` (本年累计 metrics) follows them."""
    now, delta = head["metrics"], head.get("delta_month") or {}
    # (key, value, is a rate); whether a rise is good is formatting.RISE, as in the report.
    rows = [
        ("received", format_number(now["received"]), False),
        ("resolved", format_ratio(now["resolved"], resolution_base(now)), False),
        ("in_progress", format_number(now["in_progress"]), False),
        ("median_days", format_number(now["median_days"]), False),
        ("on_time_rate", format_rate(now["on_time_rate"]), True),
        ("satisfaction_rate", format_rate(now["satisfaction_rate"]), True),
    ]
    # 已解决 reads "1769/2090 (84.6%)": it gets a double-width card so nothing is cut off.
    spans = (3, 6, 3, 4, 4, 4)
    # The n under a measure, as the report's cards write it: what it rests on.
    details = {
        "median_days": f"{label('resolved', lang)} {format_number(now['resolved'])}",
        "on_time_rate": f"{label('resolved', lang)} {format_number(now['resolved'])}",
        "satisfaction_rate": f"{label('rated', lang)} {format_number(now['rated'])}",
    }
    shown = []
    for (key, value, is_rate), span in zip(rows, spans):
        change = delta.get(key)
        text = change_text(change, is_rate, step, lang)
        tone, arrow = cards.tone_of(change, RISE[key], rate=is_rate)
        shown.append(cards.Card(key, label(key, lang), value, text, tone, arrow, span,
                                details.get(key)))
    if scope:
        # Names from the data: a caption shown as text (ui.plain), not inside the cards' HTML.
        st.caption(plain(scope))
    cards.show(shown, footer=year_text(year, lang) if year else None)
    hotline_cards(head, lang, step)


def year_text(year: dict, lang: str) -> str:
    """本年累计: the year-to-date figures beside a month's cards, each rate with its n."""
    m = year["metrics"]
    parts = [
        f"{label('received', lang)} {format_number(m['received'])}",
        f"{label('resolved', lang)} {format_ratio(m['resolved'], resolution_base(m))}",
        f"{label('on_time_rate', lang)} {format_rate(m['on_time_rate'])}",
        f"{label('satisfaction_rate', lang)} {format_rate(m['satisfaction_rate'])} ({format_number(m['rated'])})",
    ]
    return t("cards.year", lang, dates=f"{format_date(year['filters'].date_from)} – "
             f"{format_date(year['filters'].date_to)}", figures=" · ".join(parts))


# The 12345 measures: (key, is a rate); a ledger without their column shows none of them.
HOTLINE_CARDS = (
    ("response_rate", True), ("median_hours", False), ("feedback_on_time_rate", True),
    ("reopened_rate", True), ("return_rate", True), ("cancelled", False), ("referred", False),
)


def hotline_cards(head: dict, lang: str, step: int = 1) -> None:
    """A second row of cards for the 12345 measures the slice has: rates and hours where
    defined, cancelled and referred where any case ended so."""
    now, delta = head["metrics"], head.get("delta_month") or {}
    shown = []
    for key, is_rate in HOTLINE_CARDS:
        value = now.get(key)
        if value is None or (key in ENDED_STATUSES and not value):
            continue
        text_value = format_rate(value) if is_rate else format_number(value)
        change = delta.get(key)
        text = change_text(change, is_rate, step, lang)
        tone, arrow = cards.tone_of(change, RISE[key], rate=is_rate)
        shown.append(cards.Card(key, label(key, lang), text_value, text, tone, arrow, span=3))
    if shown:
        cards.show(shown)



def breadcrumb_bar(view: View, lang: str) -> None:
    """Buttons for each level above the current one; the last crumb is plain text."""
    crumbs = breadcrumb(view)
    bar = st.container(horizontal=True, vertical_alignment="center", gap="small")
    for i, (level, name, target) in enumerate(crumbs):
        text = t("areas.district", lang) if level == "district" else name
        if i == len(crumbs) - 1:
            bar.markdown(f"**{plain(text)}**")
        else:
            bar.button(f"{plain(text)} ›", key=f"crumb-{level}", on_click=apply_view,
                       args=(target,), type="tertiary")


def supervision_reasons(case_id: str, lang: str) -> None:
    """Why the case is on the 督办 list (each reason with its days), or that it is not."""
    chosen = current_view().as_of
    reasons = loaders.case_reasons(case_id, chosen)
    as_of = format_date(loaders.list_as_of(loaders.Filters(as_of=chosen)))
    if reasons.empty:
        st.caption(t("supervision.why_none", lang, as_of=as_of))
        return
    lines = []
    for r in reasons.itertuples(index=False):
        if r.kind == "overdue":
            text = t("supervision.why_overdue", lang, due=format_date(r.due_on), days=format_number(r.days_overdue))
            tier = supervision_file.tier_text(r.tier, loaders.settings().escalation_days, lang)
            text += f"({tier})" if tier and lang == "zh" else f" ({tier})" if tier else ""
        elif r.kind == "stalled":
            text = t("supervision.why_stalled", lang, days=format_number(r.days_stalled),
                     stall=loaders.settings().stall_days)
        elif r.kind == "reopened":
            text = t("supervision.why_reopened", lang, n=format_number(r.reopened_count))
        else:
            text = t("supervision.why_dissatisfied", lang)
        lines.append(f"- {plain(text)}")
    st.warning(f"**{t('supervision.why', lang)}**({as_of})\n" + "\n".join(lines),
               icon=":material/assignment_late:")


def case_panel(case_id: str, lang: str) -> None:
    """One case: its fields, officials, source file/sheet/row and timeline (names masked)."""
    case = loaders.case_detail(case_id)
    if not case:
        st.warning(say("error.case_missing", lang, case_id=case_id))
        return
    st.subheader(plain(f"{case['case_no']} · {masked(case.get('title') or '')}"))
    if case["case_no"] != case["case_id"]:
        st.caption(say("cases.generated_no", lang, internal=case["case_id"]))
    supervision_reasons(case_id, lang)
    left, right = st.columns(2)
    fields_left = ["street", "community", "channel", "category", "responsible_unit", "reporter"]
    fields_right = ["status", "received_on", "due_on", "resolved_on", "closed_on", "satisfaction"]
    for column, names in ((left, fields_left), (right, fields_right)):
        values = display_frame(pd.DataFrame([{n: case.get(n) for n in names}]), names, lang).iloc[0]
        column.markdown("\n".join(f"- {plain(name)}:**{plain(value)}**"
                                   for name, value in values.items()))
    if case.get("note"):
        st.markdown(f"**{label('note', lang)}**:{plain(masked(case['note']))}")
    officials = pd.DataFrame(case.get("officials") or [])
    if len(officials):
        officials = officials.rename(columns={"title": "title_job"})
        officials["roles"] = officials.get("role", "")
        table(officials, ["name", "title_job", "unit", "roles"], lang, key=f"officials-{case_id}")
    st.caption(say("cases.source_text", lang, file=file_name(case.get("source_file")) or "—",
                   sheet=case.get("source_sheet") or "—", row=case.get("source_row") or "—"))
    st.markdown(f"**{t('timeline', lang)}**")
    timeline = loaders.case_history(case_id)
    timeline = timeline.assign(file=timeline["file"].map(file_name),
                               event=timeline["event"].map(lambda e: t(f"event.{e}", lang)))
    table(timeline, ["event_on", "event", "status", "note", "file"], lang, key=f"timeline-{case_id}")
    st.caption(t("access.names_shown_case" if loaders.current_person().pii else "cases.masked", lang))
