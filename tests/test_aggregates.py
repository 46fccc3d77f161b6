"""The aggregate tables and the fast path give exactly the raw path's numbers.

A generated hotline ledger (benchmarks/generate.py) goes through the real ETL; then
kpi.metrics is asked the same questions with source="raw" and source="aggregated" on
random slices, and both frames must be equal. Timing is the benchmark's business.
"""

from __future__ import annotations

import calendar
import random
import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from taizhang.store import aggregates
from taizhang.kpi import aggregated, fastpath
from taizhang.filters import Filters
from taizhang.kpi.formulas import group_columns
from taizhang.kpi.metrics import STATUS_COLUMNS, metrics, status_counts
from taizhang.settings import Settings

from benchmarks.generate import generate  # noqa: E402

ROWS = 12_000


@pytest.fixture(scope="module")
def hotline_db(tmp_path_factory):
    """A database of ROWS generated hotline cases loaded by the ETL, aggregates up to date."""
    from taizhang.etl.areas import load_areas
    from taizhang.etl.load import load_paths

    root = tmp_path_factory.mktemp("hotline")
    ledger = generate(ROWS, root, xlsx_rows=0, progress=lambda _: None)
    db = root / "taizhang.duckdb"
    load_areas(db, ledger.areas)
    [summary] = load_paths(db, [ledger.csv])
    assert summary.status == "ok", summary.line()
    con = duckdb.connect(str(db))
    if not fastpath.is_current(fastpath.read_state(con)):  # an ETL without the refresh hook: build them here
        con.execute("BEGIN")
        aggregates.rebuild(con, Settings())
        con.execute("COMMIT")
    con.close()
    return db


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _random_slice(rng: random.Random, streets, communities, categories) -> tuple[tuple, Filters]:
    by = rng.choice([(), ("street",), ("community",), ("month",), ("street", "month"),
                     ("category",), ("channel",), ("matter_class",), ("district",),
                     ("category", "month")])
    year, month = rng.choice([2022, 2023, 2024]), rng.randint(1, 12)
    as_of = rng.choice([None, _month_end(year, month), date(2025, 3, 1)])
    date_from = rng.choice([None, date(rng.choice([2022, 2023]), rng.randint(1, 12), 1)])
    date_to = rng.choice([None, _month_end(2024, rng.randint(1, 12))])
    where: dict = {}
    if not set(by) & {"category", "channel", "matter_class"} and rng.random() < 0.5:
        street = rng.choice(streets)
        where["street"] = street
        if rng.random() < 0.3:
            where["community"] = rng.choice(communities[street])
    elif "category" in by and rng.random() < 0.5:
        where["category"] = rng.sample(categories, 3)
    if date_from and date_to and date_from > date_to:
        date_from = None
    return by, Filters.make(date_from, date_to, as_of, where)


def _vocabulary(con) -> tuple:
    """(streets, communities by street, categories): what _random_slice draws from."""
    areas = con.execute("SELECT street, community FROM areas").fetchall()
    streets = sorted({s for s, _ in areas})
    communities = {s: sorted(c for st, c in areas if st == s) for s in streets}
    categories = [r[0] for r in con.execute("SELECT DISTINCT category FROM cases ORDER BY 1").fetchall()]
    return streets, communities, categories


def test_both_paths_equal_on_random_slices(hotline_db):
    con = duckdb.connect(str(hotline_db), read_only=True)
    vocabulary = _vocabulary(con)
    rng = random.Random(6)
    answered = 0
    for _ in range(10):
        by, filters = _random_slice(rng, *vocabulary)
        fast = metrics(con, by, filters, source="aggregated")
        raw = metrics(con, by, filters, source="raw")
        pd.testing.assert_frame_equal(fast, raw, check_exact=False, rtol=1e-12, atol=1e-12,
                                      obj=f"metrics(by={by}, {filters})")
        answered += 1
    assert answered == 10
    con.close()


def test_a_slice_with_every_kind_of_number(hotline_db):
    """Month-end as_of before the data ends: resolved-after-as_of, overdue, stalled, quantiles."""
    con = duckdb.connect(str(hotline_db), read_only=True)
    filters = Filters.make(date_from="2024-01-01", as_of="2024-06-30")
    fast = metrics(con, ("street",), filters, source="aggregated")
    raw = metrics(con, ("street",), filters, source="raw")
    pd.testing.assert_frame_equal(fast, raw, check_exact=False, rtol=1e-12, atol=1e-12)
    # The slice really exercises the as_of logic: cases resolved after June are in progress.
    assert raw["in_progress"].sum() > 0 and raw["overdue_open"].sum() > 0
    assert raw["stalled"].sum() > 0 and raw["median_days"].notna().all()
    con.close()


@pytest.fixture(scope="module")
def hotline_times_db(hotline_db, tmp_path_factory):
    """hotline_db with 12345 facts written in: cancelled and referred cases, times of day on
    received/resolved (some resolutions dated only), 签收 and 反馈 times (some after the month
    of receipt, some missing), reopened cases; aggregates rebuilt."""
    db = tmp_path_factory.mktemp("times") / "times.duckdb"
    shutil.copy(hotline_db, db)
    con = duckdb.connect(str(db))
    con.execute("BEGIN")
    con.execute("""
        UPDATE cases SET
            status = CASE WHEN hash(case_id) % 17 = 0 AND status <> 'resolved' THEN 'cancelled'
                          WHEN hash(case_id) % 23 = 0 AND status <> 'resolved' THEN 'referred'
                          ELSE status END,
            received_at = received_on + to_minutes((hash(case_id) % 1440)::BIGINT),
            reopened_count = CASE WHEN hash(case_id) % 11 = 0 THEN 1 ELSE 0 END,
            responded_at = CASE WHEN hash(case_id) % 9 <> 0 THEN received_on
                                + to_minutes((hash(case_id) % 1440 + hash(title) % 300)::BIGINT) END,
            feedback_at = CASE WHEN hash(case_id) % 3 = 0 THEN received_on
                               + to_days((hash(case_id) % 45)::INTEGER) END
    """)
    # Some same-day resolutions fall before their time of receipt: no closure hours then.
    con.execute("""
        UPDATE cases SET resolved_at = CASE WHEN hash(case_id) % 5 <> 0 THEN resolved_on
                                            + to_minutes((hash(title || case_id) % 1440)::BIGINT) END
        WHERE resolved_on IS NOT NULL
    """)
    aggregates.rebuild(con, Settings())
    con.execute("COMMIT")
    counts = con.execute("SELECT count(*) FILTER (status = 'cancelled'), count(*) FILTER (status = 'referred'), "
                         "count(resolved_at) FROM cases").fetchone()
    assert all(counts)
    con.close()
    return db


def test_both_paths_equal_with_12345_facts(hotline_times_db):
    """Cancelled/referred counts, closure hours, response, feedback and reopened rates: the
    aggregate path (month-cell sums, minute histograms) gives the raw path's numbers."""
    con = duckdb.connect(str(hotline_times_db), read_only=True)
    vocabulary = _vocabulary(con)
    rng = random.Random(20)
    slices = [_random_slice(rng, *vocabulary) for _ in range(8)]
    slices.append((("street",), Filters.make(date_from="2024-01-01", as_of="2024-06-30")))
    for by, filters in slices:
        fast = metrics(con, by, filters, source="aggregated")
        raw = metrics(con, by, filters, source="raw")
        pd.testing.assert_frame_equal(fast, raw, check_exact=False, rtol=1e-12, atol=1e-12,
                                      obj=f"metrics(by={by}, {filters})")
    total = metrics(con, (), Filters(), source="raw").iloc[0]
    assert total["cancelled"] > 0 and total["referred"] > 0 and pd.notna(total["median_hours"])
    assert 0 < total["response_rate"] < 1 and 0 < total["feedback_on_time_rate"] < 1
    assert total["reopened_rate"] > 0
    # The resolution rate leaves the cases that ended without resolution out of its denominator.
    assert total["resolution_rate"] == pytest.approx(
        total["resolved"] / (total["received"] - total["cancelled"] - total["referred"]))
    con.close()


@pytest.mark.parametrize("by, filters, why", [
    (("official",), Filters(), "a case counts once per official"),
    (("street", "category"), Filters(), "no grain holds street and category"),
    ((), Filters.make(as_of="2024-06-15"), "mid-month as_of before the data ends"),
    ((), Filters.make(date_from="2024-01-10"), "period starting mid-month"),
    ((), Filters.make(date_to="2024-03-20", as_of="2024-06-30"), "period ending mid-month"),
])
def test_declines_what_it_cannot_answer_exactly(hotline_db, by, filters, why):
    con = duckdb.connect(str(hotline_db), read_only=True)
    as_of = filters.as_of or date(2025, 1, 1)
    assert aggregated.base_counts(con, by, filters, Settings(), as_of) is None, why
    assert aggregated.base_counts(con, (), Filters(), Settings(), date(2025, 1, 1)) is not None
    con.close()


def test_declines_when_settings_or_cases_changed(hotline_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(hotline_db, db)
    con = duckdb.connect(str(db))
    as_of = date(2025, 1, 1)
    assert aggregated.base_counts(con, (), Filters(), Settings(sla_days=10), as_of) is None
    con.execute("DELETE FROM cases WHERE case_id = (SELECT min(case_id) FROM cases)")
    assert aggregated.base_counts(con, (), Filters(), Settings(), as_of) is None
    con.close()


def _snapshot(con) -> dict[str, pd.DataFrame]:
    frames = {}
    for table in aggregates.TABLES:
        df = con.execute(f"SELECT * FROM {table}").df()
        frames[table] = df.sort_values(list(df.columns), na_position="first").reset_index(drop=True)
    return frames


def test_refresh_of_changed_cases_equals_a_full_rebuild(hotline_db, tmp_path):
    """Cases that move community and month or change status: only their cells are rebuilt."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(hotline_db, db)
    con = duckdb.connect(str(db))
    changed = aggregates.CaseIds.of(["RX000000007", "RX000000500", "RX000012000"])
    con.execute("BEGIN")
    aggregates.note_cases(con, changed)
    con.execute("""
        UPDATE cases SET community = (SELECT min(community) FROM areas), received_on = DATE '2024-03-02',
               status = 'resolved', resolved_on = DATE '2024-04-09', satisfaction = 'dissatisfied'
        WHERE case_id IN ('RX000000007', 'RX000000500', 'RX000012000')
    """)
    months = aggregates.refresh(con, changed, Settings())
    con.execute("COMMIT")
    assert months >= 2  # the months they left and the month they entered
    refreshed = _snapshot(con)
    aggregates.rebuild(con, Settings())
    rebuilt = _snapshot(con)
    for table in aggregates.TABLES:
        pd.testing.assert_frame_equal(refreshed[table], rebuilt[table], obj=table)
    con.close()


def test_recorded_dates_equal_the_cases(hotline_db):
    con = duckdb.connect(str(hotline_db), read_only=True)
    expected = con.execute("""
        SELECT min(received_on), max(received_on),
               greatest(max(received_on), max(resolved_on), max(closed_on), max(last_progress_on))
        FROM cases
    """).fetchall()[0]
    assert fastpath.data_dates(con) == tuple(expected)
    con.close()


def test_reimport_of_a_changed_ledger_keeps_the_tables_exact(hotline_db, tmp_path):
    """Through the ETL: next month's ledger closes cases and moves one; tables = a rebuild."""
    import pyarrow.csv as pacsv

    from taizhang.etl.load import load_paths

    db = tmp_path / "copy.duckdb"
    shutil.copy(hotline_db, db)
    source = next(hotline_db.parent.glob("hotline_*.csv"))
    ledger = pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(
        column_types={name: "string" for name in pacsv.read_csv(source).column_names}))
    rows = ledger.to_pylist()
    open_rows = [r for r in rows if r["办理状态"] in ("办理中", "待处理")][:40]
    for r in open_rows:  # closed now, a day after the ledger's last date
        r["办理状态"], r["办结时间"], r["满意度"] = "已办结", "2025-01-01", "2"
    moved = rows[len(rows) // 2]  # received mid-2023: moves to another community and to 2022-01
    others = [r["社区"] for r in rows if r["街道"] == moved["街道"] and r["社区"] != moved["社区"]]
    moved["社区"], moved["受理时间"] = others[0], "2022-01-03"
    changed = tmp_path / "hotline_next_month.csv"
    pacsv.write_csv(pa_table(rows, ledger.column_names), changed)
    [summary] = load_paths(db, [changed])
    assert summary.rows_updated == len(open_rows) + 1, summary.line()

    con = duckdb.connect(str(db))
    refreshed = _snapshot(con)
    assert fastpath.data_dates(con) is not None  # the import kept them up to date
    filters = Filters.make(date_from="2023-01-01")
    pd.testing.assert_frame_equal(metrics(con, ("street",), filters, source="aggregated"),
                                  metrics(con, ("street",), filters, source="raw"),
                                  check_exact=False, rtol=1e-12, atol=1e-12)
    con.execute("BEGIN")
    aggregates.rebuild(con, Settings())
    con.execute("COMMIT")
    rebuilt = _snapshot(con)
    for table in aggregates.TABLES:
        pd.testing.assert_frame_equal(refreshed[table], rebuilt[table], obj=table)
    con.close()


def pa_table(rows: list[dict], names: list[str]):
    """Rows of text back into an Arrow table with the ledger's column order."""
    import pyarrow as pa

    return pa.table({name: pa.array([r[name] for r in rows], type=pa.string()) for name in names})


def test_rows_kept_in_memory_follow_each_refresh(hotline_db, tmp_path):
    """The fast path keeps the tables' rows per aggregates version: a refresh in the same
    process (a new version) is seen at once, and a file without a version still answers."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(hotline_db, db)
    con = duckdb.connect(str(db))
    filters = Filters.make(date_from="2023-01-01")
    before = metrics(con, ("street",), filters, source="aggregated")  # rows now kept
    con.execute("BEGIN")
    changed = [case_id for (case_id,) in con.execute(
        "SELECT case_id FROM cases WHERE status IN ('pending', 'in_progress') "
        "AND received_on >= DATE '2023-01-01' ORDER BY case_id LIMIT 50").fetchall()]
    aggregates.note_cases(con, aggregates.CaseIds.of(changed))
    con.execute("""UPDATE cases SET status = 'resolved', resolved_on = DATE '2024-12-30',
                   satisfaction = 'dissatisfied' WHERE list_contains(?, case_id)""", [changed])
    aggregates.refresh(con, None, Settings())
    con.execute("COMMIT")
    after = metrics(con, ("street",), filters, source="aggregated")
    pd.testing.assert_frame_equal(after, metrics(con, ("street",), filters, source="raw"),
                                  check_exact=False, rtol=1e-12, atol=1e-12)
    assert after["resolved"].sum() == before["resolved"].sum() + 50
    # An older file has no version token: its rows are read for each question instead.
    con.execute("DELETE FROM meta WHERE key = ?", [aggregates.META_VERSION])
    pd.testing.assert_frame_equal(metrics(con, ("street", "month"), filters, source="aggregated"),
                                  metrics(con, ("street", "month"), filters, source="raw"),
                                  check_exact=False, rtol=1e-12, atol=1e-12)
    con.close()


def _same_values(fast: dict, raw: dict, what: str) -> None:
    assert fast.keys() == raw.keys(), what
    for name, value in fast.items():
        expected = raw[name]
        if value is None or expected is None:
            assert value is None and expected is None, f"{what}.{name}: {value} ≠ {expected}"
        else:  # the raw path's counts are DuckDB HUGEINT sums (Decimal)
            assert float(value) == pytest.approx(float(expected), rel=1e-12, abs=1e-12), \
                f"{what}.{name}"


def test_comparisons_in_memory_equal_the_raw_path(hotline_db, monkeypatch):
    """headline, ranking and trend from the aggregate tables' base counts equal those from
    the raw cases (both completed, derived and ranked by kpi.inmemory)."""
    from taizhang.kpi.comparisons import headline, ranking, trend

    finished = []  # one entry a slice the aggregate tables answered
    real_counts = aggregated.base_counts
    monkeypatch.setattr(aggregated, "base_counts", lambda *a, **k: (
        lambda counts: finished.append(counts is not None) or counts)(real_counts(*a, **k)))
    con = duckdb.connect(str(hotline_db), read_only=True)
    streets = sorted({s for (s,) in con.execute("SELECT street FROM areas").fetchall()})
    rng = random.Random(66)
    slices = [Filters(), Filters.make(date_from="2023-01-01", as_of="2024-05-31"),
              Filters.make(as_of="2025-03-01", where={"street": rng.choice(streets)})]
    for _ in range(3):
        year, month = rng.choice([2023, 2024]), rng.randint(1, 12)
        slices.append(Filters.make(date_from=date(year - 1, month, 1), as_of=_month_end(year, month),
                                   where={"street": rng.sample(streets, 2)} if rng.random() < 0.5 else None))
    for filters in slices:
        fast, raw = headline(con, filters), headline(con, filters, source="raw")
        for part in ("metrics", "previous_month", "previous_year", "delta_month", "delta_year"):
            _same_values(fast[part], raw[part], f"headline({filters}).{part}")
        for level, keys in (("street", ["street"]), ("community", ["street", "community"])):
            # Unranked rows of equal size come in any order: compared by key.
            by_key = lambda df: df.sort_values(keys).reset_index(drop=True)  # noqa: E731
            pd.testing.assert_frame_equal(by_key(ranking(con, level, filters)),
                                          by_key(ranking(con, level, filters, source="raw")),
                                          check_exact=False, rtol=1e-12, atol=1e-12,
                                          obj=f"ranking({level}, {filters})")
        pd.testing.assert_frame_equal(trend(con, filters), trend(con, filters, source="raw"),
                                      check_exact=False, rtol=1e-12, atol=1e-12, obj=f"trend({filters})")
    # The fast path answered the slices it was asked (headline: 3, rankings: 2 × 2, trend: 1
    # a filter) but one: the year before as_of 2025-03-01 is 2024-03-01, a day inside the
    # data that is no month's end, which only the raw cases can answer. The raw calls never
    # asked it.
    assert finished.count(True) >= 8 * len(slices) - 1, finished
    con.close()


def test_in_memory_rank_ties_and_small_slices():
    """kpi.inmemory.rank by hand: equal (score, received) share a rank, small or scoreless rows none."""
    import numpy as np

    from taizhang.kpi import inmemory

    score = np.array([90.0, 80.0, 90.0, 90.0, np.nan, 95.0, 70.0])
    received = np.array([10, 10, 10, 12, 50, 3, 8])
    part = np.array(["a", "a", "a", "a", "a", "a", "b"], dtype=object)
    masks = inmemory.unranked(received, received, score, Settings(min_cases_ranked=5, min_due_cases=0))
    assert masks["few_cases"].tolist() == [False, False, False, False, False, True, False]
    assert masks["no_score"].tolist() == [False, False, False, False, True, False, False]
    unranked = masks["few_cases"] | masks["no_score"]
    ranks = inmemory.rank(score, received, ~unranked, [part])
    assert ranks[~unranked].tolist() == [2, 4, 2, 1, 1]


def test_zero_rows_follow_the_registry(hotline_db, tmp_path):
    """A community added to the registry (no refresh of the aggregates) shows as a zero row."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(hotline_db, db)
    con = duckdb.connect(str(db))
    district, street = con.execute("SELECT district, street FROM areas LIMIT 1").fetchall()[0]
    before = metrics(con, ("community",), Filters(), source="aggregated")
    con.execute("INSERT INTO areas VALUES (?, ?, '新建社区', '社区')", [district, street])
    after = metrics(con, ("community",), Filters(), source="aggregated")
    assert len(after) == len(before) + 1
    assert after.loc[after["community"] == "新建社区", "received"].tolist() == [0]
    pd.testing.assert_frame_equal(after, metrics(con, ("community",), Filters(), source="raw"),
                                  check_exact=False, rtol=1e-12, atol=1e-12)
    con.close()


def _report_cut(frame: pd.DataFrame, first: date, last: date, limit: int):
    """The first `limit` distinct cases of a whole 督办 list as the report shows them, and
    how many cases, in plain pandas: open kinds of any month, the month's signals."""
    received = pd.to_datetime(frame["received_on"])
    in_month = (received >= pd.Timestamp(first)) & (received <= pd.Timestamp(last))
    kept = frame[frame["kind"].isin(["overdue", "stalled"])
                 | (frame["kind"].isin(["dissatisfied", "reopened"]) & in_month)]
    cases = pd.unique(kept["case_id"])
    return kept[kept["case_id"].isin(cases[:limit])], len(cases)


def test_supervision_summary_from_the_open_cases_equals_the_list(hotline_db, monkeypatch):
    """At the latest date the standing 督办 list comes from agg_open_cases: the same first
    cases and count as the whole supervision_list cut in pandas, and as every case's facts."""
    from taizhang.kpi import supervision
    from taizhang.filters import month_bounds

    con = duckdb.connect(str(hotline_db), read_only=True)
    streets = sorted({s for (s,) in con.execute("SELECT street FROM areas").fetchall()})
    used = []
    real = supervision._open_cases_answer
    monkeypatch.setattr(supervision, "_open_cases_answer",
                        lambda *a: used.append(real(*a)) or used[-1])
    plain = lambda df: df.astype(object).where(df.notna(), None).reset_index(drop=True)  # noqa: E731
    rng = random.Random(7)
    for as_of, where, limit in [(None, {}, 12), (date(2025, 3, 1), {}, 5),
                                (None, {"street": rng.choice(streets)}, 12),
                                (None, {"street": rng.sample(streets, 2)}, 30),
                                (date(2024, 6, 30), {}, 12)]:  # before the data ends: every case
        standing = Filters.make(as_of=as_of, where=where)
        as_of = as_of or fastpath.data_dates(con)[2]
        first, last = month_bounds(as_of.strftime("%Y-%m"))
        signals = Filters.make(first, last, as_of, where)
        shown, total = supervision.supervision_summary(con, standing, signals, limit)
        expected, expected_total = _report_cut(supervision.supervision_list(con, standing),
                                               first, last, limit)
        assert total == expected_total > limit
        pd.testing.assert_frame_equal(plain(shown), plain(expected), obj=f"{standing}")
        monkeypatch.setattr(supervision, "_open_cases_answer", lambda *a: False)
        slow, slow_total = supervision.supervision_summary(con, standing, signals, limit)
        monkeypatch.setattr(supervision, "_open_cases_answer",
                            lambda *a: used.append(real(*a)) or used[-1])
        assert slow_total == total
        pd.testing.assert_frame_equal(plain(slow), plain(shown))
    assert used == [True, True, True, True, False]
    con.close()


def test_open_cases_follow_an_import_and_an_older_shape_is_rebuilt(hotline_db, tmp_path):
    """agg_open_cases holds exactly the cases open now after a refresh; a database whose
    aggregates have another shape gets every month rebuilt at its next refresh."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(hotline_db, db)
    con = duckdb.connect(str(db))
    open_now = ("SELECT case_id FROM cases WHERE status IN ('pending', 'in_progress') ORDER BY ALL")
    listed = "SELECT case_id FROM agg_open_cases ORDER BY ALL"
    assert con.execute(listed).fetchall() == con.execute(open_now).fetchall()
    con.execute("BEGIN")
    changed = [case_id for (case_id,) in con.execute(f"SELECT case_id FROM ({open_now}) LIMIT 30").fetchall()]
    aggregates.note_cases(con, aggregates.CaseIds.of(changed))
    con.execute("UPDATE cases SET status = 'resolved', resolved_on = received_on + 3 "
                "WHERE list_contains(?, case_id)", [changed])
    aggregates.refresh(con, None, Settings())
    con.execute("COMMIT")
    assert con.execute(listed).fetchall() == con.execute(open_now).fetchall()
    # An older ETL's tables: no agg_open_cases rows, its hand-kept shape token instead of a
    # definition. One new case's refresh rebuilds them all, not only its month.
    con.execute("DELETE FROM agg_open_cases")
    con.execute("DELETE FROM meta WHERE key = ?", [aggregates.META_DEFINITION])
    con.execute("INSERT INTO meta VALUES (?, '3')", [aggregates.OLD_META_SHAPE])
    con.execute("BEGIN")
    aggregates.refresh(con, aggregates.CaseIds.of([con.execute(open_now).fetchall()[0][0]]), Settings())
    con.execute("COMMIT")
    assert con.execute(listed).fetchall() == con.execute(open_now).fetchall()
    state = fastpath.read_state(con)
    assert state[aggregates.META_DEFINITION] == fastpath.current_definition()
    assert aggregates.OLD_META_SHAPE not in state
    con.close()


def test_a_page_of_cases_is_the_whole_list_cut(hotline_db):
    """case_list's page (its keys first, then its rows) = the unpaged list cut in pandas."""
    from taizhang.kpi.lists import case_list

    con = duckdb.connect(str(hotline_db), read_only=True)
    street, community = con.execute(
        "SELECT street, community FROM cases GROUP BY ALL ORDER BY count(*) DESC LIMIT 1").fetchall()[0]
    plain = lambda df: df.astype(object).where(df.notna(), None).reset_index(drop=True)  # noqa: E731
    for filters, search, limit, offset in [
        (Filters.make(date_from="2024-01-01", where={"street": street, "community": community}), None, 500, 0),
        (Filters.make(as_of="2023-06-30", where={"street": street}), None, 50, 100),
        (Filters.make(where={"street": street}), "rx00000", 20, 3),
        (Filters.make(where={"street": "没有这个街道"}), None, 20, 0),
    ]:
        page = case_list(con, filters, search=search, limit=limit, offset=offset)
        whole = case_list(con, filters, search=search, limit=None)
        assert list(page.columns) == list(whole.columns)
        pd.testing.assert_frame_equal(plain(page), plain(whole.iloc[offset:offset + limit]),
                                      obj=f"case_list({filters}, {search}, {limit}, {offset})")
        assert len(page) == min(limit, max(len(whole) - offset, 0))
    con.close()


def test_supervision_summary_of_some_kinds_is_the_list_of_those_kinds(hotline_db, monkeypatch):
    """kinds=: only those kinds listed and counted = supervision_list of the slice cut to them,
    whether the standing part comes from agg_open_cases or from every case's facts."""
    from taizhang.kpi import supervision

    con = duckdb.connect(str(hotline_db), read_only=True)
    street = con.execute("SELECT street FROM areas ORDER BY ALL LIMIT 1").fetchall()[0][0]
    plain = lambda df: df.astype(object).where(df.notna(), None).reset_index(drop=True)  # noqa: E731
    real = supervision._open_cases_answer
    for filters in (Filters(), Filters.make(date_from="2024-01-01", where={"street": street}),
                    Filters.make(as_of="2024-06-30")):
        whole = supervision.supervision_list(con, filters)
        for kinds in (("overdue",), ("stalled",), ("dissatisfied", "reopened"), ("reopened", "overdue")):
            kept = whole[whole["kind"].isin(kinds)]
            cases = pd.unique(kept["case_id"])
            expected = kept[kept["case_id"].isin(cases[:15])]
            for fast in (True, False):
                monkeypatch.setattr(supervision, "_open_cases_answer",
                                    real if fast else (lambda *a: False))
                shown, total = supervision.supervision_summary(con, filters, filters, 15, kinds=kinds)
                assert total == len(cases) > 0, (filters, kinds, fast)
                pd.testing.assert_frame_equal(plain(shown), plain(expected), obj=f"{filters} {kinds} {fast}")
    assert supervision.supervision_summary(con, Filters(), Filters(), 5, kinds=())[1] == 0
    with pytest.raises(Exception, match="unknown supervision kind"):
        supervision.supervision_summary(con, Filters(), Filters(), 5, kinds=("late",))
    con.close()


def test_supervision_counts_from_the_open_cases_equal_the_list(hotline_db, monkeypatch):
    """supervision_counts: overdue and stalled from agg_open_cases at the latest date, the
    same as from every case's facts and as the whole supervision_list counted in pandas."""
    from taizhang.kpi import supervision

    con = duckdb.connect(str(hotline_db), read_only=True)
    street = con.execute("SELECT street FROM areas ORDER BY ALL LIMIT 1").fetchall()[0][0]
    real = supervision._open_cases_answer
    used = []
    for filters in (Filters(), Filters.make(date_from="2024-01-01", where={"street": street}),
                    Filters.make(as_of="2024-06-30")):
        whole = supervision.supervision_list(con, filters)
        expected = {kind: whole.loc[whole["kind"] == kind, "case_id"].nunique()
                    for kind in supervision.SUPERVISION_KINDS}
        assert expected["overdue"] and expected["stalled"] and expected["dissatisfied"]
        monkeypatch.setattr(supervision, "_open_cases_answer", lambda *a: used.append(real(*a)) or used[-1])
        assert supervision.supervision_counts(con, filters) == expected, filters
        monkeypatch.setattr(supervision, "_open_cases_answer", lambda *a: False)
        assert supervision.supervision_counts(con, filters) == expected, filters
    assert used == [True, True, False]
    con.close()


def test_open_cases_path_declines_what_it_cannot_answer(hotline_db):
    """The 督办 fast path (agg_open_cases) must not answer under other SLA/stall settings (its
    deadlines were built with the ETL's) nor for a slice it cannot filter (an official): the
    counts and the summary equal the whole list counted in pandas there too."""
    from taizhang.kpi import supervision
    from taizhang.settings import Settings as S

    con = duckdb.connect(str(hotline_db), read_only=True)
    official = con.execute("SELECT o.name FROM case_officials JOIN officials o USING (official_id) "
                           "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1").fetchall()[0][0]
    category = con.execute("SELECT category FROM cases GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
                           ).fetchall()[0][0]
    for filters, settings in [(Filters(), S(sla_days=60, stall_days=3)),
                              (Filters.make(where={"official": official}), S()),
                              (Filters.make(where={"category": category}), S())]:
        whole = supervision.supervision_list(con, filters, settings)
        expected = {kind: whole.loc[whole["kind"] == kind, "case_id"].nunique()
                    for kind in supervision.SUPERVISION_KINDS}
        assert expected["overdue"] and expected["stalled"], (filters, settings)
        assert supervision.supervision_counts(con, filters, settings) == expected, (filters, settings)
        _, total = supervision.supervision_summary(con, filters, filters, 5, settings)
        assert total == whole["case_id"].nunique(), (filters, settings)
    con.close()


# ---------------------------------------------------------------------------------------
# Both engines asked the same random questions (hypothesis): the raw path (SQL over the
# cases, kpi.facts) and the fast path (numpy over the aggregate rows, kpi.cells) apply the
# rules of store.rules — open, overdue, stalled, resolved after as_of, closure quantiles —
# and share completion, rates, score, rank, previous rank and headline deltas.

OTHER_SETTINGS = Settings(sla_days=11, stall_days=9)
BYS = ((), ("district",), ("street",), ("community",), ("month",), ("street", "month"),
       ("community", "month"), ("category",), ("channel",), ("matter_class",),
       ("category", "month"), ("district", "month"))


@pytest.fixture(scope="module")
def both_settings_dbs(hotline_times_db, tmp_path_factory):
    """{name: (read-only connection, settings)}: the 12345 ledger's aggregates as the ETL
    built them, and a copy rebuilt under another SLA and stall limit (other cutoffs)."""
    other = tmp_path_factory.mktemp("other") / "other.duckdb"
    shutil.copy(hotline_times_db, other)
    con = duckdb.connect(str(other))
    con.execute("BEGIN")
    aggregates.rebuild(con, OTHER_SETTINGS)
    con.execute("COMMIT")
    con.close()
    opened = {"etl": (duckdb.connect(str(hotline_times_db), read_only=True), Settings()),
              "other": (duckdb.connect(str(other), read_only=True), OTHER_SETTINGS)}
    yield opened
    for con, _ in opened.values():
        con.close()


def _question(data, vocabulary) -> tuple[tuple, Filters]:
    """A random question the aggregate tables can answer exactly (whole months, month-end
    or after-the-data as_of, at most one dimension besides the areas and month)."""
    from hypothesis import strategies as st

    streets, communities, categories = vocabulary
    by = data.draw(st.sampled_from(BYS), "by")
    month_end = st.builds(_month_end, st.integers(2022, 2024), st.integers(1, 12))
    as_of = data.draw(st.one_of(st.none(), month_end, st.just(date(2025, 3, 1))), "as_of")
    date_from = data.draw(st.one_of(st.none(), st.builds(date, st.integers(2022, 2024),
                                                          st.integers(1, 12), st.just(1))), "from")
    date_to = data.draw(st.one_of(st.none(), month_end), "to")
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to.replace(day=1), _month_end(date_from.year, date_from.month)
    where: dict = {}
    if not set(by) & {"category", "channel", "matter_class"}:
        chosen = data.draw(st.lists(st.sampled_from(streets), max_size=3, unique=True), "streets")
        if chosen:
            where["street"] = chosen
            if len(chosen) == 1 and data.draw(st.booleans(), "one community"):
                where["community"] = data.draw(st.sampled_from(communities[chosen[0]]), "community")
    elif "category" in by and data.draw(st.booleans(), "categories"):
        where["category"] = data.draw(st.lists(st.sampled_from(categories), min_size=1,
                                               max_size=4, unique=True), "category values")
    if data.draw(st.booleans(), "one month") and not where.get("category"):
        where["month"] = data.draw(st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2022, 2024),
                                             st.integers(1, 12)), "month value")
    return by, Filters.make(date_from, date_to, as_of, where)


def test_both_engines_answer_random_questions_alike(both_settings_dbs):
    """Metrics (every column), rankings (rank, previous rank, change, unranked reason),
    headlines (three slices and their deltas) and the 督办 counts: the fast path answers
    each question itself (source="aggregated" raises otherwise) and equals the raw path."""
    from hypothesis import HealthCheck, Phase, given, settings as hsettings, strategies as st

    from taizhang.kpi import supervision
    from taizhang.kpi.comparisons import headline, ranking

    vocabularies = {name: _vocabulary(con) for name, (con, _) in both_settings_dbs.items()}
    seen = {"overdue": 0, "stalled": 0, "ranked": 0, "previous_rank": 0, "median": 0,
            "late_resolved": 0, "questions": 0}

    # No shrinking: a failure names its draws, and shrinking would re-ask hundreds of them.
    @hsettings(max_examples=30, deadline=None, derandomize=True, phases=[Phase.generate],
               suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def ask(data):
        name = data.draw(st.sampled_from(sorted(both_settings_dbs)), "database")
        con, settings = both_settings_dbs[name]
        by, filters = _question(data, vocabularies[name])
        fast = metrics(con, by, filters, settings, source="aggregated")
        raw = metrics(con, by, filters, settings, source="raw")
        pd.testing.assert_frame_equal(fast, raw, check_exact=False, rtol=1e-12, atol=1e-12,
                                      obj=f"{name}: metrics(by={by}, {filters})")
        # A chart of cases by status (kpi.status_counts) draws metrics' rows that received
        # a case, these columns: from either engine (its own statement over the cases).
        shown = raw.loc[raw["received"] > 0, [*group_columns(by), *STATUS_COLUMNS]].reset_index(drop=True)
        for source in ("aggregated", "raw"):
            pd.testing.assert_frame_equal(status_counts(con, by, filters, settings, source=source), shown,
                                          obj=f"{name}: status_counts(by={by}, {filters}, {source})")
        seen["questions"] += 1
        seen["overdue"] += int(raw["overdue_open"].sum() > 0)
        seen["stalled"] += int(raw["stalled"].sum() > 0)
        seen["ranked"] += int(raw["rank"].notna().sum() > 1)
        seen["median"] += int(raw["median_days"].notna().any() and raw["median_hours"].notna().any())
        seen["late_resolved"] += int(raw["in_progress"].sum() > 0)
        if data.draw(st.booleans(), "comparisons"):
            # A month-end as_of: the month and the year before are whole months too.
            as_of = filters.as_of
            if as_of is None or as_of.day == 1:
                as_of = data.draw(st.builds(_month_end, st.integers(2023, 2024), st.integers(1, 12)),
                                  "comparisons as_of")
            plain_filters = Filters.make(filters.date_from, filters.date_to, as_of,
                                         {k: v for k, v in filters.where if k in ("street", "community")})
            level = data.draw(st.sampled_from(["street", "community"]), "level")
            keys = ["street"] if level == "street" else ["street", "community"]
            by_key = lambda df: df.sort_values(keys).reset_index(drop=True)  # noqa: E731
            fast_rank = ranking(con, level, plain_filters, settings, source="aggregated")
            pd.testing.assert_frame_equal(
                by_key(fast_rank), by_key(ranking(con, level, plain_filters, settings, source="raw")),
                check_exact=False, rtol=1e-12, atol=1e-12, obj=f"{name}: ranking({level}, {plain_filters})")
            seen["previous_rank"] += int(fast_rank["previous_rank"].notna().any())
            fast_head = headline(con, plain_filters, settings, source="aggregated")
            raw_head = headline(con, plain_filters, settings, source="raw")
            for part in ("metrics", "previous_month", "previous_year", "delta_month", "delta_year"):
                _same_values(fast_head[part], raw_head[part], f"{name}: headline({plain_filters}).{part}")
        if filters.as_of is None or filters.as_of >= date(2025, 1, 1):
            # The 督办 list's overdue and stalled cases (the third engine: agg_open_cases at
            # the latest date) are the metrics' open cases past their cutoffs, any month.
            standing, _ = supervision.list_slices(filters)
            standing = Filters.make(None, None, standing.as_of,
                                    {k: v for k, v in standing.where if k != "month"})
            counts = supervision.supervision_counts(con, standing, settings)
            whole = metrics(con, (), standing, settings, source="raw").iloc[0]
            assert (counts["overdue"], counts["stalled"]) == (whole["overdue_open"], whole["stalled"])

    ask()
    # The questions really exercised the rules: none of these may be left untried.
    assert seen["questions"] >= 30
    assert all(seen[k] >= 3 for k in seen), seen
    print(seen)


def test_quantiles_from_a_histogram_equal_linear_interpolation():
    """store.rules.quantiles (both paths' median and p90) against numpy's linear quantile
    over the expanded values, DuckDB's quantile_cont interpolation; NaN for no values."""
    import numpy as np
    from hypothesis import given, settings as hsettings, strategies as st

    from taizhang.store import rules

    @hsettings(max_examples=200, deadline=None, derandomize=True)
    @given(st.lists(st.lists(st.integers(0, 400), max_size=40), min_size=1, max_size=6))
    def check(groups):
        rows = [(g, v) for g, values in enumerate(groups) for v in values]
        rng = random.Random(len(rows))
        rng.shuffle(rows)  # any order: the function sorts
        group = np.array([g for g, _ in rows], dtype=np.int64)
        values = np.array([v for _, v in rows], dtype=np.int64)
        got = rules.quantiles(group, values, np.ones(len(rows), dtype=np.int64), len(groups))
        for g, expanded in enumerate(groups):
            for name, q in rules.QUANTILES.items():
                if expanded:
                    assert got[name][g] == pytest.approx(np.quantile(expanded, q), abs=1e-9)
                else:
                    assert np.isnan(got[name][g])

    check()
    # A histogram (value, count) gives what its expanded values give: 1,1,1,5,9 → 1 and 7.4.
    got = rules.quantiles(np.zeros(3, np.int64), np.array([9, 1, 5]), np.array([1, 3, 1]), 1)
    assert (got["median"][0], got["p90"][0]) == (1.0, pytest.approx(7.4))


def test_raw_quantiles_equal_duckdb_quantile_cont(hotline_times_db):
    """The raw path's medians and p90s (histograms read from the cases, interpolated in
    numpy) are the numbers DuckDB's quantile_cont gives over the same cases."""
    con = duckdb.connect(str(hotline_times_db), read_only=True)
    filters = Filters.make(date_from="2023-01-01", as_of="2024-12-31")
    raw = metrics(con, ("street",), filters, source="raw").set_index("street")
    expected = con.execute("""
        SELECT street, quantile_cont(days, 0.5), quantile_cont(days, 0.9),
               quantile_cont(minutes, 0.5) FILTER (WHERE minutes >= 0) / 60,
               quantile_cont(minutes, 0.9) FILTER (WHERE minutes >= 0) / 60
        FROM (SELECT street, date_diff('day', received_on, resolved_on) AS days,
                     (epoch(resolved_at)::BIGINT - epoch(received_at)::BIGINT) // 60 AS minutes
              FROM cases
              WHERE received_on BETWEEN DATE '2023-01-01' AND DATE '2024-12-31'
                AND status = 'resolved' AND resolved_on <= DATE '2024-12-31')
        GROUP BY street
    """).fetchall()
    assert len(expected) > 3
    for street, median, p90, median_hours, p90_hours in expected:
        row = raw.loc[street]
        assert (row["median_days"], row["p90_days"]) == (pytest.approx(median), pytest.approx(p90))
        assert (row["median_hours"], row["p90_hours"]) == (pytest.approx(median_hours),
                                                           pytest.approx(p90_hours))
    con.close()


def test_case_ids_come_from_the_write_sides_tables_only():
    # No SQL text reaches note_cases/refresh: a table and column of a fixed set, or the ids.
    assert aggregates.CaseIds("case_diff", "case_id", ("updated",)).statement() == (
        "SELECT case_id FROM case_diff WHERE list_contains(?::VARCHAR[], change)", [["updated"]])
    assert aggregates.CaseIds.of(["a'; DROP TABLE cases; --"]).statement()[1] == [["a'; DROP TABLE cases; --"]]
    for table, column in (("cases", "case_id"), ("case_diff", "case_id FROM cases; --")):
        with pytest.raises(ValueError):
            aggregates.CaseIds(table, column)
    con = duckdb.connect()
    with pytest.raises(ValueError):
        aggregates.refresh(con, months_of="cases WHERE true")


def test_a_rebuild_keeps_no_month_that_has_no_cases_any_more(hotline_db, tmp_path):
    """A rebuild makes the tables anew from the cases: a month whose cases are gone leaves
    no row behind, and every other month's rows are as they were."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(hotline_db, db)
    con = duckdb.connect(str(db))
    before = _snapshot(con)
    gone = con.execute("SELECT min(strftime(received_on, '%Y-%m')) FROM cases").fetchone()[0]
    con.execute("BEGIN")
    con.execute("DELETE FROM cases WHERE strftime(received_on, '%Y-%m') = ?", [gone])
    aggregates.rebuild(con, Settings())
    con.execute("COMMIT")
    after = _snapshot(con)
    assert (before["agg_counts"]["month"] == gone).any()
    for table in aggregates.TABLES:  # (agg_minutes is empty: these ledgers carry no times)
        kept = before[table][before[table]["month"] != gone].reset_index(drop=True)
        pd.testing.assert_frame_equal(after[table], kept, obj=table)
    con.close()
