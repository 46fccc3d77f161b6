"""`taizhang kpi`: JSON keys exactly SPEC §7's, zero rows, filters, formats, friendly errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from kpi_fixtures import case, make_db

from taizhang.filters import METRICS
from taizhang.cli import main
from taizhang.i18n import label


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cli.duckdb"
    areas = [{"district": "西湖区", "street": s, "community": c, "kind": "社区"}
             for s, c in (("南站街道", "A社区"), ("南站街道", "B社区"), ("桃花镇", "D社区"))]
    con = make_db(path, areas=areas, cases=[
        case("c1", "2023-01-02", "resolved", street="南站街道", community="A社区",
             resolved_on="2023-01-12", satisfaction="satisfied"),
        case("c2", "2023-02-03", "pending", street="南站街道", community="A社区"),
        case("c3", "2023-02-05", "in_progress", street="桃花镇", community="D社区"),
    ])
    con.close()
    return path


def kpi_json(capsys, db, *args) -> list[dict]:
    assert main(["--db", str(db), "kpi", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_without_by_is_one_row_of_exactly_the_metrics(capsys, db):
    rows = kpi_json(capsys, db, "--as-of", "2023-02-28", "--period", "all")
    assert len(rows) == 1 and list(rows[0]) == list(METRICS)
    assert rows[0]["received"] == 3 and rows[0]["resolution_rate"] == pytest.approx(1 / 3)


def test_json_by_street_month_with_where(capsys, db):
    rows = kpi_json(capsys, db, "--by", "street,month", "--where", "street=南站街道",
                    "--from", "2023-01-01", "--to", "2023-02-28", "--as-of", "2023-02-28")
    assert [list(r) for r in rows] == [["street", "month", *METRICS]] * 2
    assert [(r["month"], r["received"], r["resolved"]) for r in rows] == [
        ("2023-01", 1, 1), ("2023-02", 1, 0)]
    feb = rows[1]
    assert feb["resolution_rate"] == 0 and feb["on_time_rate"] is None and feb["rank"] is None


def test_json_by_community_lists_every_registry_community(capsys, db):
    rows = kpi_json(capsys, db, "--by", "community", "--period", "all")
    assert {r["community"]: r["received"] for r in rows} == {"A社区": 2, "B社区": 0, "D社区": 1}
    b = next(r for r in rows if r["community"] == "B社区")
    assert b["resolution_rate"] is None and b["score"] is None


def test_csv_and_table(capsys, db):
    # English headers with --lang en; the values are the same in both languages.
    assert main(["--db", str(db), "--lang", "en", "kpi", "--by", "street", "--format", "csv",
                 "--period", "all"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["Street (town)", *(label(m, "en") for m in METRICS)]
    assert rows[1]["Street (town)"] == "桃花镇"
    assert rows[1]["Resolution rate"] == "0.0" and rows[1]["On-time rate"] == ""
    assert main(["--db", str(db), "kpi", "--by", "street", "--lang", "en", "--period", "all"]) == 0
    period, *table = capsys.readouterr().out.splitlines()
    assert period == "Period: All data, cases received 2023-01-02 to 2023-02-05, as of 2023-02-05"
    assert table[0].split()[:4] == ["Street", "(town)", "Received", "Resolved"]
    assert "50.0%" in table[1] and "—" in table[2]


def test_table_and_csv_headers_are_chinese_by_default_json_keys_stay(capsys, db, monkeypatch):
    monkeypatch.delenv("TAIZHANG_LANG", raising=False)
    assert main(["--db", str(db), "kpi", "--by", "street", "--format", "csv", "--period", "all"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0])[:4] == ["街道(镇)", "受理", "已解决", "正在解决"]
    assert {r["街道(镇)"]: r["受理"] for r in rows} == {"南站街道": "2", "桃花镇": "1"}
    assert main(["--db", str(db), "kpi", "--by", "street"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:3] == ["街道(镇)", "受理", "已解决"]
    # $TAIZHANG_LANG switches the default; JSON keys never change.
    monkeypatch.setenv("TAIZHANG_LANG", "en")
    assert main(["--db", str(db), "kpi", "--by", "street", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("Street (town),Received,Resolved")
    assert list(kpi_json(capsys, db, "--by", "street")[0]) == ["street", *METRICS]


def test_db_and_lang_after_the_subcommand(capsys, db, tmp_path, monkeypatch):
    # The README's promise: every command takes --db, before or after its name.
    monkeypatch.chdir(tmp_path)  # no data/taizhang.duckdb here: the option must be used
    assert main(["kpi", "--format", "json", "--db", str(db), "--period", "all"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["received"] == 3
    # Given before the sub-command it is not lost by the sub-command's parser.
    assert main(["--db", str(db), "kpi", "--format", "json", "--period", "all"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["received"] == 3


def test_unknown_area_or_official_is_refused_with_close_names(capsys, db):
    # Before: a row of zeros and exit 0 for a street nobody has.
    assert main(["--db", str(db), "kpi", "--where", "street=南站"]) == 2
    err = capsys.readouterr().err
    assert "南站" in err and "南站街道" in err and "close names" in err
    assert main(["--db", str(db), "kpi", "--where", "community=Z社区"]) == 2
    assert "Z社区" in capsys.readouterr().err
    assert main(["--db", str(db), "kpi", "--where", "干部=无此人"]) == 2
    assert "无此人" in capsys.readouterr().err
    # A registry community without cases is known: zeros are the right answer there.
    assert kpi_json(capsys, db, "--where", "community=B社区")[0]["received"] == 0


def test_chinese_keys_and_dates(capsys, db):
    english = kpi_json(capsys, db, "--by", "street,month", "--where", "street=南站街道",
                       "--from", "2023-01-01", "--to", "2023-02-28", "--as-of", "2023-02-28")
    for frm, to, as_of in (("2023年1月", "2023年2月", "2023年2月28日"),
                           ("2023-1", "2023/02/28", "20230228"),
                           ("2023/01/01", "2023-2", "2023-2-28")):
        chinese = kpi_json(capsys, db, "--by", "街道,月份", "--where", "街道=南站街道",
                           "--from", frm, "--to", to, "--as-of", as_of)
        assert chinese == english
    # Counted by hand from the fixture: c1 (January, resolved) and c2 (February) in 南站街道.
    assert [(r["month"], r["received"], r["resolved"]) for r in english] == [
        ("2023-01", 1, 1), ("2023-02", 1, 0)]
    assert kpi_json(capsys, db, "--where", "月份=2023年2月")[0]["received"] == 2


@pytest.mark.parametrize("args, message", [
    (["--by", "colour"], "unknown dimension 'colour'"),
    (["--where", "street"], "write it as street=南站街道"),
    (["--where", "colour=red"], "unknown dimension 'colour'"),
    (["--as-of", "31/07/2022"], "write it as 2023-01-08"),
])
def test_bad_arguments_are_messages_not_tracebacks(capsys, db, args, message):
    assert main(["--db", str(db), "kpi", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_database_is_a_message(capsys, tmp_path):
    assert main(["--db", str(tmp_path / "none.duckdb"), "kpi"]) == 2
    assert "taizhang demo" in capsys.readouterr().err


def test_real_command_line(db):
    done = subprocess.run(
        [sys.executable, "-m", "taizhang", "--db", str(db), "kpi", "--by", "street", "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [r["street"] for r in json.loads(done.stdout)] == ["南站街道", "桃花镇"]


def test_without_dates_the_latest_complete_month_is_counted_and_named(capsys, db):
    # The data end on 2023-02-05: February is not complete, January is (c1 alone).
    assert main(["--db", str(db), "kpi", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["received"] == 1
    assert err.strip() == "统计期间:本月,受理于 2023-01-01 至 2023-01-31,截至 2023-02-05"
    # As of 2023-02-28 February is complete: c2 and c3.
    assert kpi_json(capsys, db, "--as-of", "2023-02-28")[0]["received"] == 2
    assert kpi_json(capsys, db, "--period", "本年")[0]["received"] == 1
    # a month named in --where is the period, and said so
    assert main(["--db", str(db), "kpi", "--format", "json", "--where", "月份=2023年2月"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["received"] == 2 and "受理于 2023-02-01 至 2023-02-28" in err
    assert kpi_json(capsys, db, "--period", "12m", "--as-of", "2023-02-28")[0]["received"] == 3


@pytest.mark.parametrize("args, message", [
    (["--period", "week"], "use month, last_month, quarter, year, 12m or all"),
    (["--period", "all", "--from", "2023-01-01"], "give either --period or --from/--to"),
])
def test_a_bad_period_is_a_message(capsys, db, args, message):
    assert main(["--db", str(db), "kpi", *args]) == 2
    assert message in capsys.readouterr().err
