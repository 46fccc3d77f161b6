"""The seed systems' measures (kpi.seeds) on hand-written rows, each figure counted by hand,
and the ledger side: meetings.feedback, the registry's 服务团 column, the schema migration."""

from __future__ import annotations

import duckdb
import pytest

from taizhang.etl.areas import load_areas
from taizhang.store.schema import SCHEMA_VERSION, ensure_schema
from taizhang.kpi import seeds
from taizhang.filters import Filters
from taizhang.kpi.commands import render_view, view_frame
from kpi_fixtures import case, d, make_db

AREAS = [
    {"district": "西湖区", "street": "S1", "community": "A社区", "kind": "社区"},
    {"district": "西湖区", "street": "S1", "community": "B社区", "kind": "社区"},
    {"district": "西湖区", "street": "S2", "community": "C村", "kind": "村"},
]


def meeting(mid, held_on, street, community, feedback=None):
    return {"meeting_id": mid, "held_on": d(held_on), "district": "西湖区", "street": street,
            "community": community, "channel": "小队会", "topic": "议题", "feedback": feedback}


@pytest.fixture
def con(tmp_path):
    cases = [
        # S1/A: three cases from meetings (two resolved, one open), one hotline case
        case("c1", "2022-01-05", "resolved", street="S1", community="A社区", meeting_id="m1",
             resolved_on="2022-01-10", closed_on="2022-01-14", matter_class="小事",
             satisfaction="dissatisfied", reopened_count=1),
        case("c2", "2022-02-05", "resolved", street="S1", community="A社区", meeting_id="m2",
             resolved_on="2022-02-06", matter_class="大事"),
        case("c3", "2022-03-05", "in_progress", street="S1", community="A社区", meeting_id="m2",
             matter_class="小事"),
        case("c4", "2022-03-06", "resolved", street="S1", community="A社区",
             resolved_on="2022-03-08", closed_on="2022-03-09", matter_class="私事"),
        # S2/C: one meeting case, resolved, signed off after as_of (not yet signed off then)
        case("c5", "2022-04-01", "resolved", street="S2", community="C村", meeting_id="m4",
             resolved_on="2022-04-02", closed_on="2022-08-01"),
    ]
    meetings = [
        meeting("m1", "2022-01-04", "S1", "A社区", "已答复"),
        meeting("m2", "2022-02-04", "S1", "A社区", "  "),       # blank: no feedback
        meeting("m3", "2022-03-01", "S1", None, "已反馈"),      # street level
        meeting("m4", "2022-03-31", "S2", "C村", None),
    ]
    officials = [{"official_id": "o1", "name": "代表甲", "title": "区人大代表", "unit": None},
                 {"official_id": "o2", "name": "代表乙", "title": "市人大代表", "unit": None}]
    links = [{"case_id": c, "official_id": o, "role": r} for c, o, r in (
        ("c1", "o1", "deputy"), ("c2", "o1", "deputy"), ("c3", "o1", "deputy"),
        ("c1", "o1", "lead"), ("c4", "o2", "deputy"), ("c5", "o2", "lead"))]
    connection = make_db(tmp_path / "seeds.duckdb", areas=AREAS, cases=cases, meetings=meetings,
                         officials=officials, case_officials=links)
    connection.execute("INSERT INTO service_groups VALUES ('西湖区', 'S1', 'A社区', 'A服务团'), "
                       "('西湖区', 'S2', 'C村', 'C服务团')")
    yield connection
    connection.close()


SLICE = Filters.make("2022-01-01", "2022-06-30", "2022-06-30")


def test_meetings_compliance_counts_proposals_and_feedback(con):
    frame = seeds.meetings_compliance(con, SLICE)
    rows = {(r.level, r.street, r.community if r.level == "community" else None): r
            for r in frame.itertuples()}
    a = rows["community", "S1", "A社区"]
    assert (a.meetings_held, a.proposals, a.answered) == (2, 2, 1)  # m2's blank feedback is none
    assert a.feedback_rate == pytest.approx(0.5)
    street = rows["street", "S1", None]
    assert (street.proposals, street.answered, street.feedback_rate) == (1, 1, 1.0)
    b = rows["community", "S1", "B社区"]
    assert (b.proposals, b.answered) == (0, 0) and b.feedback_rate is pd_na()
    # 6 months: a community needs ceil(4 * 6 / 12) = 2 meetings, a street 1
    assert bool(a.compliant) and bool(street.compliant) and not bool(rows["community", "S2", "C村"].compliant)
    totals = seeds.meetings_overview(frame)
    assert totals["proposals"] == 4 and totals["answered"] == 2 and totals["feedback_rate"] == 0.5
    assert (totals["community_compliant"], totals["community_areas"]) == (1, 3)
    assert (totals["street_compliant"], totals["street_areas"]) == (1, 2)


def pd_na():
    import pandas as pd

    return pd.NA


def test_funnel_per_street_and_community(con):
    street = seeds.funnel(con, SLICE).set_index("street")
    # S1: meetings m1, m2, m3 (street level counts for its street); cases c1-c3 linked, c1, c2 solved
    assert street.loc["S1", ["consultations", "suggestions", "solved"]].tolist() == [3, 3, 2]
    assert street.loc["S1", "solved_rate"] == pytest.approx(2 / 3)
    assert street.loc["S2", ["consultations", "suggestions", "solved"]].tolist() == [1, 1, 1]
    only_s2 = seeds.funnel(con, SLICE.with_where(street="S2"))
    assert only_s2["street"].tolist() == ["S2"]  # the registry's other streets are not listed
    community = seeds.funnel(con, SLICE, level="community").set_index(["street", "community"])
    assert community.loc[("S1", "A社区"), ["consultations", "suggestions", "solved"]].tolist() == [2, 3, 2]
    assert community.loc[("S1", "B社区"), "suggestions"] == 0
    assert seeds.funnel_totals(seeds.funnel(con, SLICE)) == {
        "consultations": 4, "suggestions": 4, "solved": 3, "solved_rate": 0.75}


def test_service_groups_coverage(con):
    frame = seeds.service_groups(con, SLICE)
    assert frame.set_index("community")["received"].to_dict() == {"A社区": 4, "B社区": 0, "C村": 1}
    coverage = seeds.service_coverage(frame)
    assert (coverage["communities"], coverage["with_group"], coverage["without_group"]) == (3, 2, 1)
    assert coverage["communities_without_group"] == ["S1 B社区"]
    assert coverage["groups_without_cases"] == 0 and coverage["coverage"] == pytest.approx(2 / 3)
    later = seeds.service_coverage(seeds.service_groups(con, Filters.make("2022-04-01", "2022-06-30", "2022-06-30")))
    assert later["idle_groups"] == ["A服务团"]  # A received nothing from April on
    # The report's line reads the registry alone: the same coverage, no case counted.
    registry = seeds.service_registry(con, SLICE)
    assert list(registry.columns) == ["street", "community", "service_group"]
    assert seeds.registry_coverage(registry) == {k: coverage[k] for k in seeds.registry_coverage(registry)}
    assert seeds.registry_coverage(seeds.service_registry(con, Filters.make(where={"community": "B社区"}))) == {
        "communities": 1, "with_group": 0, "without_group": 1, "coverage": 0.0,
        "communities_without_group": ["S1 B社区"]}


def test_matter_shares(con):
    frame = seeds.matter_shares(con, SLICE).set_index("street")
    assert frame.loc["S1", ["count_大事", "count_小事", "count_私事", "unclassified"]].tolist() == [1, 2, 1, 0]
    assert frame.loc["S1", "share_小事"] == pytest.approx(0.5)
    assert frame.loc["S2", "unclassified"] == 1 and frame.loc["S2", "share_大事"] is pd_na()


def test_signoff(con):
    by_street = seeds.signoff(con, SLICE).set_index("street")
    # S1 resolved c1, c2, c4; signed off c1 (4 days) and c4 (1 day): median 2.5
    assert by_street.loc["S1", ["resolved", "signed_off", "awaiting_signoff"]].tolist() == [3, 2, 1]
    assert by_street.loc["S1", "median_signoff_days"] == pytest.approx(2.5)
    # S2's c5 is signed off on 2022-08-01, after as_of: awaiting at 2022-06-30
    assert by_street.loc["S2", ["signed_off", "awaiting_signoff"]].tolist() == [0, 1]
    whole = seeds.signoff(con, SLICE, by="").iloc[0]
    assert (whole["resolved"], whole["signed_off"], whole["signoff_rate"]) == (4, 2, 0.5)


def test_deputies(con):
    frame = seeds.deputies(con, SLICE).set_index("official_id")
    assert list(frame.index) == ["o1", "o2"]  # o2 leads c5, which is no deputy's claim
    assert frame.loc["o1", ["claimed", "resolved", "dissatisfied", "reopened"]].tolist() == [3, 2, 1, 1]
    assert frame.loc["o2", ["claimed", "resolved", "reopened"]].tolist() == [1, 1, 0]


def test_kpi_view_json_keys(con):
    import json

    records = json.loads(render_view(view_frame(con, "funnel", SLICE, None), "json"))
    assert records[0] == {"street": "S1", "consultations": 3, "suggestions": 3, "solved": 2,
                          "solved_rate": pytest.approx(2 / 3)}
    per_community = json.loads(render_view(view_frame(con, "funnel", SLICE, None, ("community",)), "json"))
    assert [(r["community"], r["suggestions"]) for r in per_community] == [("A社区", 3), ("B社区", 0), ("C村", 1)]
    table = render_view(view_frame(con, "meetings", SLICE, None), "table")
    assert "提议反馈率" in table and "50.0%" in table


def test_registry_service_groups_and_feedback_migration(tmp_path):
    registry = tmp_path / "areas.csv"
    registry.write_text("区,街道,社区,类型,服务团\n西湖区,S1,A社区,社区,A服务团\n西湖区,S1,B社区,社区,\n",
                        encoding="utf-8")
    db = tmp_path / "t.duckdb"
    load_areas(db, registry)
    with duckdb.connect(str(db)) as c:
        assert c.execute("SELECT community, service_group FROM service_groups").fetchall() == [("A社区", "A服务团")]
    # A later registry without the column changes no group.
    registry.write_text("区,街道,社区,类型\n西湖区,S1,A社区,社区\n", encoding="utf-8")
    load_areas(db, registry)
    with duckdb.connect(str(db)) as c:
        assert c.execute("SELECT count(*) FROM service_groups").fetchall() == [(1,)]
    # One naming groups but leaving A's cell empty takes A's group away.
    registry.write_text("区,街道,社区,类型,服务团\n西湖区,S1,A社区,社区,\n西湖区,S1,B社区,社区,B服务团\n",
                        encoding="utf-8")
    load_areas(db, registry)
    with duckdb.connect(str(db)) as c:
        assert c.execute("SELECT community, service_group FROM service_groups").fetchall() == [("B社区", "B服务团")]
        # An older database (schema 5, meetings without feedback) gains the column.
        c.execute("ALTER TABLE meetings DROP COLUMN feedback")
        c.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        ensure_schema(c)
        assert "feedback" in [r[0] for r in c.execute("DESCRIBE meetings").fetchall()]
        assert c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]


def test_ledgers_carry_feedback_and_deputies_through_the_etl(tmp_path):
    """A meetings ledger with 反馈情况 and a case ledger with a 代表 column, written by openpyxl
    and loaded by the ordinary import: the rate and the deputies' table count them."""
    import openpyxl

    from taizhang.etl.load import load_paths

    meetings = openpyxl.Workbook()
    sheet = meetings.active
    sheet.append(["会议时间", "街道", "社区", "议事形式", "主题", "答复"])
    sheet.append(["2022-03-01", "S1", "A社区", "小队会", "路灯不亮", "已书面答复"])
    sheet.append(["2022-03-15", "S1", "A社区", "小队会", "停车难", None])
    sheet.append(["2022-04-02", "S1", "A社区", "民生议事堂", "垃圾清运", "已反馈"])
    meetings.save(tmp_path / "会议台账.xlsx")
    cases = openpyxl.Workbook()
    sheet = cases.active
    sheet.append(["编号", "街道", "社区", "问题", "反映时间", "办理状态", "办结时间", "代表", "会议时间"])
    sheet.append(["A1", "S1", "A社区", "路灯不亮", "2022-03-01", "已解决", "2022-03-05", "代表甲", "2022-03-01"])
    sheet.append(["A2", "S1", "A社区", "停车难", "2022-03-15", "办理中", None, "代表甲", "2022-03-15"])
    cases.save(tmp_path / "问题台账.xlsx")
    db = tmp_path / "etl.duckdb"
    load_paths(db, [tmp_path / "会议台账.xlsx", tmp_path / "问题台账.xlsx"])
    registry = tmp_path / "areas.csv"  # after the ledgers: the areas are resolved again
    registry.write_text("区,街道,社区,类型\n西湖区,S1,A社区,社区\n", encoding="utf-8")
    load_areas(db, registry)
    with duckdb.connect(str(db)) as c:
        slice_ = Filters.make("2022-01-01", "2022-06-30", "2022-06-30")
        frame = seeds.meetings_compliance(c, slice_)
        assert frame["proposals"].sum() == 3 and frame["answered"].sum() == 2
        funnel = seeds.funnel_totals(seeds.funnel(c, slice_))
        assert funnel == {"consultations": 3, "suggestions": 2, "solved": 1, "solved_rate": 0.5}
        deputies = seeds.deputies(c, slice_)
        assert deputies[["official", "claimed", "resolved"]].values.tolist() == [["代表甲", 2, 1]]
    # The office answers the second proposal and sends the ledger again: the meeting is
    # updated, not added.
    meetings["Sheet"]["F3"] = "已电话答复"
    meetings.save(tmp_path / "会议台账.xlsx")
    load_paths(db, [tmp_path / "会议台账.xlsx"], as_of="2022-06-30")
    with duckdb.connect(str(db)) as c:
        frame = seeds.meetings_compliance(c, slice_)
        assert frame["proposals"].sum() == 3 and frame["answered"].sum() == 3


def test_kpi_view_on_the_command_line(con, tmp_path, capsys):
    import json

    from taizhang.cli import main

    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    con.close()
    assert main(["--db", path, "kpi", "--view", "deputies", "--from", "2022-01-01", "--to", "2022-06-30",
                 "--as-of", "2022-06-30", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["official"], r["claimed"], r["reopened"]) for r in rows] == [("代表甲", 3, 1), ("代表乙", 1, 0)]
    assert main(["--db", path, "--lang", "en", "kpi", "--view", "signoff", "--where", "street=S1",
                 "--period", "all"]) == 0
    out = capsys.readouterr().out
    assert "Signed off" in out and "66.7%" in out  # S1: 2 of 3 resolved signed off


def test_report_lines_equal_plain_sql_on_the_demo(demo_db):
    """The report's 议事与服务 lines on the demo's July 2022 (the year to date), against counts
    written in SQL here: meetings held Jan 1–Jul 31 in registry areas, those answered."""
    from taizhang.report.build import report_view

    with duckdb.connect(str(demo_db), read_only=True) as c:
        proposals, answered = c.execute("""
            SELECT count(*), count(*) FILTER (WHERE trim(feedback) <> '')
            FROM meetings m WHERE held_on BETWEEN DATE '2022-01-01' AND DATE '2022-07-31'
              AND EXISTS (SELECT 1 FROM areas a WHERE a.street = m.street
                          AND (m.community IS NULL OR a.community = m.community))
        """).fetchall()[0]
        awaiting = c.execute("""
            SELECT count(*) FROM cases WHERE status = 'resolved' AND resolved_on <= DATE '2022-07-31'
              AND received_on BETWEEN DATE '2022-01-01' AND DATE '2022-07-31'
              AND (closed_on IS NULL OR closed_on > DATE '2022-07-31')
        """).fetchall()[0][0]
        view = report_view(c, "2022-07")
    assert view.seeds.title == "议事与服务"
    assert f"({answered}/{proposals})" in view.seeds_lines[0]
    assert f"{answered / proposals:.1%}" in view.seeds_lines[0]
    assert f"已解决未销号 {awaiting} 件" in view.seeds_lines[1]
    assert view.seeds_lines[2].startswith("多处反映:") and view.seeds_lines[2].count("个社区") == 3


@pytest.mark.parametrize("seed", [4, 5])
def test_signoff_median_equals_pandas_on_random_cases(tmp_path, seed):
    """The median days to 销号, taken from a histogram as every quantile is (store.rules),
    equals pandas' median per street and for the slice, on random cases."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = []
    for i in range(200):
        received = pd.Timestamp("2022-01-01") + pd.Timedelta(days=int(rng.integers(0, 150)))
        resolved = received + pd.Timedelta(days=int(rng.integers(0, 30)))
        closed = resolved + pd.Timedelta(days=int(rng.integers(0, 40))) if rng.random() < 0.7 else None
        rows.append(case(f"r{i}", received.date().isoformat(), str(rng.choice(["resolved", "in_progress"])),
                         street=str(rng.choice(["S1", "S2", "S3"])), community="A社区",
                         resolved_on=resolved.date(), closed_on=closed and closed.date()))
    con = make_db(tmp_path / "t.duckdb", cases=rows)
    as_of = pd.Timestamp("2022-06-30")
    frame = pd.DataFrame(rows)
    frame = frame[frame.status == "resolved"].astype({"resolved_on": "datetime64[ns]", "closed_on": "datetime64[ns]"})
    signed = frame[frame.closed_on.notna() & (frame.closed_on <= as_of) & (frame.resolved_on <= as_of)]
    days = (signed.closed_on - signed.resolved_on).dt.days
    got = seeds.signoff(con, Filters.make(as_of="2022-06-30")).set_index("street")
    assert got["median_signoff_days"].to_dict() == pytest.approx(days.groupby(signed.street).median().to_dict())
    whole = seeds.signoff(con, Filters.make(as_of="2022-06-30"), by="").iloc[0]
    assert whole["median_signoff_days"] == pytest.approx(days.median())
    assert whole["signed_off"] == len(signed) > 0
    con.close()
