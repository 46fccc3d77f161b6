"""Working days past the chinese-calendar package's last year: said where it matters (the
import, the data page), and a district's own [calendar] schedule used by the SLA."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from taizhang import clock
from taizhang.kpi import api as kpi
from apptest import run
from kpi_fixtures import case, make_db
from ledgers import workbook
from taizhang.cli import main
from taizhang.settings import Settings, SettingsError, load_settings
from taizhang.workdays import PACKAGE_YEARS, workday_due_dates

YEAR = max(PACKAGE_YEARS) + 1  # the first year the package lacks (2027 with 1.11)
# A made-up Spring Festival schedule for YEAR: Monday 02-08 to Friday 02-12 off, Sunday
# 02-14 a make-up workday (the dates of a State Council notice, as a district types them).
SCHEDULE = f"""
[calendar.{YEAR}]
holidays = ["{YEAR}-02-08..{YEAR}-02-12"]
workdays = ["{YEAR}-02-14"]
"""


def workday_settings(tmp_path, text: str = "") -> Settings:
    path = tmp_path / "taizhang.toml"
    path.write_text('[kpi]\nsla_days = 5\nsla_calendar = "workdays"\n' + text, encoding="utf-8")
    return load_settings(path)


def test_years_past_the_package_are_monday_to_friday_unless_overridden(tmp_path):
    assert YEAR not in PACKAGE_YEARS
    received = date(YEAR, 2, 5)
    assert received.weekday() == 4 or pytest.skip("the dates below assume 02-05 is a Friday")
    plain = Settings(sla_days=5, sla_calendar="workdays")
    # Monday–Friday: 02-08 … 02-12 are the five working days.
    assert dict(workday_due_dates(received, received, 5, plain.calendar))[received] == date(YEAR, 2, 12)
    own = workday_settings(tmp_path, SCHEDULE)
    assert own.calendar == ((YEAR, tuple(date(YEAR, 2, d) for d in range(8, 13)), (date(YEAR, 2, 14),)),)
    # With the schedule: 02-14 (make-up Sunday), 02-15, 02-16, 02-17, 02-18.
    assert dict(workday_due_dates(received, received, 5, own.calendar))[received] == date(YEAR, 2, 18)


def test_the_schedule_changes_the_on_time_rate(tmp_path):
    con = make_db(tmp_path / "sla.duckdb", cases=[
        case("k1", f"{YEAR}-02-05", "resolved", resolved_on=f"{YEAR}-02-16"),
        case("k2", f"{YEAR}-02-05", "resolved", resolved_on=f"{YEAR}-02-11"),
    ])
    f = kpi.Filters.make(as_of=f"{YEAR}-03-31")
    plain = Settings(sla_days=5, sla_calendar="workdays")
    own = workday_settings(tmp_path, SCHEDULE)
    # Due 02-12 without the schedule (k1 late), 02-18 with it (both on time): counted by hand.
    assert kpi.metrics(con, (), f, plain).iloc[0]["on_time_rate"] == 0.5
    assert kpi.metrics(con, (), f, own).iloc[0]["on_time_rate"] == 1.0
    assert kpi.case_list(con, f, settings=own)["due_on"].dt.date.tolist() == [date(YEAR, 2, 18)] * 2


def test_a_schedule_file_and_its_mistakes(tmp_path):
    (tmp_path / "holidays.toml").write_text(SCHEDULE.replace("calendar.", ""), encoding="utf-8")
    from_file = workday_settings(tmp_path, '[calendar]\nfile = "holidays.toml"\n')
    assert from_file.calendar == workday_settings(tmp_path, SCHEDULE).calendar
    for text, message in (
        (f'[calendar.{YEAR}]\nholidays = ["{YEAR + 1}-01-01"]\n', f"is not in {YEAR}"),
        (f'[calendar.{YEAR}]\nholidays = ["{YEAR}-02-14"]\nworkdays = ["{YEAR}-02-14"]\n',
         "both a holiday and a workday"),
        (f'[calendar.{YEAR}]\nholiday = ["{YEAR}-02-14"]\n', "may hold only holidays"),
        (f'[calendar.{YEAR}]\nholidays = ["next spring"]\n', "is not a date"),
        ('[calendar]\nfile = "missing.toml"\n', "not found"),
        ('[calendar]\nspring = 1\n', "[calendar] spring"),
    ):
        with pytest.raises(SettingsError, match=message.replace("[", r"\[")):
            workday_settings(tmp_path, text)


# The ledgers below are dated in the calendar package's last year, which may still be ahead
# of the day the test runs: the import runs on a day after them (taizhang.clock), its
# plausibility rule (no date after the import day) as it is.
@pytest.fixture(autouse=True)
def after_the_last_year(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(YEAR + 1, 1, 31))


def write_ledger(path: Path, year: int) -> Path:
    return workbook(path, "桃源社区", [["问题", "反映时间", "办理状态", "办结时间"],
                                     ["路灯不亮", f"{year}-12-20", "已解决", f"{year}-12-28"],
                                     ["井盖缺失", f"{year}-12-22", "正在解决", None]])


def test_the_import_says_which_years_are_assumed(tmp_path, capsys, monkeypatch):
    config = tmp_path / "taizhang.toml"
    monkeypatch.setenv("TAIZHANG_CONFIG", str(config))
    db = str(tmp_path / "t.duckdb")
    note = "are assumed Monday–Friday"
    # Received in the package's last year, due in the next: the deadline reaches YEAR.
    late = write_ledger(tmp_path / "台账.xlsx", YEAR - 1)
    config.write_text('[kpi]\nsla_days = 10\nsla_calendar = "workdays"\n', encoding="utf-8")
    assert main(["check", str(late), "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"Working days in {YEAR} {note}" in out and f"{YEAR} 年的工作日按周一至周五计算" in out
    # The district's schedule for YEAR: nothing assumed, nothing said.
    config.write_text('[kpi]\nsla_days = 10\nsla_calendar = "workdays"\n' + SCHEDULE, encoding="utf-8")
    assert main(["check", str(late), "--db", db]) == 0
    assert note not in capsys.readouterr().out
    # Calendar days: no working day is assumed.
    config.write_text("[kpi]\nsla_days = 10\n", encoding="utf-8")
    assert main(["check", str(late), "--db", db]) == 0
    assert note not in capsys.readouterr().out
    # Data well inside the package's years: nothing to say.
    early = write_ledger(tmp_path / "旧台账.xlsx", 2023)
    config.write_text('[kpi]\nsla_days = 10\nsla_calendar = "workdays"\n', encoding="utf-8")
    assert main(["load", str(early), "--db", db]) == 0
    assert note not in capsys.readouterr().out


def test_the_data_page_says_which_years_are_assumed(tmp_path, monkeypatch):
    db = tmp_path / "t.duckdb"
    config = tmp_path / "taizhang.toml"
    config.write_text('[kpi]\nsla_days = 10\nsla_calendar = "workdays"\n', encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_CONFIG", str(config))
    monkeypatch.setenv("TAIZHANG_DB", str(db))
    assert main(["load", str(write_ledger(tmp_path / "台账.xlsx", YEAR)), "--db", str(db)]) == 0

    def page_infos():
        return " ".join(i.value for i in run("data").info)

    # Received in December of YEAR: the deadlines of the last cases fall in the next year.
    assert f"{YEAR}、{YEAR + 1} 年的工作日按周一至周五计算" in page_infos()
    config.write_text('[kpi]\nsla_days = 10\nsla_calendar = "workdays"\n'
                      + SCHEDULE + SCHEDULE.replace(str(YEAR), str(YEAR + 1)), encoding="utf-8")
    assert "周一至周五" not in page_infos()


def test_the_import_day_is_the_clocks(tmp_path, capsys, monkeypatch):
    """The plausibility rule reads the day from taizhang.clock: the same ledger is refused
    on a day before its dates (every row rejected: a message, not an internal error),
    imported on a day after them."""
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    ledger = write_ledger(tmp_path / "台账.xlsx", YEAR)
    db = str(tmp_path / "t.duckdb")
    monkeypatch.setattr(clock, "today", lambda: date(YEAR, 6, 1))
    assert main(["load", str(ledger), "--db", db]) == 1
    out = capsys.readouterr().out
    assert f"{YEAR}-12-20 is after {YEAR}-06-02" in out and "internal error" not in out
    assert "全部 2 行都未通过检查" in out and "「反映时间」晚于导入当天 2 行" in out
    monkeypatch.setattr(clock, "today", lambda: date(YEAR + 1, 1, 31))
    assert main(["load", str(ledger), "--db", db]) == 0
    assert "新增 2" in capsys.readouterr().out


def test_every_reject_rule_has_a_short_reason():
    """The summary of a file whose rows were all rejected names each rule briefly: one
    rule without a short form made that summary an internal error (future_date)."""
    from taizhang.etl.rejects import SHORT
    from taizhang.store.rejects import REASONS

    assert {code.split(":")[0] for code in REASONS} <= set(SHORT)
