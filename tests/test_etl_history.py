"""Idempotent and historical loads: twice → no change; next month's version → updates and
events, no duplicates; a file that fails mid-way leaves the database as it was."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import openpyxl
import pytest

import taizhang.etl.load
from taizhang.etl.areas import load_areas
from taizhang.etl.errors import LedgerError
from taizhang.etl.load import load_paths
from taizhang.store.schema import SCHEMA_VERSION, UNINDEXED, schema_sql
from taizhang.cli import main
from ledgers import workbook, write_registry

HEADER = ["序号", "编号", "社区", "问题", "反映时间", "办理状态", "办结时间", "满意度", "挂点领导", "进展情况"]
D = dt.date
JANUARY = [
    ["A1", "桃源社区", "路灯不亮", D(2023, 1, 5), "正在解决", None, None, "王一", "已报修"],
    ["A2", "桃源社区", "井盖缺失", D(2023, 1, 6), "已解决", D(2023, 1, 10), "不满意", "王一", "已补装"],
    ["A3", "贤士湖社区", "停车难", D(2023, 1, 7), "未启动", None, None, "赵三", None],
]
FEBRUARY = [
    ["A1", "桃源社区", "路灯不亮", D(2023, 1, 5), "已解决", D(2023, 2, 5), "满意", "王一、李二", "已更换"],
    ["A2", "桃源社区", "井盖缺失", D(2023, 1, 6), "正在解决", None, None, "王一", "居民不满意,重新办理"],
    ["A3", "贤士湖社区", "停车难", D(2023, 1, 7), "未启动", None, None, "赵三", None],
    ["A4", "贤士湖社区", "健身器材损坏", D(2023, 2, 10), "正在解决", None, None, "赵三", None],
]
TABLES = ("cases", "case_events", "officials", "case_officials", "meetings", "meeting_attendance",
          "rejects", "areas")


def write_ledger(path, rows):
    numbered = ([n, *row] for n, row in enumerate(rows, start=1))
    return workbook(path, "南站街道", [HEADER, *numbered], title="南站街道问题台账(2023年)")


def snapshot(db) -> dict[str, list]:
    """Every row of every table but `imports`, in a stable order."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "t.duckdb"
    load_areas(path, write_registry(tmp_path / "areas.csv"))
    return path


def test_loading_the_same_file_twice_changes_nothing(db, tmp_path):
    ledger = write_ledger(tmp_path / "台账.xlsx", JANUARY)
    [first] = load_paths(db, [ledger])
    before = snapshot(db)
    [second] = load_paths(db, [ledger])
    assert (first.status, first.rows_new) == ("ok", 3)
    assert (second.status, second.rows_new, second.rows_updated, second.rows_unchanged) == ("unchanged", 0, 0, 3)
    assert "无变化 / unchanged" in second.line()
    assert snapshot(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM imports ORDER BY import_id").fetchall() == [("ok",), ("unchanged",)]
        # first sight of each case, dated by the latest date in the file (no --as-of given)
        assert con.execute("SELECT DISTINCT event_on FROM case_events").fetchall() == [(D(2023, 1, 10),)]


def test_next_months_version_updates_and_writes_events(db, tmp_path):
    load_paths(db, [write_ledger(tmp_path / "台账1.xlsx", JANUARY)])
    [feb] = load_paths(db, [write_ledger(tmp_path / "台账2.xlsx", FEBRUARY)], as_of="2023-02-28")
    assert (feb.status, feb.rows_new, feb.rows_updated, feb.rows_unchanged) == ("ok", 1, 2, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        cases = con.execute(
            "SELECT case_id, status, resolved_on, satisfaction, reopened_count, last_progress_on FROM cases ORDER BY 1"
        ).fetchall()
        events = con.execute(
            "SELECT case_id, event_on, status FROM case_events WHERE event_on = DATE '2023-02-28' ORDER BY 1"
        ).fetchall()
        leads = con.execute(
            "SELECT o.name FROM case_officials JOIN officials o USING (official_id) WHERE case_id = 'A1' ORDER BY 1"
        ).fetchall()
        imports = con.execute("SELECT as_of FROM imports ORDER BY import_id").fetchall()
    assert cases == [
        ("A1", "resolved", D(2023, 2, 5), "satisfied", 0, D(2023, 2, 28)),
        ("A2", "in_progress", None, None, 1, D(2023, 2, 28)),   # resolved, then re-handled: reopened
        ("A3", "pending", None, None, 0, None),
        ("A4", "in_progress", None, None, 0, None),
    ]
    assert events == [("A1", D(2023, 2, 28), "resolved"), ("A2", D(2023, 2, 28), "in_progress"),
                      ("A4", D(2023, 2, 28), "in_progress")]
    assert leads == [("李二",), ("王一",)]
    assert imports == [(D(2023, 1, 10),), (D(2023, 2, 28),)]


def test_a_file_that_fails_midway_leaves_the_database_as_it_was(db, tmp_path, monkeypatch):
    load_paths(db, [write_ledger(tmp_path / "台账1.xlsx", JANUARY)])
    before = snapshot(db)

    def broken(*args, **kwargs):  # after cases, events and officials were written
        raise LedgerError("磁盘已满 / disk full")

    monkeypatch.setattr(taizhang.etl.load, "merge_meetings", broken)
    [summary] = load_paths(db, [write_ledger(tmp_path / "台账2.xlsx", FEBRUARY)])
    assert summary.status == "failed"
    assert summary.line() == "台账2.xlsx: 导入失败,数据库未改动 / failed, database unchanged: 磁盘已满 / disk full"
    assert snapshot(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        last = con.execute("SELECT status, error, rows_new FROM imports ORDER BY import_id DESC LIMIT 1").fetchall()
    assert last == [("failed", "磁盘已满 / disk full", 0)]


def test_unreadable_files_fail_with_a_message_and_the_others_load(db, tmp_path):
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"this is not a workbook")
    no_header = tmp_path / "无表头.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["只有一行说明文字"])
    wb.save(no_header)
    good = write_ledger(tmp_path / "好文件.xlsx", JANUARY)
    summaries = {s.file.split("/")[-1]: s for s in load_paths(db, [broken, no_header, good])}
    assert summaries["好文件.xlsx"].status == "ok"
    assert summaries["坏文件.xlsx"].status == "failed"
    assert "请用 Excel/WPS 打开后另存为 .xlsx" in summaries["坏文件.xlsx"].error
    assert summaries["无表头.xlsx"].error == (
        "无表头.xlsx: 前 20 行中找不到可识别的表头(需要如 反映时间、问题、办理状态 这样的列名)/ no header row "
        "Taizhang recognises in the first 20 rows (it needs column names such as 反映时间, 问题, 办理状态). "
        "若这是其他系统的导出文件,运行 taizhang profile suggest 无表头.xlsx > 配置.toml 生成格式配置,编辑后用 "
        "--profile 配置.toml 导入 / if this is another system's export, run `taizhang profile suggest "
        "无表头.xlsx > my.toml`, edit it, and load with --profile my.toml."
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(3,)]
        assert con.execute("SELECT status, count(*) FROM imports GROUP BY 1 ORDER BY 1").fetchall() == [
            ("failed", 2), ("ok", 1)]


def test_check_is_a_dry_run(db, tmp_path):
    before = snapshot(db)
    [summary] = load_paths(db, [write_ledger(tmp_path / "台账.xlsx", JANUARY)], dry_run=True)
    assert (summary.status, summary.rows_new, summary.import_id) == ("checked", 3, None)
    assert snapshot(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM imports").fetchall() == [(0,)]
    missing = tmp_path / "none.duckdb"
    load_paths(missing, [write_ledger(tmp_path / "台账.xlsx", JANUARY)], dry_run=True)
    assert not missing.exists()


def test_an_older_version_loaded_after_a_newer_one_moves_nothing_back(db, tmp_path):
    january = write_ledger(tmp_path / "台账1.xlsx", JANUARY)
    load_paths(db, [january])                                   # as of 2023-01-10
    load_paths(db, [write_ledger(tmp_path / "台账2.xlsx", FEBRUARY)], as_of="2023-02-28")
    before = snapshot(db)
    [old] = load_paths(db, [january], as_of="2023-01-31")
    assert (old.status, old.rows_new, old.rows_updated, old.rows_unchanged) == ("unchanged", 0, 0, 3)
    assert "2 行早于数据库中的版本" in old.line() and "2 rows are older than" in old.line()  # A3 is equal
    # A3 last changed on 2023-01-10 but was seen unchanged on 2023-02-28: a version of
    # mid-February is older than what the database knows about A3, too.
    mid = [row[:4] + ["正在解决"] + row[5:] if row[0] == "A3" else row for row in FEBRUARY]
    [middle] = load_paths(db, [write_ledger(tmp_path / "台账1b.xlsx", mid)], as_of="2023-02-15")
    assert (middle.rows_updated, middle.rows_unchanged) == (0, 4)
    assert snapshot(db) == before
    # A version newer than every sighting still moves a case on.
    [march] = load_paths(db, [write_ledger(tmp_path / "台账3.xlsx", mid)], as_of="2023-03-31")
    assert (march.rows_updated, march.rows_unchanged) == (1, 3)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, last_seen_on FROM cases WHERE case_id = 'A3'").fetchall() == [
            ("in_progress", D(2023, 3, 31))]
        assert con.execute("SELECT DISTINCT last_seen_on FROM cases").fetchall() == [(D(2023, 3, 31),)]


def test_a_schema_1_database_gets_last_seen_on_from_its_imports(db, tmp_path):
    load_paths(db, [write_ledger(tmp_path / "台账1.xlsx", JANUARY)])
    with duckdb.connect(str(db)) as con:  # as Taizhang with schema 1 left it
        con.execute("ALTER TABLE cases DROP COLUMN last_seen_on")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    [old] = load_paths(db, [write_ledger(tmp_path / "台账0.xlsx", FEBRUARY[:3])], as_of="2023-01-09")
    assert (old.rows_updated, old.rows_unchanged) == (0, 3)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)]
        assert con.execute("SELECT DISTINCT last_seen_on FROM cases").fetchall() == [(D(2023, 1, 10),)]


def test_a_schema_2_database_loses_its_key_indexes_and_keeps_every_row(db, tmp_path):
    """2 → 3: cases and case_officials are rebuilt without PRIMARY KEY, rows unchanged."""
    load_paths(db, [write_ledger(tmp_path / "台账1.xlsx", JANUARY)])
    everything = "SELECT * FROM {} ORDER BY ALL"
    with duckdb.connect(str(db)) as con:  # as Taizhang with schema 2 left it: keys indexed
        before = {t: con.execute(everything.format(t)).fetchall() for t in UNINDEXED}
        keyed = schema_sql().replace("case_id          VARCHAR NOT NULL,",
                                     "case_id          VARCHAR PRIMARY KEY,")
        assert keyed != schema_sql()
        con.execute("ALTER TABLE cases RENAME TO cases_old")
        con.execute(keyed)
        con.execute("INSERT INTO cases BY NAME SELECT * FROM cases_old")
        con.execute("DROP TABLE cases_old")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'cases' "
                           "AND constraint_type = 'PRIMARY KEY'").fetchone()[0] == 1
    [again] = load_paths(db, [write_ledger(tmp_path / "台账1b.xlsx", JANUARY)])
    assert again.rows_new == 0 and again.rows_updated == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)]
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name IN "
                           "('cases', 'case_officials') AND constraint_type = 'PRIMARY KEY'"
                           ).fetchone()[0] == 0
        for table in UNINDEXED:
            assert con.execute(everything.format(table)).fetchall() == before[table]


def test_a_schema_5_database_takes_the_statuses_that_end_without_resolution(db, tmp_path):
    """5 → 6: cases is rebuilt (its status CHECK admits cancelled and referred; the time
    columns are added, NULL), every row kept; a ledger of 撤单/转办 then loads."""
    load_paths(db, [write_ledger(tmp_path / "台账1.xlsx", JANUARY)])
    with duckdb.connect(str(db)) as con:  # as Taizhang with schema 5 left it
        before = con.execute("SELECT case_id, status, received_on FROM cases ORDER BY ALL").fetchall()
        old = schema_sql().replace("""CHECK (status IN ('pending', 'in_progress', 'resolved', 'deferred',
                                       'cancelled', 'referred')),""",
                                   "CHECK (status IN ('pending', 'in_progress', 'resolved', 'deferred')),")
        for column in ("received_at", "resolved_at", "responded_at", "feedback_at"):
            old = "\n".join(line for line in old.split("\n") if not line.strip().startswith(column))
        assert "'cancelled'" not in old and "responded_at" not in old
        con.execute("ALTER TABLE cases RENAME TO cases_old")
        con.execute(old)
        con.execute("INSERT INTO cases BY NAME SELECT * EXCLUDE (received_at, resolved_at, responded_at, "
                    "feedback_at) FROM cases_old")
        con.execute("DROP TABLE cases_old")
        con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("UPDATE cases SET status = 'cancelled' WHERE case_id = 'A3'")
    # A reader first (taizhang kpi opens the file read-only): the file is migrated before.
    assert main(["kpi", "--db", str(db), "--format", "json"]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),)
        assert con.execute("SELECT case_id, status, received_on FROM cases ORDER BY ALL").fetchall() == before
    withdrawn = [[*JANUARY[2][:4], "撤单", *JANUARY[2][5:]],
                 ["A5", "桃源社区", "外区事项", D(2023, 1, 8), "转办", None, None, "王一", None]]
    [summary] = load_paths(db, [write_ledger(tmp_path / "台账2.xlsx", [*JANUARY[:2], *withdrawn])])
    assert summary.status == "ok" and summary.rows_rejected == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)]
        rows = con.execute("SELECT case_id, status, received_on FROM cases ORDER BY ALL").fetchall()
        assert rows == [*before[:2], ("A3", "cancelled", D(2023, 1, 7)), ("A5", "referred", D(2023, 1, 8))]
        assert con.execute("SELECT count(received_at) FROM cases").fetchone() == (0,)


def test_out_of_memory_says_which_setting_to_raise():
    from taizhang.etl.load import _internal_error_text

    text = _internal_error_text(duckdb.OutOfMemoryException("failed to pin block of size 256.0 KiB"))
    assert "TAIZHANG_LOAD_MEMORY_LIMIT" in text and "内存不足" in text and "split the file" in text
    assert _internal_error_text(ValueError("x")) == "内部错误 / internal error: ValueError: x"


def write_meetings(path, topic, participants, attendees):
    """A meeting ledger of one 幸福圆桌会 (its key: date, community and form, not the topic)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "会议记录"
    ws.append(["会议时间", "街道", "社区", "议事形式", "议题", "参会人数", "参会领导"])
    ws.append([D(2023, 3, 1), "南站街道", "桃源社区", "幸福圆桌会", topic, participants, attendees])
    wb.save(path)
    return path


def stored_meeting(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""
            SELECT m.topic, m.participants, list(o.name ORDER BY o.name), m.last_seen_on
            FROM meetings m JOIN meeting_attendance USING (meeting_id) JOIN officials o USING (official_id)
            GROUP BY ALL
        """).fetchall()


def test_an_older_meeting_ledger_overwrites_no_meeting(db, tmp_path):
    july = write_meetings(tmp_path / "会议7月.xlsx", "小区照明", 23, "王一、赵三")
    load_paths(db, [july], as_of="2023-07-31")
    [june] = load_paths(db, [write_meetings(tmp_path / "会议6月.xlsx", "照明", 20, "王一")],
                        as_of="2023-06-30")
    assert (june.rows_new, june.rows_updated, june.rows_unchanged) == (0, 0, 1)
    assert "1 行早于数据库中的版本" in june.line()
    assert stored_meeting(db) == [("小区照明", 23, ["王一", "赵三"], D(2023, 7, 31))]
    # Seen unchanged in August: a mid-August version is older than what the database knows.
    load_paths(db, [write_meetings(tmp_path / "会议8月.xlsx", "小区照明", 23, "王一、赵三")],
               as_of="2023-08-31")
    [mid] = load_paths(db, [write_meetings(tmp_path / "会议8月中.xlsx", "照明", 20, "王一")],
                       as_of="2023-08-15")
    assert mid.rows_updated == 0
    assert stored_meeting(db) == [("小区照明", 23, ["王一", "赵三"], D(2023, 8, 31))]
    # A later version still moves the meeting on.
    [september] = load_paths(db, [write_meetings(tmp_path / "会议9月.xlsx", "小区照明改造", 25, "钱四")],
                             as_of="2023-09-30")
    assert september.rows_updated == 1
    assert stored_meeting(db) == [("小区照明改造", 25, ["钱四"], D(2023, 9, 30))]


def test_a_schema_3_database_gets_meetings_last_seen_on_from_its_imports(db, tmp_path):
    load_paths(db, [write_meetings(tmp_path / "会议7月.xlsx", "小区照明", 23, "王一")], as_of="2023-07-31")
    with duckdb.connect(str(db)) as con:  # as Taizhang with schema 3 left it
        con.execute("ALTER TABLE meetings DROP COLUMN last_seen_on")
        con.execute("ALTER TABLE rejects DROP COLUMN code")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    # A ledger with one meeting, then one with a good and a bad case row: a reject stored
    # with its code (a file whose every row is rejected imports nothing, rejects included).
    [june] = load_paths(db, [write_meetings(tmp_path / "会议6月.xlsx", "照明", 20, "王一")],
                        as_of="2023-06-30")
    assert june.rows_updated == 0
    [bad] = load_paths(db, [write_ledger(tmp_path / "台账坏.xlsx",
                                         [JANUARY[1], JANUARY[0][:3] + [None] + JANUARY[0][4:]])])
    assert bad.rows_rejected == 1, bad.line()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)]
        assert con.execute("SELECT code FROM rejects").fetchall() == [("missing:received_on",)]
    assert stored_meeting(db) == [("小区照明", 23, ["王一"], D(2023, 7, 31))]


def as_schema_8(con) -> None:
    """Make the database what Taizhang with schema 8 wrote: each case's row as read a JSON
    object header → cell in cases.raw (the text DuckDB's to_json writes, as json_object
    did), no raw_layouts; the cases in their stored order."""
    old = schema_sql().replace("    raw              JSON USING COMPRESSION 'zstd',\n    raw_layout       INTEGER,\n",
                               "    raw              JSON USING COMPRESSION 'zstd',\n")
    start = old.index("CREATE TABLE IF NOT EXISTS raw_layouts")
    old = old[:start] + old[old.index(";", start) + 1:]
    assert "raw_layout       INTEGER" not in old and "CREATE TABLE IF NOT EXISTS raw_layouts" not in old
    assert "raw              JSON" in old
    con.execute("ALTER TABLE cases RENAME TO cases_new")
    con.execute(old)
    con.execute("""
        INSERT INTO cases BY NAME
        SELECT * EXCLUDE (raw, raw_layout),
               (SELECT to_json(map(l.keys, json_extract_string(c.raw, '$[*]'))) FROM raw_layouts l
                WHERE l.layout_id = c.raw_layout) AS raw
        FROM cases_new c ORDER BY rowid
    """)
    con.execute("DROP TABLE cases_new")
    con.execute("DROP TABLE raw_layouts")
    con.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")


def test_a_schema_8_database_keeps_every_raw_row_as_values_and_its_headers_once(db, tmp_path):
    """8 → 9: each case's JSON row becomes its values, its keys one raw_layouts row per
    distinct list of them; no case, count, key or cell changes, the stored order neither."""
    from taizhang.kpi import api as kpi

    ledger = write_ledger(tmp_path / "台账1.xlsx", JANUARY)
    other = tmp_path / "热线.csv"  # a second header list (another layout)
    other.write_text("编号,社区,问题,反映时间,办理状态\nB1,桃源社区,噪音扰民,2023-01-08,已解决\n", encoding="utf-8")
    load_paths(db, [ledger, other])
    # JSON a ledger hardly writes, and no case of today's schema holds: keys JSON paths
    # would read as paths ($, /, .), quotes, a line break, an empty text and a number
    tricky = '{"编号":"X1","$金额":"5","/备注":null,"a.b":"说\\"好\\"","行":"一\\n二","空":"","数":3}'
    with duckdb.connect(str(db)) as con:
        as_schema_8(con)
        con.execute("INSERT INTO cases BY NAME SELECT * REPLACE ('X1' AS case_id, ?::JSON AS raw) "
                    "FROM cases WHERE case_id = 'A1'", [tricky])
        before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES if t != "cases"}
        cases = con.execute("SELECT * EXCLUDE (raw) FROM cases ORDER BY case_id").fetchall()
        order = con.execute("SELECT case_id FROM cases").fetchall()
        rows = {case_id: raw for case_id, raw in con.execute("SELECT case_id, raw FROM cases").fetchall()}
    assert len(rows) == 5
    # A reader first (taizhang kpi opens the file read-only): the file is migrated before.
    assert main(["kpi", "--db", str(db), "--format", "json"]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES if t != "cases"} == before
        assert con.execute("SELECT * EXCLUDE (raw, raw_layout) FROM cases ORDER BY case_id").fetchall() == cases
        assert con.execute("SELECT case_id FROM cases").fetchall() == order
        layouts = dict(con.execute("SELECT layout_id, keys FROM raw_layouts").fetchall())
        stored = {case_id: (layout, json.loads(raw)) for case_id, layout, raw
                  in con.execute("SELECT case_id, raw_layout, raw FROM cases").fetchall()}
    # three distinct header lists: the workbook's, the CSV's and the hand-written one's
    assert len(layouts) == 3 and len(set(map(tuple, layouts.values()))) == 3
    for case_id, text in rows.items():
        layout, values = stored[case_id]
        keys = [k for k, _ in json.loads(text, object_pairs_hook=list)]
        assert layouts[layout] == keys  # the headers in column order, once
        # an empty text reads as an empty cell (NULL), as a load stores one
        expected = {k: (None if v in (None, "") else str(v)) for k, v in json.loads(text).items()}
        assert dict(zip(keys, values)) == expected
    assert stored["X1"][1] == ["X1", "5", None, '说"好"', "一\n二", None, "3"]
    with duckdb.connect(str(db), read_only=True) as con:  # the case page reads the same row
        assert kpi.case_detail(con, "A2", pii=True)["raw"] == json.loads(rows["A2"])
        assert kpi.case_detail(con, "X1", pii=True)["raw"]["行"] == "一\n二"
        assert kpi.case_detail(con, "X1", pii=True)["raw"]["/备注"] is None
    # the same ledgers again: nothing changes, and no second copy of their header lists
    again = load_paths(db, [ledger, other])
    assert [(s.status, s.rows_new, s.rows_updated) for s in again] == [("unchanged", 0, 0)] * 2
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw_layouts").fetchone() == (3,)
