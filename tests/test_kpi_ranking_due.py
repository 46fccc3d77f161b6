"""The ranking judges what was due: a hand-built July (as_of 07-31) where one street's
cases were mostly received late in the month and are not yet due.

    东街道: 10 cases; 3 received 07-01 and resolved 07-10 (due 07-31: on time); 7 received
            07-25…07-31, in progress, due 08-24…08-30 (30 days): not yet due.
    西街道: 6 cases received 07-01 with the ledger's deadline 07-15; 3 resolved 07-10 (on
            time), 1 resolved 07-20 (late), 2 still open (overdue).

Every number is counted by hand in the comments and asserted on both paths (raw cases
and the aggregate tables).
"""

from __future__ import annotations

import pandas as pd
import pytest
from kpi_fixtures import by_street, case, ranked_db

from taizhang.kpi import api as kpi
from taizhang.settings import Settings

JULY = kpi.Filters.make("2023-07-01", "2023-07-31", "2023-07-31")
EAST, WEST = "东街道", "西街道"


def areas():
    return [{"district": "西湖区", "street": s, "community": c, "kind": "社区"}
            for s, c in ((EAST, "东一社区"), (WEST, "西一社区"))]


def ledger():
    rows = []
    # 东街道: 3 received 07-01, resolved 07-10 (due 07-31: on time); 7 received 07-25…07-31,
    # in progress, due 08-24…08-30: not yet due on 07-31.
    for i in range(3):
        rows.append(case(f"E{i}", "2023-07-01", "resolved", street=EAST, community="东一社区",
                         resolved_on="2023-07-10"))
    for i in range(7):
        rows.append(case(f"E-late{i}", f"2023-07-{25 + i:02d}", "in_progress", street=EAST,
                         community="东一社区"))
    # 西街道: 6 received 07-01 with the ledger's deadline 07-15: 3 resolved 07-10 (on time),
    # 1 resolved 07-20 (late), 2 still open on 07-31 (overdue).
    for i in range(3):
        rows.append(case(f"W{i}", "2023-07-01", "resolved", street=WEST, community="西一社区",
                         due_on="2023-07-15", resolved_on="2023-07-10"))
    rows.append(case("W3", "2023-07-01", "resolved", street=WEST, community="西一社区",
                     due_on="2023-07-15", resolved_on="2023-07-20"))
    for i in range(2):
        rows.append(case(f"W-open{i}", "2023-07-01", "in_progress", street=WEST,
                         community="西一社区", due_on="2023-07-15"))
    return rows


@pytest.fixture
def con(tmp_path, monkeypatch):
    db = ranked_db(tmp_path / "due.duckdb", areas(), ledger(), monkeypatch)
    yield db
    db.close()


@pytest.mark.parametrize("source", ["raw", "aggregated"])
def test_a_street_whose_cases_are_not_yet_due_is_not_ranked_last(con, source):
    # 东 has 3 cases judged: ranked from 3 (the default 5 would leave it unranked, see below).
    ranked = by_street(kpi.ranking(con, "street", JULY, Settings(min_cases_ranked=3), source=source))
    east, west = ranked[EAST], ranked[WEST]
    # By hand — 东: due or closed = 3 resolved + 0 overdue = 3; all 3 resolved, all on time.
    assert east["received"] == 10 and east["due_cases"] == 3
    assert east["resolution_rate"] == pytest.approx(3 / 10)          # the cards' rate, unchanged
    assert east["due_resolution_rate"] == pytest.approx(3 / 3)
    assert east["due_on_time_rate"] == pytest.approx(3 / 3)
    # 西: due or closed = 4 resolved + 2 overdue = 6; resolved 4/6; on time 3 of (4 + 2).
    assert west["due_cases"] == 6
    assert west["due_resolution_rate"] == pytest.approx(4 / 6)
    assert west["due_on_time_rate"] == pytest.approx(3 / 6)
    # Score (no ratings: satisfaction's weight goes to the others): 0.4 and 0.2 of 0.6.
    assert east["score"] == pytest.approx(100.0)
    assert west["score"] == pytest.approx(100 * (0.4 * 4 / 6 + 0.2 * 3 / 6) / 0.6)
    assert (east["rank"], west["rank"]) == (1, 2)
    assert east["unranked_reason"] is None
    # At the default min_cases_ranked 5, 东's 3 cases judged are too few (its 10 received
    # do not count): unranked, 西 (6 judged) first.
    default = by_street(kpi.ranking(con, "street", JULY, source=source))
    assert pd.isna(default[EAST]["rank"]) and default[EAST]["unranked_reason"] == "few_cases"
    assert default[WEST]["rank"] == 1


@pytest.mark.parametrize("source", ["raw", "aggregated"])
def test_received_basis_ranks_it_last_as_before(con, source):
    """ranking_basis = 'received' keeps the rates of the cards: 东 3/10 resolved ranks last."""
    settings = Settings(ranking_basis="received")
    ranked = by_street(kpi.ranking(con, "street", JULY, settings, source=source))
    assert ranked[EAST]["score"] == pytest.approx(100 * (0.4 * 3 / 10 + 0.2 * 1) / 0.6)
    assert ranked[WEST]["score"] == pytest.approx(100 * (0.4 * 4 / 6 + 0.2 * 3 / 4) / 0.6)
    assert (ranked[WEST]["rank"], ranked[EAST]["rank"]) == (1, 2)


@pytest.mark.parametrize("source", ["raw", "aggregated"])
def test_too_few_cases_due_leave_the_rates_undefined_and_the_street_unranked(con, source):
    # min_cases_ranked 0: the due rates' own floor (min_due_cases) is what leaves 东 out.
    settings = Settings(min_due_cases=4, min_cases_ranked=0)
    ranked = by_street(kpi.ranking(con, "street", JULY, settings, source=source))
    east = ranked[EAST]
    assert pd.isna(east["due_resolution_rate"]) and pd.isna(east["due_on_time_rate"])
    assert pd.isna(east["rank"]) and east["unranked_reason"] == "few_due"
    assert pd.isna(east["score"])       # no rate left to judge: "—", never 0.0
    assert ranked[WEST]["rank"] == 1


def test_both_paths_agree_on_the_due_columns(con):
    raw = kpi.metrics(con, ("street",), JULY, source="raw")
    fast = kpi.metrics(con, ("street",), JULY, source="aggregated")
    pd.testing.assert_frame_equal(raw, fast, check_exact=False)
    assert list(raw["due_cases"]) == [3, 6]
