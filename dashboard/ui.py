"""Widgets shared by the pages: navigation to a view, KPI cards, labelled tables, the case panel.

Pages call these instead of repeating Streamlit code; no number is computed here, only
formatted (kpi.format_*) and labelled (taizhang.i18n).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pandas as pd
import streamlit as st

from dashboard import cards, export, loaders
from etl.fold import FULL_WIDTH, HALF_WIDTH, mask_text
from dashboard.state import View, breadcrumb, drill_into, params_from_view, table_selection
from kpi import format_date, format_delta, format_number, format_rate, format_ratio
from kpi.filters import RATE_METRICS
from taizhang.formatting import RISE, is_missing
from taizhang.i18n import column_labels, label, role_label, satisfaction_label, status_label, t

VIEW_KEY = "view"
RATE_COLUMNS = set(RATE_METRICS) | {"attendance", "rate"}
DAY_COLUMNS = {"median_days", "p90_days", "mean_days", "score"}
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


# --- personal numbers on screen ---------------------------------------------------------
# What the screen shows of a case's free text is masked again when drawn, so that the
# promise "反映人姓名与电话已脱敏" holds even for a number written in a way the import did
# not recognise: the ETL's mask_text first, then any run of 11 or more digits (full-width
# too, one space or dash allowed between two digits: 139-1234-5678, +86 139 1234 5678,
# ID numbers) keeps only its first 3 and last 4 digits.
MASKED_COLUMNS = {"title", "note", "reporter", "value", "error", "raw"}
_DIGIT_RUN = re.compile(r"[0-9\uff10-\uff19](?:[ \-\u3000\uff0d]?[0-9\uff10-\uff19]){10,}")
_FOLD_DIGITS = str.maketrans(FULL_WIDTH, HALF_WIDTH)


def _hide_run(match: re.Match) -> str:
    digits = re.sub(r"[^0-9]", "", match.group(0).translate(_FOLD_DIGITS))
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def masked(value):
    """A text with personal numbers masked (values that are not text pass unchanged)."""
    if not isinstance(value, str):
        return value
    return _DIGIT_RUN.sub(_hide_run, mask_text(value))


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
                  numeric: bool = False) -> pd.DataFrame:
    """The columns to show, formatted as on every screen (84.6%, 2023-01-08, —) and labelled.

    With numeric=True (a grid), the columns of NUMBER_FORMATS stay numbers (a rate as
    0–100) for the grid to format and sort; a missing one is an empty cell.
    """
    shown = pd.DataFrame(index=frame.index)
    for column in columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        if column in MASKED_COLUMNS:
            values = values.map(masked)
        if numeric and column in NUMBER_FORMATS:
            values = pd.to_numeric(values, errors="coerce").astype("Float64")
            if column in RATE_COLUMNS:
                values = values * 100
        elif column in RATE_COLUMNS:
            values = values.map(format_rate)
        elif column in DAY_COLUMNS:
            values = values.map(format_number)
        elif column in DATE_COLUMNS:
            values = values.map(format_date)
        elif column in TIME_COLUMNS:
            values = values.map(lambda v: format_number(None) if is_missing(v) else str(v)[:16])
        elif column == "status":
            values = values.map(lambda s: status_label(s, lang))
        elif column == "satisfaction":
            values = values.map(lambda s: satisfaction_label(s if isinstance(s, str) else None, lang))
        elif column == "kind":
            values = values.map(lambda k: t(f"reason.{k}", lang))
        elif column == "unranked_reason":
            values = values.map(lambda r: t(f"unranked.{r}", lang) if isinstance(r, str) else "")
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
        if shown[column].isna().any() and not (numeric and column in NUMBER_FORMATS):
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
    if select:
        event = st.dataframe(
            shown, hide_index=True, key=selection_key(key), on_select="rerun",
            selection_mode="single-row", height=height, column_config=config,
        )
    else:
        event = st.dataframe(shown, hide_index=True, key=key, height=height, column_config=config)
    if download and len(shown):
        xlsx_download(frame, columns, lang, "download.table", download, download)
    return event if select else None


def xlsx_download(frame: pd.DataFrame | Callable[[], pd.DataFrame], columns: list[str], lang: str,
                  label_key: str, sheet_key: str, file_key: str) -> None:
    """A download button for the labelled table as .xlsx, built only when clicked.

    `frame` may be a function giving the frame, so that it too is loaded only on a click.
    """
    def build() -> bytes:
        data = frame() if callable(frame) else frame
        return export.xlsx_bytes(display_frame(data, columns, lang), t(sheet_key, lang))

    st.download_button(
        t(label_key, lang),
        data=build,
        file_name=f"{t(file_key, lang)}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


def scope_text(view: View, lang: str) -> str:
    """What the cards count: the period (preset and dates) and the place, for the line above them."""
    start, end = view.date_from, view.date_to
    place = " › ".join(n for n in (view.street, view.community) if n) or t("areas.district", lang)
    if not (start or end):   # all the data: no dates to name
        return f"{t('period.all', lang)} · {place}"
    dates = f"{format_date(start)} – {format_date(end)}"
    return t("cards.scope", lang, period=t(f"period.{view.period}", lang), dates=dates, place=place)


def headline_cards(head: dict, lang: str, scope: str | None = None,
                   year: dict | None = None) -> None:
    """Six KPI cards with their deltas against the like period (rates in points); `scope`
    (the period and place) heads them, `year` (本年累计 metrics) follows them."""
    now, delta = head["metrics"], head.get("delta_month") or {}
    # (key, value, is a rate); whether a rise is good is formatting.RISE, as in the report.
    rows = [
        ("received", format_number(now["received"]), False),
        ("resolved", format_ratio(now["resolved"], now["received"]), False),
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
        text = None if change is None else f"{format_delta(change, rate=is_rate)} {t('delta.mom', lang)}"
        tone, arrow = cards.tone_of(change, RISE[key], rate=is_rate)
        shown.append(cards.Card(key, label(key, lang), value, text, tone, arrow, span,
                                details.get(key)))
    if scope:
        # Names from the data: a caption shown as text (ui.plain), not inside the cards' HTML.
        st.caption(plain(scope))
    cards.show(shown, footer=year_text(year, lang) if year else None)


def year_text(year: dict, lang: str) -> str:
    """本年累计: the year-to-date figures beside a month's cards, each rate with its n."""
    m = year["metrics"]
    parts = [
        f"{label('received', lang)} {format_number(m['received'])}",
        f"{label('resolved', lang)} {format_ratio(m['resolved'], m['received'])}",
        f"{label('on_time_rate', lang)} {format_rate(m['on_time_rate'])}",
        f"{label('satisfaction_rate', lang)} {format_rate(m['satisfaction_rate'])} ({format_number(m['rated'])})",
    ]
    return t("cards.year", lang, dates=f"{format_date(year['filters'].date_from)} – "
             f"{format_date(year['filters'].date_to)}", figures=" · ".join(parts))


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


def case_panel(case_id: str, lang: str) -> None:
    """One case: its fields, officials, source file/sheet/row and timeline (names masked)."""
    case = loaders.case_detail(case_id)
    if not case:
        st.warning(say("error.case_missing", lang, case_id=case_id))
        return
    st.subheader(plain(f"{case['case_id']} · {masked(case.get('title') or '')}"))
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
    timeline = loaders.case_timeline(case_id)
    timeline = timeline.assign(file=timeline["file"].map(file_name))
    table(timeline, ["event_on", "status", "note", "file"], lang, key=f"timeline-{case_id}")
    st.caption(t("cases.masked", lang))
