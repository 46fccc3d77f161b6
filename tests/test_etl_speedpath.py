"""The fast paths of a large import give the same database as the general one: a first
load into an empty database (no lookups, aggregates rebuilt whole, rows written unsorted
when the ledger is already in received_on order) against the same ledger loaded next to
other cases; raw keeps every cell as written; folding without a second trim."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.store import aggregates
from taizhang.etl.areas import load_areas
from taizhang.etl.fold import SPACES_SQL, WIDE_SQL, fold_sql, fold_text
from taizhang.etl.load import load_paths
from taizhang.etl.merge import _in_received_order
from commands import RAW_JSON
from ledgers import write_registry

HEADER = ["工单编号", "受理时间", "社区", "诉求内容", "办理状态", "办结时间", "挂点领导", "满意度", "附件说明"]
# Not in received_on order (the third row is the earliest), a phone number, full-width
# text, a comma, a quote and a line break inside cells, an unmapped column, empty cells.
ROWS = [
    ["GD-1", "2023-01-08", "桃源社区", "小区路灯不亮", "已解决", "2023-01-20", "王一、李二", "满意", "照片2张"],
    ["GD-2", "2023-01-15", "贤士湖社区", "垃圾清运,不及时", "办理中", "", "赵三", "", ""],
    ["GD-3", "2023-01-02", "桃源社区", "楼道\n堆放\"杂物\"", "未启动", "", "王一", "", "联系人电话13812345678"],
    ["GD-4", "2023-02-11", "贤士湖社区", "下水道堵塞ＡＢ１", "已解决", "2023-02-12", "赵三(副书记)", "3", ""],
    ["GD-5", "2023-02-20", "桃源社区", "公园健身器材损坏", "暂缓", "", "", "未回访", "  备注 "],
]
OTHER = [["OT-1", "2022-12-01", "贤士湖社区", "别的台账的事", "已解决", "2022-12-05", "钱四", "满意", ""]]
# What cases carry of the ledger besides raw; import_id, source_file and last_seen_on
# depend on the import, not on the path taken.
CASE_COLUMNS = ("case_id, district, street, community, title, received_on, status, resolved_on, satisfaction, "
                f"reopened_count, source_sheet, source_row, {RAW_JSON}")


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def snapshot(db, ids) -> dict[str, list]:
    """The rows of these cases in every table an import writes, and the aggregate tables."""
    with duckdb.connect(str(db), read_only=True) as con:
        where = "WHERE case_id IN (SELECT unnest(?))"
        return {
            "cases": con.execute(f"SELECT {CASE_COLUMNS} FROM cases {where} ORDER BY case_id", [ids]).fetchall(),
            "events": con.execute(f"SELECT case_id, event_on, status, note FROM case_events {where} ORDER BY ALL",
                                  [ids]).fetchall(),
            "officials": con.execute(
                f"SELECT case_id, o.name, o.title, role FROM case_officials JOIN officials o USING (official_id) "
                f"{where} ORDER BY ALL", [ids]).fetchall(),
        }


def aggregate_tables(con) -> dict[str, list]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in aggregates.TABLES}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The ledger loaded into an empty database, and after another ledger's case."""
    root = tmp_path_factory.mktemp("speedpath")
    ledger = write_csv(root / "热线台账.csv", ROWS)
    registry = write_registry(root / "areas.csv")
    first, mixed = root / "first.duckdb", root / "mixed.duckdb"
    for db in (first, mixed):
        load_areas(db, registry)
    [other] = load_paths(mixed, [write_csv(root / "其他台账.csv", OTHER)], as_of="2023-02-28")
    assert other.rows_new == 1
    [a] = load_paths(first, [ledger], as_of="2023-02-28")
    [b] = load_paths(mixed, [ledger], as_of="2023-02-28")
    return root, ledger, first, mixed, a, b


def test_first_load_writes_what_the_general_path_writes(loaded):
    _, _, first, mixed, a, b = loaded
    assert (a.status, a.rows_new, a.rows_rejected) == (b.status, b.rows_new, b.rows_rejected) == ("ok", 5, 0)
    ids = [r[0] for r in ROWS]
    assert snapshot(first, ids) == snapshot(mixed, ids)
    assert len(snapshot(first, ids)["events"]) == 5
    with duckdb.connect(str(first), read_only=True) as con:
        # Stored by received_on although the ledger is not in that order.
        stored = [r[0] for r in con.execute("SELECT received_on FROM cases ORDER BY rowid").fetchall()]
        assert stored == sorted(stored) and stored[0] == dt.date(2023, 1, 2)
        built = aggregate_tables(con)
    # The whole-table build of a first load equals a rebuild from the stored cases.
    copy = first.with_name("rebuilt.duckdb")
    shutil.copy(first, copy)
    with duckdb.connect(str(copy)) as con:
        aggregates.rebuild(con)
        assert aggregate_tables(con) == built
        assert sum(r[0] for r in con.execute("SELECT n FROM agg_counts WHERE grain = 'district'").fetchall()) == 5


def test_raw_keeps_every_cell_as_written(loaded):
    _, _, first, _, _, _ = loaded
    with duckdb.connect(str(first), read_only=True) as con:
        raws = dict(con.execute(f"SELECT case_id, {RAW_JSON} FROM cases").fetchall())
    for row in ROWS:
        expected = {h: (v or None) for h, v in zip(HEADER, row)}  # as written: edge spaces kept
        expected["附件说明"] = expected["附件说明"] and expected["附件说明"].replace("13812345678", "138****5678")
        assert json.loads(raws[row[0]]) == expected


def test_reimport_after_a_first_load_changes_nothing(loaded):
    root, ledger, first, _, _, _ = loaded
    again = root / "again.duckdb"
    shutil.copy(first, again)
    ids = [r[0] for r in ROWS]
    before = snapshot(again, ids)
    [summary] = load_paths(again, [ledger], as_of="2023-02-28")
    assert (summary.status, summary.rows_new, summary.rows_updated, summary.rows_unchanged) == ("unchanged", 0, 0, 5)
    assert snapshot(again, ids) == before
    # The next month's version: one status change → one event, the cells refreshed.
    changed = [list(r) for r in ROWS]
    changed[1][4:6] = ["已解决", "2023-03-01"]
    [march] = load_paths(again, [write_csv(root / "热线台账3月.csv", changed)], as_of="2023-03-31")
    assert (march.rows_updated, march.rows_unchanged) == (1, 4)
    after = snapshot(again, ids)
    assert [e for e in after["events"] if e not in before["events"]] == [
        ("GD-2", dt.date(2023, 3, 31), "resolved", None)]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="a中ＡＢ１\u3000 \t\n,", min_size=1, max_size=12))
def test_folding_a_trimmed_cell_equals_fold_text(text):
    value = text.strip(" ")  # cells reach folding trimmed of spaces (DuckDB's trim) and never ''
    if not value:
        return
    with duckdb.connect() as con:
        flags = f"(SELECT ?::VARCHAR AS v) AS t, LATERAL (SELECT regexp_matches(v, '{WIDE_SQL}') AS w, " \
                f"regexp_matches(v, '{SPACES_SQL}') AS s)"
        got = con.execute(f"SELECT {fold_sql('v', 'w', 's', trimmed=True)} FROM {flags}", [value]).fetchall()[0][0]
    assert got == (fold_text(value) or None)


ORDER_ROWS = st.lists(st.tuples(st.integers(1, 3),                      # sheet_no
                                st.integers(0, 40),                     # days after 2023-01-01
                                st.sampled_from(["case", "meeting"]),
                                st.sampled_from([None, None, None, "total"]),          # skip
                                st.sampled_from([None, None, None, "date:received_on"])),  # reject
                      max_size=25)


@settings(max_examples=150, deadline=None)
@given(ORDER_ROWS)
def test_received_order_check_agrees_with_comparing_each_case_to_the_one_before(rows):
    # Counted in Python: the cases that are written (kind case, neither skipped nor
    # rejected), in file order (sheet, row), never go back a day.
    table = [(sheet, row_no, dt.date(2023, 1, 1) + dt.timedelta(days=day), kind, skip, reject)
             for row_no, (sheet, day, kind, skip, reject) in enumerate(rows, start=2)]
    dates = [r[2] for r in sorted(table, key=lambda r: (r[0], r[1]))
             if r[3] == "case" and r[4] is None and r[5] is None]
    expected = all(a <= b for a, b in zip(dates, dates[1:]))
    with duckdb.connect() as con:
        con.execute("CREATE TEMP TABLE checked (sheet_no INTEGER, row_no INTEGER, received_on_date DATE, "
                    "kind VARCHAR, skip VARCHAR, reject VARCHAR)")
        con.execute("CREATE TEMP TABLE sheet_headers AS SELECT 'received_on' AS field")
        if table:
            con.executemany("INSERT INTO checked VALUES (?, ?, ?, ?, ?, ?)", table)
        assert _in_received_order(con) is expected


def test_a_ledger_id_equal_to_the_key_generated_for_another_row_fails_the_file(tmp_path):
    # The row without an id gets a generated key; a second file gives that key as the id of
    # another case next to the same row: stored twice unless the after-the-fact check runs.
    registry = write_registry(tmp_path / "areas.csv")
    no_id = ["", "2023-01-08", "桃源社区", "小区路灯不亮", "已解决", "2023-01-20", "王一", "满意", ""]
    scratch, db = tmp_path / "scratch.duckdb", tmp_path / "t.duckdb"
    for path in (scratch, db):
        load_areas(path, registry)
    [first] = load_paths(scratch, [write_csv(tmp_path / "无编号.csv", [no_id])], as_of="2023-02-28")
    assert (first.status, first.rows_new) == ("ok", 1)
    with duckdb.connect(str(scratch), read_only=True) as con:
        [(generated,)] = con.execute("SELECT case_id FROM cases").fetchall()
    assert generated.startswith("h") and len(generated) == 17
    clash = [generated, "2023-01-09", "贤士湖社区", "垃圾清运不及时", "办理中", "", "赵三", "", ""]
    [summary] = load_paths(db, [write_csv(tmp_path / "撞号.csv", [no_id, clash])], as_of="2023-02-28")
    assert summary.status == "failed" and generated in summary.error
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(0,)]
    # Every case with an id of its own: nothing generated, the file loads.
    [ids] = load_paths(db, [write_csv(tmp_path / "有编号.csv", [["GD-9", *no_id[1:]], clash])], as_of="2023-02-28")
    assert (ids.status, ids.rows_new) == ("ok", 2)


def test_a_rejected_rows_officials_are_not_added(tmp_path):
    # The name lists are split from every row of the file that is not skipped (rejects
    # included); only the lists of the cases written may add an official or a title.
    db = tmp_path / "t.duckdb"
    load_areas(db, write_registry(tmp_path / "areas.csv"))
    rows = [["GD-1", "2023-01-08", "桃源社区", "小区路灯不亮", "办理中", "", "王一", "", ""],
            ["GD-2", "2023-13-45", "桃源社区", "垃圾清运不及时", "办理中", "", "王一(副书记)、赵三", "", ""]]
    [summary] = load_paths(db, [write_csv(tmp_path / "台账.csv", rows)], as_of="2023-02-28")
    assert (summary.status, summary.rows_new, summary.rows_rejected) == ("ok", 1, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT name, title FROM officials").fetchall() == [("王一", None)]
        assert con.execute("SELECT case_id, o.name, role FROM case_officials JOIN officials o "
                           "USING (official_id)").fetchall() == [("GD-1", "王一", "lead")]


def test_a_reload_finds_the_cases_whose_officials_changed(tmp_path):
    db = tmp_path / "t.duckdb"
    load_areas(db, write_registry(tmp_path / "areas.csv"))
    [first] = load_paths(db, [write_csv(tmp_path / "台账.csv", ROWS)], as_of="2023-02-28")
    assert first.rows_new == 5
    again = [list(r) for r in ROWS]
    again[0][6] = "李二、王一"        # the same two names in another order: unchanged
    again[1][6] = "赵三、钱四"        # one name more
    again[2][6] = ""                  # no official any more
    again[3][6] = "赵三(书记)"        # another title, the same official
    [second] = load_paths(db, [write_csv(tmp_path / "台账3月.csv", again)], as_of="2023-03-31")
    assert (second.rows_updated, second.rows_unchanged) == (2, 3)
    with duckdb.connect(str(db), read_only=True) as con:
        links = con.execute("SELECT case_id, o.name FROM case_officials JOIN officials o USING (official_id) "
                            "ORDER BY ALL").fetchall()
        events = con.execute("SELECT case_id FROM case_events WHERE event_on = DATE '2023-03-31'").fetchall()
    assert links == [("GD-1", "李二"), ("GD-1", "王一"), ("GD-2", "赵三"), ("GD-2", "钱四"), ("GD-4", "赵三")]
    assert events == []  # officials alone change no status
