"""Assembles the monthly report (SPEC §6) from the KPI layer into a view model and HTML.

Every number comes from kpi/ (one implementation for dashboard, report and CLI); this
module only chooses the slices, orders and cuts the lists to fit one A4 page, and
formats with kpi's formatters.

    html = report_html(con, "2022-06", {"street": "南站街道"})
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterator, Mapping

from taizhang import clock
from taizhang.kpi import api as kpi
from taizhang.filters import month_bounds, shift_months
from taizhang.kpi.periods import DEFAULT_PERIOD, period_bounds
from taizhang.report import sections
from taizhang.report.model import ReportView
from taizhang.report.page import page_html
from taizhang.i18n import other_lang as other
from taizhang.i18n import t as say
from taizhang.settings import Settings, load_settings

SCOPE_LEVELS = ("district", "street", "community")


class ReportError(ValueError):
    """The report was asked for something that cannot exist (a bad month or scope)."""


@dataclass(frozen=True)
class DatasetFacts:
    """What the whole database says, the same for every report of one run."""

    info: dict  # kpi.dataset_info
    last_import: object  # when the newest import started, None without imports

    @classmethod
    def read(cls, con) -> "DatasetFacts":
        """Read the facts through the KPI layer (one call)."""
        info = kpi.dataset_info(con)
        return cls(info, info.get("last_import"))


def _scope_name(con, scope: Mapping[str, str], lang: str) -> str:
    """'西湖区' for the district, '西湖区南站街道' for a street; ReportError for an area
    that is neither in the registry nor in any case."""
    levels = ("district",) + tuple(k for k in SCOPE_LEVELS[1:] if scope.get(k))
    areas = kpi.metrics(con, by=levels, filters=kpi.Filters.make(where=scope))
    if scope and areas.empty:
        named = "、".join(f"{say(k, lang)} {v}" for k, v in scope.items())
        raise ReportError(
            f"找不到{named} / no area {', '.join(f'{k}={v}' for k, v in scope.items())} in the "
            "registry or the cases; check the name (taizhang kpi --by street lists them)."
        )
    districts = sorted({str(d) for d in areas["district"].dropna()})
    if scope.get("district"):
        district = scope["district"]
    else:
        district = "、".join(districts) if 0 < len(districts) <= 2 else say("report.whole_district", lang)
    return district + "".join(scope[k] for k in SCOPE_LEVELS[1:] if scope.get(k))


def report_view(con, month: str | None, scope: Mapping[str, str] | None = None,
                settings: Settings | None = None, lang: str = "zh",
                today: date | None = None, dataset: "DatasetFacts | None" = None,
                scope_name: str | None = None, as_of: date | None = None) -> ReportView:
    """The report of `month` ('2022-06'; None: the default period's) for the district or a
    scope ({'street': …}), status as of `as_of` (None, or after the month: the month's
    last day or the latest data, whichever comes first).

    `dataset` lets a run of many reports read the database-wide facts once; `scope_name`
    is _scope_name's answer when the caller has it already.
    """
    settings = settings or load_settings()
    scope = dict(scope or {})
    unknown = set(scope) - set(SCOPE_LEVELS)
    if unknown:
        raise ReportError(
            f"月报范围只能是区、街道或社区 / a report's scope is a district, street or "
            f"community, not {', '.join(sorted(unknown))}."
        )
    dataset = dataset or DatasetFacts.read(con)
    month = month or default_month(con, dataset)
    try:
        first, last = month_bounds(month)
    except kpi.FilterError as exc:
        raise ReportError(str(exc)) from None
    info = dataset.info
    if as_of is not None and as_of < first:
        raise ReportError(f"统计截至 {kpi.format_date(as_of)} 早于月份 {first:%Y-%m} / --as-of "
                          f"{kpi.format_date(as_of)} is before the month {first:%Y-%m}.")
    data_as_of = as_of or info.get("as_of")
    as_of = min(last, data_as_of) if data_as_of else last

    where = tuple(scope.items())
    month_filters = kpi.Filters.make(first, last, as_of, where)
    # A street's communities get a few cases a month: rank them over 12 months.
    level = "community" if scope.get("street") else "street"
    window_from = shift_months(first, -11) if level == "community" else first
    ranking_filters = kpi.Filters.make(window_from, last, as_of, where)
    year_filters = kpi.Filters.make(date(first.year, 1, 1), last, as_of, where)
    standing_filters = kpi.Filters.make(None, None, as_of, where)

    scope_name = scope_name or _scope_name(con, scope, lang)
    head = kpi.headline(con, month_filters, settings=settings)
    standing = kpi.headline(con, standing_filters, settings=settings)
    trend = sections.heading("report.trend", lang)
    trend.note = say("report.trend_note", lang)
    categories, category_rows = sections.categories(con, month_filters, settings, lang)
    ranking, ranking_rows = sections.ranking(con, level, ranking_filters, settings, lang)
    supervision, supervision_rows, more = sections.supervision(con, month_filters, settings, lang)
    attendance, attendance_rows = sections.attendance(
        con, year_filters, settings, lang, bool(info.get("meetings")))
    # A community's report has no recurring problems (they span communities): not searched.
    seeds, seeds_lines = sections.seeds(con, year_filters, settings, lang,
                                        recurring="community" not in scope)
    month_label = sections.month_label(first, lang)
    last_import = kpi.format_date(dataset.last_import)
    weights = settings.score_weights()
    # The rates the score judges, as the ranking table heads them (due-based by default).
    _, resolution, on_time, _, satisfaction = sections.score_columns(settings)
    judged = {"resolution_rate": resolution, "on_time_rate": on_time, "satisfaction_rate": satisfaction}
    return ReportView(
        lang=lang,
        title=say("report.heading", lang, scope=scope_name, month=month_label),
        subtitle=say("report.subtitle", lang, as_of=kpi.format_date(as_of),
                     first=kpi.format_date(first), last=kpi.format_date(last)),
        is_demo=bool(info.get("is_demo")),
        demo_label=f"{say('demo_data', lang)} {say('demo_data', other(lang))}",
        cards=sections.cards(head, standing, lang),
        cards_note="" if head["metrics"]["received"] else say("report.empty_month", lang),
        hotline_note=sections.hotline(head, lang),
        trend=trend,
        trend_figure=sections.trend(con, kpi.Filters.make(None, last, as_of, where), settings, lang),
        categories=categories,
        category_header=[say("category", lang), say("received", lang), say("resolved", lang),
                         say("resolution_rate", lang)],
        category_rows=category_rows,
        ranking=ranking,
        ranking_header=sections.ranking_header(level, settings, lang),
        ranking_rows=ranking_rows,
        supervision=supervision,
        supervision_header=[say("report.kind", lang), say("case_id", lang), say("title", lang),
                            say("report.place", lang), say("report.days", lang),
                            say("responsible_unit", lang), say("lead", lang)],
        supervision_rows=supervision_rows,
        supervision_more=more,
        attendance=attendance,
        attendance_header=[say("official", lang), say("unit", lang),
                           say("meetings_attended", lang), say("attendance", lang)],
        attendance_rows=attendance_rows,
        seeds=seeds,
        seeds_lines=seeds_lines,
        sources=[say("report.sources_detail", lang, files=info.get("source_files") or 0,
                     last_import=last_import, rejected=info.get("rejects") or 0)],
        definitions=[
            say("report.definitions" if settings.sla_calendar == "calendar"
                else "report.definitions_workdays", lang, sla=settings.sla_days,
                score=" + ".join(say("report.score_term", lang,
                                     rate=say(f"score_term.{judged.get(rate, rate)}", lang),
                                     weight=f"{round(weight, 2):g}")
                                 for rate, weight in weights.items())),
            say("report.definitions_more", lang, stall=settings.stall_days,
                w=settings.basically_satisfied_weight, min_cases=settings.min_cases_ranked),
        ],
        generated=say("report.generated_by", lang,
                      date=kpi.format_date(today or clock.today())),
    )


def report_html(con, month: str | None, scope: Mapping[str, str] | None = None,
                settings: Settings | None = None, lang: str = "zh") -> str:
    """The monthly report as one self-contained HTML page (what PDF and PNG are printed from)."""
    return page_html(report_view(con, month, scope, settings, lang))


@dataclass
class ReportPage:
    """One report to write: its file name without extension ('南站街道_2022-06') and HTML."""

    file_stem: str
    scope: dict[str, str]
    html: str


def default_month(con, dataset: DatasetFacts | None = None) -> str:
    """The month of the default period (kpi.periods: the latest complete month, '2022-07'),
    the latest data's month when no month of the data is complete, the current month on
    an empty database."""
    info = dataset.info if dataset else kpi.dataset_info(con)
    as_of, first = info.get("as_of"), info.get("first_received_on")
    if as_of is None:
        return clock.today().strftime("%Y-%m")
    end = period_bounds(DEFAULT_PERIOD, as_of)[1]
    return (end if first is None or end >= first else as_of).strftime("%Y-%m")


def check_month_covered(month: str, info: dict) -> None:
    """ReportError when `month` lies before the first case received or after the data's
    as-of date: such a page would be zeros beside another year's chart."""
    first = info.get("first_received_on")
    last = max(d for d in (info.get("last_received_on"), info.get("as_of")) if d is not None)
    covered = (first.strftime("%Y-%m"), last.strftime("%Y-%m"))
    if covered[0] <= month <= covered[1]:
        return
    raise ReportError(
        f"{month} 不在数据范围内:台账数据覆盖 {covered[0]} 至 {covered[1]}(受理日期 "
        f"{kpi.format_date(first)} 起,截至 {kpi.format_date(last)}),请选择其中的月份 / "
        f"{month} is outside the data: the ledgers cover {covered[0]} to {covered[1]}; "
        "choose a month in that range."
    )


def _file_stem(scope: Mapping[str, str], month: str, scope_name: str) -> str:
    lowest = [scope[k] for k in reversed(SCOPE_LEVELS) if scope.get(k)]
    name = lowest[0] if lowest else scope_name
    # Area names come from ledgers: keep them readable but never a path.
    safe = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name).strip(". ")
    return f"{safe or 'report'}_{month}"


def report_pages(con, month: str | None, scope: Mapping[str, str] | None = None,
                 each: str | None = None, settings: Settings | None = None,
                 lang: str = "zh", as_of: date | None = None) -> list[ReportPage]:
    """The reports one `taizhang report` run writes: one for the scope, or one per street.

    `each` ('street' or 'community') makes one report for every registry area of that
    level inside the scope, zero-case areas included.
    """
    return list(iter_report_pages(con, month, scope, each, settings, lang, as_of))


def iter_report_pages(con, month: str | None, scope: Mapping[str, str] | None = None,
                      each: str | None = None, settings: Settings | None = None,
                      lang: str = "zh", as_of: date | None = None) -> Iterator[ReportPage]:
    """report_pages one page at a time, so a caller can print a page while the next one's
    numbers are computed; checks (ReportError) come before the first page."""
    settings = settings or load_settings()
    dataset = DatasetFacts.read(con)
    if not dataset.info.get("cases"):
        # A page of zeros helps nobody: say how to get data instead.
        raise ReportError(" / ".join(say("empty.db", code) for code in ("zh", "en")))
    month = month or (as_of.strftime("%Y-%m") if as_of else default_month(con, dataset))
    try:
        month = month_bounds(month)[0].strftime("%Y-%m")  # '2022-6' names files 2022-06
    except kpi.FilterError as exc:
        raise ReportError(str(exc)) from None
    check_month_covered(month, dataset.info)
    scope = dict(scope or {})
    if each is None:
        scopes = [scope]
    else:
        if each not in SCOPE_LEVELS[1:]:
            raise ReportError(f"--each {each!r}: use street or community.")
        areas = kpi.metrics(con, by=(each,), filters=kpi.Filters.make(where=scope),
                            settings=settings)
        names = sorted(str(n) for n in areas[each].dropna().unique())
        if not names:
            raise ReportError(
                f"没有可出报告的{say(each, lang)} / no {each} in the registry for this scope; "
                "load the area registry with `taizhang areas`."
            )
        scopes = [{**scope, each: name} for name in names]
    for s in scopes:
        name = _scope_name(con, s, lang)
        view = report_view(con, month, s, settings, lang, dataset=dataset, scope_name=name,
                           as_of=as_of)
        yield ReportPage(_file_stem(s, month, name), s, page_html(view))
