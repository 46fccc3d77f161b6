"""The 议事与服务 and 每月一题 pages through Streamlit's AppTest on the demo database: what
they show equals the KPI layer's answer (kpi.seeds, kpi.recurring)."""

from __future__ import annotations

from taizhang.kpi import api as kpi
from taizhang.kpi import seeds

from apptest import run_all as run
from kpi_fixtures import kpi_call


def _frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_seeds_page_shows_each_measure(demo_db, use_db):
    use_db(demo_db)
    at = run("seeds")
    metrics = {m.label: m.value for m in at.metric}
    meetings = kpi_call(demo_db, kpi.meetings_compliance, kpi.Filters())
    totals = seeds.meetings_overview(meetings)
    assert metrics["提议反馈率"] == kpi.format_rate(totals["feedback_rate"])
    assert metrics["达标社区"] == f"{totals['community_compliant']}/{totals['community_areas']}"
    assert len(_frame_with(at, "提议反馈率")) == len(meetings)
    funnel = seeds.funnel_totals(kpi_call(demo_db, kpi.funnel, kpi.Filters()))
    assert metrics["建议/问题"] == kpi.format_number(funnel["suggestions"])
    assert metrics["解决"] == kpi.format_number(funnel["solved"])
    coverage = seeds.service_coverage(kpi_call(demo_db, kpi.service_groups, kpi.Filters()))
    assert metrics["无服务团的社区"] == str(coverage["without_group"]) != "0"
    assert metrics["期间内无事项的服务团"] == str(coverage["groups_without_cases"])
    assert any("、".join(coverage["communities_without_group"]) == t.value for t in at.text)
    matters = _frame_with(at, "大事占比")
    assert len(matters) == len(kpi_call(demo_db, kpi.matter_shares, kpi.Filters()))
    whole = kpi_call(demo_db, kpi.signoff, kpi.Filters(), by="").iloc[0]
    assert metrics["已解决未销号"] == kpi.format_number(int(whole["awaiting_signoff"]))
    deputies = _frame_with(at, "不满意重办")
    expected = kpi_call(demo_db, kpi.deputies, kpi.Filters())
    assert list(deputies["认领"]) == list(expected["claimed"])


def test_seeds_page_in_english(demo_db, use_db):
    use_db(demo_db)
    at = run("seeds", lang="en")
    assert at.header[0].value == "Consultation and service"
    assert "Proposal feedback rate" in {m.label for m in at.metric}


def test_recurring_page_lists_the_top_groups_and_their_cases(demo_db, use_db):
    use_db(demo_db)
    at = run("recurring")
    groups, cases = kpi_call(demo_db, kpi.recurring_problems, kpi.Filters())
    assert len(groups) == 10
    shown = _frame_with(at, "涉及社区")
    assert list(shown["问题"]) == list(groups["label"])
    listed = _frame_with(at, "案件编号")
    assert sorted(listed["案件编号"]) == sorted(cases[cases["group"] == 1]["case_no"])
