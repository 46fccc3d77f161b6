"""Row-level rules of a CSV import that the load's speed work touched: which rows get folded
and masked (decided on the row's cells run together), the post-merge check that keys stay
unique, and the row number a reject or a case points to when cells hold line breaks."""

from __future__ import annotations

import csv
import json

import duckdb

from taizhang.etl.load import load_paths
from commands import RAW_JSON

HEADER = ["工单编号", "受理时间", "社区", "诉求内容", "办理状态"]


def write_csv(path, rows, header=HEADER, newline="\n"):
    """A UTF-8 ledger CSV as an office exports it (every cell quoted)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def cases(db, columns=f"case_id, title, {RAW_JSON}"):
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0]: r[1:] for r in con.execute(f"SELECT {columns} FROM cases").fetchall()}


def load_rows(tmp_path, rows, **csv_args):
    """Write `rows` (under HEADER, or `header=`) as 台账.csv and load it into a new database:
    (db, summary)."""
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [write_csv(tmp_path / "台账.csv", rows, **csv_args)])
    return db, summary


def test_a_phone_number_typed_in_full_width_digits_is_masked(tmp_path):
    # Folding turns １３８… into 13812345678: the masking after it must see a number.
    rows = [["W-1", "2023-01-08", "桃源社区", "请回电１３８１２３４５６７８", "办理中"],
            ["W-2", "2023-01-09", "桃源社区", "电话13912345678", "办理中"]]
    db, summary = load_rows(tmp_path, rows)
    assert summary.status == "ok", summary.line()
    got = cases(db)
    assert got["W-1"][0] == "请回电138****5678"
    assert got["W-2"][0] == "电话139****5678"
    assert "13912345678" not in got["W-2"][1]  # raw masked too


def test_a_cell_edged_by_a_no_break_space_is_trimmed_whatever_else_its_row_holds(tmp_path):
    # DuckDB's trim() removes every space separator; a row is folded when any of its cells
    # needs it, so a no-break space alone must send its row through folding as well.
    rows = [["N-1", "2023-01-08", "桃源社区", "\u00a0路灯不亮\u00a0", "办理中"],
            ["N-2", "2023-01-09", "桃源社区", "\u00a0停车难", "办理中  "],
            ["N-3", "2023-01-10", "桃源社区", "楼道\u00a0堆物", "办理中"]]
    db, summary = load_rows(tmp_path, rows)
    assert summary.status == "ok", summary.line()
    got = cases(db)
    assert (got["N-1"][0], got["N-2"][0], got["N-3"][0]) == ("路灯不亮", "停车难", "楼道\u00a0堆物")
    assert json.loads(got["N-1"][1])["诉求内容"] == "\u00a0路灯不亮\u00a0"  # raw keeps the cell as written


def test_control_characters_at_a_cells_edges_leave_every_stored_cell_in_its_column(tmp_path):
    # A control character in a cell (at its edges too, where trim() leaves it) is dropped
    # from cases.raw as from the fields: each stored cell stays under its header.
    rows = [["C-1", "2023-01-08", "桃源社区", "\x1f路灯\x1f不亮\x1f", "办理中"],
            ["C-2", "2023-01-09", "桃源社区\x1f", "\x00停车难\x1e", "\x1f办理中"],
            ["C-3", "2023-01-10", "桃源社区", "楼道堆物", "办理中"]]
    db, summary = load_rows(tmp_path, rows)
    assert summary.status == "ok" and summary.rows_new == 3, summary.line()
    got = {case_id: json.loads(raw) for case_id, (_, raw) in cases(db).items()}
    assert got["C-1"] == dict(zip(HEADER, ["C-1", "2023-01-08", "桃源社区", "路灯不亮", "办理中"]))
    assert got["C-2"] == dict(zip(HEADER, ["C-2", "2023-01-09", "桃源社区", "停车难", "办理中"]))
    assert got["C-3"] == dict(zip(HEADER, rows[2]))
    assert cases(db, "case_id, title, community")["C-2"] == ("停车难", "桃源社区")


def test_a_ledger_id_equal_to_a_generated_key_fails_the_file_and_changes_nothing(tmp_path):
    # Row A has no id: its key is generated (h + 16 hex digits). Row B of the same file
    # carries exactly that text as its id. cases has no key index, so only the post-merge
    # check stands between this file and one case stored twice.
    first = tmp_path / "first.duckdb"
    row_a = ["", "2023-01-08", "桃源社区", "路灯不亮", "办理中"]
    [summary] = load_paths(first, [write_csv(tmp_path / "a.csv", [row_a])])
    [generated] = cases(first, "case_id")
    assert generated.startswith("h") and len(generated) == 17
    db = tmp_path / "t.duckdb"
    [ok] = load_paths(db, [write_csv(tmp_path / "早先.csv", [["K-1", "2023-01-02", "桃源社区", "漏水", "已解决"]])])
    assert ok.status == "ok"
    both = write_csv(tmp_path / "台账.csv", [row_a, [generated, "2023-01-09", "桃源社区", "停车难", "办理中"]])
    [failed] = load_paths(db, [both])
    assert failed.status == "failed"
    assert generated in failed.error and "第 2、3 行" in failed.error and "nothing from this file" in failed.error
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT case_id FROM cases").fetchall() == [("K-1",)]
        assert con.execute("SELECT count(*) FROM case_events").fetchall() == [(1,)]
        assert con.execute("SELECT status FROM imports ORDER BY import_id").fetchall() == [("ok",), ("failed",)]
    # Into an empty database (the first-load path checks the whole table).
    [failed] = load_paths(tmp_path / "empty.duckdb", [both])
    assert failed.status == "failed" and generated in failed.error


def test_a_name_listed_twice_with_two_titles_links_the_official_once(tmp_path):
    header = HEADER + ["挂点领导"]
    rows = [["L-1", "2023-01-08", "桃源社区", "路灯不亮", "办理中", "张三(书记)、张三(主任)、李四"]]
    db, summary = load_rows(tmp_path, rows, header=header)
    assert summary.status == "ok", summary.line()
    with duckdb.connect(str(db), read_only=True) as con:
        links = con.execute("SELECT o.name, co.role FROM case_officials co JOIN officials o USING (official_id) "
                            "ORDER BY 1").fetchall()
        assert links == [("张三", "lead"), ("李四", "lead")]


def test_row_numbers_are_the_lines_an_editor_shows_despite_line_breaks_in_cells(tmp_path):
    # Line 1 header; line 2 a case whose 诉求内容 spans lines 2-4; line 5 blank; line 6 a case;
    # line 7 a case without a received date (a reject: its message names line 7).
    rows = [["B-1", "2023-01-08", "桃源社区", "楼道\n堆放\n杂物", "办理中"],
            [],
            ["B-2", "2023-01-09", "桃源社区", "停车难", "办理中"],
            ["B-3", "", "桃源社区", "漏水", "办理中"]]
    for newline in ("\n", "\r\n"):
        db = tmp_path / f"t{len(newline)}.duckdb"
        path = write_csv(tmp_path / f"台账{len(newline)}.csv", rows, newline=newline)
        assert path.read_bytes().count(b"\n") == 7
        [summary] = load_paths(db, [path])
        assert summary.status == "ok", summary.line()
        assert cases(db, "case_id, source_row, title") == {"B-1": (2, "楼道 堆放 杂物"), "B-2": (6, "停车难")}
        [reject] = summary.rejects
        assert reject["row"] == 7 and "第7行「受理时间」" in reject["reason"]


def test_row_numbers_of_a_plain_csv_count_from_the_header(tmp_path):
    rows = [["P-1", "2023-01-08", "桃源社区", "路灯", "办理中"], ["P-2", "2023-01-09", "桃源社区", "停车", "办理中"]]
    db, summary = load_rows(tmp_path, rows)
    assert cases(db, "case_id, source_row") == {"P-1": (2,), "P-2": (3,)}


def test_trim_spaces_are_the_ones_duckdb_trims():
    """etl.fold.TRIM_SPACES (the cells' edge test) holds exactly what DuckDB's trim() removes."""
    from taizhang.etl.fold import TRIM_SPACES

    with duckdb.connect() as con:
        trimmed = con.execute("""
            SELECT list(chr(i::INTEGER) ORDER BY i) FROM range(1, 1114112) t(i)
            WHERE (i < 55296 OR i > 57343) AND trim(chr(i::INTEGER)) = ''
        """).fetchall()[0][0]
    assert "".join(trimmed) == TRIM_SPACES


def test_rows_of_full_width_spaces_and_spaced_totals_are_skipped_not_rejected(tmp_path):
    # Chinese exports pad with U+3000: such a row is blank, '　合计' a total row, as '合计' is.
    rows = [["S-1", "2023-01-08", "桃源社区", "路灯不亮", "办理中"],
            ["\u3000", "\u3000\u3000", "\u3000", "", "\u3000"],
            ["\u3000合计", "", "", "1件", ""],
            ["合计\u00a0", "", "", "1件", ""]]
    db, summary = load_rows(tmp_path, rows)
    assert (summary.rows_new, summary.rows_skipped, summary.rows_rejected) == (1, 3, 0), summary.line()


def test_a_plain_edge_space_alone_still_trims_its_cell(tmp_path):
    # A row whose cells, as read, show nothing to trim, fold or mask skips trim() (etl/stage.py
    # `fast`): a plain space at a cell's edge, its only oddity, must still send it through.
    rows = [["E-1 ", "2023-01-08", " 桃源社区", "路灯不亮 ", "办理中"],
            ["E-2", "2023-01-09", "桃源社区", "停车难", " 办理中"],
            ["E-3", "2023-01-10", "桃源社区", "楼道堆物", "办理中"],
            [" 合计", "", "", "3件", ""],
            ["工单编号 ", "受理时间", "社区", "诉求内容", "办理状态"]]
    db, summary = load_rows(tmp_path, rows)
    assert (summary.rows_new, summary.rows_skipped, summary.rows_rejected) == (3, 2, 0), summary.line()
    got = cases(db, "case_id, community, title, status, raw->>3")
    assert got == {"E-1": ("桃源社区", "路灯不亮", "in_progress", "路灯不亮 "),
                   "E-2": ("桃源社区", "停车难", "in_progress", "停车难"),
                   "E-3": ("桃源社区", "楼道堆物", "in_progress", "楼道堆物")}
