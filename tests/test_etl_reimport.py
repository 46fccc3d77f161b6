"""Re-importing the demo's whole ledger folder (registry, the June version and the July
version) after the demo was built changes nothing: an older version moves no case back."""

from __future__ import annotations

import duckdb

from taizhang.etl.load import load_paths

TABLES = ("cases", "case_events", "officials", "case_officials", "meetings", "meeting_attendance", "rejects",
          "areas")


def snapshot(db) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_the_june_version_after_july_and_the_whole_folder_are_no_ops(demo_build, demo_db_copy):
    before = snapshot(demo_db_copy)
    ledgers = demo_build / "ledgers"
    [june] = load_paths(demo_db_copy, [ledgers / "earlier"], as_of="2022-06-30")
    assert (june.status, june.rows_new, june.rows_updated) == ("unchanged", 0, 0)
    assert "早于数据库中的版本" in june.line()
    summaries = load_paths(demo_db_copy, [ledgers])
    names = [s.file.split("/")[-1] for s in summaries]
    assert "areas.csv" not in names and len(names) == 1 + len(list((ledgers / "ledgers").iterdir()))
    assert {s.status for s in summaries} == {"unchanged"}, [s.line() for s in summaries if s.status != "unchanged"]
    assert sum(s.rows_new + s.rows_updated for s in summaries) == 0
    assert snapshot(demo_db_copy) == before
    with duckdb.connect(str(demo_db_copy), read_only=True) as con:
        counts = dict(con.execute("SELECT status, count(*) FROM cases GROUP BY 1").fetchall())
    assert (counts["resolved"], counts["in_progress"], sum(counts.values())) == (1769, 246, 2090)
