"""The ranking cohort: a period's ranking judges the cases due or closed in it, not those
received in it. A hand-built ledger (SLA 30 days), every number counted by hand in the
comments, asserted on both paths (raw cases and aggregate tables), and the July
cohort counted a second time in plain pandas from the cases.

    桃园街道 (T): 2 received 07-01, resolved 07-10 (due 07-31: on time); 7 received
            07-11…07-17, in progress, due 08-10…08-16: none due in July.
    空港街道 (Z): 5 received 07-27…07-31, in progress, due 08-26…08-30: nothing due by 08-15.
    北站街道 (N), deadlines from the ledger:
        N1 received 05-20, due 07-10, resolved 07-05        closed in July, on time
        N2 received 05-25, due 07-20, in progress          due in July, open: late
        N3 received 06-01, due 06-20, resolved 07-03       closed in July, late (and June: open)
        N4 received 07-01, due 07-15, resolved 08-05       due in July, open at 07-31: late
        N5 received 06-01, due 07-25, resolved 06-20       closed in June: not July's
        N6 received 05-01, due 06-15, in progress          due in June: not July's
        N7 received 07-01, due 07-10, cancelled            never judged
        N8 received 07-01, due 07-10, deferred             never judged
        N9 received 07-02, due 07-12, resolved, no day     due in July: resolved, on time unknown
        N10, N11 received 07-20, due 08-19, in progress    not yet due

Latest date in the data: 08-05 (N4's resolution). July: N judged 5 (N1 N2 N3 N4 N9),
resolved 3 (N1 N3 N9), closed by the deadline 1 (N1) of 4 with a known day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from kpi_fixtures import by_street, case, make_db, ranked_db

from benchmarks.pandas_reference import judged
from taizhang.kpi import api as kpi
from taizhang.settings import Settings
from taizhang.store import aggregates

T, Z, N = "桃园街道", "空港街道", "北站街道"
AS_OF = "2023-08-31"
JULY = kpi.Filters.make("2023-07-01", "2023-07-31", AS_OF)
SOURCES = ["raw", "aggregated"]


def areas():
    return [{"district": "西湖区", "street": s, "community": f"{s[:2]}社区", "kind": "社区"} for s in (T, Z, N)]


def ledger():
    rows = [case(f"T{i}", "2023-07-01", "resolved", street=T, resolved_on="2023-07-10") for i in range(2)]
    rows += [case(f"T-late{i}", f"2023-07-{11 + i:02d}", "in_progress", street=T) for i in range(7)]
    rows += [case(f"Z{i}", f"2023-07-{27 + i:02d}", "in_progress", street=Z) for i in range(5)]
    north = [
        ("N1", "2023-05-20", "resolved", "2023-07-10", "2023-07-05"),
        ("N2", "2023-05-25", "in_progress", "2023-07-20", None),
        ("N3", "2023-06-01", "resolved", "2023-06-20", "2023-07-03"),
        ("N4", "2023-07-01", "resolved", "2023-07-15", "2023-08-05"),
        ("N5", "2023-06-01", "resolved", "2023-07-25", "2023-06-20"),
        ("N6", "2023-05-01", "in_progress", "2023-06-15", None),
        ("N7", "2023-07-01", "cancelled", "2023-07-10", None),
        ("N8", "2023-07-01", "deferred", "2023-07-10", None),
        ("N9", "2023-07-02", "resolved", "2023-07-12", None),
        ("N10", "2023-07-20", "in_progress", "2023-08-19", None),
        ("N11", "2023-07-20", "in_progress", "2023-08-19", None),
    ]
    rows += [case(i, received, status, street=N, due_on=due, resolved_on=resolved)
             for i, received, status, due, resolved in north]
    for row in rows:
        row["community"] = f"{row['street'][:2]}社区"
    return rows


@pytest.fixture
def con(tmp_path, monkeypatch):
    db = ranked_db(tmp_path / "cohort.duckdb", areas(), ledger(), monkeypatch)
    yield db
    db.close()


@pytest.mark.parametrize("source", SOURCES)
def test_july_judges_what_fell_due_or_closed_in_july(con, source):
    ranked = by_street(kpi.ranking(con, "street", JULY, source=source))
    north = ranked[N]
    # Received in July: N4 N7 N8 N9 N10 N11 (the cards' figure stays the received one).
    assert north["received"] == 6
    assert north["due_cases"] == 5                                  # N1 N2 N3 N4 N9
    assert north["due_resolution_rate"] == pytest.approx(3 / 5)     # N1 N3 N9
    assert north["due_on_time_rate"] == pytest.approx(1 / 4)        # N1 of N1 N2 N3 N4
    # No ratings: satisfaction's weight (0.4) goes to the others (0.4 resolution, 0.2 on time).
    assert north["score"] == pytest.approx(100 * (0.4 * 3 / 5 + 0.2 * 1 / 4) / 0.6)
    assert north["rank"] == 1


@pytest.mark.parametrize("source", SOURCES)
def test_a_street_whose_cases_are_not_yet_due_shows_no_score_and_no_rank(con, source):
    ranked = by_street(kpi.ranking(con, "street", JULY, source=source))
    # 桃园: 9 received in July, 2 judged (the two resolved 07-10): below min_due_cases 3
    # and min_cases_ranked 5 — too few cases judged, however many were received.
    taoyuan = ranked[T]
    assert (taoyuan["received"], taoyuan["due_cases"]) == (9, 2)
    assert pd.isna(taoyuan["due_resolution_rate"]) and pd.isna(taoyuan["score"])
    assert pd.isna(taoyuan["rank"]) and taoyuan["unranked_reason"] == "few_cases"
    # 空港: 5 received, none due or closed: "—", never 0.0.
    empty = ranked[Z]
    assert (empty["received"], empty["due_cases"]) == (5, 0)
    assert pd.isna(empty["score"]) and pd.isna(empty["rank"])
    # With no floor, 桃园's two judged cases were both resolved on time: 100, not last.
    loose = by_street(kpi.ranking(con, "street", JULY, Settings(min_due_cases=0, min_cases_ranked=0),
                                  source=source))
    assert loose[T]["score"] == pytest.approx(100.0)
    assert loose[T]["rank"] == 1 and loose[N]["rank"] == 2
    assert pd.isna(loose[Z]["score"]) and loose[Z]["unranked_reason"] == "no_score"


def test_rank_eligibility_counts_the_cases_judged_not_those_received(con):
    """min_cases_ranked applies to the cases the score judges (考核件数), on both paths alike.

    July, min_cases_ranked 6: 北站 received 6 but has 5 judged — unranked; 桃园 received 9,
    judged 2 — unranked (never "ranked on its receipts"). June, min_cases_ranked 3: 北站
    received 2 (N3 N5) but has 3 judged (N3 N5 N6) — ranked. Received basis: the cases
    judged are those received, so 北站's 6 in July are enough again."""
    june = kpi.Filters.make("2023-06-01", "2023-06-30", AS_OF)
    answers = {}
    for source in SOURCES:
        july = by_street(kpi.ranking(con, "street", JULY, Settings(min_cases_ranked=6), source=source))
        assert (july[N]["received"], july[N]["due_cases"]) == (6, 5)
        assert pd.notna(july[N]["score"]) and pd.isna(july[N]["rank"])
        assert july[N]["unranked_reason"] == "few_cases"
        assert pd.isna(july[T]["rank"]) and july[T]["unranked_reason"] == "few_cases"
        assert all(pd.isna(row["rank"]) for row in july.values())

        few_received = by_street(kpi.ranking(con, "street", june, Settings(min_cases_ranked=3),
                                             source=source))
        north = few_received[N]
        assert (north["received"], north["due_cases"]) == (2, 3)
        assert north["rank"] == 1 and pd.isna(north["unranked_reason"])
        # T and Z: nothing judged in June.
        assert [few_received[s]["unranked_reason"] for s in (T, Z)] == ["few_cases", "few_cases"]

        on_received = by_street(kpi.ranking(
            con, "street", JULY, Settings(ranking_basis="received", min_cases_ranked=6), source=source))
        assert on_received[N]["rank"] in (1, 2) and on_received[T]["rank"] in (1, 2)
        assert pd.isna(on_received[Z]["rank"]) and on_received[Z]["unranked_reason"] == "few_cases"
        answers[source] = [frame for frame in (july, few_received, on_received)]
    for raw, fast in zip(answers["raw"], answers["aggregated"]):
        assert {s: (r["rank"], r["unranked_reason"]) for s, r in raw.items()} == \
            {s: (r["rank"], r["unranked_reason"]) for s, r in fast.items()}


@pytest.mark.parametrize("source", SOURCES)
def test_a_case_received_in_may_and_due_in_july_counts_in_july_only(con, source):
    may = kpi.Filters.make("2023-05-01", "2023-05-31", AS_OF, {"street": N})
    june = kpi.Filters.make("2023-06-01", "2023-06-30", AS_OF, {"street": N})
    # N received in May: N1 N2 N6; judged in May: none (nothing due or closed in May).
    assert kpi.metrics(con, (), may, source=source).iloc[0]["due_cases"] == 0
    # June: N3 (due 06-20, open at 06-30), N5 (closed 06-20), N6 (due 06-15, open).
    row = kpi.metrics(con, (), june, Settings(min_due_cases=0), source=source).iloc[0]
    assert row["due_cases"] == 3
    assert row["due_resolution_rate"] == pytest.approx(1 / 3)
    assert row["due_on_time_rate"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("source", SOURCES)
def test_by_month_each_month_judges_its_own_cases(con, source):
    """A case due in June and closed in July (N3) is late in June and closed in July."""
    f = kpi.Filters.make("2023-06-01", "2023-08-31", AS_OF, {"street": N})
    months = kpi.metrics(con, ("month",), f, Settings(min_due_cases=0), source=source)
    got = {row["month"]: (row["due_cases"], row["due_resolution_rate"]) for row in months.to_dict("records")}
    assert got["2023-06"] == (3, pytest.approx(1 / 3))
    assert got["2023-07"] == (5, pytest.approx(3 / 5))
    # August: N4 closed 08-05 (late: due 07-15); N10, N11 due 08-19 and open (late).
    assert got["2023-08"] == (3, pytest.approx(1 / 3))
    assert months.set_index("month").loc["2023-08", "due_on_time_rate"] == 0.0


@pytest.mark.parametrize("source", SOURCES)
def test_a_period_ending_before_its_month_end_judges_deadlines_by_day(con, source):
    """August as of 08-15: 桃园's cases due 08-10…08-14 are late, 08-15 is due today and
    open (late by the day's end), 08-16 not yet due; 空港's (08-26…) not yet."""
    f = kpi.Filters.make("2023-08-01", None, "2023-08-15")
    ranked = by_street(kpi.metrics(con, ("street",), f, Settings(min_due_cases=0), source=source))
    assert ranked[T]["due_cases"] == 6
    assert ranked[N]["due_cases"] == 1          # N4 closed 08-05; N10, N11 due 08-19: not yet
    assert ranked[T]["due_resolution_rate"] == 0.0 and ranked[T]["score"] == 0.0
    assert ranked[Z]["due_cases"] == 0 and pd.isna(ranked[Z]["score"])


def test_both_paths_and_pandas_count_the_same_cohort(con):
    """Every street's cohort in July and in June–August by month, as kpi gives it on
    both paths and as counted in plain pandas from the cases (benchmarks.pandas_reference)."""
    cases = con.execute("SELECT street, received_on, due_on, resolved_on, status, satisfaction "
                        "FROM cases").df()
    for column in ("received_on", "due_on", "resolved_on"):
        cases[column] = pd.to_datetime(cases[column])
    settings = Settings(min_due_cases=0)
    for by, start, end in ((("street",), date(2023, 7, 1), date(2023, 7, 31)),
                           (("street", "month"), date(2023, 6, 1), date(2023, 8, 31))):
        rows = judged(cases, date(2023, 8, 31), start, end, settings, by_month="month" in by)
        want = rows.groupby(list(by))[["due_cases", "due_resolved", "due_on_time"]].sum()
        f = kpi.Filters.make(start, end, AS_OF)
        for source in SOURCES:
            got = kpi.metrics(con, by, f, settings, source=source).set_index(list(by))
            got = got[got["due_cases"] > 0]
            assert sorted(got.index) == sorted(want.index), (by, source)
            for key, row in want.iterrows():
                assert got.loc[key, "due_cases"] == row["due_cases"], (by, source, key)
                assert got.loc[key, "due_resolution_rate"] == pytest.approx(
                    row["due_resolved"] / row["due_cases"]), (by, source, key)
    # The pandas count agrees with the hand count of the module docstring.
    july = judged(cases, date(2023, 8, 31), date(2023, 7, 1), date(2023, 7, 31), settings)
    assert july.groupby("street")["due_cases"].sum().to_dict() == {T: 2, N: 5}


def test_the_ranking_is_the_same_at_any_later_as_of(con):
    """July judged at its end: as of 07-31 (a month end, N4 resolved later) and as of
    08-31 (after the latest date) give July the same cohort on both paths."""
    for source in SOURCES:
        at_end = by_street(kpi.ranking(con, "street", kpi.Filters.make("2023-07-01", "2023-07-31",
                                                                        "2023-07-31"), source=source))
        later = by_street(kpi.ranking(con, "street", JULY, source=source))
        for street in (T, Z, N):
            assert at_end[street]["due_cases"] == later[street]["due_cases"], (source, street)
        assert at_end[N]["score"] == pytest.approx(later[N]["score"])


def test_taizhang_kpi_gives_the_cohort_and_says_which_it_is(tmp_path, monkeypatch, capsys):
    """`taizhang kpi` gives 北站's July as the ranking does, and says under its table which
    cases the score judges."""
    import json

    from taizhang.cli import main

    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cli.duckdb"
    db = make_db(path, areas=areas(), cases=ledger())
    aggregates.rebuild(db, Settings())
    db.close()
    july = ["--from", "2023-07-01", "--to", "2023-07-31", "--as-of", AS_OF, "--by", "street"]
    assert main(["--db", str(path), "kpi", *july, "--format", "json"]) == 0
    north = next(r for r in json.loads(capsys.readouterr().out) if r["street"] == N)
    assert (north["received"], north["due_cases"]) == (6, 5)
    assert north["score"] == pytest.approx(100 * (0.4 * 3 / 5 + 0.2 * 1 / 4) / 0.6)
    assert main(["--db", str(path), "kpi", *july]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "考核口径：本期到期或办结"
    assert main(["--db", str(path), "--lang", "en", "kpi", *july]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Judged on: cases due or closed in the period"


# ---------------------------------------------------------------- 考核满意率: ratings of the cases closed
# A second hand-built street (西站, SLA 30 days, w = 0.8), its ratings by the month each
# case was closed:
#     R1 received 06-10, resolved 07-05, satisfied            closed in July
#     R2 received 07-03, due 07-20, resolved 08-02, dissatisfied   due in July, open at its
#        end (judged in July, late, its rating not July's); closed in August
#     R3 received 07-01, resolved 07-10, basically satisfied  closed in July
#     R4 received 07-02, resolved 07-12, not rated            closed in July
#     R5 received 06-01, resolved 06-15, dissatisfied         closed in June
# July: judged R1 R2 R3 R4 (4), resolved 3, on time 3 of 4; rated R1 R3: (1 + 0.8) / 2 = 0.9.
# Received in July (R2 R3 R4): rated R2 R3, (0 + 0.8) / 2 = 0.4 — the volume figure.
# June: rated R5 only (R1, received in June, was closed in July): 0 / 1. August: R2, 0 / 1.
W = "西站街道"
RATED = [
    ("R1", "2023-06-10", None, "2023-07-05", "satisfied"),
    ("R2", "2023-07-03", "2023-07-20", "2023-08-02", "dissatisfied"),
    ("R3", "2023-07-01", None, "2023-07-10", "basically_satisfied"),
    ("R4", "2023-07-02", None, "2023-07-12", None),
    ("R5", "2023-06-01", None, "2023-06-15", "dissatisfied"),
]
WEIGHTED = Settings(basically_satisfied_weight=0.8, min_due_cases=0)


@pytest.fixture
def rated_con(tmp_path, monkeypatch):
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    rows = [case(i, received, "resolved", street=W, community="西站社区", due_on=due,
                 resolved_on=resolved, satisfaction=rating)
            for i, received, due, resolved, rating in RATED]
    areas = [{"district": "西湖区", "street": W, "community": "西站社区", "kind": "社区"}]
    db = make_db(tmp_path / "rated.duckdb", areas=areas, cases=rows)
    aggregates.rebuild(db, WEIGHTED)
    yield db
    db.close()


def test_satisfaction_of_judged_counts_the_ratings_of_the_cases_closed_in_the_period(rated_con):
    months = kpi.Filters.make("2023-06-01", "2023-08-31", AS_OF)
    answers = {}
    for source in SOURCES:
        july = kpi.metrics(rated_con, (), JULY, WEIGHTED, source=source).iloc[0]
        assert (july["due_cases"], july["due_rated"]) == (4, 2)        # R1 R2 R3 R4; rated R1 R3
        assert july["due_satisfaction_rate"] == pytest.approx(0.9)     # R2's rating is August's
        assert (july["rated"], july["satisfaction_rate"]) == (2, pytest.approx(0.4))  # received: R2 R3
        # The score judges satisfaction on the cohort: 2 ratings reach min_rated 2 ...
        score = kpi.metrics(rated_con, (), JULY, replace(WEIGHTED, min_rated=2), source=source).iloc[0]
        assert score["score"] == pytest.approx(100 * (0.4 * 3 / 4 + 0.2 * 3 / 4 + 0.4 * 0.9))
        # ... not 3 (the default): its weight goes to the others. The received-basis score
        # keeps the received cases' satisfaction (R2 R3: 0.4), with their 2 ratings.
        assert july["score"] == pytest.approx(100 * (0.4 * 3 / 4 + 0.2 * 3 / 4) / 0.6)
        received = kpi.metrics(rated_con, (), JULY, replace(WEIGHTED, min_rated=2, ranking_basis="received"),
                               source=source).iloc[0]
        # (received R2 R3 R4: all resolved by 08-31, on time R3 R4 — R2 closed after 07-20)
        assert received["score"] == pytest.approx(100 * (0.4 * 1 + 0.2 * 2 / 3 + 0.4 * 0.4))

        by_month = kpi.metrics(rated_con, ("month",), months, WEIGHTED, source=source).set_index("month")
        # R1, received in June and closed in July, is rated in July's figure, not June's.
        assert by_month.loc["2023-06", "due_rated"] == 1 and by_month.loc["2023-06", "due_satisfaction_rate"] == 0.0
        assert by_month.loc["2023-07", "due_rated"] == 2
        assert by_month.loc["2023-07", "due_satisfaction_rate"] == pytest.approx(0.9)
        # R2, received in July and closed in August, is rated in August's.
        assert by_month.loc["2023-08", "due_rated"] == 1 and by_month.loc["2023-08", "due_satisfaction_rate"] == 0.0
        june = kpi.metrics(rated_con, (), kpi.Filters.make("2023-06-01", "2023-06-30", AS_OF), WEIGHTED,
                           source=source).iloc[0]
        assert (june["due_rated"], june["due_satisfaction_rate"]) == (1, 0.0)
        answers[source] = (july, by_month)
    raw, fast = answers["raw"], answers["aggregated"]
    pd.testing.assert_series_equal(raw[0], fast[0], check_dtype=False)
    pd.testing.assert_frame_equal(raw[1], fast[1], check_dtype=False)


def test_satisfaction_of_judged_equals_pandas(rated_con):
    """July's cohort ratings as benchmarks.pandas_reference counts them from the cases."""
    cases = rated_con.execute("SELECT street, received_on, due_on, resolved_on, status, satisfaction "
                              "FROM cases").df()
    for column in ("received_on", "due_on", "resolved_on"):
        cases[column] = pd.to_datetime(cases[column])
    rows = judged(cases, date(2023, 8, 31), date(2023, 7, 1), date(2023, 7, 31), WEIGHTED)
    assert sorted(rows.loc[rows["due_rated"], "satisfaction"]) == ["basically_satisfied", "satisfied"]
    want = (rows["due_satisfied"].sum() + 0.8 * rows["due_basically"].sum()) / rows["due_rated"].sum()
    for source in SOURCES:
        got = kpi.metrics(rated_con, (), JULY, WEIGHTED, source=source).iloc[0]
        assert got["due_satisfaction_rate"] == pytest.approx(want)
