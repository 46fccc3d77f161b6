"""The report's view model: every value already formatted as the page shows it.

build.py fills these from the KPI layer; template.html only lays them out, so the
template never formats or computes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Delta:
    """A change against an earlier period, e.g. text "+12" / "+3.1 pt", arrow "▲"."""

    text: str
    arrow: str  # "▲", "▼" or "" when unchanged or not comparable
    tone: str  # "good", "bad" or "flat": colours the arrow (more overdue is bad)


@dataclass
class Card:
    """One headline KPI: 受理 128 with its month-over-month and year-over-year deltas."""

    label: str
    value: str
    detail: str  # e.g. "1769/2090" under a rate; "" when nothing to add
    mom: Delta
    yoy: Delta


@dataclass
class RankRow:
    """One street (or community) in the ranking table."""

    name: str
    # The rates the score is computed from (kpi.ranking: on what was due, by default),
    # each with its n: cases judged (考核件数: received, on the received basis) and those of
    # them rated (考核回访件数: of the cases closed in the period; 已回访 on the received basis).
    n: str
    resolution_rate: str
    on_time_rate: str
    rated: str
    satisfaction_rate: str
    score: str
    rank: str
    change: Delta


@dataclass
class CategoryRow:
    """One category of the month's cases: received, resolved, resolution rate."""

    name: str
    received: str
    share: str
    resolution_rate: str


@dataclass
class SupervisionRow:
    """One case of the 督办 list: why it is listed and who answers for it."""

    kind: str  # 超期 / 停滞 / 不满意 …
    case_id: str
    title: str
    place: str  # community (and street in a district report)
    days: str
    unit: str
    official: str


@dataclass
class AttendanceRow:
    """One official's meetings attended and attendance (months with a meeting / months)."""

    official: str
    unit: str
    meetings: str
    attendance: str


@dataclass
class Section:
    """A titled block; `note` explains an empty or shortened block in one line."""

    title: str
    title_en: str
    note: str = ""


@dataclass
class ReportView:
    """Everything one report page shows."""

    lang: str
    title: str
    subtitle: str  # "2022年6月 · 数据截至 2022-06-30"
    is_demo: bool
    demo_label: str
    cards: list[Card]
    cards_note: str
    hotline_note: str  # the 12345 三率 and what comes with them, "" when the month has none
    trend: Section
    trend_figure: str  # plotly figure as JSON, safe inside <script> (no '<')
    categories: Section
    category_header: list[str]
    category_rows: list[CategoryRow]
    ranking: Section
    ranking_header: list[str]
    ranking_rows: list[RankRow]
    supervision: Section
    supervision_header: list[str]
    supervision_rows: list[SupervisionRow]
    supervision_more: str  # "… 另有 12 条 / and 12 more", "" when all are shown
    attendance: Section
    attendance_header: list[str]
    attendance_rows: list[AttendanceRow]
    sources: list[str] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    generated: str = ""
    seeds: Section | None = None  # 议事与服务 (report.sections.seeds)
    seeds_lines: list[str] = field(default_factory=list)
