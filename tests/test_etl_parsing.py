"""Property tests of the SQL parsers (dates, masking, folding) against plain Python, and a
check that docs/ledgers.md documents every column name and phrase the built-in profile knows."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.etl.fold import fold_sql, fold_text, mask_sql
from taizhang.etl.normalize import date_sql

ROOT = Path(__file__).resolve().parent.parent
CON = duckdb.connect()

FORMATS = {
    "iso": lambda d: d.isoformat(),
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "dot": lambda d: f"{d.year}.{d.month}.{d.day}",
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "compact": lambda d: d.strftime("%Y%m%d"),
    "with_time": lambda d: f"{d.isoformat()} 14:05:09",
    "serial": lambda d: str((d - dt.date(1899, 12, 30)).days),
    "full_width": lambda d: "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{d.year}年{d.month}月{d.day}日"),
}




def parse(text: str, year: int | None = None):
    """The ETL's date parser (after folding) run on one value."""
    return CON.execute(
        f"SELECT {date_sql('x', 'y', [])} FROM (SELECT {fold_sql('v')} AS x, y FROM "
        f"(SELECT ?::VARCHAR AS v, ?::INTEGER AS y))",
        [text, year],
    ).fetchall()[0][0]


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2099, 12, 31)), st.sampled_from(sorted(FORMATS)))
def test_every_date_form_parses_to_the_same_day(day, form):
    assert parse(FORMATS[form](day)) == day


@settings(max_examples=30, deadline=None)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_month_day_takes_the_year_given(day):
    assert parse(f"{day.month}月{day.day}日", day.year) == day
    assert parse(f"{day.month}月{day.day}日", None) is None


@pytest.mark.parametrize("text", ["2023-02-30", "2023-13-01", "13/01/2023", "去年", "1234", "2023年"])
def test_non_dates_stay_null(text):
    assert parse(text) is None


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="路灯不亮 ,,;电话:Xx-", max_size=12), st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       st.text(alphabet="号码 ;。", max_size=6))
def test_no_mobile_number_survives_masking(before, mobile, after):
    text = before + mobile + after + mobile
    masked = CON.execute(f"SELECT {mask_sql('v')} FROM (SELECT ?::VARCHAR AS v)", [text]).fetchall()[0][0]
    assert mobile not in masked
    if after:  # two numbers written together are one long digit run, masked as such
        assert masked.count(mobile[:3] + "****" + mobile[-4:]) == 2


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ａＢ１２　 \t\n，。：abc路灯", max_size=15))
def test_sql_folding_equals_python_folding(text):
    folded = CON.execute(f"SELECT {fold_sql('v')} FROM (SELECT ?::VARCHAR AS v)", [text]).fetchall()[0][0]
    assert folded == (fold_text(text) or None)


def test_docs_name_every_column_name_and_phrase_of_the_builtin_profile():
    profile = tomllib.loads((ROOT / "etl/profiles/builtin.toml").read_text(encoding="utf-8"))
    docs = (ROOT / "docs/ledgers.md").read_text(encoding="utf-8")
    words = [w for section in ("columns", "status", "satisfaction") for names in profile[section].values()
             for w in names]
    assert [w for w in words if w not in docs] == []
