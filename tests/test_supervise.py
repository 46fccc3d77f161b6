"""The 督办 list for 纪委: one row a case, the same rows on the page, in `taizhang supervise`
and in an independent pandas count over the cases table; the Excel's cells typed; the
readable case numbers stable."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, datetime, timedelta

import duckdb
import openpyxl
import pandas as pd
import pytest

from taizhang.kpi import api as kpi
from taizhang.dashboard import supervision_file
from taizhang.cli import main
from taizhang.db import reading
from taizhang.settings import Settings

from apptest import run, run_all

AS_OF = date(2022, 7, 31)


@pytest.fixture(scope="module")
def con(demo_db):
    # Opened as the CLI and the dashboard open it (one configuration per file and process).
    with reading(demo_db) as connection:
        yield connection


def pandas_list(con, date_from=None, date_to=None, street=None, settings=Settings()) -> pd.DataFrame:
    """The 督办 list counted in pandas from the stored cases (calendar SLA, as_of = AS_OF):
    open overdue/stalled cases of any month, dissatisfied/reopened cases received in the period."""
    cases = con.sql("SELECT * FROM cases").df()
    if street:
        cases = cases[cases["street"] == street]
    received = pd.to_datetime(cases["received_on"])
    as_of = pd.Timestamp(AS_OF)
    due = pd.to_datetime(cases["due_on"]).fillna(received + pd.Timedelta(days=settings.sla_days))
    resolved_later = (cases["status"] == "resolved") & (pd.to_datetime(cases["resolved_on"]) > as_of)
    is_open = cases["status"].isin(["pending", "in_progress"]) | resolved_later
    progress = pd.to_datetime(cases["last_progress_on"]).fillna(received)
    overdue = is_open & (due < as_of)
    stalled = is_open & (progress < as_of - pd.Timedelta(days=settings.stall_days))
    in_period = pd.Series(True, index=cases.index)
    if date_from:
        in_period &= received >= pd.Timestamp(date_from)
    if date_to:
        in_period &= received <= pd.Timestamp(date_to)
    satisfaction = cases["satisfaction"].where(~resolved_later)
    dissatisfied = in_period & (satisfaction == "dissatisfied")
    reopened = in_period & (cases["reopened_count"] > 0)
    out = pd.DataFrame({
        "case_id": cases["case_id"],
        "reasons": [",".join(k for k, on in zip(("overdue", "stalled", "dissatisfied", "reopened"), flags) if on)
                    for flags in zip(overdue, stalled, dissatisfied, reopened)],
        "days_overdue": (as_of - due).dt.days.where(overdue),
    })
    return out[out["reasons"] != ""].set_index("case_id")


def tier_of(days) -> int | None:
    return next((limit for limit in (365, 90, 30) if days > limit), None) if pd.notna(days) else None


def band_of(days) -> str | None:
    """The 升级档 a case of `days` overdue is in, as the cards say it (default thresholds)."""
    low = tier_of(days)
    return None if low is None else "超期>365天" if low == 365 else f"超期{low + 1}–{ {30: 90, 90: 365}[low]}天"


@pytest.mark.parametrize("period, street", [((None, None), None), (("2022-07-01", "2022-07-31"), "南站街道")])
def test_supervise_json_page_and_pandas_give_the_same_rows(con, demo_db, tmp_path, capsysbinary, period, street,
                                                           use_db):
    args = ["supervise", "--db", str(demo_db), "--format", "json", "--out", "-", "--as-of", "2022-07-31"]
    args += ["--from", period[0], "--to", period[1]] if period[0] else ["--period", "all"]
    if street:
        args += ["--where", f"街道={street}"]
    assert main(args) == 0
    cli = json.loads(capsysbinary.readouterr().out.decode("utf-8"))
    expected = pandas_list(con, *period, street=street)
    assert len(cli) == len(expected) > 0
    assert len({r["case_id"] for r in cli}) == len(cli)          # one row a case
    for record in cli:
        want = expected.loc[record["case_id"]]
        assert ",".join(record["reasons"]) == want["reasons"], record["case_id"]
        days = want["days_overdue"]
        assert record["days_overdue"] == (None if pd.isna(days) else int(days))
        assert record["tier"] == tier_of(days)

    # The page asked the same question lists the same cases in the same order.
    use_db(demo_db)
    query = {"as_of": "2022-07-31", "from": period[0], "to": period[1], "street": street}
    at = run_all("supervision", **{key: value for key, value in query.items() if value})
    table = at.dataframe[0].value
    assert list(table["案件编号"]) == [r["case_no"] for r in cli]
    assert list(table["督办原因"]) == [supervision_file.reasons_text(",".join(r["reasons"]), "zh") for r in cli]


def test_the_report_counts_the_list_of_its_month(con):
    july = kpi.Filters.make("2022-07-01", "2022-07-31", "2022-07-31")
    _, total = kpi.supervision_cases(con, july)
    assert total == len(pandas_list(con, "2022-07-01", "2022-07-31"))
    from taizhang.report.build import report_view
    view = report_view(con, "2022-07", settings=Settings())
    shown = len(view.supervision_rows)
    more = int(re.search(r"另有 (\d+) 件", view.supervision_more).group(1)) if view.supervision_more else 0
    assert f"共 {total} 件" in view.supervision_more and "期间选 2022-07-01 至 2022-07-31" in view.supervision_more
    assert shown + more == total


def test_supervise_excel_has_types_title_filter_and_widths(demo_db, tmp_path, monkeypatch, con):
    monkeypatch.chdir(tmp_path)
    assert main(["supervise", "--db", str(demo_db), "--where", "街道=南站街道", "--as-of", "2022-07-31",
                 "--period", "all"]) == 0
    path = tmp_path / "督办清单_南站街道_2022-07-31.xlsx"
    assert path.exists()
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "督办清单 · 南站街道 · 数据截至 2022-07-31"
    assert "2022-07-31" in sheet["A2"].value and "全部时间" in sheet["A2"].value
    header = [c.value for c in sheet[3]]
    assert header[:5] == ["案件编号", "督办原因", "升级档", "超期天数", "停滞天数"]
    expected = pandas_list(con, street="南站街道")
    assert sheet.max_row - 3 == len(expected)
    assert sheet.auto_filter.ref == f"A3:{openpyxl.utils.get_column_letter(len(header))}{sheet.max_row}"
    assert sheet.freeze_panes == "A4"
    col = {name: i + 1 for i, name in enumerate(header)}
    overdue_rows, bands = 0, set()
    for row in range(4, sheet.max_row + 1):
        days = sheet.cell(row, col["超期天数"])
        if days.value is not None:
            overdue_rows += 1
            assert days.data_type == "n" and isinstance(days.value, int)
            # the band of days the tier cards say (31–90), not ">30" which a 91-day case is too
            assert sheet.cell(row, col["升级档"]).value == band_of(days.value)
            bands.add(band_of(days.value))
        received = sheet.cell(row, col["受理日期"])
        assert isinstance(received.value, datetime) and received.number_format == "yyyy-mm-dd"
    assert overdue_rows == expected["days_overdue"].notna().sum()
    assert {"超期31–90天", "超期91–365天"} <= bands
    # Widths count a Chinese character as two: the title column is wider than the days column.
    titles = [sheet.cell(r, col["问题"]).value for r in range(4, sheet.max_row + 1)]
    widest = max(len(t) * 2 for t in titles)
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(col["问题"])].width >= min(50, widest)
    assert sheet.column_dimensions["D"].width < 15


def test_supervise_csv_and_refusals(demo_db, tmp_path, capsys):
    out = tmp_path / "list.csv"
    assert main(["supervise", "--db", str(demo_db), "--format", "csv", "--out", str(out), "--period", "all"]) == 0
    rows = list(pd.read_csv(out, encoding="utf-8-sig").itertuples(index=False))
    json_out = tmp_path / "list.json"
    assert main(["supervise", "--db", str(demo_db), "--format", "json", "--out", str(json_out),
                 "--period", "all"]) == 0
    records = json.loads(json_out.read_text(encoding="utf-8"))
    assert len(rows) == len(records) > 300     # one row a case, as the JSON has them
    assert [r[0] for r in rows] == [r["case_no"] for r in records]
    assert main(["supervise", "--db", str(demo_db), "--out", "-"]) == 2
    assert "xlsx 不能写到标准输出" in capsys.readouterr().err
    assert main(["supervise", "--db", str(demo_db), "--where", "街道=南站街到"]) == 2
    assert "南站街道" in capsys.readouterr().err      # the close name is suggested


def test_readable_case_numbers_are_unique_and_stable(demo_db, tmp_path, con):
    rows, total = kpi.supervision_cases(con, kpi.Filters())
    generated = rows[rows["case_id"].str.fullmatch(r"h[0-9a-f]{16}")]
    assert len(generated) > 0
    for r in generated.itertuples(index=False):
        assert re.fullmatch(r"[^\d\W]{0,4}\d{4}-[0-9A-F]{8}", r.case_no), r.case_no
        assert r.case_no.endswith(r.case_id[1:9].upper())
        assert str(pd.Timestamp(r.received_on).year) in r.case_no
    numbers = con.sql("SELECT case_id FROM cases").df()
    every = kpi.case_list(con, kpi.Filters(), limit=None)
    assert every["case_no"].is_unique and len(every) == len(numbers)
    # A registry that resolves the cases elsewhere and another import change no number.
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    before = dict(zip(every["case_id"], every["case_no"]))
    with duckdb.connect(str(copy)) as writer:
        writer.execute("UPDATE cases SET street = '改名街道', district = '改名区'")
    with reading(copy) as reader:
        after = kpi.case_list(reader, kpi.Filters(), limit=None)
    assert dict(zip(after["case_id"], after["case_no"])) == before


def test_escalation_tiers_follow_the_setting(con):
    settings = Settings(escalation_days=(10, 200))
    tiers = kpi.supervision_breakdown(con, kpi.Filters(), "tier", settings=settings)
    days = pandas_list(con)["days_overdue"].dropna()
    expected = {10: int(((days > 10) & (days <= 200)).sum()), 200: int((days > 200).sum())}
    got = {int(t): int(n) for t, n in zip(tiers["tier"], tiers["cases"]) if pd.notna(t)}
    assert got == expected
    assert tiers["cases"].sum() == len(pandas_list(con))


def test_case_page_says_why_and_shows_the_timeline(demo_db, use_db, con):
    # NZ2022-0023: imported resolved (2022-06-30), then reopened after a dissatisfied callback.
    use_db(demo_db)
    at = run("supervision", case="NZ2022-0023")
    why = " ".join(w.value for w in at.warning)
    received, due = con.execute("SELECT received_on, due_on FROM cases WHERE case_id = 'NZ2022-0023'").fetchall()[0]
    due = due or received + timedelta(days=30)
    days = (AS_OF - due).days
    assert f"办理时限 {due.isoformat()},已超期 {days} 天" in why.replace("\\", "")
    assert "重新办理" in why
    timeline = at.dataframe[-1].value
    events = con.execute("SELECT event_on, status FROM case_events WHERE case_id = 'NZ2022-0023' ORDER BY event_on").fetchall()
    assert len(events) == 2
    assert list(timeline["事项"]) == ["受理", "首次导入时状态", "最近进展", "状态变化(再次导入)"]
    assert list(timeline["办理状态"])[1:4:2] == ["已解决", "正在解决"]
    # A case without a ledger id: its derived number, and its key beside it.
    generated = con.execute("SELECT case_id FROM cases WHERE regexp_full_match(case_id, 'h[0-9a-f]{16}') "
                            "LIMIT 1").fetchall()[0][0]
    at = run("supervision", case=generated)
    assert any(f"内部编号 {generated}" in c.value for c in at.caption)
    assert at.subheader[0].value.replace("\\", "").split(" · ")[0].endswith(generated[1:9].upper())
    # A case on no list says so.
    ok = con.execute("SELECT case_id FROM cases WHERE status = 'resolved' AND satisfaction = 'satisfied' "
                 "AND reopened_count = 0 LIMIT 1").fetchall()[0][0]
    at = run("cases", case=ok)
    assert any("此案件不在督办清单上" in c.value for c in at.caption)


def test_data_quality_counts_open_their_cases(demo_db, use_db, con):
    use_db(demo_db)
    at = run("data")
    quality = at.dataframe[-1].value
    row = list(quality["问题"]).index("已解决未回访")
    count = int(quality["数量"].iloc[row])
    # pandas: resolved (as of the data's date) and never rated.
    cases = con.sql("SELECT case_id, status, satisfaction FROM cases").df()
    expected = cases[(cases["status"] == "resolved") & cases["satisfaction"].isna()]
    assert count == len(expected) > 0
    at.session_state["quality-table-0"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception
    listed = at.dataframe[-1].value
    assert len(listed) == count
    numbers = kpi.case_list(con, kpi.Filters(), limit=None).set_index("case_id")["case_no"]
    assert set(listed["案件编号"]) == set(numbers[expected["case_id"]])
    # A case of the list opens on the same page.
    at.session_state["quality-cases-0"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception
    assert any(listed["案件编号"].iloc[0] in h.value.replace("\\", "") for h in at.subheader)


def test_a_derived_case_number_is_found_by_the_search(con):
    rows, _ = kpi.supervision_cases(con, kpi.Filters())
    derived = rows[rows["case_no"] != rows["case_id"]].iloc[0]
    for text in (derived["case_no"], derived["case_no"].lower(), derived["case_id"]):
        found = kpi.case_list(con, kpi.Filters(), search=text)
        assert list(found["case_id"]) == [derived["case_id"]], text
