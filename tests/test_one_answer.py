"""One question, one answer: the overview's cards, the areas table, the monthly report's
model, the 督办 page and Excel, and `taizhang kpi --format json` asked the same question
for the same filters give the same figure — and pandas over the cases table agrees."""

from __future__ import annotations

import csv as csv_module
import json
import re

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from taizhang.kpi import api as kpi
from taizhang.report.build import report_view
from taizhang.cli import main
from taizhang.db import reading
from taizhang.settings import Settings

from apptest import card, run

JULY = {"from": "2022-07-01", "to": "2022-07-31", "as_of": "2022-07-31"}
STREET = "南站街道"


@pytest.fixture(scope="module")
def cases(demo_db) -> pd.DataFrame:
    with reading(demo_db) as con:
        return con.sql("SELECT * FROM cases").df()


@pytest.fixture(scope="module")
def report(demo_db):
    with reading(demo_db) as con:
        return report_view(con, "2022-07", settings=Settings())


@pytest.fixture(autouse=True)
def pages_read_the_demo(demo_db, use_db):
    """Every page run here (apptest.run) reads the demo database."""
    use_db(demo_db)


def captions(at: AppTest) -> list[str]:
    """The captions as read on screen (markdown escapes removed)."""
    return [c.value.replace("\\", "") for c in at.caption]


def kpi_json(demo_db, capsys, *args) -> list[dict]:
    assert main(["kpi", "--db", str(demo_db), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_resolved_received_in_july_is_one_number_everywhere(demo_db, capsys, cases, report):
    # pandas: cases received in July, resolved by 07-31 (当期受理已解决).
    received = pd.to_datetime(cases["received_on"])
    july = cases[(received >= "2022-07-01") & (received <= "2022-07-31")]
    resolved = july[(july["status"] == "resolved")
                    & ~(pd.to_datetime(july["resolved_on"]) > "2022-07-31")]
    # the rate's base leaves out what ended without resolution (cancelled, referred)
    base = july[~july["status"].isin(["cancelled", "referred"])]
    expected = kpi.format_ratio(len(resolved), len(base))
    at = run(**JULY)
    assert card(at, "已解决")[0] == expected
    shown = next(c for c in report.cards if c.label == "已解决")
    assert shown.detail == expected
    row = kpi_json(demo_db, capsys, "--from", "2022-07-01", "--to", "2022-07-31", "--as-of", "2022-07-31")[0]
    assert (row["resolved"], row["received"]) == (len(resolved), len(july))


def test_resolved_in_july_whatever_month_received_is_one_number(demo_db, cases):
    # 本月办结: resolved_on in July, any received date: the overview's month-over-month change.
    resolved_on = pd.to_datetime(cases["resolved_on"])
    expected = int(((cases["status"] == "resolved") & (resolved_on >= "2022-07-01")
                    & (resolved_on <= "2022-07-31")).sum())
    with reading(demo_db) as con:
        july = kpi.Filters.make(JULY["from"], JULY["to"], JULY["as_of"])
        assert kpi.resolved_in_period(con, july) == expected
    at = run(period="all")   # all the data: the running total against itself at the end of June
    assert card(at, "已解决")[1] == f"较上月末 +{expected}"
    assert expected != 41   # the two questions have two answers, under two names


def test_supervision_total_is_one_number_everywhere(demo_db, tmp_path, report, capsys):
    with reading(demo_db) as con:
        _, total = kpi.supervision_cases(con, kpi.Filters.make("2022-07-01", "2022-07-31", "2022-07-31"))
    at = run("supervision", **JULY)
    assert f"共 {total} 件需督办。" in [c.value for c in at.caption]
    more = int(re.search(r"另有 (\d+) 件", report.supervision_more).group(1))
    assert len(report.supervision_rows) + more == total
    out = tmp_path / "list.xlsx"
    assert main(["supervise", "--db", str(demo_db), "--from", "2022-07-01", "--to", "2022-07-31",
                 "--as-of", "2022-07-31", "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row - 3 == total and f"共 {total} 件" in sheet["A2"].value
    # The report's rows are the list's first cases, by the same case numbers.
    assert [r.case_id for r in report.supervision_rows] == \
        [sheet.cell(row, 1).value for row in range(4, 4 + len(report.supervision_rows))]


def test_a_street_reports_supervision_note_names_the_command_that_writes_its_list(demo_db, capsys):
    """The street report's 督办 note gives the command for the whole list: run as written,
    it lists exactly the report's total, its first cases the report's rows."""
    with reading(demo_db) as con:
        view = report_view(con, "2022-07", {"street": "南站街道"}, settings=Settings())
    command = re.search(r"(taizhang supervise [^)]*)", view.supervision_more).group(1)
    assert "--where street=南站街道" in command and "--as-of 2022-07-31" in command
    total = int(re.search(r"共 (\d+) 件", view.supervision_more).group(1))
    capsys.readouterr()
    assert main([*command.split()[1:], "--db", str(demo_db), "--format", "json", "--out", "-"]) == 0
    listed = json.loads(capsys.readouterr().out)
    numbers = list(dict.fromkeys(row["case_no"] for row in listed))
    assert len(numbers) == total > len(view.supervision_rows)
    assert numbers[:len(view.supervision_rows)] == [r.case_id for r in view.supervision_rows]


def test_a_streets_rank_and_score_are_one_answer_everywhere(demo_db, capsys, report):
    rows = kpi_json(demo_db, capsys, "--by", "street", "--from", "2022-07-01", "--to", "2022-07-31",
                    "--as-of", "2022-07-31")
    cli = next(r for r in rows if r["street"] == STREET)
    with reading(demo_db) as con:
        ranking = kpi.ranking(con, "street", kpi.Filters.make("2022-07-01", "2022-07-31", "2022-07-31"))
    row = ranking.set_index("street").loc[STREET]
    assert cli["rank"] == row["rank"] and cli["score"] == pytest.approx(row["score"])
    score = kpi.format_score(row["score"])
    assert re.fullmatch(r"\d+\.\d", score)
    in_report = next(r for r in report.ranking_rows if r.name == STREET)
    assert (in_report.rank, in_report.score) == (kpi.format_number(row["rank"]), score)
    at = run("areas", **JULY)
    table = at.dataframe[0].value.set_index("街道(镇)")
    assert f"{table.loc[STREET, '综合得分']:.1f}" == score   # a number the grid shows as 80.0
    assert f"{table.loc[STREET, '排名']:.0f}" == kpi.format_number(row["rank"])
    assert any("排名期间:2022-07-01 至 2022-07-31" in c.value and "考核口径：本期到期或办结" in c.value
               for c in at.caption)
    assert "考核口径：本期到期或办结" in report.ranking.note
    # The report's table shows the rates the score is computed from, each with its n, as the
    # screen does: on what was due (not the received-based 解决率 of the cards).
    # Satisfaction too: 考核满意率 over the ratings of the cases closed in the period.
    assert report.ranking_header[2:7] == ["考核件数", "到期解决率", "到期按期率", "考核回访件数", "考核满意率"]
    screen = table.loc[STREET]
    assert in_report.n == kpi.format_number(screen["考核件数"]) == kpi.format_number(row["due_cases"])
    assert in_report.rated == kpi.format_number(screen["考核回访件数"]) == kpi.format_number(row["due_rated"])
    for shown, column in ((in_report.resolution_rate, "到期解决率"), (in_report.on_time_rate, "到期按期率"),
                          (in_report.satisfaction_rate, "考核满意率")):
        assert shown == f"{screen[column]:.1f}%"
    assert in_report.resolution_rate == kpi.format_rate(row["due_resolution_rate"])
    assert in_report.satisfaction_rate == kpi.format_rate(row["due_satisfaction_rate"])
    assert row["due_resolution_rate"] != row["resolution_rate"]   # the two rates differ here
    # The report names the same window beside its ranking.
    assert "2022-07-01 至 2022-07-31" in report.ranking.note


def test_the_cases_judged_have_one_name_on_screen_in_the_report_and_from_the_cli(
        demo_db, capsys, report):
    """The ranking's n is the cohort the score judges: 考核件数 / Cases judged wherever a
    reader meets it (grid, report, `taizhang kpi` table and CSV), never 到期件数."""
    july = ["--by", "street", "--from", "2022-07-01", "--to", "2022-07-31", "--as-of", "2022-07-31"]
    heads = {}
    for lang, fmt in (("zh", "table"), ("zh", "csv"), ("en", "table")):
        assert main(["--lang", lang, "kpi", "--db", str(demo_db), "--format", fmt, *july]) == 0
        heads[lang, fmt] = next(line for line in capsys.readouterr().out.splitlines()
                                if line.lstrip("\ufeff").startswith(("街道", "Street")))
    assert "考核件数" in heads["zh", "table"] and "到期件数" not in heads["zh", "table"]
    assert "考核件数" in next(csv_module.reader([heads["zh", "csv"]]))
    assert "Cases judged" in heads["en", "table"] and "Cases due" not in heads["en", "table"]
    assert "考核件数" in report.ranking_header and "到期件数" not in report.ranking_header
    for lang, name in (("zh", "考核件数"), ("en", "Cases judged")):
        at = run("areas", lang=lang, **JULY)
        assert name in at.dataframe[0].value.columns
        assert not {"到期件数", "Cases due"} & set(at.dataframe[0].value.columns)


def test_glossary_shows_the_definitions_the_code_applies(demo_db, monkeypatch, tmp_path):
    config = tmp_path / "taizhang.toml"
    config.write_text("[kpi]\nstall_days = 21\n[supervision]\nescalation_days = [15, 60]\n", encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_CONFIG", str(config))
    at = run("glossary")
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    for d in kpi.definitions(Settings(stall_days=21, escalation_days=(15, 60))):
        # every definition under its catalogue name, 中文 first, with both texts
        assert f"{d['label_zh']} / {d['label_en']}" in text and d["zh"] in text and d["en"] in text
    assert "进展停滞 / Stalled" in text and "早于统计日前 21 天" in text and "more than 21 days" in text
    assert "超期>15天、超期>60天" in text
    assert "本月办结(期间内办结) / Resolved in the period" in text
    assert "已解决 / Resolved" in text and "当月受理当月办结" in text
    at = run("glossary", lang="en")
    first = next(m.value for m in at.markdown if "Stalled" in m.value).replace("\\", "")
    assert first.index("Stalled / 进展停滞") < first.index("more than 21 days") < first.index("21 天")


def test_lists_name_their_lead_officials_and_the_case_page_every_role(demo_db):
    with reading(demo_db) as con:
        links = con.sql("""SELECT l.case_id, l.role, o.name FROM case_officials l
                           JOIN officials o USING (official_id)""").df()
        listed = kpi.case_list(con, kpi.Filters(), limit=None)
    several = links.groupby("case_id")["role"].nunique()
    case_id = several[several > 1].index[0]          # a case with a lead and other roles
    leads = "、".join(sorted(links[(links["case_id"] == case_id) & (links["role"] == "lead")]["name"]))
    row = listed.set_index("case_id").loc[case_id]
    at = run("cases", q=row["case_no"], period="all")
    table = at.dataframe[0].value
    assert "挂点领导" in table.columns and "相关干部" not in table.columns
    assert table.set_index("案件编号").loc[row["case_no"], "挂点领导"] == leads
    at = run("cases", case=case_id, period="all")
    people = at.dataframe[0].value
    assert len(people) == (links["case_id"] == case_id).sum() and people["角色"].nunique() > 1


def test_a_question_without_dates_is_about_the_latest_complete_month_everywhere(
        demo_db, capsys, tmp_path, cases):
    """No dates given: the screen, the report, `taizhang kpi`, `taizhang supervise` and its
    Excel all count the latest complete month (July: the demo's data end on 07-31), and
    each says so; as of 07-15 the latest complete month is June, everywhere."""
    received = pd.to_datetime(cases["received_on"])

    def count(first, last):
        return int(((received >= first) & (received <= last)).sum())

    july, june = count("2022-07-01", "2022-07-31"), count("2022-06-01", "2022-06-30")
    assert july != len(cases) and june != july      # all the data is another answer
    # the screen
    at = run()
    assert card(at, "受理")[0] == str(july)
    assert "本月(2022-07-01 – 2022-07-31)· 全区" in captions(at)
    for page in ("officials", "seeds", "recurring", "cases"):      # every page says it too
        assert "本月(2022-07-01 – 2022-07-31)· 全区" in captions(run(page)), page
    # `taizhang kpi`: JSON on standard output, the period it counts on standard error
    assert main(["kpi", "--db", str(demo_db), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["received"] == july
    assert "统计期间:本月,受理于 2022-07-01 至 2022-07-31,截至 2022-07-31" in err
    assert main(["kpi", "--db", str(demo_db)]) == 0      # a table: the period is its first line
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line == "统计期间:本月,受理于 2022-07-01 至 2022-07-31,截至 2022-07-31"
    assert kpi_json(demo_db, capsys, "--period", "全部")[0]["received"] == len(cases)
    # the report of no month given: July's, its cards July's cases
    with reading(demo_db) as con:
        view = report_view(con, None, settings=Settings())
        _, listed = kpi.supervision_cases(con, kpi.Filters.make("2022-07-01", "2022-07-31"))
    assert "2022年7月" in view.title and "2022-07-01" in view.subtitle
    assert next(c for c in view.cards if c.label == "受理").value == str(july)
    # the 督办 list: page, `taizhang supervise` and its Excel, the same cases
    at = run("supervision")
    assert f"共 {listed} 件需督办。" in [c.value for c in at.caption]
    out_file = tmp_path / "list.xlsx"
    assert main(["supervise", "--db", str(demo_db), "--out", str(out_file)]) == 0
    assert "统计期间:本月,受理于 2022-07-01 至 2022-07-31" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(out_file).active
    assert sheet.max_row - 3 == listed and "2022-07-01 至 2022-07-31" in sheet["A2"].value
    # as of 07-15 July is not complete: June, on the screen and on the command line alike
    at = run(as_of="2022-07-15")
    assert "本月(2022-06-01 – 2022-06-30)· 全区" in captions(at)
    shown = card(at, "受理")[0]
    rows = kpi_json(demo_db, capsys, "--as-of", "2022-07-15")
    assert shown == str(rows[0]["received"]) == str(june)
