"""Row-level rules of a CSV import that the load's speed work touched: which rows get folded
and masked (decided on the row's cells run together), the post-merge check that keys stay
unique, and the row number a reject or a case points to when cells hold line breaks."""

from __future__ import annotations

import csv
import json

import duckdb

from etl.load import load_paths

HEADER = ["工单编号", "受理时间", "社区", "诉求内容", "办理状态"]


def write_csv(path, rows, header=HEADER, newline="\n"):
    """A UTF-8 ledger CSV as an office exports it (every cell quoted)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def cases(db, columns="case_id, title, raw::VARCHAR"):
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0]: r[1:] for r in con.execute(f"SELECT {columns} FROM cases").fetchall()}


def test_a_phone_number_typed_in_full_width_digits_is_masked(tmp_path):
    # Folding turns １３８… into 13812345678: the masking after it must see a number.
    rows = [["W-1", "2023-01-08", "桃源社区", "请回电１３８１２３４５６７８", "办理中"],
            ["W-2", "2023-01-09", "桃源社区", "电话13912345678", "办理中"]]
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [write_csv(tmp_path / "台账.csv", rows)])
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
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [write_csv(tmp_path / "台账.csv", rows)])
    assert summary.status == "ok", summary.line()
    got = cases(db)
    assert (got["N-1"][0], got["N-2"][0], got["N-3"][0]) == ("路灯不亮", "停车难", "楼道\u00a0堆物")
    assert json.loads(got["N-1"][1])["诉求内容"] == "\u00a0路灯不亮\u00a0"  # raw keeps the cell as written
