"""12345 hotline measures on a tiny hotline ledger written with openpyxl, loaded by the real ETL.

Every expected value is worked out by hand below. Sheet 南站街道, loaded twice: first as of
2023-03-01, then as of 2023-03-05 with h2 reopened (办理中, no 办结时间, no rating).

    case 社区 受理时间          办理状态 办结时间          签收时间          反馈时间          满意度
    h1   A   2023-01-08 14:05  已办结   2023-01-09 08:05  2023-01-08 15:05  2023-01-09 09:00  满意
             closure 18 h (1080 min), 1 day; response 1 h ✓; feedback 18 h 55 min, before due 02-07
    h2   A   2023-01-10 09:00  已办结   2023-01-12 21:00  2023-01-10 12:00  2023-01-13 10:00  不满意
             → reopened in the second file (in progress); response 3 h ✗; feedback 73 h, before due 02-09
    h3   A   2023-01-15 10:00  撤单                       2023-01-15 10:30                    cancelled; response ✓
    h4   B   2023-01-20 08:00  退单                                                         referred; no response
    h5   B   2023-01-22 16:00  已办结   2023-01-22 20:30  2023-01-22 16:10  2023-03-01 10:00  基本满意
             closure 4.5 h (270 min), 0 days; response ✓; feedback after due 02-21 ✗
    h6   B   2023-01-25        办理中                     2023-01-25                          dates alone: 00:00, response 0 h ✓
    h7   B   2023-02-03 11:00  已办结   2023-02-05        2023-02-03 11:20                    resolved without a time:
             2 days, no hours; response ✓
    h8   A   2023-02-10 09:00  转办                       2023-02-10 09:30                    referred; response ✓

Totals after the second file: received 8, resolved 3 (h1 h5 h7), in progress 2 (h2 h6),
cancelled 1, referred 2. resolution_rate = 3 / (8 − 1 − 2) = 0.6; return_rate = 2/8;
reopened_rate = 1/3. Hours over h1 and h5: median (270 + 1080)/2 = 675 min = 11.25 h, p90
270 + 0.9 × 810 = 999 min = 16.65 h. Days over h1 h5 h7 (1, 0, 2): median 1, p90 1.8.
response_rate = 6/7 (h4 has no 签收时间); feedback_on_time_rate = 2/3 by the deadline.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from taizhang.filters import Filters
from taizhang.kpi.metrics import metrics
from taizhang.cli import main
from taizhang.settings import Settings

from commands import kpi_json
from ledgers import workbook

HEADER = ["编号", "社区", "问题", "受理时间", "办理状态", "办结时间", "签收时间", "反馈时间", "满意度"]
ROWS = [
    ["h1", "A社区", "路灯不亮", "2023-01-08 14:05", "已办结", "2023-01-09 08:05", "2023-01-08 15:05",
     "2023-01-09 09:00", "满意"],
    ["h2", "A社区", "垃圾清运", "2023-01-10 09:00", "已办结", "2023-01-12 21:00", "2023-01-10 12:00",
     "2023-01-13 10:00", "不满意"],
    ["h3", "A社区", "噪音扰民", "2023-01-15 10:00", "撤单", None, "2023-01-15 10:30", None, None],
    ["h4", "B社区", "外区事项", "2023-01-20 08:00", "退单", None, None, None, None],
    ["h5", "B社区", "井盖松动", "2023-01-22 16:00", "已办结", "2023-01-22 20:30", "2023-01-22 16:10",
     "2023-03-01 10:00", "基本满意"],
    ["h6", "B社区", "绿化修剪", "2023-01-25", "办理中", None, "2023-01-25", None, None],
    ["h7", "B社区", "道路破损", "2023-02-03 11:00", "已办结", "2023-02-05", "2023-02-03 11:20", None, None],
    ["h8", "A社区", "供暖不热", "2023-02-10 09:00", "转办", None, "2023-02-10 09:30", None, None],
]


def write_ledger(path, rows):
    return workbook(path, "南站街道", [HEADER, *rows], title="南站街道12345工单台账")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("hotline")
    db = root / "t.duckdb"
    first = write_ledger(root / "工单0301.xlsx", ROWS)
    reopened = [list(r) for r in ROWS]
    reopened[1][4:6] = ["办理中", None]
    reopened[1][8] = None
    second = write_ledger(root / "工单0305.xlsx", reopened)
    for path, as_of in ((first, "2023-03-01"), (second, "2023-03-05")):
        assert main(["load", str(path), "--db", str(db), "--as-of", as_of]) == 0
    return db


def test_the_ledger_keeps_its_times(db):
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict((r[0], r[1:]) for r in con.execute(
            "SELECT case_id, received_at, resolved_at, responded_at, status, reopened_count FROM cases"
        ).fetchall())
    assert rows["h1"][:3] == (pd.Timestamp("2023-01-08 14:05"), pd.Timestamp("2023-01-09 08:05"),
                              pd.Timestamp("2023-01-08 15:05"))
    assert rows["h6"][:3] == (None, None, pd.Timestamp("2023-01-25 00:00"))  # dates alone
    assert rows["h7"][1] is None  # 办结时间 without a time
    assert {k: v[3] for k, v in rows.items() if v[3] in ("cancelled", "referred")} == \
        {"h3": "cancelled", "h4": "referred", "h8": "referred"}
    assert rows["h2"][3:] == ("in_progress", 1)


def test_totals_by_hand(db, capsys):
    [total] = kpi_json(capsys, db)
    assert {k: total[k] for k in ("received", "resolved", "in_progress", "pending", "deferred",
                                  "cancelled", "referred")} == \
        {"received": 8, "resolved": 3, "in_progress": 2, "pending": 0, "deferred": 0,
         "cancelled": 1, "referred": 2}
    assert total["resolution_rate"] == pytest.approx(3 / 5)
    assert total["return_rate"] == pytest.approx(2 / 8)
    assert total["reopened_rate"] == pytest.approx(1 / 3)
    assert total["median_hours"] == pytest.approx(11.25)
    assert total["p90_hours"] == pytest.approx(16.65)
    assert total["median_days"] == pytest.approx(1.0) and total["p90_days"] == pytest.approx(1.8)
    assert total["response_rate"] == pytest.approx(6 / 7)
    assert total["feedback_on_time_rate"] == pytest.approx(2 / 3)
    # on time: h1 h5 h7 resolved within 30 days of 3 dated resolutions (cancelled not counted)
    assert total["on_time_rate"] == pytest.approx(1.0)
    # cancelled and referred cases are never overdue (as of 2023-03-05 h3, h4, h8 are past due)
    assert total["overdue_open"] == 2  # h2 (due 02-09) and h6 (due 02-24) only


def test_by_community_by_hand(db, capsys):
    rows = {r["community"]: r for r in kpi_json(capsys, db, "--by", "community")}
    a, b = rows["A社区"], rows["B社区"]
    assert (a["received"], a["resolved"], a["cancelled"], a["referred"]) == (4, 1, 1, 1)
    assert a["resolution_rate"] == pytest.approx(1 / 2) and a["return_rate"] == pytest.approx(1 / 4)
    assert a["reopened_rate"] == pytest.approx(1.0) and a["response_rate"] == pytest.approx(3 / 4)
    assert a["median_hours"] == pytest.approx(18.0)
    assert (b["received"], b["resolved"], b["cancelled"], b["referred"]) == (4, 2, 0, 1)
    assert b["resolution_rate"] == pytest.approx(2 / 3) and b["reopened_rate"] == 0
    assert b["response_rate"] == pytest.approx(1.0)
    assert b["median_hours"] == pytest.approx(4.5) and b["p90_hours"] == pytest.approx(4.5)
    assert b["feedback_on_time_rate"] == 0  # h5's feedback came after its deadline


def test_as_of_a_month_end_counts_only_what_had_happened(db, capsys):
    """As of 2023-01-31: h7, h8 not received yet; h5's feedback (03-01) not given yet."""
    [total] = kpi_json(capsys, db, "--as-of", "2023-01-31")
    assert total["received"] == 6
    assert total["response_rate"] == pytest.approx(4 / 5)  # h1 h2 h3 h5 h6: h2 late
    assert total["feedback_on_time_rate"] == pytest.approx(1.0)  # h1, h2


def test_limits_in_hours_and_the_12345_preset(db, capsys, tmp_path, monkeypatch):
    config = tmp_path / "taizhang.toml"
    # The score over the rates as received (not the ranking's due-based ones), every rating
    # counted: the 12345 preset's arithmetic by hand.
    config.write_text('[kpi]\nresponse_hours = 4\nfeedback_hours = 48\n[score]\npreset = "12345"\n'
                      '[ranking]\nranking_basis = "received"\nmin_rated = 0\n', encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_CONFIG", str(config))
    [total] = kpi_json(capsys, db)
    assert total["response_rate"] == pytest.approx(1.0)  # h2's 3 h is within 4 h
    assert total["feedback_on_time_rate"] == pytest.approx(1 / 3)  # h1 only: 18 h 55 min ≤ 48 h
    # 三率, one third each: response 1.0, resolution 0.6, satisfaction (1 + 1) / 2 = 1.0
    assert total["score"] == pytest.approx(100 * (1.0 + 0.6 + 1.0) / 3)


@pytest.mark.parametrize("by, as_of", [((), None), (("community",), None), (("month",), None),
                                       (("community",), "2023-01-31"), ((), "2023-02-28")])
def test_aggregate_path_equals_raw_path(db, by, as_of):
    with duckdb.connect(str(db), read_only=True) as con:
        filters = Filters.make(as_of=as_of)
        fast = metrics(con, by, filters, Settings(), source="aggregated")
        raw = metrics(con, by, filters, Settings(), source="raw")
    pd.testing.assert_frame_equal(fast, raw, check_exact=False, rtol=1e-12, atol=1e-12)
    assert fast["median_hours"].notna().any()


def test_a_ledger_of_dates_alone_has_no_hours(tmp_path, capsys):
    rows = [[r[0], r[1], r[2], r[3][:10], r[4], (r[5] or "")[:10] or None, None, None, r[8]] for r in ROWS]
    db = tmp_path / "d.duckdb"
    assert main(["load", str(write_ledger(tmp_path / "dates.xlsx", rows)), "--db", str(db)]) == 0
    capsys.readouterr()
    [total] = kpi_json(capsys, db)
    assert total["median_hours"] is None and total["p90_hours"] is None
    assert total["response_rate"] is None and total["feedback_on_time_rate"] is None
    assert total["median_days"] == pytest.approx(1.5)  # h1 1, h2 2, h5 0, h7 2: (1 + 2) / 2


def test_ended_cases_are_not_supervised(tmp_path):
    """A referred case rated 不满意 and a cancelled one past its deadline are not on the
    督办 list; an open one rated 不满意, past its deadline and without progress is, for each."""
    from taizhang.kpi import api as kpi
    rows = [["s1", "A社区", "外区事项", "2023-01-05 09:00", "退单", None, None, None, "不满意"],
            ["s2", "A社区", "重复来电", "2023-01-06 09:00", "撤单", None, None, None, None],
            ["s3", "A社区", "路面塌陷", "2023-01-07 09:00", "办理中", None, None, None, "不满意"]]
    db = tmp_path / "s.duckdb"
    assert main(["load", str(write_ledger(tmp_path / "s.xlsx", rows)), "--db", str(db),
                 "--as-of", "2023-03-31"]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        listed = kpi.supervision_list(con, Filters.make(as_of="2023-03-31"))
    assert sorted(zip(listed["case_id"], listed["kind"])) == [
        ("s3", "dissatisfied"), ("s3", "overdue"), ("s3", "stalled")]


def test_a_response_limit_in_working_days(tmp_path, capsys, monkeypatch):
    """response_workdays = 1 on the Chinese calendar (2023: Spring Festival 01-21…01-27,
    Saturday 01-28 a make-up working day):
      w1 received Fri 02-03 17:00, 签收 Mon 02-06 09:00: the 1st working day after → in time (64 h)
      w2 received Wed 02-08 10:00, 签收 Fri 02-10 09:00: after Thu 02-09 → late (47 h)
      w3 received Fri 01-20 10:00, 签收 Sat 01-28 09:00: the make-up day is the 1st → in time
    so 2/3; with response_hours = 24 instead none is in time."""
    rows = [["w1", "A社区", "路灯", "2023-02-03 17:00", "办理中", None, "2023-02-06 09:00", None, None],
            ["w2", "A社区", "井盖", "2023-02-08 10:00", "办理中", None, "2023-02-10 09:00", None, None],
            ["w3", "A社区", "积水", "2023-01-20 10:00", "办理中", None, "2023-01-28 09:00", None, None]]
    db = tmp_path / "w.duckdb"
    assert main(["load", str(write_ledger(tmp_path / "w.xlsx", rows)), "--db", str(db)]) == 0
    capsys.readouterr()
    config = tmp_path / "taizhang.toml"
    monkeypatch.setenv("TAIZHANG_CONFIG", str(config))
    config.write_text("[kpi]\nresponse_workdays = 1\n", encoding="utf-8")
    [total] = kpi_json(capsys, db)
    assert total["response_rate"] == pytest.approx(2 / 3)
    assert {r["month"]: r["response_rate"] for r in kpi_json(capsys, db, "--by", "month")} == \
        {"2023-01": 1.0, "2023-02": 0.5}
    config.write_text("[kpi]\nresponse_hours = 24\n", encoding="utf-8")
    [total] = kpi_json(capsys, db)
    assert total["response_rate"] == 0
