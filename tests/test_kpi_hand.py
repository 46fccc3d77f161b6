"""KPI numbers on a small hand-made ledger, every expected value worked out by hand below.

The ledger (as_of 2023-03-31 unless a test says otherwise; SLA 30 calendar days; stall
cutoff 2023-03-17):

    case street/community   received  stored status  resolved   due        notes
    a1   南站/A社区          01-02     resolved       01-12 10d  02-01 ✓    satisfied, reporter 陶建国
    a2   南站/A社区          01-05     resolved       02-20 46d  02-04 ✗    basically satisfied
    a3   南站/A社区          01-10     resolved       04-15      02-09      → in progress on 03-31 (overdue 50 d),
                                                                            its 'dissatisfied' not known yet
    a4   南站/A社区          02-01     in_progress               04-30 (ledger)  progress 03-01 → stalled 30 d
    a5   南站/A社区          02-15     pending                   03-17      overdue 14 d, stalled 44 d
    a6   南站/A社区          03-01     deferred                  03-31      neither overdue nor stalled
    a7   南站/A社区          03-20     resolved       03-22 2d   03-21 ✗ (ledger) dissatisfied, reopened once
    a8   南站/A社区          04-02     pending                              after as_of: outside
    b1   南站/B社区          03-05     resolved       03-06 1d   04-04 ✓    not rated
    x1   南站/Z社区 (unknown) 03-10     in_progress               04-09      progress 03-28
    d1   桃花镇/D社区         01-15     resolved       01-25 10d  02-14 ✓    satisfied
    d2   桃花镇/D社区         02-10     pending                   03-12      overdue 19 d, progress 03-30
    C村 (南站街道) has no case.  Officials: 王一 lead of a1 a2 a3; 李二 lead+handler of a3, deputy of a7.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from kpi_fixtures import case, d, make_db

from taizhang.kpi import api as kpi
from taizhang.store.sla import workday_due_dates
from taizhang.settings import Settings

AS_OF = "2023-03-31"
NAN = "南站街道"
TAO = "桃花镇"


@pytest.fixture(autouse=True)
def spec_score(monkeypatch, tmp_path):
    """These ledgers check the score as received-based rates define it (ranking_basis =
    'received', no minimum samples); the due-based ranking has its own tests
    (tests/test_kpi_ranking_due.py)."""
    config = tmp_path / "taizhang.toml"
    config.write_text('[ranking]\nranking_basis = "received"\nmin_due_cases = 0\nmin_rated = 0\n',
                      encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_CONFIG", str(config))


def area(street, community, kind="社区"):
    return {"district": "西湖区", "street": street, "community": community, "kind": kind}


def meeting(meeting_id, held_on, street, community):
    return {"meeting_id": meeting_id, "held_on": d(held_on), "district": "西湖区", "street": street,
            "community": community, "channel": "幸福圆桌会", "topic": "议事", "participants": 20,
            "import_id": None, "source_file": None, "source_sheet": None, "source_row": None}


def imported(import_id, file):
    return {"import_id": import_id, "file": file, "sha256": "x", "profile": "builtin",
            "as_of": None, "started_at": pd.Timestamp("2023-04-01 10:00"), "status": "ok"}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    A = dict(street=NAN, community="A社区")
    path = tmp_path_factory.mktemp("hand") / "hand.duckdb"
    connection = make_db(
        path,
        areas=[area(NAN, "A社区"), area(NAN, "B社区"), area(NAN, "C村", "村"), area(TAO, "D社区")],
        cases=[
            case("a1", "2023-01-02", "resolved", **A, resolved_on="2023-01-12",
                 satisfaction="satisfied", reporter="陶建国"),
            case("a2", "2023-01-05", "resolved", **A, resolved_on="2023-02-20",
                 satisfaction="basically_satisfied"),
            case("a3", "2023-01-10", "resolved", **A, resolved_on="2023-04-15",
                 satisfaction="dissatisfied", last_progress_on="2023-03-25",
                 responsible_unit="区城管局", title="楼道灯不亮"),
            case("a4", "2023-02-01", "in_progress", **A, due_on="2023-04-30",
                 last_progress_on="2023-03-01"),
            case("a5", "2023-02-15", "pending", **A),
            case("a6", "2023-03-01", "deferred", **A),
            case("a7", "2023-03-20", "resolved", **A, resolved_on="2023-03-22",
                 due_on="2023-03-21", satisfaction="dissatisfied", reopened_count=1),
            case("a8", "2023-04-02", "pending", **A),
            case("b1", "2023-03-05", "resolved", street=NAN, community="B社区",
                 resolved_on="2023-03-06"),
            case("x1", "2023-03-10", "in_progress", street=NAN, community="Z社区",
                 last_progress_on="2023-03-28"),
            case("d1", "2023-01-15", "resolved", street=TAO, community="D社区",
                 resolved_on="2023-01-25", satisfaction="satisfied"),
            case("d2", "2023-02-10", "pending", street=TAO, community="D社区",
                 last_progress_on="2023-03-30"),
        ],
        officials=[
            {"official_id": "o1", "name": "王一", "title": "副区长", "unit": "区政府"},
            {"official_id": "o2", "name": "李二", "title": "主任", "unit": "区城管局"},
            {"official_id": "o3", "name": "赵三", "title": "书记", "unit": "南站街道"},
        ],
        case_officials=[
            {"case_id": c, "official_id": "o1", "role": "lead"} for c in ("a1", "a2", "a3")
        ] + [
            {"case_id": "a3", "official_id": "o2", "role": "lead"},
            {"case_id": "a3", "official_id": "o2", "role": "handler"},
            {"case_id": "a7", "official_id": "o2", "role": "deputy"},
        ],
        meetings=[meeting("m1", "2023-01-10", NAN, None), meeting("m2", "2023-02-10", NAN, "A社区"),
                  meeting("m3", "2023-02-20", NAN, "A社区")],
        meeting_attendance=[{"meeting_id": m, "official_id": o}
                            for m, o in (("m1", "o1"), ("m1", "o3"), ("m2", "o1"), ("m3", "o3"))],
        imports=[imported(1, "南站街道台账2023年1月.xlsx"), imported(2, "南站街道台账2023年4月.xlsx")],
        case_events=[
            {"case_id": "a3", "event_on": d("2023-04-15"), "status": "resolved", "note": "已修复",
             "import_id": 2},
            {"case_id": "a3", "event_on": d("2023-01-31"), "status": "in_progress", "note": None,
             "import_id": 1},
        ],
        rejects=[{"import_id": 1, "sheet": "A社区", "row": 9, "column": "办结时间", "value": "2022-12-01",
                  # As etl.rejects.reason_text writes it.
                  "reason": "a.xlsx 工作表「A社区」第9行「办结时间」的值「2022-12-01」早于受理日期 "
                            "2023-01-02,请核对这两个日期 / a.xlsx, sheet A社区, row 9, column 办结时间: "
                            "2022-12-01 is before the received date 2023-01-02; check both dates",
                  "raw": "{}"}],
    )
    yield connection
    connection.close()


def one(frame: pd.DataFrame, **keys) -> dict:
    """The single row of frame matching keys, as a dict of plain values."""
    mask = pd.Series(True, index=frame.index)
    for column, value in keys.items():
        mask &= frame[column].isna() if value is None else frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, (keys, rows)
    return {k: (None if not isinstance(v, str) and pd.isna(v) else v)
            for k, v in rows.iloc[0].to_dict().items()}


def check(row: dict, **expected) -> None:
    """Each expected metric equals the row's (floats to 1e-9; None means undefined)."""
    for name, value in expected.items():
        if value is None:
            assert row[name] is None, (name, row[name])
        else:
            assert row[name] == pytest.approx(value, abs=1e-9), (name, row[name], value)


FILTERS = kpi.Filters.make(as_of=AS_OF)


def test_district_totals(con):
    row = one(kpi.metrics(con, (), FILTERS))
    check(row, received=11, resolved=5, in_progress=3, pending=2, deferred=1,
          resolution_rate=5 / 11, median_days=10, p90_days=10 + 0.6 * 36, mean_days=69 / 5,
          on_time_rate=3 / 5, overdue_open=3, stalled=2, rated=4, rated_share=4 / 5,
          satisfaction_rate=3 / 4, dissatisfied=1,
          score=100 * (0.4 * 5 / 11 + 0.2 * 0.6 + 0.4 * 0.75), rank=1)
    assert list(kpi.metrics(con, (), FILTERS).columns) == list(kpi.METRICS)


def test_by_street_sums_and_small_slice_unranked(con):
    frame = kpi.metrics(con, ("street",), FILTERS)
    assert list(frame.columns) == ["street", *kpi.METRICS]
    check(one(frame, street=NAN), received=9, resolved=4, in_progress=3, pending=1, deferred=1,
          median_days=6, p90_days=10 + 0.7 * 36, mean_days=59 / 4, on_time_rate=0.5,
          overdue_open=2, stalled=2, rated=3, satisfaction_rate=2 / 3, rated_share=3 / 4,
          dissatisfied=1, score=100 * (0.4 * 4 / 9 + 0.2 * 0.5 + 0.4 * 2 / 3), rank=1)
    check(one(frame, street=TAO), received=2, resolved=1, pending=1, resolution_rate=0.5,
          median_days=10, p90_days=10, on_time_rate=1, overdue_open=1, stalled=0,
          satisfaction_rate=1, score=80, rank=None)
    assert frame["received"].sum() == 11


def test_by_community_zero_rows_weights_redistributed(con):
    frame = kpi.metrics(con, ("street", "community"), FILTERS)
    assert len(frame) == 5  # four registry areas + the unknown Z社区
    check(one(frame, community="A社区"), received=7, resolved=3, in_progress=2, pending=1,
          deferred=1, median_days=10, p90_days=10 + 0.8 * 36, mean_days=58 / 3,
          on_time_rate=1 / 3, overdue_open=2, stalled=2, rated=3, rated_share=1,
          score=100 * (0.4 * 3 / 7 + 0.2 / 3 + 0.4 * 2 / 3), rank=1)
    # B: nobody rated → satisfaction undefined, its weight goes to the other two.
    check(one(frame, community="B社区"), received=1, resolved=1, rated=0, rated_share=0,
          satisfaction_rate=None, on_time_rate=1, score=100, rank=None)
    check(one(frame, community="C村"), received=0, resolved=0, resolution_rate=None,
          median_days=None, p90_days=None, mean_days=None, on_time_rate=None,
          rated_share=None, satisfaction_rate=None, score=None, rank=None)
    check(one(frame, community="Z社区"), received=1, in_progress=1, resolution_rate=0,
          on_time_rate=None, rated_share=None, satisfaction_rate=None, score=0)


def test_per_official_double_counting(con):
    frame = kpi.metrics(con, ("official",), FILTERS)
    assert list(frame.columns[:2]) == ["official_id", "official"]
    check(one(frame, official="王一"), received=3, resolved=2, in_progress=1, median_days=28,
          p90_days=10 + 0.9 * 36, on_time_rate=0.5, overdue_open=1, rated=2,
          satisfaction_rate=1, score=100 * (0.4 * 2 / 3 + 0.2 * 0.5 + 0.4), rank=None)
    # a3 links 李二 twice (lead and handler): it counts once for him.
    check(one(frame, official="李二"), received=2, resolved=1, in_progress=1, on_time_rate=0,
          satisfaction_rate=0, dissatisfied=1, score=20)
    assert frame["received"].sum() == 5  # > 4 distinct cases with an official
    by_name = one(kpi.metrics(con, (), kpi.Filters.make(as_of=AS_OF, where={"official": "李二"})))
    by_id = one(kpi.metrics(con, (), kpi.Filters.make(as_of=AS_OF, where={"official": "o2"})))
    assert by_name["received"] == by_id["received"] == 2


def test_case_resolved_after_as_of_and_later_as_of(con):
    listed = kpi.case_list(con, FILTERS)
    assert one(listed, case_id="a3")["status"] == "in_progress"
    assert "a8" not in set(listed["case_id"])
    later = one(kpi.metrics(con, (), kpi.Filters.make(as_of="2023-04-20", where={"community": "A社区"})))
    check(later, received=8, resolved=4, in_progress=1, pending=2, deferred=1, dissatisfied=2)


def test_period_without_resolutions_and_empty_slice(con):
    feb = one(kpi.metrics(con, (), kpi.Filters.make("2023-02-01", "2023-02-28", AS_OF)))
    check(feb, received=3, resolved=0, in_progress=1, pending=2, resolution_rate=0,
          on_time_rate=None, median_days=None, satisfaction_rate=None, rated_share=None, score=0)
    empty = one(kpi.metrics(con, (), kpi.Filters.make("2022-01-01", "2022-01-31", AS_OF)))
    check(empty, received=0, resolved=0, resolution_rate=None, score=None, rank=None)


def test_settings_change_weights_and_satisfaction_weight(con):
    settings = Settings(weight_resolution=0.5, weight_on_time=0.1, weight_satisfaction=0.4,
                        basically_satisfied_weight=0.8,
                        ranking_basis="received", min_due_cases=0, min_rated=0)
    row = one(kpi.metrics(con, (), FILTERS, settings))
    check(row, satisfaction_rate=2.8 / 4,
          score=100 * (0.5 * 5 / 11 + 0.1 * 0.6 + 0.4 * 0.7) / (0.5 + 0.1 + 0.4))
    stall = one(kpi.metrics(con, (), FILTERS, Settings(stall_days=3, sla_days=60)))
    # cutoff 03-28: a3 (03-25), a4, a5 stall, x1 (03-28) and d2 (03-30) do not.
    # due +60 d: a3 03-11 and a5 04-16, d2 04-11 → only a3 is overdue.
    check(stall, stalled=3, overdue_open=1)


def test_workday_sla_uses_the_chinese_calendar():
    # 2023 Spring Festival: 01-21…01-27 off, Saturday 01-28 and Sunday 01-29 are make-up workdays.
    due = dict(workday_due_dates(date(2023, 1, 20), date(2023, 1, 20), 5))
    assert due[date(2023, 1, 20)] == date(2023, 2, 1)


def test_workday_sla_in_on_time_rate(tmp_path):
    connection = make_db(tmp_path / "sla.duckdb", cases=[
        case("s1", "2023-01-20", "resolved", resolved_on="2023-02-01"),
        case("s2", "2023-01-20", "resolved", resolved_on="2023-02-02"),
    ])
    calendar_days = Settings(sla_days=5)
    workdays = Settings(sla_days=5, sla_calendar="workdays")
    f = kpi.Filters.make(as_of="2023-02-10")
    assert one(kpi.metrics(connection, (), f, calendar_days))["on_time_rate"] == 0
    assert one(kpi.metrics(connection, (), f, workdays))["on_time_rate"] == 0.5
    assert kpi.case_list(connection, f, settings=workdays)["due_on"].dt.date.tolist() == [
        date(2023, 2, 1), date(2023, 2, 1)]


def test_supervision_list(con):
    frame = kpi.supervision_list(con, FILTERS)
    got = list(zip(frame["kind"], frame["case_id"], frame["days_overdue"], frame["days_stalled"]))
    na = pd.NA
    expected = [("overdue", "a3", 50, na), ("overdue", "d2", 19, na), ("overdue", "a5", 14, 44),
                ("stalled", "a5", 14, 44), ("stalled", "a4", na, 30),
                ("dissatisfied", "a7", na, na), ("reopened", "a7", na, na)]
    assert [(k, c) for k, c, *_ in got] == [(k, c) for k, c, *_ in expected]
    for (_, _, overdue, stalled), (_, _, want_overdue, want_stalled) in zip(got, expected):
        assert (pd.isna(overdue) and pd.isna(want_overdue)) or overdue == want_overdue
        assert (pd.isna(stalled) and pd.isna(want_stalled)) or stalled == want_stalled
    a3 = one(frame, case_id="a3")
    assert a3["officials"] == "李二、王一" and a3["responsible_unit"] == "区城管局"


def test_case_list_masks_names_and_searches(con):
    assert one(kpi.case_list(con, FILTERS), case_id="a1")["reporter"] == "陶*国"
    assert one(kpi.case_list(con, FILTERS, pii=True), case_id="a1")["reporter"] == "陶建国"
    found = kpi.case_list(con, FILTERS, search="楼道灯")
    assert found["case_id"].tolist() == ["a3"]
    page = kpi.case_list(con, FILTERS, limit=3, offset=3)
    assert page["case_id"].tolist() == ["a6", "a5", "d2"]  # newest first: a7 x1 b1 | a6 a5 d2


def test_case_detail_and_timeline(con):
    detail = kpi.case_detail(con, "a1")
    assert detail["reporter"] == "陶*国" and detail["due"] == date(2023, 2, 1)
    assert [o["name"] for o in detail["officials"]] == ["王一"]
    assert kpi.case_detail(con, "nope") is None
    timeline = kpi.case_timeline(con, "a3")
    assert timeline["status"].tolist() == ["in_progress", "resolved"]
    assert timeline["file"].tolist()[1] == "南站街道台账2023年4月.xlsx"


def test_headline_month_and_year_deltas(con):
    head = kpi.headline(con, kpi.Filters.make("2023-03-01", "2023-03-31", AS_OF))
    assert head["metrics"]["received"] == 4 and head["previous_month"]["received"] == 3
    assert head["previous_month_filters"].as_of == date(2023, 2, 28)
    assert head["delta_month"]["received"] == 1
    assert head["delta_month"]["resolution_rate"] == pytest.approx(0.5)
    assert head["previous_year"]["received"] == 0
    assert head["delta_year"]["resolution_rate"] is None
    assert head["delta_year"]["received"] == 4


def test_trend_has_every_month(con):
    frame = kpi.trend(con, FILTERS, months=4)
    assert frame["month"].tolist() == ["2022-12", "2023-01", "2023-02", "2023-03"]
    assert frame["received"].tolist() == [0, 4, 3, 4]
    assert pd.isna(frame["resolution_rate"].iloc[0])


def test_official_attendance_and_meetings_rule(con):
    q1 = kpi.Filters.make("2023-01-01", "2023-03-31", AS_OF)
    table = kpi.official_table(con, q1)
    check(one(table, official="王一"), meetings_attended=2, months_attended=2, attendance=2 / 3,
          received=3)
    check(one(table, official="赵三"), meetings_attended=2, attendance=2 / 3, received=0)
    check(one(table, official="李二"), meetings_attended=0, attendance=0, received=2)
    summary = kpi.meetings_summary(con, q1)
    flags = {(r.level, r.community if isinstance(r.community, str) else r.street):
             (r.meetings_held, r.required, bool(r.compliant)) for r in summary.itertuples()}
    assert flags == {("street", NAN): (1, 1, True), ("community", "A社区"): (2, 1, True),
                     ("community", "B社区"): (0, 1, False), ("community", "C村"): (0, 1, False),
                     ("street", TAO): (0, 1, False), ("community", "D社区"): (0, 1, False)}


def test_data_quality_and_dataset_info(con):
    counts = dict(zip(*kpi.data_quality(con, FILTERS)[["flag", "count"]].T.values))
    assert counts == {"resolved_before_received": 1, "bulk_same_day": 0, "missing_community": 0,
                      "unknown_area": 1, "not_rated": 1}
    assert kpi.data_quality_cases(con, "unknown_area", FILTERS)["case_id"].tolist() == ["x1"]
    assert kpi.data_quality_cases(con, "resolved_before_received")["row"].tolist() == [9]
    info = kpi.dataset_info(con)
    assert (info["cases"], info["rejects"], info["unknown_areas"], info["is_demo"]) == (12, 1, 1, False)
    assert (info["first_received_on"], info["as_of"]) == (date(2023, 1, 2), date(2023, 4, 15))
    assert info["communities"] == 4 and info["streets"] == 2
    with pytest.raises(kpi.FilterError):
        kpi.data_quality_cases(con, "no_such_flag")


def test_ranking_ties_change_and_minimum(tmp_path):
    def batch(prefix, community, n, received, status, **values):
        return [case(f"{prefix}{i}", received, status, street=NAN, community=community, **values)
                for i in range(n)]

    perfect = dict(resolved_on="2023-01-06", satisfaction="satisfied")
    connection = make_db(
        tmp_path / "rank.duckdb",
        areas=[area(NAN, c) for c in ("P社区", "Q社区", "R社区", "S社区")],
        cases=batch("p", "P社区", 5, "2023-01-05", "resolved", **perfect)
        + batch("pf", "P社区", 6, "2023-02-20", "pending")
        + batch("q", "Q社区", 5, "2023-01-05", "resolved", resolved_on="2023-02-10",
                satisfaction="satisfied")
        + batch("r", "R社区", 6, "2023-01-05", "resolved", **perfect)
        + batch("s", "S社区", 4, "2023-01-05", "resolved", **perfect),
    )
    frame = kpi.ranking(connection, "community", kpi.Filters.make(as_of="2023-02-28"))
    got = {r.community: (r.rank, r.previous_rank, r.rank_change) for r in frame.itertuples()}
    # Feb 28: R 100 > Q 100×(0.4+0+0.4) = 80 (late) > P 100×(0.4×5/11+0.2+0.4) = 78.2.
    # Jan 28: R 100 (6 cases) > P 100 (5 cases) > Q 0 (resolved only on 02-10).
    # S: 4 cases, fewer than min_cases_ranked = 5.
    assert got["R社区"] == (1, 1, 0)
    assert got["Q社区"] == (2, 3, 1)
    assert got["P社区"] == (3, 2, -1)
    assert pd.isna(got["S社区"][0]) and pd.isna(got["S社区"][2])
    assert frame["community"].tolist() == ["R社区", "Q社区", "P社区", "S社区"]
    scores = frame.set_index("community")["score"]
    assert scores["P社区"] == pytest.approx(100 * (0.4 * 5 / 11 + 0.2 + 0.4))
    assert scores["Q社区"] == pytest.approx(80)
    assert scores["S社区"] == pytest.approx(100)  # shown, though unranked


def test_filters_validate():
    with pytest.raises(kpi.FilterError, match="unknown dimension"):
        kpi.Filters.make(where={"color": "red"})
    with pytest.raises(kpi.FilterError, match="2023-01-08"):
        kpi.Filters.make("2023/13/01")
    f = kpi.Filters.make("2023-01-01", where={"street": ["b", "a"]})
    assert f.where == (("street", "a"), ("street", "b")) and hash(f) == hash(kpi.Filters.make(
        "2023-01-01", where=[("street", "a"), ("street", "b")]))


def test_formatting():
    assert kpi.format_rate(1769 / 2090) == "84.6%"
    assert kpi.format_rate(None) == kpi.format_rate(pd.NA) == kpi.format_rate(float("nan")) == "—"
    assert kpi.format_ratio(1769, 2090) == "1769/2090 (84.6%)"
    assert kpi.format_ratio(0, 0) == "0/0 (—)"
    assert kpi.format_date(date(2023, 1, 8)) == kpi.format_date(pd.Timestamp("2023-01-08")) == "2023-01-08"


def test_empty_database_answers_every_function(tmp_path):
    connection = make_db(tmp_path / "empty.duckdb")
    f = kpi.Filters()
    total = one(kpi.metrics(connection, (), f))
    check(total, received=0, resolution_rate=None, score=None, rank=None)
    assert kpi.metrics(connection, ("street", "community"), f).empty
    assert len(kpi.trend(connection, f, months=3)) == 3
    assert kpi.headline(connection, f)["metrics"]["received"] == 0
    assert kpi.ranking(connection, "street", f).empty
    assert kpi.case_list(connection, f).empty and kpi.supervision_list(connection, f).empty
    assert kpi.official_table(connection, f).empty and kpi.meetings_summary(connection, f).empty
    assert kpi.data_quality(connection)["count"].sum() == 0
    info = kpi.dataset_info(connection)
    assert info["cases"] == 0 and info["first_received_on"] is None and info["as_of"] is None
    assert kpi.case_count(connection, f) == 0


def test_bulk_same_day_closures_are_flagged(tmp_path):
    def batch(community, n):
        return [case(f"{community}{i}", "2023-05-08", "resolved", street=NAN, community=community,
                     resolved_on="2023-05-08") for i in range(n)]

    connection = make_db(tmp_path / "bulk.duckdb", areas=[area(NAN, "A社区"), area(NAN, "B社区")],
                         cases=batch("A社区", 10) + batch("B社区", 9))
    counts = dict(zip(*kpi.data_quality(connection)[["flag", "count"]].T.values))
    assert counts["bulk_same_day"] == 10  # A's ten; B's nine stay under bulk_same_day_min
    listed = kpi.data_quality_cases(connection, "bulk_same_day")
    assert set(listed["community"]) == {"A社区"}
    lower = kpi.data_quality(connection, settings=Settings(bulk_same_day_min=9))
    assert lower.set_index("flag").loc["bulk_same_day", "count"] == 19


def test_cached_queries_see_new_data(tmp_path):
    """The SQL cache keeps compiled statements, never results: changed data shows at once."""
    connection = make_db(tmp_path / "cache.duckdb", areas=[area(NAN, "A社区")], cases=[
        case("n1", "2023-01-02", "pending", street=NAN, community="A社区"),
    ])
    f = kpi.Filters.make(as_of="2023-01-31")
    assert one(kpi.metrics(connection, ("community",), f))["resolved"] == 0
    connection.execute("UPDATE cases SET status = 'resolved', resolved_on = DATE '2023-01-05'")
    assert one(kpi.metrics(connection, ("community",), f))["resolved"] == 1
    connection.execute("INSERT INTO areas VALUES ('西湖区', ?, 'B社区', '社区')", [NAN])
    assert len(kpi.metrics(connection, ("community",), f)) == 2
    assert kpi.case_list(connection, f)["title"].tolist() == ["议题"]
    connection.execute("UPDATE cases SET title = '路灯'")
    assert kpi.case_list(connection, f)["title"].tolist() == ["路灯"]


def test_one_compile_per_shape_values_bound(con, tmp_path, monkeypatch):
    """Another street, as_of or stall setting reuses the compiled SQL; values are bound, never in it."""
    from taizhang.kpi import runner

    monkeypatch.setenv("TAIZHANG_SQL_CACHE", str(tmp_path / "sql"))
    runner.clear_cache()
    compiled = runner.compile_count

    def by_street(street):
        return kpi.metrics(con, ("community",), kpi.Filters.make(as_of=AS_OF, where={"street": street}))

    south, peach = by_street(NAN), by_street(TAO)
    assert runner.compile_count == compiled + 1
    assert sorted(south["community"]) == ["A社区", "B社区", "C村", "Z社区"]
    check(one(south, community="A社区"), received=7, resolved=3, in_progress=2, pending=1, deferred=1,
          overdue_open=2, stalled=2, median_days=10, on_time_rate=1 / 3)
    check(one(south, community="C村"), received=0, score=None)
    check(one(peach, community="D社区"), received=2, resolved=1, pending=1, overdue_open=1,
          median_days=10, satisfaction_rate=1, score=80)
    assert len(peach) == 1

    def community_a(as_of, settings=None):
        return one(kpi.metrics(con, (), kpi.Filters.make(as_of=as_of, where={"community": "A社区"}),
                               settings))

    compiled = runner.compile_count
    check(community_a(AS_OF), received=7, resolved=3, in_progress=2, dissatisfied=1)
    check(community_a("2023-04-20"), received=8, resolved=4, in_progress=1, pending=2, dissatisfied=2)
    # Stall cutoff 03-28 and due +60 d (test_settings_change…): a4, a5 stall; a3 is overdue.
    check(community_a(AS_OF, Settings(stall_days=3, sla_days=60)), stalled=3, overdue_open=1)
    assert runner.compile_count == compiled + 1

    compiled = runner.compile_count
    listed = {s: kpi.case_list(con, kpi.Filters.make(as_of=AS_OF, where={"street": s}), limit=4)
              for s in (NAN, TAO)}
    assert listed[NAN]["case_id"].tolist() == ["a7", "x1", "b1", "a6"]
    assert listed[TAO]["case_id"].tolist() == ["d2", "d1"]
    page = kpi.case_list(con, kpi.Filters.make(as_of=AS_OF, where={"street": NAN}), limit=3, offset=3)
    assert page["case_id"].tolist() == ["a6", "a5", "a4"]  # a7 x1 b1 | a6 a5 a4 | a3 a2 a1
    assert runner.compile_count == compiled + 2  # a page's keys, then its rows: two shapes
    assert not any(NAN in sql or TAO in sql or "2023-04-20" in sql for sql, *_ in runner._cache.values())

    # A new process (an empty memory cache) reads the statements kept on disk.
    runner.clear_cache()
    compiled = runner.compile_count
    check(one(by_street(TAO), community="D社区"), received=2, resolved=1, score=80)
    assert kpi.case_list(con, kpi.Filters.make(as_of=AS_OF, where={"street": TAO}), limit=3,
                         offset=1)["case_id"].tolist() == ["d1"]
    assert runner.compile_count == compiled
    stored = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "sql").rglob("*.json"))
    assert "$as_of" in stored and NAN not in stored and TAO not in stored


def test_resolved_before_received_is_the_reason_not_its_words(tmp_path):
    """The flag counts the rejects etl.rejects wrote for a date before the received date
    (with or without a sheet, any value), not another reason whose value quotes its words."""
    from taizhang.etl.rejects import reason_text
    from taizhang.store.rejects import REASONS

    rows = [reason_text("before_received", "台账.xlsx", "南站", 5, "办结时间", "2023-01-02", "2023-01-09"),
            reason_text("before_received", "hotline.csv", None, 7, "办结时间", "2023/1/2", "2023-01-09")]
    tricky = [reason_text(code, "台账.xlsx", "南站", 6, "备注", "早于受理日期 / is before the received date", "")
              for code in REASONS if code != "before_received"]
    con = make_db(tmp_path / "rejects.duckdb",
                  imports=[{"import_id": 1, "file": "台账.xlsx", "sha256": "0", "profile": "default",
                            "started_at": "2023-02-01 09:00:00", "status": "ok"}],
                  rejects=[{"import_id": 1, "sheet": "南站", "row": i, "column": "办结时间",
                            "value": "x", "reason": reason} for i, reason in enumerate(rows + tricky)])
    counts = dict(zip(*kpi.data_quality(con)[["flag", "count"]].T.values))
    assert counts["resolved_before_received"] == 2
    listed = kpi.data_quality_cases(con, "resolved_before_received")
    assert sorted(listed["reason"]) == sorted(rows)
    con.close()


def test_resolved_before_received_is_the_reject_code_when_there_is_one(tmp_path):
    """Rejects of schema 4 carry their rule as a code: the flag counts by it, whatever the
    reason's words (a reworded template still counts, another rule's code never does)."""
    from taizhang.etl.rejects import reason_text

    template_text = reason_text("before_received", "台账.xlsx", "南站", 5, "办结时间", "2023-01-02",
                                "2023-01-09")
    rejects = [("before_received:resolved_on", "办结时间早于受理时间 / resolved before received"),
               ("before_received:closed_on", template_text),
               ("bad_date:resolved_on", template_text),          # another rule: never counted
               (None, template_text)]                            # before schema 4: its text
    con = make_db(tmp_path / "coded.duckdb",
                  imports=[{"import_id": 1, "file": "台账.xlsx", "sha256": "0", "profile": "default",
                            "started_at": "2023-02-01 09:00:00", "status": "ok"}],
                  rejects=[{"import_id": 1, "sheet": "南站", "row": i, "column": "办结时间", "value": "x",
                            "reason": reason, "code": code} for i, (code, reason) in enumerate(rejects)])
    counts = dict(zip(*kpi.data_quality(con)[["flag", "count"]].T.values))
    assert counts["resolved_before_received"] == 3
    assert sorted(kpi.data_quality_cases(con, "resolved_before_received")["row"]) == [0, 1, 3]
    con.close()
