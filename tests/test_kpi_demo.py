"""KPIs on the demo database (built once per session through the real ETL by conftest)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from taizhang.kpi import api as kpi
from taizhang.filters import month_bounds
@pytest.fixture(scope="module")
def con(demo_db):
    connection = duckdb.connect(str(demo_db), read_only=True)
    yield connection
    connection.close()


def test_district_total_is_the_article_figure(con):
    info = kpi.dataset_info(con)
    assert info["is_demo"] and info["as_of"] == date(2022, 7, 31)
    total = kpi.metrics(con, (), kpi.Filters.make("2021-01-01", "2022-07-31", "2022-07-31"))
    row = total.iloc[0]
    assert (row.received, row.resolved, row.in_progress) == (2090, 1769, 246)
    assert row.pending + row.deferred + row.cancelled + row.referred == 75
    # Of the 75, the demo ends 7 without resolution (撤单 …) and refers 5 (转办 …): the
    # resolution rate is judged on the other 2078.
    assert (row.cancelled, row.referred) == (7, 5)
    assert kpi.format_ratio(row.resolved, row.received) == "1769/2090 (84.6%)"
    assert row.resolution_rate == pytest.approx(1769 / 2078)
    default = kpi.metrics(con, (), kpi.Filters())  # default as_of = latest date = 2022-07-31
    assert default.iloc[0].received == 2090 and default.iloc[0].resolved == 1769


def test_streets_sum_to_the_district_and_every_community_is_listed(con):
    f = kpi.Filters()
    total = kpi.metrics(con, (), f).iloc[0]
    streets = kpi.metrics(con, ("street",), f)
    assert len(streets) == 11
    for metric in ("received", "resolved", "in_progress", "pending", "deferred", "cancelled",
                   "referred", "overdue_open", "stalled", "rated", "dissatisfied"):
        assert streets[metric].sum() == total[metric], metric
    registry = con.execute("SELECT street, community FROM areas").fetchall()
    assert len(registry) == 151  # 138 communities and 13 villages
    communities = kpi.metrics(con, ("street", "community"), f)
    assert set(registry) <= set(zip(communities["street"], communities["community"]))
    assert communities["received"].sum() == 2090
    # One row per registry community: none duplicated, none missing.
    registry_rows = communities[communities["community"].isin({c for _, c in registry})]
    assert len(registry_rows) == len(set(registry))


def test_ranking_and_supervision_on_demo(con):
    f = kpi.Filters.make("2022-07-01", "2022-07-31")
    ranking = kpi.ranking(con, "street", f)
    ranked = ranking[ranking["rank"].notna()]
    assert ranked["rank"].tolist() == sorted(ranked["rank"].tolist())
    supervision = kpi.supervision_list(con, kpi.Filters())
    counts = supervision["kind"].value_counts()
    total = kpi.metrics(con, (), kpi.Filters()).iloc[0]
    assert counts.get("overdue", 0) == total.overdue_open
    assert counts.get("stalled", 0) == total.stalled
    assert counts.get("dissatisfied", 0) == total.dissatisfied


def test_data_quality_on_demo(con):
    counts = dict(zip(*kpi.data_quality(con)[["flag", "count"]].T.values))
    # The demo plants two ledger rows resolved before they were received (rejected).
    assert counts["resolved_before_received"] == 2
    rows = kpi.data_quality_cases(con, "resolved_before_received")
    assert len(rows) == 2 and rows["reason"].str.contains("早于受理日期").all()


def test_headline_before_the_data_reads_zero(con):
    """A year before the first case: received 0 (the aggregate path sums no cells to NULL)."""
    head = kpi.headline(con, kpi.Filters.make("2021-01-01", "2021-01-31"))
    jan = con.execute("SELECT count(*) FROM cases WHERE received_on BETWEEN DATE '2021-01-01' "
                      "AND DATE '2021-01-31'").fetchall()[0][0]
    assert head["metrics"]["received"] == jan > 0
    assert head["previous_year"]["received"] == 0 and head["previous_year"]["resolution_rate"] is None
    assert head["delta_year"]["received"] == jan
    info = kpi.dataset_info(con)
    unknown = con.execute(
        "SELECT count(*) FROM cases c WHERE coalesce(c.community, '') <> '' AND NOT EXISTS "
        "(SELECT 1 FROM areas a WHERE a.street = c.street AND a.community = c.community)"
    ).fetchall()[0][0]
    assert info["unknown_areas"] == unknown


def _report_cut(frame, first: date, last: date, limit: int):
    """What the report shows from a whole supervision list, cut in plain pandas: open kinds of
    any month, the month's signals; the first `limit` distinct cases; how many cases."""
    import pandas as pd

    received = pd.to_datetime(frame["received_on"])
    in_month = (received >= pd.Timestamp(first)) & (received <= pd.Timestamp(last))
    keep = frame["kind"].isin(["overdue", "stalled"]) | (
        frame["kind"].isin(["dissatisfied", "reopened"]) & in_month)
    kept = frame[keep]
    cases = pd.unique(kept["case_id"])
    return kept[kept["case_id"].isin(cases[:limit])], len(cases)


@pytest.mark.parametrize("month, where", [("2022-07", {}), ("2022-06", {"street": "南站街道"})])
def test_supervision_summary_is_the_list_cut_to_its_first_cases(con, month, where):
    first, last = month_bounds(month)
    standing = kpi.Filters.make(as_of=last, where=where)
    signals = kpi.Filters.make(first, last, last, where=where)
    shown, total = kpi.supervision_summary(con, standing, signals, limit=12)
    expected, expected_total = _report_cut(kpi.supervision_list(con, standing), first, last, 12)
    assert total == expected_total and total > 12
    plain = lambda df: df.astype(object).where(df.notna(), None).reset_index(drop=True)  # noqa: E731
    import pandas as pd

    pd.testing.assert_frame_equal(plain(shown), plain(expected))


def test_supervision_counts_are_the_list_counted(con):
    f = kpi.Filters.make(as_of="2022-06-30")
    listed = kpi.supervision_list(con, f)["kind"].value_counts()
    counts = kpi.supervision_counts(con, f)
    assert counts == {kind: int(listed.get(kind, 0)) for kind in counts}
    assert counts["overdue"] > 0 and counts["dissatisfied"] > 0


def test_hotline_measures_from_the_hotline_export(con, demo_build):
    """The 12345 export is the demo's one ledger with times of day, 签收 and 反馈: its
    figures, counted here from the CSV with pandas, are the district's."""
    import pandas as pd

    from taizhang.etl.profile import load_profile

    [export] = (demo_build / "ledgers" / "ledgers").glob("*12345*.csv")
    calls = pd.read_csv(export, encoding="gbk", dtype=str, keep_default_na=False)
    # The row whose status no profile knows is rejected by the import: left out here too.
    calls = calls[calls["办理状态"].isin(load_profile().status)]
    moment = lambda column: pd.to_datetime(calls[column].replace("", None))  # noqa: E731
    received, responded, resolved = moment("来电时间"), moment("签收时间"), moment("办结时间")
    done = calls["办理状态"] == "已办结"
    minutes = ((resolved - received)[done].dt.total_seconds() // 60)
    total = kpi.metrics(con, (), kpi.Filters()).iloc[0]
    assert total["median_hours"] == pytest.approx(minutes.median() / 60)
    assert total["p90_hours"] == pytest.approx(minutes.quantile(0.9) / 60)
    answered = responded.notna()
    in_time = ((responded - received).dt.total_seconds() <= 2 * 3600) & answered
    assert total["response_rate"] == pytest.approx(in_time.sum() / answered.sum())
    assert 0 < total["response_rate"] < 1
    assert 0 < total["feedback_on_time_rate"] <= 1 and total["return_rate"] == pytest.approx(5 / 2090)
    # Cancelled and referred cases are not open: never on the 督办 list.
    listed = set(kpi.supervision_list(con, kpi.Filters())["case_id"])
    ended = {r[0] for r in con.execute(
        "SELECT case_id FROM cases WHERE status IN ('cancelled', 'referred')").fetchall()}
    assert len(ended) == 12 and not listed & ended
