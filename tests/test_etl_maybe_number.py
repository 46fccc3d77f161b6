"""The row test that decides which rows go through masking (taizhang.safetext.MAYBE_NUMBER)
is strict — a ledger whose case ids are long digit runs no longer sends every row through
the masking expressions — yet never misses a number a mask would change: checked against
the masks themselves on generated texts (Python and DuckDB's RE2 alike), and on a loaded
ledger with a phone number in a free-text cell and one in the id column."""

from __future__ import annotations

import csv
import random
import re

import duckdb

from taizhang.etl.fold import fold_text
from taizhang.etl.load import load_paths
from taizhang.safetext import MAYBE_NUMBER, mask_text

HEADER = ["工单编号", "受理时间", "社区", "诉求内容", "办理状态"]
# Pieces a cell is made of: digits (both widths), the separators offices type, the prefix of
# a mobile number, an ID card's final X, text and the '|' between a row's cells.
PIECES = ["1", "3", "8", "6", "0", "9", "2", "１", "３", "８", "６", "０", "-", " ", "  ", "　", "－",
          "\n", "+", "＋", "X", "ｘ", "电话", "|", "年"]


def generated_texts(n: int, seed: int = 16) -> list[str]:
    """Texts dense in digits and separators, each ending in a digit run of random length."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))
        text += "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 19)))
        text += "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
        texts.append(text)
    # the forms offices write, and numbers a mask must leave alone
    texts += ["13912345678", "139-1234-5678", "+86 13712345678", "8613512345678", "１３４１２３４５６７８",
              "36010219800101123X", "110105710923002", "139  1234  5678", "139\n1234\n5678",
              "20230113000000001", "202301130000123", "RX000000130|2022-01-01", "金额1500元"]
    return texts


def test_every_text_a_mask_changes_is_found_by_the_row_test():
    texts = generated_texts(20000)
    maybe = re.compile(MAYBE_NUMBER)
    # what the loader masks: a cell folded (runs of spaces one space), or the raw cell
    changed = [t for t in texts if mask_text(fold_text(t)) != fold_text(t) or mask_text(t) != t]
    missed = [t for t in changed if not maybe.search(t)]
    assert missed == []
    assert len(changed) > 1000  # the texts do hold numbers to mask
    # and it is strict: digit runs that are no phone or ID number are not flagged
    flagged = sum(bool(maybe.search(t)) for t in texts)
    assert flagged < len(changed) * 1.2
    for text in ("20230113000000001", "202301130000123", "RX000000130|2022-01-01", "工单20230113000000012"):
        assert not maybe.search(text), text


def test_duckdb_reads_the_row_test_as_python_does():
    texts = generated_texts(3000, seed=61)
    maybe = re.compile(MAYBE_NUMBER)
    with duckdb.connect() as con:
        got = con.execute(f"SELECT t, regexp_matches(t, '{MAYBE_NUMBER}') FROM unnest(?::VARCHAR[]) u(t)",
                          [texts]).fetchall()
    assert [t for t, hit in got if hit != bool(maybe.search(t))] == []


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_digit_run_ids_stay_whole_and_phone_numbers_are_masked_in_text_and_id(tmp_path):
    rows = [
        # a phone number in free text: masked, the case id in the same row left whole
        ["20230113000000001", "2023-01-13", "桃源社区", "请回电13912345678", "办理中"],
        # split by two spaces, by line breaks, by a control character: masked once folded
        ["20230113000000002", "2023-01-13", "桃源社区", "电话139  1234 5678", "办理中"],
        ["20230113000000003", "2023-01-13", "桃源社区", "电话138\n1234\n5678", "办理中"],
        ["20230113000000004", "2023-01-13", "桃源社区", "电话137\x011234 5678", "办理中"],
        # a mobile number in the id column: stored masked, never as written
        ["13612345678", "2023-01-13", "桃源社区", "路灯不亮", "办理中"],
        # an ID-card number in the id column too
        ["360102198001011234", "2023-01-14", "桃源社区", "楼道堆物", "办理中"],
        ["20230113000000005", "2023-01-14", "桃源社区", "路灯不亮", "办理中"],
    ]
    db = tmp_path / "t.duckdb"
    [summary] = load_paths(db, [write_csv(tmp_path / "热线.csv", rows)])
    assert summary.status == "ok" and summary.rows_new == 7, summary.line()
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT case_id, title, raw::VARCHAR FROM cases ORDER BY source_row").fetchall()
        ids = con.execute("SELECT json_extract_string(raw, '$[*]')[list_position(l.keys, '工单编号')] FROM cases "
                          "JOIN raw_layouts l ON l.layout_id = raw_layout ORDER BY source_row").fetchall()
    assert got[0][:2] == ("20230113000000001", "请回电139****5678")
    assert [title for _, title, _ in got[1:4]] == ["电话139 **** 5678", "电话138 **** 5678", "电话137**** 5678"]
    assert got[4][0] == "136****5678" and ids[4] == ("136****5678",)
    assert got[5][0] == "360102********1234"
    assert got[6][:2] == ("20230113000000005", "路灯不亮")
    for row, (case_id, title, raw) in enumerate(got):
        # separators an office puts in a number dropped: no stored form of any of the
        # numbers, the row's cells as stored included
        bare = re.sub(r"[-\s+－　]|\\[nrt]", "", case_id + title + raw)
        for number in ("13912345678", "13812345678", "13712345678", "13612345678", "360102198001011234"):
            assert number not in bare, (row, number, raw)
