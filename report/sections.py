"""The report's blocks, each from one KPI call: cards, trend, categories, ranking, 督办, attendance.

Each function takes the slice (kpi.Filters) chosen by build.py and returns formatted
rows for the view model; lists are cut to what fits one A4 page, with a "… and M more".
"""

from __future__ import annotations

from datetime import date

from taizhang.kpi import api as kpi
from taizhang.filters import RATE_METRICS
from taizhang.report.model import AttendanceRow, Card, CategoryRow, Delta, RankRow, Section, SupervisionRow
from taizhang.formatting import RISE, change_tone, format_score, is_missing
from taizhang.i18n import other_lang as other
from taizhang.i18n import t as say
from taizhang.statuses import ENDED_STATUSES
from taizhang.charts import PRINT, trend_figure

# What fits on one page next to everything else (checked by the long-list test).
MAX_RANKING_ROWS = 13
MAX_CATEGORY_ROWS = 7
MAX_SUPERVISION_ROWS = 12
MAX_ATTENDANCE_ROWS = 9  # 12 before the 议事与服务 lines below it took the room of three
MAX_RECURRING_LABEL = 16  # characters of a recurring problem's label in the report

# Headline cards in their order; whether a rise is good is taizhang.formatting.RISE,
# shared with the dashboard's cards.
CARDS = ("received", "resolved", "in_progress", "overdue_open", "median_days",
         "on_time_rate", "satisfaction_rate")
REPORT_ARROWS = {"up": "▲", "down": "▼", None: ""}


def heading(key: str, lang: str) -> Section:
    """A block title in the report's language with the other language beside it."""
    return Section(say(key, lang), say(key, other(lang)))


def _delta(value, rise_is_good: bool | None, rate: bool, label: str) -> Delta:
    text = f"{label} {kpi.format_delta(value, rate=rate)}"
    tone, arrow = change_tone(value, rise_is_good, rate)
    return Delta(text, REPORT_ARROWS[arrow], tone)


def text(value) -> str:
    """Ledger text as shown: '—' for a missing or blank value (None, NaN, NA, '')."""
    if is_missing(value) or not str(value).strip():
        return "—"
    return str(value)


def score_text(value) -> str:
    """A score as everywhere (taizhang.formatting.format_score): 80.0, 76.7; '—' undefined."""
    return format_score(value)


def _value(metric: str, value) -> str:
    if metric in RATE_METRICS:
        return kpi.format_rate(value)
    return kpi.format_number(value)


def cards(head: dict, standing: dict, lang: str) -> list[Card]:
    """The headline cards: the month's cases (`head`), and overdue cases of any month
    still open at as_of (`standing`), each with its month-over-month and year-over-year
    deltas from kpi.headline."""
    current = head["metrics"]
    cards = []
    for metric in CARDS:
        rate = metric in RATE_METRICS
        source = standing if metric == "overdue_open" else head
        if metric == "resolved":
            detail = kpi.format_ratio(current["resolved"], kpi.resolution_base(current))
        elif metric == "satisfaction_rate":
            detail = f"{say('rated', lang)} {kpi.format_number(current['rated'])}"
        elif metric == "on_time_rate":
            detail = f"{say('resolved', lang)} {kpi.format_number(current['resolved'])}"
        elif metric == "overdue_open":
            detail = say("report.overdue_detail", lang)
        else:
            detail = ""
        mom, yoy = source["delta_month"][metric], source["delta_year"][metric]
        cards.append(Card(
            label=say(metric, lang),
            value=_value(metric, source["metrics"][metric]),
            detail=detail,
            mom=_delta(mom, RISE[metric], rate, say("report.mom_short", lang)),
            yoy=_delta(yoy, RISE[metric], rate, say("report.yoy_short", lang)),
        ))
    return cards


# The 12345 measures in the line under the cards, in the order a 12345 board reads them
# (三率 first); each only where the month's data defines it.
HOTLINE = ("response_rate", "resolution_rate", "satisfaction_rate", "feedback_on_time_rate",
           "reopened_rate", "return_rate", "median_hours", "cancelled", "referred")


def hotline(head: dict, lang: str) -> str:
    """'12345 三率:响应率 85.7% · 解决率 60.0% · 满意率 100.0% · … · 撤单 1 · 转办退回 2', or ''
    when the month has none of the 12345 facts (no 签收/反馈 times, times of day, no case
    cancelled or referred): a ledger of dates alone reads as before."""
    current = head["metrics"]
    extra = ("response_rate", "feedback_on_time_rate", "median_hours", "cancelled", "referred")
    if not any(current.get(m) for m in extra):
        return ""
    parts = [f"{say(m, lang)} {_value(m, current[m])}" for m in HOTLINE
             if not is_missing(current.get(m)) and (m not in ENDED_STATUSES or current[m])]
    return say("report.hotline", lang, items=" · ".join(parts))


def month_label(first: date, lang: str) -> str:
    """'2022年6月' / 'June 2022'."""
    # A date format, not words: the two languages order year and month differently.
    return first.strftime("%B %Y") if lang == "en" else f"{first.year}年{first.month}月"


def trend(con, filters, settings, lang: str) -> str:
    """The 12-month trend up to the slice's end (kpi.trend): the dashboard's trend figure
    (taizhang.charts) at its size on the A4 sheet, as JSON for the page's plotly.js.

    `<` is written as \\u003c, so no text in it can close the page's <script>.
    """
    frame = kpi.trend(con, filters, months=12, settings=settings)
    figure = trend_figure(frame, lang, PRINT, empty=say("report.no_cases_period", lang))
    return figure.to_json().replace("<", "\\u003c")


def categories(con, filters, settings, lang: str) -> tuple[Section, list[CategoryRow]]:
    """The month's top categories by cases received (kpi.metrics by category)."""
    section = heading("report.top_categories", lang)
    frame = kpi.metrics(con, by=("category",), filters=filters, settings=settings)
    frame = frame[frame["received"] > 0].sort_values(
        ["received", "category"], ascending=[False, True], kind="stable"
    )
    rows = [
        CategoryRow(text(r.category), kpi.format_number(r.received),
                    kpi.format_number(r.resolved), kpi.format_rate(r.resolution_rate))
        for r in frame.head(MAX_CATEGORY_ROWS).itertuples(index=False)
    ]
    section.note = say("report.categories_note", lang, n=MAX_CATEGORY_ROWS) if rows else \
        say("report.no_cases_month", lang)
    return section, rows


def score_columns(settings) -> tuple[str, str, str, str, str]:
    """(n, resolution rate, on-time rate, n rated, satisfaction rate): the kpi.ranking
    columns the score judges — on what was due or closed (ranking_basis 'due'), else on
    what was received — as the Areas page shows them."""
    if settings.ranking_basis == "due":
        return "due_cases", "due_resolution_rate", "due_on_time_rate", "due_rated", "due_satisfaction_rate"
    return "received", "resolution_rate", "on_time_rate", "rated", "satisfaction_rate"


def ranking_header(level: str, settings, lang: str) -> list[str]:
    """The ranking table's columns: rank, area, each rate of the score after its n, score, change."""
    return [say(key, lang) for key in ("rank", level, *score_columns(settings), "score", "rank_change")]


def ranking(con, level: str, filters, settings, lang: str) -> tuple[Section, list[RankRow]]:
    """Streets or communities by score with rank change (kpi.ranking), unranked last."""
    key = "report.street_ranking" if level == "street" else "report.community_ranking"
    section = heading(key, lang)
    frame = kpi.ranking(con, level, filters, settings=settings)
    rows = []
    for r in frame.head(MAX_RANKING_ROWS).itertuples(index=False):
        ranked = not is_missing(r.rank)
        if is_missing(r.rank_change):
            change = Delta(say("rank.new", lang) if ranked else "—", "", "flat")
        elif r.rank_change == 0:
            change = Delta("0", "", "flat")
        else:
            up = r.rank_change > 0
            change = Delta(str(abs(int(r.rank_change))), "▲" if up else "▼", "good" if up else "bad")
        n, resolution, on_time, rated, satisfaction = (getattr(r, column) for column in score_columns(settings))
        rows.append(RankRow(
            name=text(getattr(r, level)),
            n=kpi.format_number(n),
            resolution_rate=kpi.format_rate(resolution),
            on_time_rate=kpi.format_rate(on_time),
            rated=kpi.format_number(rated),
            satisfaction_rate=kpi.format_rate(satisfaction),
            score=score_text(r.score),
            rank=kpi.format_number(r.rank) if ranked else "—",
            change=change,
        ))
    notes = [say("report.ranking_window", lang, first=kpi.format_date(filters.date_from),
                 last=kpi.format_date(filters.date_to)),
             say(f"ranking.cohort.{settings.ranking_basis}", lang) + ("。" if lang == "zh" else ".")]
    if frame["rank"].isna().any():
        notes.append(say("report.unranked", lang, n=settings.min_cases_ranked))
    if len(frame) > MAX_RANKING_ROWS:
        notes.append(say("report.ranking_more", lang, n=len(frame) - MAX_RANKING_ROWS))
    section.note = " ".join(notes)
    return section, rows


def supervision_rows(frame, lang: str) -> list[SupervisionRow]:
    """One row per case (kpi.supervision_cases), its reasons joined: 超期、停滞."""
    rows = []
    for r in frame.itertuples(index=False):
        kinds = [k for k in str(r.reasons).split(",") if k]
        if "overdue" in kinds:
            days = kpi.format_number(r.days_overdue)
        elif "stalled" in kinds:
            days = kpi.format_number(r.days_stalled)
        else:
            days = "—"
        rows.append(SupervisionRow(
            kind=say("report.kind_separator", lang).join(say(f"report.kind.{k}", lang) for k in kinds),
            case_id=text(r.case_no),
            title=text(r.title),
            place=text(r.community),
            days=days,
            unit=text(r.responsible_unit),
            official=text(r.officials),
        ))
    return rows


def supervision(con, month_filters, settings, lang):
    """The 督办 block: the 督办 list of the month (kpi.supervision_cases: overdue and stalled
    cases of any month still open at as_of, then the month's dissatisfied and reopened
    cases), its first MAX_SUPERVISION_ROWS cases shown."""
    section = heading("report.supervision", lang)
    # The first cases and the count, not the list: at city scale it holds millions of rows.
    frame, cases = kpi.supervision_cases(con, month_filters, settings, limit=MAX_SUPERVISION_ROWS)
    rows = supervision_rows(frame, lang)
    hidden = cases - len(rows)
    first, last = kpi.format_date(month_filters.date_from), kpi.format_date(month_filters.date_to)
    # The command that writes this very list: the same period, as-of date and area.
    command = " ".join([f"taizhang supervise --from {first} --to {last}",
                        f"--as-of {kpi.format_date(month_filters.as_of)}",
                        *(f"--where {dim}={value}" for dim, value in month_filters.where)])
    more = say("report.supervision_more", lang, n=hidden, total=cases, first=first, last=last,
               command=command) if hidden > 0 else ""
    section.note = say("report.supervision_note", lang,
                       as_of=kpi.format_date(month_filters.as_of), stall=settings.stall_days)
    if not rows:
        section.note = say("report.no_supervision", lang) + " " + section.note
    return section, rows, more


def attendance(con, filters, settings, lang, has_meetings: bool):
    """Officials who attended meetings in the period, most meetings first (kpi.official_table)."""
    section = heading("report.attendance", lang)
    if not has_meetings:
        section.note = say("empty.meetings", lang)
        return section, []
    frame = kpi.official_table(con, filters, settings=settings)
    frame = frame[frame["meetings_attended"] > 0].sort_values(
        ["meetings_attended", "official"], ascending=[False, True], kind="stable"
    )
    rows = [
        AttendanceRow(text(r.official), text(r.unit),
                      kpi.format_number(r.meetings_attended), kpi.format_rate(r.attendance))
        for r in frame.head(MAX_ATTENDANCE_ROWS).itertuples(index=False)
    ]
    notes = [say("report.attendance_note", lang, first=kpi.format_date(filters.date_from),
                 last=kpi.format_date(filters.date_to))]
    if not rows:
        notes.insert(0, say("report.no_meetings", lang))
    if len(frame) > MAX_ATTENDANCE_ROWS:
        notes.append(say("report.attendance_more", lang, n=len(frame) - MAX_ATTENDANCE_ROWS))
    section.note = " ".join(notes)
    return section, rows


def seeds(con, filters, settings, lang, recurring: bool = True) -> tuple[Section, list[str]]:
    """议事与服务 in three lines: proposal feedback and the consultation funnel, service
    groups and 销号, the top recurring problems (kpi.seeds, kpi.recurring; not when
    `recurring` is False)."""
    from taizhang.kpi import recurring as recurring_kpis
    from taizhang.kpi import seeds as seed_kpis

    section = heading("report.seeds", lang)
    meetings = seed_kpis.meetings_overview(seed_kpis.meetings_compliance(con, filters, settings))
    funnel = seed_kpis.funnel_totals(seed_kpis.funnel(con, filters, settings))
    # The line says how many communities have a group: no case count needed (the
    # community grain's counts cost a district report a second at 1M cases).
    coverage = seed_kpis.registry_coverage(seed_kpis.service_registry(con, filters))
    signed = seed_kpis.signoff(con, filters, settings, by="")
    awaiting = int(signed["awaiting_signoff"].iloc[0]) if len(signed) else 0
    groups = recurring_kpis.recurring_problems(con, filters, settings, top=3)[0] if recurring else ()
    lines = [
        say("report.seeds_meetings", lang, rate=kpi.format_rate(meetings["feedback_rate"]),
            answered=meetings["answered"], proposals=meetings["proposals"], **funnel),
        say("report.seeds_service", lang, with_group=coverage["with_group"],
            communities=coverage["communities"], awaiting=awaiting),
    ]
    if len(groups):
        listed = say("report.list_separator", lang).join(say("report.seeds_group", lang, label=_clip(r.label), n=r.communities)
                          for r in groups.itertuples())
        lines.append(say("report.seeds_recurring", lang, groups=listed))
    return section, lines


def _clip(label: str) -> str:
    return label if len(label) <= MAX_RECURRING_LABEL else label[:MAX_RECURRING_LABEL - 1] + "…"
