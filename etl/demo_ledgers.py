"""How each demo ledger is kept: the phrases, ids and date styles of one office's file.

A `Style` turns a canonical DemoCase into the cell values a given office would type
(已解决 or 已办结 or 已销号; 满意 or a 1–5 score; 2022/1/8 or 2022年1月8日 …). The files
themselves are written in demo_files.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from taizhang.etl.demo_cases import AS_OF, DemoCase

STATUS_PHRASES = {
    # style → canonical status → phrases an office uses (stalled cases: 协调对接中)
    "roundtable": {"resolved": ["已解决"], "in_progress": ["正在解决"], "pending": ["未启动"],
                   "deferred": ["暂缓", "列入长期计划"], "cancelled": ["撤销"], "referred": ["转办"]},
    "office": {"resolved": ["已办结"], "in_progress": ["办理中", "正在办理"], "pending": ["待处理"],
               "deferred": ["解释说明", "无法解决"], "cancelled": ["无效件"], "referred": ["退单"]},
    "closing": {"resolved": ["已销号"], "in_progress": ["正在办理", "推进中"], "pending": ["已受理"],
                "deferred": ["暂缓"], "cancelled": ["已撤单"], "referred": ["转出"]},
    "hotline": {"resolved": ["已办结"], "in_progress": ["办理中"], "pending": ["待办"],
                "deferred": ["解释说明"], "cancelled": ["撤单", "重复件"], "referred": ["退单", "转办"]},
}
SATISFACTION_PHRASES = {
    "satisfied": ["满意", "满意", "非常满意"],
    "basically_satisfied": ["基本满意", "比较满意", "一般"],
    "dissatisfied": ["不满意", "不满意", "非常不满意"],
    None: ["", "", "未回访", "无"],
}
SATISFACTION_SCORES = {"satisfied": ["5", "4", "5"], "basically_satisfied": ["3"],
                       "dissatisfied": ["2", "1"], None: ["", "未回访"]}
UNKNOWN_STATUS = {"丁公路街道": "已移交", None: "研究中"}  # phrases no profile knows


def case_rng(case: DemoCase) -> random.Random:
    """A generator seeded by the case itself, so a case reads the same in every version."""
    return random.Random(f"{case.community}|{case.received_on}|{case.title}")


@dataclass
class State:
    """A case as one version of a ledger shows it."""

    status: str
    resolved_on: date | None
    closed_on: date | None
    satisfaction: str | None
    last_progress_on: date | None
    note: str


def state_as_of(case: DemoCase, as_of: date) -> State:
    """The case as a ledger dated `as_of` shows it (only EARLIER_AS_OF differs from final)."""
    if as_of >= AS_OF:
        return State(case.status, case.resolved_on, case.closed_on, case.satisfaction,
                     case.last_progress_on, case.note)
    if case.reopened:  # signed off in June, rated 不满意; re-handled in July
        return State("resolved", case.june_resolved_on, None, "dissatisfied", case.june_resolved_on,
                     "已办结，回访中")
    if case.status == "resolved" and case.resolved_on <= as_of:
        closed = case.closed_on if case.closed_on and case.closed_on <= as_of else None
        return State("resolved", case.resolved_on, closed, case.satisfaction, case.resolved_on, case.note)
    if case.status == "deferred" and case.received_on < as_of - timedelta(days=60):
        return State("deferred", None, None, None, None, case.note)
    if case.status in ("cancelled", "referred") and case.received_on < as_of - timedelta(days=7):
        return State(case.status, None, None, None, None, case.note)
    if case.received_on > as_of - timedelta(days=7):
        return State("pending", None, None, None, None, "已登记，待分派")
    progress = min(case.last_progress_on or as_of, as_of)
    progress = max(progress, case.received_on)
    return State("in_progress", None, None, None, progress, f"{progress.month}月{progress.day}日正在推进")


@dataclass
class Style:
    """One office's habits: status words, satisfaction as words or scores, date style."""

    status: str = "roundtable"
    scores: bool = False
    dates: str = "cell"  # cell | iso | slash | chinese | month_day | dotted | datetime
    year: int | None = None  # the ledger's year (title), for month_day dates

    def status_text(self, case: DemoCase, state: State) -> str:
        """The status cell: a phrase of this office (or a phrase nobody knows, for a bad row)."""
        if case.defect == "unknown_status":
            return UNKNOWN_STATUS.get(case.street if case.channel != "12345热线" else None, "研究中")
        if state.status == "in_progress" and case.stalled:
            return "协调对接中"
        return case_rng(case).choice(STATUS_PHRASES[self.status][state.status])

    def satisfaction_text(self, case: DemoCase, state: State) -> str:
        """The satisfaction cell: a phrase, a 1–5 score, or blank / 未回访 when not rated."""
        table = SATISFACTION_SCORES if self.scores else SATISFACTION_PHRASES
        return case_rng(case).choice(table[state.satisfaction])

    def date_cell(self, value: date | None, rng: random.Random | None = None):
        """A date the way this office writes it; `cell` keeps a real date for an Excel cell."""
        if value is None:
            return None if self.dates == "cell" else ""
        if self.dates == "cell":
            return datetime(value.year, value.month, value.day)
        if self.dates == "iso":
            return value.isoformat()
        if self.dates == "slash":
            return f"{value.year}/{value.month}/{value.day}"
        if self.dates == "chinese":
            return f"{value.year}年{value.month}月{value.day}日"
        if self.dates == "month_day":  # the year is in the title, (2022年); other years in full
            if value.year == self.year:
                return f"{value.month}月{value.day}日"
            return f"{value.year}年{value.month}月{value.day}日"
        if self.dates == "dotted":
            return f"{value.year}.{value.month}.{value.day}"
        if self.dates == "datetime":  # hotline systems stamp the time of the call
            seconds = (rng or random.Random(value.toordinal())).randrange(8 * 3600, 18 * 3600)
            return f"{value.isoformat()} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        raise ValueError(self.dates)


def fields_of(case: DemoCase, style: Style, as_of: date) -> dict[str, object]:
    """Canonical field name → cell value for one case in one ledger version."""
    state = state_as_of(case, as_of)
    received = None if case.defect == "no_received" else case.received_on
    resolved = state.resolved_on if case.defect != "resolved_before_received" else case.resolved_on
    status = state.status if case.defect != "resolved_before_received" else "resolved"
    state.status = status
    return {
        "case_id": case.case_id,
        "street": case.street,
        "community": case.community,
        "channel": case.channel,
        "meeting_on": style.date_cell(case.meeting_on),
        "received_on": style.date_cell(received, case_rng(case)),
        "reporter": case.reporter,
        "title": case.title,
        "category": case.category,
        "matter_class": case.matter_class,
        "responsible_unit": case.responsible_unit,
        "lead": case.lead,
        "deputy": case.deputy,
        "handler": case.handler,
        "due_on": style.date_cell(case.due_on),
        "status": style.status_text(case, state),
        "note": state.note,
        "last_progress_on": style.date_cell(state.last_progress_on if status == "in_progress" else None),
        "resolved_on": style.date_cell(resolved, case_rng(case)),
        "closed_on": style.date_cell(state.closed_on),
        "satisfaction": style.satisfaction_text(case, state),
        **(call_times(case, state) if style.dates == "datetime" and received else {}),
    }


def call_times(case: DemoCase, state: State) -> dict[str, str]:
    """What a 12345 system stamps to the second: the call (as date_cell writes it), 签收 by
    the unit (most within 2 hours), 办结 (after the call), 反馈 to the caller (a few hours
    to three days after 办结). Nothing after the ledger's as-of day; a generator of the case's
    own, so the dates and the other cells stay as they are."""
    rng = random.Random(f"{case.community}|{case.received_on}|{case.title}|times")
    call = datetime.fromisoformat(Style(dates="datetime").date_cell(case.received_on, case_rng(case)))
    last = datetime.combine(AS_OF, datetime.max.time()).replace(microsecond=0)
    minutes = rng.randint(5, 115) if rng.random() < 0.85 else rng.randint(121, 900)
    out = {"responded_at": _stamp(min(call + timedelta(minutes=minutes), last))}
    if state.status == "resolved" and state.resolved_on:
        earliest = call + timedelta(minutes=30) if state.resolved_on == case.received_on \
            else datetime.combine(state.resolved_on, datetime.min.time()) + timedelta(hours=8)
        latest = datetime.combine(state.resolved_on, datetime.min.time()) + timedelta(hours=20)
        resolved = earliest + timedelta(seconds=rng.randrange(max(1, int((latest - earliest).total_seconds()))))
        resolved = min(max(resolved, earliest), datetime.combine(state.resolved_on, datetime.max.time()))
        out["resolved_on"] = _stamp(resolved.replace(microsecond=0))
        feedback = resolved + timedelta(minutes=rng.randint(30, 72 * 60))
        if feedback <= last:
            out["feedback_at"] = _stamp(feedback.replace(microsecond=0))
    return out


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def present_in(case: DemoCase, as_of: date) -> bool:
    """Whether a ledger dated `as_of` lists the case (bad rows only in the final version)."""
    if case.defect:
        return as_of >= AS_OF
    return case.received_on <= as_of
