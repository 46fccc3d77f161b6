"""Rows that are cases but cannot be normalised go to `rejects` with an exact reason;
totals, blank rows and repeated headers are skipped and counted; --rejects-out writes them back."""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest

from taizhang.etl.areas import load_areas
from taizhang.etl.load import load_paths
from taizhang.etl.rejects_out import write_rejects
from ledgers import workbook, write_registry

HEADER = ["编号", "问题", "反映时间", "办理状态", "办结时间", "满意度", "事项分类", "联系电话"]
ROWS = [  # Excel rows 3.. (row 1 title, row 2 header)
    ["GD-1", "路灯不亮", dt.date(2023, 1, 8), "已解决", dt.date(2023, 1, 20), "满意", "小事", "13812345678"],
    ["GD-2", "井盖缺失", None, "正在解决", None, None, None, None],
    ["GD-3", "道路破损", "2023-13-45", "正在解决", None, None, None, None],
    ["GD-4", "噪音扰民", "3月5日", "未启动", None, None, None, None],
    ["GD-5", "停车难", "2023-01-10", "搞定了", None, None, None, None],
    ["GD-6", "漏水", "2023-02-10", "已解决", "2023-02-01", None, None, None],
    ["GD-7", "绿化缺失", "2023-02-11", "已解决", "2023-02-15", "还行吧", None, None],
    ["GD-1", "路灯又坏了", "2023-01-09", "未启动", None, None, None, None],
    ["GD-8", "外墙脱落", "2023-02-12", "正在解决", None, None, "中事", None],
    ["GD-9", "垃圾满溢", "2023-02-13", None, None, None, None, None],
    ["合计", "10件", None, None, None, None, None, None],
    [None] * 8,
    HEADER,
    ["GD-10", "电梯故障", "2023-02-14", None, "2023-02-16", 2, "大事", None],
]
F = "rejects.xlsx"
W = f"{F} 工作表「南站街道」"
E = f"{F}, sheet 南站街道"
EXPECTED = [
    (4, "反映时间", None,
     f"{W}第4行「反映时间」为空:受理日期必填,请填写如 2023-01-08 / {E}, row 4, column 反映时间 is empty: "
     "the received date is required, write it like 2023-01-08"),
    (5, "反映时间", "2023-13-45",
     f"{W}第5行「反映时间」的值「2023-13-45」不是可识别的日期,请写成 2023-01-08;若整列都是另一种写法,"
     "在格式配置(--profile)中写明,如 date_formats = [\"%m/%d/%Y\"](taizhang profile suggest 文件 可代为识别) / "
     f"{E}, row 5, column 反映时间: '2023-13-45' is not a date Taizhang can read; write it like 2023-01-08, "
     "or if the whole column uses another form, name it in the profile (--profile): "
     "date_formats = [\"%m/%d/%Y\"] (taizhang profile suggest FILE finds it)"),
    (6, "反映时间", "3月5日",
     f"{W}第6行「反映时间」的值「3月5日」没有年份,标题、工作表名和文件名中也找不到年份,请写成 2023-01-08 / {E}, row 6, "
     "column 反映时间: '3月5日' has no year and neither the title, the sheet name nor the file name gives one; "
     "write it like 2023-01-08"),
    (7, "办理状态", "搞定了",
     f"{W}第7行「办理状态」的值「搞定了」不是已知的办理状态,请改为 未启动、正在解决、已解决 或 暂缓,"
     "或在格式配置(--profile)的 [status] 中按其含义加入这一说法,如 pending = [\"搞定了\"]"
     "(pending 未启动、in_progress 正在解决、resolved 已解决、deferred 暂缓、cancelled 撤单、referred 转办) / "
     f"{E}, row 7, column 办理状态: '搞定了' is not a known status; write 未启动, 正在解决, 已解决 or 暂缓, "
     "or add the phrase to the [status] table of a profile (--profile) under what it means, e.g. "
     "pending = [\"搞定了\"] (pending 未启动, in_progress 正在解决, resolved 已解决, deferred 暂缓, cancelled 撤单, referred 转办)"),
    (8, "办结时间", "2023-02-01",
     f"{W}第8行「办结时间」的值「2023-02-01」早于受理日期 2023-02-10,请核对这两个日期 / {E}, row 8, column 办结时间: "
     "2023-02-01 is before the received date 2023-02-10; check both dates"),
    (9, "满意度", "还行吧",
     f"{W}第9行「满意度」的值「还行吧」不是已知的满意度,请改为 满意、基本满意、不满意 或 1–5 的整数分 / {E}, row 9, column 满意度: "
     "'还行吧' is not a known satisfaction; write 满意, 基本满意, 不满意 or a whole score from 1 to 5"),
    (10, "编号", "GD-1",
     f"{W}第10行「编号」的编号「GD-1」在本文件前面已出现过,请删除重复的行或改正编号 / {E}, row 10, column 编号: "
     "case id 'GD-1' already appears earlier in this file; delete the duplicate row or correct the id"),
    (11, "事项分类", "中事",
     f"{W}第11行「事项分类」的值「中事」不是已知的事项分类,请改为 大事、小事 或 私事 / {E}, row 11, column 事项分类: "
     "'中事' is not a known matter class; write 大事, 小事 or 私事"),
    (12, "办理状态", None,
     f"{W}第12行「办理状态」为空且没有办结时间:请填写办理状态(未启动、正在解决、已解决 或 暂缓) / {E}, row 12, "
     "column 办理状态 is empty and there is no resolved date: fill in the status (未启动, 正在解决, 已解决 or 暂缓)"),
]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = tmp_path_factory.mktemp("rejects")
    path = workbook(root / F, "南站街道", [HEADER, *ROWS], title="桃源社区问题台账")
    db = root / "t.duckdb"
    load_areas(db, write_registry(root / "areas.csv"))
    [summary] = load_paths(db, [path])
    return summary, db, root


def test_each_bad_row_has_its_exact_reason(result):
    summary, db, _ = result
    got = [(r["row"], r["column"], r["value"], r["reason"]) for r in summary.rejects]
    assert got == EXPECTED
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute('SELECT "row", "column", value, reason, sheet FROM rejects ORDER BY "row"').fetchall()
    assert [r[:4] for r in stored] == EXPECTED
    assert {r[4] for r in stored} == {"南站街道"}


def test_counts_add_up(result):
    summary, db, _ = result
    assert summary.status == "ok"
    assert (summary.rows_read, summary.rows_new, summary.rows_skipped, summary.rows_rejected) == (14, 2, 3, 9)
    assert summary.rows_read == summary.rows_new + summary.rows_skipped + summary.rows_rejected
    with duckdb.connect(str(db), read_only=True) as con:
        cases = con.execute(
            "SELECT case_id, street, community, status, resolved_on, satisfaction, matter_class FROM cases ORDER BY 1"
        ).fetchall()
        imports = con.execute("SELECT rows_read, rows_new, rows_skipped, rows_rejected, status FROM imports").fetchall()
    # street from the sheet name, community from the title row; blank status + resolved date → resolved
    assert cases == [
        ("GD-1", "南站街道", "桃源社区", "resolved", dt.date(2023, 1, 20), "satisfied", "小事"),
        ("GD-10", "南站街道", "桃源社区", "resolved", dt.date(2023, 2, 16), "dissatisfied", "大事"),
    ]
    assert imports == [(14, 2, 3, 9, "ok")]


def test_reject_keeps_the_whole_row_masked(result):
    summary, _, _ = result
    import json

    raw = json.loads(summary.rejects[3]["raw"])
    assert raw == {"编号": "GD-5", "问题": "停车难", "反映时间": "2023-01-10", "办理状态": "搞定了", "办结时间": None,
                   "满意度": None, "事项分类": None, "联系电话": None}


def test_rejects_out_writes_rows_as_they_were_and_fixed_rows_load(result):
    summary, db, root = result
    out = root / "rejects_out.xlsx"
    assert write_rejects(out, [summary]) == 9
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["南站街道"]
    ws = wb["南站街道"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "rejects 桃源社区问题台账"  # file name and title rows: the context
    assert rows[1] == tuple(HEADER) + ("原因",)
    assert rows[5][:4] == ("GD-5", "停车难", "2023-01-10", "搞定了")
    assert rows[5][-1] == EXPECTED[3][3]
    assert len(rows) == 11
    ws.cell(row=6, column=4, value="正在解决")  # the user fixes the status and loads the file again
    wb.save(out)
    [again] = load_paths(db, [out])
    # rows left unfixed are rejected again, except the duplicate-id row: alone in this file
    # it would update case GD-1 (docs/ledgers.md warns: fix or delete such rows), but this
    # file's latest date is before the first file's, so it is older and GD-1 stays
    assert (again.rows_new, again.rows_updated, again.rows_rejected) == (1, 0, 7)
    assert "1 行早于数据库中的版本" in again.line()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT street, community, status FROM cases WHERE case_id = 'GD-5'").fetchall() == [
            ("南站街道", "桃源社区", "in_progress")]


def test_each_stored_reject_keeps_its_rule_as_a_code(result):
    """rejects.code: the rule and field behind each reason (what data-quality counts by)."""
    _, db, _ = result
    with duckdb.connect(str(db), read_only=True) as con:
        codes = con.execute('SELECT "row", code FROM rejects JOIN imports USING (import_id) '
                            'WHERE file LIKE ? ORDER BY "row"', [f"%/{F}"]).fetchall()
    assert codes == [
        (4, "missing:received_on"), (5, "bad_date:received_on"), (6, "no_year:received_on"),
        (7, "unknown_status:status"), (8, "before_received:resolved_on"),
        (9, "unknown_satisfaction:satisfaction"), (10, "duplicate_id:case_id"),
        (11, "unknown_matter_class:matter_class"), (12, "missing:status"),
    ]


def test_a_stored_reason_reads_in_either_language(result):
    """The dashboard shows a reject's reason in the reader's language: read back from the
    database (kpi.rejects_list), through its code's template, each language's sentence of
    the stored text alone — and the same for a reject of an older schema that has no code."""
    from taizhang.kpi import api as kpi
    from taizhang.store.rejects import in_language

    _, db, _ = result
    with duckdb.connect(str(db), read_only=True) as con:
        stored = kpi.rejects_list(con)
    stored = stored[stored["file"].str.endswith(F)].sort_values("row")
    assert len(stored) == len(EXPECTED)
    for (_, _, _, both), reason, code in zip(EXPECTED, stored["reason"], stored["code"]):
        zh, en = both.split(" / ")   # the literal texts above: one separator each
        for known in (code, None):
            assert in_language(reason, known, "zh") == zh
            assert in_language(reason, known, "en") == en
        # Beside its file, sheet and row (the Data page's table): its place is the column only.
        column = stored.loc[stored["reason"] == reason, "column"].iloc[0]
        assert in_language(reason, code, "zh", column) == zh.replace(
            f"{W}第{stored.loc[stored['reason'] == reason, 'row'].iloc[0]}行", "")
    # A value holding the separator and the template's own words cannot shift the split.
    from taizhang.etl.rejects import reason_text

    tricky = reason_text("bad_date:received_on", "a / b.xlsx", "东 / 西", 3, "反映时间",
                         "不是可识别的日期 / is not a date", None)
    assert in_language(tricky, None, "en") == (
        "a / b.xlsx, sheet 东 / 西, row 3, column 反映时间: '不是可识别的日期 / is not a date' is not a "
        "date Taizhang can read; write it like 2023-01-08, or if the whole column uses another form, "
        "name it in the profile (--profile): date_formats = [\"%m/%d/%Y\"] (taizhang profile suggest "
        "FILE finds it)")
    # A reason worded by another version: split at its one separator, or shown whole.
    assert in_language("旧的原因 / an old reason", None, "en") == "an old reason"
    assert in_language("无法识别 / a / b", None, "zh") == "无法识别 / a / b"
