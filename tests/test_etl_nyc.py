"""The NYC-311 profile imports the real export /work/shared/realdata/nyc311_sample.csv: every row
is loaded, rejected with a reason, or skipped, and the rows with Status "Closed" are resolved."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from taizhang.etl.load import load_paths

SAMPLE = Path("/work/shared/realdata/nyc311_sample.csv")
pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="real data sample not present")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db = tmp_path_factory.mktemp("nyc") / "nyc.duckdb"
    [summary] = load_paths(db, [SAMPLE], profile="nyc311")
    return db, summary


def test_every_row_is_loaded_rejected_or_skipped(loaded):
    db, summary = loaded
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    assert len(records) == 5895
    assert summary.status == "ok"
    assert summary.rows_read == len(records)
    assert summary.rows_new + summary.rows_rejected + summary.rows_skipped == len(records)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT count(*), count(DISTINCT case_id) FROM cases").fetchall()[0]
        rejected_keys = {json_key for (json_key,) in con.execute(
            "SELECT json_extract_string(raw, '$.\"Unique Key\"') FROM rejects").fetchall()}
        stored_keys = {k for (k,) in con.execute("SELECT case_id FROM cases").fetchall()}
    assert stored == (summary.rows_new, summary.rows_new)
    assert stored_keys | rejected_keys == {r["Unique Key"] for r in records}
    assert not stored_keys & rejected_keys


def test_closed_rows_count_as_resolved(loaded):
    db, _ = loaded
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    statuses = Counter(r["Status"] for r in records)
    assert statuses["Closed"] == 2462
    # the two rows closed "01/01/1900" (before they were created) are rejected, not counted
    placeholder = Counter(r["Status"] for r in records if r["Closed Date"].startswith("01/01/1900"))
    with duckdb.connect(str(db), read_only=True) as con:
        by_status = dict(con.execute("SELECT status, count(*) FROM cases GROUP BY 1").fetchall())
        resolved_without_date = con.execute(
            "SELECT count(*) FROM cases WHERE status = 'resolved' AND resolved_on IS NULL").fetchall()[0][0]
    assert by_status["resolved"] == 2462
    assert by_status["in_progress"] == statuses["In Progress"]
    assert by_status["pending"] == (statuses["Open"] + statuses["Assigned"] + statuses["Pending"]
                                    - sum(placeholder.values()))
    assert sum(by_status.values()) == len(records) - 3
    assert resolved_without_date == 0


def test_the_real_defects_are_rejected_with_reasons(loaded):
    _, summary = loaded
    got = sorted((r["row"], r["column"], r["value"]) for r in summary.rejects)
    # a status that is not one, and the 01/01/1900 placeholder the export uses for "no date"
    assert got == [
        (1501, "Closed Date", "01/01/1900 12:00:00 AM"),
        (1943, "Closed Date", "01/01/1900 12:00:00 AM"),
        (5353, "Status", "Unspecified"),
    ]
    assert summary.rejects[0]["reason"].startswith("nyc311_sample.csv 第1501行「Closed Date」的值")
