"""The dashboard's pure logic: URL ⇄ view ⇄ filters, drill-down, selection events, catalogue."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from taizhang.dashboard.state import (
    View, breadcrumb, comparison_step, drill_into, drill_level, filters_for, params_from_view,
    period_bounds, report_months, table_selection, view_from_params, with_period,
)
from taizhang import i18n


def test_query_string_round_trip_keeps_every_field():
    view = View(lang="en", period="custom", date_from=date(2022, 1, 1), date_to=date(2022, 7, 31),
                as_of=date(2022, 7, 31), street="南站街道", community="桃源社区",
                category="环境卫生", channel="12345热线", official="o1", case="XH-0001",
                search="楼道", kinds="overdue,stalled", month="2022-06")
    params = params_from_view(view)
    assert params["from"] == "2022-01-01" and params["street"] == "南站街道" and params["q"] == "楼道"
    assert view_from_params(params) == view


def test_defaults_stay_out_of_the_url_and_bad_values_are_ignored():
    assert params_from_view(View()) == {}
    view = view_from_params({"lang": "fr", "from": "yesterday", "to": "2022-13-40",
                             "street": "  ", "community": "南浦社区", "unknown": "x"})
    assert view == View(community="南浦社区")


def test_reversed_period_in_a_url_is_put_right():
    view = view_from_params({"from": "2022-07-31", "to": "2022-01-01"})
    assert (view.date_from, view.date_to) == (date(2022, 1, 1), date(2022, 7, 31))


def test_filters_carry_dimensions_and_rankings_drop_areas():
    view = View(date_from=date(2022, 1, 1), street="南站街道", community="桃源社区", channel="12345热线",
                official="o1")
    assert filters_for(view).where == (("channel", "12345热线"), ("community", "桃源社区"), ("street", "南站街道"))
    assert filters_for(view, areas=False).where == (("channel", "12345热线"),)
    assert ("official", "o1") in filters_for(view, official=True).where
    assert filters_for(view).date_from == date(2022, 1, 1)


def test_drill_down_and_breadcrumb_go_back_up():
    view = View(lang="en", category="停车")
    street = drill_into(view, "street", "南站街道")
    community = drill_into(street, "community", "桃源社区")
    case = drill_into(community, "case", "XH-0001")
    assert [drill_level(v) for v in (view, street, community, case)] == ["district", "street", "community", "case"]
    crumbs = breadcrumb(case)
    assert [level for level, _, _ in crumbs] == ["district", "street", "community", "case"]
    # Going back to the street keeps the other filters and clears what was below it.
    assert crumbs[1][2] == View(lang="en", category="停车", street="南站街道")
    assert crumbs[0][2] == view
    # Choosing another street clears the community and case of the old one.
    assert drill_into(case, "street", "桃花镇") == View(lang="en", category="停车", street="桃花镇")


def test_table_selection_reads_the_selected_row():
    frame = pd.DataFrame({"street": ["南站街道", "桃花镇"], "score": [80.0, 70.0]})
    assert table_selection({"selection": {"rows": [1]}}, frame, "street") == "桃花镇"
    assert table_selection({"selection": {"rows": []}}, frame, "street") is None
    assert table_selection({"selection": {"rows": [5]}}, frame, "street") is None
    assert table_selection(None, frame, "street") is None


def test_report_months_newest_first():
    assert report_months(date(2021, 11, 20), date(2022, 2, 3)) == ["2022-02", "2022-01", "2021-12", "2021-11"]
    assert report_months(None, date(2022, 2, 3)) == []


def test_catalogue_has_both_languages_and_spec_words():
    assert i18n.t("resolved") == "已解决" and i18n.t("resolved", "en") == "Resolved"
    assert i18n.t("demo_data") == "示例数据"
    assert i18n.t("street", "en") == "Street (town)"
    for key, (zh, en) in i18n.TEXT.items():
        assert zh and en, key
        # Both languages must take the same format fields.
        assert sorted(_fields(zh)) == sorted(_fields(en)), key
    with pytest.raises(KeyError):
        i18n.t("no.such.key")


def _fields(text: str) -> list[str]:
    import string
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


@pytest.mark.parametrize("last, period, expected", [
    # Data up to 2022-07-31 (a month's last day): July is complete.
    (date(2022, 7, 31), "month", (date(2022, 7, 1), date(2022, 7, 31))),
    (date(2022, 7, 31), "last_month", (date(2022, 6, 1), date(2022, 6, 30))),
    (date(2022, 7, 31), "quarter", (date(2022, 7, 1), date(2022, 7, 31))),
    (date(2022, 7, 31), "year", (date(2022, 1, 1), date(2022, 7, 31))),
    (date(2022, 7, 31), "12m", (date(2021, 8, 1), date(2022, 7, 31))),
    # Data up to 2022-07-20: July is not complete, June is the latest complete month.
    (date(2022, 7, 20), "month", (date(2022, 6, 1), date(2022, 6, 30))),
    (date(2022, 7, 20), "quarter", (date(2022, 4, 1), date(2022, 6, 30))),
    (date(2023, 1, 5), "year", (date(2022, 1, 1), date(2022, 12, 31))),
    (date(2022, 3, 31), "last_month", (date(2022, 2, 1), date(2022, 2, 28))),
    (date(2022, 7, 31), "all", (None, None)),
])
def test_period_presets_end_with_the_latest_complete_month(last, period, expected):
    assert period_bounds(period, last) == expected


def test_presets_keep_dates_out_of_the_url_and_custom_keeps_them():
    view = with_period(View(period="quarter", street="南站街道"), date(2022, 7, 31))
    assert (view.date_from, view.date_to) == (date(2022, 7, 1), date(2022, 7, 31))
    assert params_from_view(view) == {"period": "quarter", "street": "南站街道"}
    assert comparison_step(view) == 3
    custom = View(period="custom", date_from=date(2022, 1, 1), date_to=date(2022, 6, 30))
    assert params_from_view(custom) == {"period": "custom", "from": "2022-01-01", "to": "2022-06-30"}
    assert comparison_step(custom) == 6
    # A URL from before the presets, with dates only: a custom period.
    assert view_from_params({"from": "2022-01-01"}).period == "custom"
    assert view_from_params({"period": "bogus"}).period == "month"
