"""Every dashboard page run through Streamlit's AppTest on the demo database.

Each test asserts the page ran without an exception or an error box, and that one real
number on it equals the KPI layer's for the same filters (one implementation).
"""

from __future__ import annotations

import functools
import html
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from taizhang.kpi import api as kpi
from taizhang.store.schema import ensure_schema
from taizhang import charts as figures
from taizhang.db import connect, reading

from apptest import card, metric
from apptest import run_all as run  # every page on all the data unless a test gives dates
from hostile import shown
from kpi_fixtures import kpi_call


def plotly_figures(at: AppTest) -> list[dict]:
    """The plotly figures the page sent, in page order (AppTest keeps each as its proto)."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_overview_cards_equal_the_kpi_layer(demo_db, use_db):
    use_db(demo_db)
    at = run()
    total = kpi_call(demo_db, kpi.metrics, (), kpi.Filters()).iloc[0]
    # resolved over the cases not cancelled or referred, counted here by hand
    judged = total["received"] - total["cancelled"] - total["referred"]
    assert metric(at, "已解决") == kpi.format_ratio(total["resolved"], judged)
    assert metric(at, "受理") == str(int(total["received"]))
    assert metric(at, "满意率") == kpi.format_rate(total["satisfaction_rate"])
    # the 12345 cards: the demo's hotline export has 签收/办结/反馈 times, and a few cases
    # ended without resolution
    assert metric(at, "响应率") == kpi.format_rate(total["response_rate"])
    assert metric(at, "中位办结时长(小时)") == kpi.format_number(total["median_hours"])
    assert metric(at, "重办率") == kpi.format_rate(total["reopened_rate"])
    assert (metric(at, "撤单"), metric(at, "转办退回")) == ("7", "5")
    assert any("示例数据" in i.value for i in at.info)
    trend, streets, categories = plotly_figures(at)
    ranking = kpi_call(demo_db, kpi.ranking, "street", kpi.Filters())
    best = ranking.sort_values("rank")["street"].iloc[0]
    assert streets["data"][0]["y"][0] == best and streets["layout"]["title"]["text"] == "街道综合排名"
    assert trend["layout"]["title"]["text"] == "月度受理与解决"
    assert categories["layout"]["title"]["text"] == "问题类别构成"
    # The reduced modebar; a chart's PNG is named after its title.
    config = json.loads(at.get("plotly_chart")[1].proto.config)
    assert config["toImageButtonOptions"]["filename"] == "街道综合排名" and not config["displaylogo"]
    # The trend's last month is the KPI layer's, and its hover says the exact count.
    months = kpi_call(demo_db, kpi.trend, kpi.Filters())
    assert trend["data"][0]["y"][-1] == int(months["received"].iloc[-1])
    assert trend["data"][0]["customdata"][-1] == str(int(months["received"].iloc[-1]))


def test_overview_in_english(demo_db, use_db):
    use_db(demo_db)
    at = run(lang="en")
    total = kpi_call(demo_db, kpi.metrics, (), kpi.Filters()).iloc[0]
    assert metric(at, "Resolved") == kpi.format_ratio(total["resolved"], kpi.resolution_base(total))
    assert metric(at, "Response rate") == kpi.format_rate(total["response_rate"])
    assert at.header[0].value == "Overview"


def test_overview_drilled_into_a_street_shows_its_communities(demo_db, use_db):
    # What a click on a street's bar shows (the click itself: tests/e2e): the street's own
    # numbers, its bar highlighted, its ranked communities beside it, a link to their table.
    use_db(demo_db)
    street = kpi_call(demo_db, kpi.ranking, "street", kpi.Filters()).sort_values("rank")["street"].iloc[-1]
    at = run(street=street)
    total = kpi_call(demo_db, kpi.metrics, (), kpi.Filters.make(where={"street": street})).iloc[0]
    assert metric(at, "受理") == str(int(total["received"]))
    charts = plotly_figures(at)
    assert len(charts) == 4   # trend, streets, the street's communities, categories
    communities = kpi_call(demo_db, kpi.ranking, "community", kpi.Filters.make(where={"street": street}))
    ranked = communities.dropna(subset=["score"]).sort_values("score", ascending=False, kind="stable")
    shown = charts[2]["data"][0]["y"]
    assert shown == list(ranked["community"]) and len(shown) > 1
    assert charts[2]["data"][0]["text"] == [f"{s:.1f}" for s in ranked["score"]]
    assert charts[2]["layout"]["title"]["text"] == f"{street} 各社区(村)综合排名"
    # The line across the communities is their street's score, named after the street
    # (it read 全区, the district's name, beside the street's own score); the streets'
    # chart keeps the district's.
    street_score = kpi_call(demo_db, kpi.headline, kpi.Filters.make(where={"street": street}))["metrics"]["score"]
    district_score = kpi_call(demo_db, kpi.headline, kpi.Filters())["metrics"]["score"]
    [line] = [shape for shape in charts[2]["layout"]["shapes"] if not shape["label"]["text"].startswith("目标")]
    assert line["label"]["text"] == f"{street} {street_score:.1f}" and line["x0"] == pytest.approx(street_score)
    assert any(shape["label"]["text"] == f"全区 {district_score:.1f}" for shape in charts[1]["layout"]["shapes"])
    streets = charts[1]["data"][0]
    colours = dict(zip(streets["y"], streets["marker"]["color"]))
    assert colours.pop(street) == figures.SELECTED_COLOR
    assert set(colours.values()) == {figures.SCORE_COLOR}
    link = at.get("page_link")[0].proto
    assert link.label == f"{street} 社区明细表 ›" and "areas" in link.page
    # The street's categories: its ten largest by received (kpi.metrics), each bar's
    # statuses stacked to that number.
    by_category = kpi_call(demo_db, kpi.metrics, ("category",), kpi.Filters.make(where={"street": street}))
    largest = by_category[by_category["received"] > 0].sort_values("received", ascending=False, kind="stable").head(10)
    bars = charts[3]["data"]
    assert bars[0]["y"] == list(largest["category"]) and len(bars[0]["y"]) > 3
    stacked = [sum(trace["x"][i] for trace in bars) for i in range(len(bars[0]["y"]))]
    assert stacked == [int(n) for n in largest["received"]]
    at = run(street=street, lang="en")
    assert metric(at, "Received") == str(int(total["received"]))
    assert plotly_figures(at)[2]["layout"]["title"]["text"] == f"Communities of {street} by score"


def test_areas_district_level_lists_the_street_ranking(demo_db, use_db):
    use_db(demo_db)
    at = run("areas")
    ranking = kpi_call(demo_db, kpi.ranking, "street", kpi.Filters())
    table = at.dataframe[0].value
    assert list(table["街道(镇)"]) == list(ranking["street"])
    assert list(table["综合得分"]) == pytest.approx(list(ranking["score"]))


def test_grids_hold_rates_scores_and_ranks_as_numbers_that_sort_as_numbers(demo_db, use_db):
    """A rate is a number 0–100 the grid shows as '84.6%': sorted, 9.1 comes before 70.0
    (as text '9.1%' sorted after '70.0%'); scores and ranks are numbers too."""
    use_db(demo_db)
    at = run("areas")
    ranking = kpi_call(demo_db, kpi.ranking, "street", kpi.Filters())
    grid = at.dataframe[0]
    table = grid.value
    for column in ("排名", "综合得分", "解决率", "到期解决率", "到期按期率", "满意率", "考核件数"):
        assert pd.api.types.is_numeric_dtype(table[column]), column
    assert list(table["解决率"]) == pytest.approx([r * 100 for r in ranking["resolution_rate"]])
    assert list(table["考核件数"]) == list(ranking["due_cases"])
    ascending = table.sort_values("解决率", kind="stable")["街道(镇)"].tolist()
    assert ascending == ranking.sort_values("resolution_rate", kind="stable")["street"].tolist()
    config = json.loads(grid.proto.columns)
    assert config["解决率"]["type_config"]["format"] == "%.1f%%"
    assert config["排名"]["type_config"]["format"] == "%d"


def test_rates_sort_as_numbers_not_as_text():
    """The grid's frame of a hand-made ranking: 9.1% sorts below 70.0% (text would not)."""
    from taizhang.dashboard.ui import display_frame
    frame = pd.DataFrame({"street": ["甲街道", "乙街道", "丙街道"],
                          "resolution_rate": [0.7, 0.091, None], "rank": [1, 2, None]})
    shown = display_frame(frame, ["street", "resolution_rate", "rank"], "zh", numeric=True)
    ordered = shown.sort_values("解决率", na_position="last")["街道(镇)"].tolist()
    assert ordered == ["乙街道", "甲街道", "丙街道"]
    assert sorted(["70.0%", "9.1%"]) == ["70.0%", "9.1%"]   # what text sorting did
    assert display_frame(frame, ["resolution_rate"], "zh")["解决率"].tolist() == ["70.0%", "9.1%", "—"]


def test_areas_street_level_lists_every_registry_community(demo_db, use_db):
    use_db(demo_db)
    street = kpi_call(demo_db, kpi.ranking, "street", kpi.Filters())["street"].iloc[0]
    at = run("areas", street=street)
    communities = kpi_call(demo_db, kpi.metrics, ("street", "community"), kpi.Filters.make(where={"street": street}))
    table = at.dataframe[0].value
    assert sorted(table["社区(村)"]) == sorted(communities["community"])
    assert int(table["受理"].sum()) == int(communities["received"].sum())
    street_total = kpi_call(demo_db, kpi.metrics, (), kpi.Filters.make(where={"street": street})).iloc[0]
    assert metric(at, "受理") == str(int(street_total["received"]))


def test_areas_community_level_lists_its_cases_and_a_case_page(demo_db, use_db):
    use_db(demo_db)
    ranking = kpi_call(demo_db, kpi.ranking, "community", kpi.Filters())
    street, community = ranking[["street", "community"]].iloc[0]
    at = run("areas", street=street, community=community)
    filters = kpi.Filters.make(where={"street": street, "community": community})
    received = kpi_call(demo_db, kpi.metrics, (), filters)["received"].iloc[0]
    assert len(at.dataframe[0].value) == received
    listed = kpi_call(demo_db, kpi.case_list, filters, limit=None)
    case_no = at.dataframe[0].value["案件编号"].iloc[0]
    case_id = listed.set_index("case_no").loc[case_no, "case_id"]
    at = run("areas", street=street, community=community, case=case_id)
    detail = kpi_call(demo_db, kpi.case_detail, case_id)
    assert shown(at.subheader[0].value).startswith(case_no)
    assert any(Path(detail["source_file"]).name in shown(c.value) for c in at.caption)


def test_officials_page_lists_every_official_with_the_note(demo_db, use_db):
    use_db(demo_db)
    at = run("officials")
    officials = kpi_call(demo_db, kpi.official_table, kpi.Filters())
    assert len(at.dataframe[0].value) == len(officials)
    assert list(at.dataframe[0].value["受理"]) == list(officials["received"])
    assert any("计入每名干部" in i.value for i in at.info)


def test_officials_role_filter_and_no_attendance_for_handlers(demo_db, use_db):
    """role=handler lists the handlers only; none shows an attendance (meetings are the
    lead officials' duty), while a lead official's is a number."""
    use_db(demo_db)
    officials = kpi_call(demo_db, kpi.official_table, kpi.Filters())
    handlers = officials[officials["roles"].str.split(",").map(lambda rs: "handler" in rs)]
    leads = officials[officials["roles"].str.split(",").map(lambda rs: "lead" in rs)]
    assert len(handlers) and len(leads)
    at = run("officials", role="handler")
    table = at.dataframe[0].value
    assert sorted(table["干部"]) == sorted(handlers["official"])
    never = handlers[~handlers["roles"].str.contains("lead") & (handlers["meetings_attended"] == 0)]
    assert len(never)
    assert table.set_index("干部").loc[never["official"].iloc[0], "参会率"] is pd.NA or \
        pd.isna(table.set_index("干部").loc[never["official"].iloc[0], "参会率"])
    at = run("officials", role="lead")
    table = at.dataframe[0].value
    assert sorted(table["干部"]) == sorted(leads["official"])
    assert table["参会率"].notna().all()
    assert list(table["参会率"]) == pytest.approx([a * 100 for a in leads["attendance"]])


def test_supervision_counts_equal_the_kpi_list(demo_db, use_db):
    use_db(demo_db)
    at = run("supervision")
    listing = kpi_call(demo_db, kpi.supervision_list, kpi.Filters())
    for kind, label in (("overdue", "超期未办结"), ("stalled", "进展停滞"), ("dissatisfied", "群众不满意")):
        assert metric(at, label) == str((listing["kind"] == kind).sum())
    assert any(c.value == f"共 {listing['case_id'].nunique()} 件需督办。" for c in at.caption)
    # One row a case, its reasons joined (the demo's list fits on the page).
    table = at.dataframe[0].value
    assert len(table) == listing["case_id"].nunique()
    assert table["案件编号"].is_unique
    both = listing.groupby("case_id")["kind"].apply(set)
    both = both[both.map(lambda k: {"overdue", "stalled"} <= k)]
    assert len(both) > 0
    assert (table["督办原因"].str.startswith("超期未办结、进展停滞")).sum() == len(both)
    assert at.get("download_button")


def test_supervision_page_counts_by_unit_lead_official_and_tier(demo_db, use_db):
    use_db(demo_db)
    at = run("supervision")
    cases = kpi_call(demo_db, kpi.supervision_list, kpi.Filters()).drop_duplicates("case_id")
    # pandas over the list: the unit table's first rows, and the tier cards.
    by_unit = cases["responsible_unit"].value_counts()
    unit_table = at.dataframe[1].value
    assert dict(zip(unit_table["承办单位"].head(3), unit_table["案件数"].head(3))) == by_unit.head(3).to_dict()
    overdue = cases.loc[cases["kind"] == "overdue", "days_overdue"]
    # Each case in its highest tier: the cards say the band of days (超期31–90天), not
    # ">30" (which the 91–365 days' cases are too).
    for low, high in ((30, 90), (90, 365)):
        assert metric(at, f"超期{low + 1}–{high}天") == str(((overdue > low) & (overdue <= high)).sum())
    assert metric(at, "超期>365天") == str((overdue > 365).sum())
    # In English the tier cards are headings like the others: 'Overdue 31–90 days'.
    english = run("supervision", lang="en")
    assert metric(english, "Overdue 31–90 days") == metric(at, "超期31–90天")
    assert metric(english, "Overdue >365 days") == metric(at, "超期>365天")
    # The list's 升级档 column says the same bands as the cards, case by case.
    listed = at.dataframe[0].value
    days = pd.to_numeric(listed["超期天数"], errors="coerce")
    for low, high in ((30, 90), (90, 365)):
        inside = (days > low) & (days <= high)
        assert inside.any() and set(listed.loc[inside, "升级档"]) == {f"超期{low + 1}–{high}天"}
    with reading(demo_db) as con:
        leads = con.sql("""SELECT o.name, l.case_id FROM case_officials l JOIN officials o USING (official_id)
                           WHERE l.role = 'lead'""").df()
    per_lead = leads[leads["case_id"].isin(cases["case_id"])].groupby("name")["case_id"].nunique()
    lead_table = at.dataframe[2].value
    shown = dict(zip(lead_table["挂点领导"], lead_table["案件数"]))
    named = {n: c for n, c in shown.items() if n in per_lead.index}
    assert len(named) >= 10
    assert named == {n: per_lead[n] for n in named}
    assert max(shown.values()) >= per_lead.max()   # the unnamed (no lead) row may be larger


def test_supervision_page_lists_the_first_cases_and_counts_them_all(demo_db, use_db, monkeypatch):
    # A city's list is millions of rows: the page shows the first cases, counts them all,
    # and the download is capped; both cut the list in its own order.
    use_db(demo_db)
    monkeypatch.setattr("taizhang.dashboard.loaders.SUPERVISION_PAGE_CASES", 5)
    monkeypatch.setattr("taizhang.dashboard.loaders.SUPERVISION_EXPORT_CASES", 7)
    listing = kpi_call(demo_db, kpi.supervision_list, kpi.Filters())
    order = list(dict.fromkeys(listing["case_no"]))   # cases in list order, counted by pandas
    at = run("supervision")
    table = at.dataframe[0].value
    assert list(table["案件编号"]) == order[:5]
    captions = [c.value for c in at.caption]
    assert f"共 {len(order)} 件需督办,此处列出前 5 件(最紧迫的在前);请用筛选缩小范围。" in captions
    assert f"下载包含前 7 件(共 {len(order)} 件);请缩小筛选范围以下载全部。" in captions
    from taizhang.dashboard import loaders
    exported, total, _ = loaders.supervision_export(kpi.Filters())
    assert list(exported["case_no"]) == order[:7] and total == len(order)

    at = run("supervision", kinds="dissatisfied,reopened")
    signals = listing[listing["kind"].isin(["dissatisfied", "reopened"])]
    rows = at.dataframe[0].value
    assert list(rows["案件编号"]) == list(dict.fromkeys(signals["case_no"]))[:5]
    assert set(rows["督办原因"]) <= {"群众不满意", "重新办理", "群众不满意、重新办理"}
    assert any(c.value.startswith(f"共 {signals['case_id'].nunique()} 件需督办") for c in at.caption)


def test_cases_search_finds_what_the_kpi_layer_finds(demo_db, use_db):
    use_db(demo_db)
    word = kpi_call(demo_db, kpi.case_list, kpi.Filters(), limit=1)["title"].iloc[0][:2]
    at = run("cases", q=word)
    found = kpi_call(demo_db, kpi.case_list, kpi.Filters(), search=word)
    assert list(at.dataframe[0].value["案件编号"]) == list(found["case_no"])


def test_report_page_shows_the_report_and_offers_downloads(demo_db, use_db):
    use_db(demo_db)
    at = run("report")
    assert [b.label for b in at.get("download_button")] == ["下载 PDF", "下载 PNG(发群用)", "下载长图(手机看)"]
    assert at.selectbox(key="w-month").value == kpi.format_date(kpi_call(demo_db, kpi.dataset_info)["as_of"])[:7]


def test_data_page_lists_imports_and_rejects(demo_db, use_db):
    use_db(demo_db)
    at = run("data")
    history = kpi_call(demo_db, kpi.imports_history)
    rejects = kpi_call(demo_db, kpi.rejects_list)
    tables = [d.value for d in at.dataframe]
    assert len(tables[0]) == len(history)
    assert len(rejects)
    # Each reject's reason in Chinese only, in a table that wraps it: the stored text's
    # Chinese half without its file, sheet and row (the table's own columns give them).
    listed = at.table[0].value
    assert len(listed) == len(rejects)
    for reason, (_, row) in zip(listed["原因"], rejects.iterrows()):
        zh, _ = row["reason"].split(" / ")
        name = Path(row["file"]).name
        place = f"{name} 工作表「{row['sheet']}」第{row['row']}行" if isinstance(row["sheet"], str) \
            else f"{name} 第{row['row']}行"
        assert zh.startswith(place + "「") and shown(reason) == zh[len(place):]
    assert any(f"{len(rejects)} 行" in w.value for w in at.warning)


def test_data_page_shows_the_aggregate_tables_state_and_the_latest_fallback(demo_db_copy, use_db):
    """Current tables: said with their case count; tables built by other rules: stale, with
    the reason, and the latest question answered from the cases with its reason."""
    from taizhang.i18n import t
    from taizhang.kpi import fastpath

    use_db(demo_db_copy)
    with connect(demo_db_copy) as con:
        cases = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        built = con.execute("SELECT value FROM meta WHERE key = 'aggregates_built_at'").fetchall()[0][0]
    at = run("data")
    assert any(f"汇总表为最新({cases} 件案件,{built} 建成)" in shown(c.value) for c in at.caption)
    with connect(demo_db_copy) as con:  # as if built by an older version's rules
        con.execute("UPDATE meta SET value = 'older-rules' WHERE key = 'aggregates_definition'")
    kpi_call(demo_db_copy, kpi.metrics, ("street",))  # a question now answered from the cases
    last = fastpath.last_fallback()
    assert last.code == "definition"
    at = run("data")
    warned = " ".join(shown(w.value) for w in at.warning)
    assert f"汇总表已过期:{t('fastpath.definition', 'zh')}" in warned
    assert "taizhang rebuild" in warned
    captions = [shown(c.value) for c in at.caption]
    assert any(c.startswith("最近一次逐件计算(") and t("fastpath.definition", "zh") in c for c in captions), captions


def test_officials_drill_into_one_officials_cases(demo_db, use_db):
    use_db(demo_db)
    official = kpi_call(demo_db, kpi.official_table, kpi.Filters()).iloc[0]
    at = run("officials", official=official["official_id"])
    cases = kpi_call(demo_db, kpi.case_list, kpi.Filters.make(where={"official": official["official_id"]}))
    assert len(at.dataframe[0].value) == len(cases) == official["received"]
    assert shown(at.subheader[0].value) == f"{official['official']} 的案件"


def test_a_busy_database_is_a_message_not_a_traceback(demo_db_copy, use_db, monkeypatch):
    # Another process holds the file for writing, as `taizhang load` does during an import.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('locked', flush=True); time.sleep(60)", str(demo_db_copy)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        use_db(demo_db_copy)
        monkeypatch.setattr("taizhang.dashboard.loaders.READ_WAIT_SECONDS", 0.5)
        at = run()
        assert any("数据库正在导入" in w.value for w in at.warning)
    finally:
        holder.kill()
        holder.wait()


def test_empty_slice_says_so(demo_db, use_db):
    use_db(demo_db)
    at = run(**{"from": "2030-01-01", "to": "2030-12-31"})
    assert any("没有案件" in i.value for i in at.info)


def test_missing_and_empty_database_say_how_to_load_data(tmp_path, use_db):
    use_db(tmp_path / "none.duckdb")
    at = run()
    assert any("taizhang load" in i.value and "taizhang serve --demo" in i.value for i in at.info)
    at = run("data")  # the Data page stays usable so a ledger can be uploaded
    assert at.get("file_uploader")
    empty = tmp_path / "empty.duckdb"
    con = connect(empty)
    ensure_schema(con)
    con.close()
    use_db(empty)
    for page in (None, "areas", "officials", "supervision", "cases", "report"):
        at = run(page)
        assert any("taizhang load" in i.value and "taizhang serve --demo" in i.value for i in at.info), page


def test_report_page_without_chromium_says_so(demo_db, use_db, monkeypatch):
    """Chromium missing: the report is still shown, with a message instead of buttons
    that would fail."""
    from taizhang.report import render

    monkeypatch.setattr(render, "CHROMIUM", Path("/nonexistent/chromium"))
    use_db(demo_db)
    at = run("report")
    assert not at.get("download_button")
    assert any("生成文件失败" in w.value and "chromium" in w.value for w in at.warning)


def test_the_prefetch_answers_what_a_click_on_a_street_asks(demo_db, use_db, monkeypatch):
    """After the background prefetch, the drilled overview asks the KPI layer only for the
    street's categories (left out of the prefetch on purpose: see the next test): its communities, headline
    and trend are the prefetched answers, so their cache keys agree."""
    import streamlit as st

    from taizhang.dashboard import loaders
    from taizhang.dashboard.state import View, drill_into, filters_for

    use_db(demo_db)
    st.cache_data.clear()
    run()  # the reader opens the overview (its sidebar's option lists are cached then)
    view = View()
    loaders._warm_streets(demo_db, drill_into(view, "district", None), filters_for(view, areas=False))
    street = kpi_call(demo_db, kpi.ranking, "street", kpi.Filters()).sort_values("rank")["street"].iloc[0]
    asked = []
    for name in ("headline", "trend", "ranking", "metrics", "status_counts"):
        real = getattr(kpi, name)
        # wraps: the loaders' cache keys name the function (module and name), as before
        monkeypatch.setattr(kpi, name, functools.wraps(real)(lambda con, *a, _n=name, _f=real, **k: (
            asked.append((_n, a[0] if _n in ("ranking", "metrics", "status_counts") else None))
            or _f(con, *a, **k))))
    run(street=street)
    assert asked == [("status_counts", ("category",))], asked


def test_a_click_sends_the_streets_communities_then_its_categories_then_the_rest(demo_db, use_db, monkeypatch):
    """Drilled into a street, the charts are sent in the order the reader needs them: the
    communities, the street's categories (their question, 40-50 ms at 10M, lets the browser
    draw the communities alone), then the trend and the street ranking. At district level:
    the trend (plotly.js fetched early), the street ranking, the categories. The page's
    layout is the same either way (test_overview_drilled_into_a_street_shows_its_communities)."""
    from taizhang.dashboard import loaders

    use_db(demo_db)
    street = kpi_call(demo_db, kpi.ranking, "street", kpi.Filters()).sort_values("rank")["street"].iloc[0]
    sent = []
    real = loaders.chart

    def chart(builder, loader, args, **options):
        sent.append((builder.__name__, args[0] if isinstance(args[0], str) else loader.__name__))
        return real(builder, loader, args, **options)

    monkeypatch.setattr(loaders, "chart", chart)
    run(street=street)
    assert sent == [("ranking_figure", "community"), ("category_figure", "status_counts"),
                    ("trend_figure", "trend"), ("ranking_figure", "street")], sent
    sent.clear()
    run()
    assert sent == [("trend_figure", "trend"), ("ranking_figure", "street"),
                    ("category_figure", "status_counts")], sent


@pytest.mark.parametrize("period, now, before, against", [
    # The demo's data end 2022-07-31. Last month: June against all of May (05-31, not 05-30).
    ("last_month", ("2022-06-01", "2022-06-30"), ("2022-05-01", "2022-05-31"), "较上月"),
    # This quarter so far (July) against the same stretch of the quarter before (April).
    ("quarter", ("2022-07-01", "2022-07-31"), ("2022-04-01", "2022-04-30"), "较上季"),
    ("12m", ("2021-08-01", "2022-07-31"), ("2020-08-01", "2021-07-31"), "较上年同期"),
])
def test_period_presets_compare_like_periods(demo_db, use_db, period, now, before, against):
    """环比 of 受理 = cases received in the period − in the like period before, counted
    with SQL on the cases table (not through the KPI layer); the cards say their period."""
    use_db(demo_db)
    at = run(period=period)
    with reading(demo_db) as con:
        def count(bounds):
            return con.execute("SELECT count(*) FROM cases WHERE received_on BETWEEN ? AND ?",
                               list(bounds)).fetchone()[0]
        received, earlier = count(now), count(before)
    assert metric(at, "受理") == str(received)
    change = received - earlier
    # the change names the period it is compared with
    assert card(at, "受理")[1].endswith(f"{against} {change:+d}")
    scope = next(shown(c.value) for c in at.caption if shown(c.value).startswith(("本", "上", "近")))
    assert f"{now[0]} – {now[1]}" in scope and "全区" in scope


def test_default_period_is_the_latest_complete_month_with_the_year_beside_it(demo_db, use_db):
    use_db(demo_db)
    at = run(period="month")
    with reading(demo_db) as con:
        july = con.execute("SELECT count(*) FROM cases WHERE received_on BETWEEN '2022-07-01' "
                           "AND '2022-07-31'").fetchone()[0]
        year = con.execute("SELECT count(*) FROM cases WHERE received_on BETWEEN '2022-01-01' "
                           "AND '2022-07-31'").fetchone()[0]
    assert metric(at, "受理") == str(july)
    cards_block = next(b.value for b in at.markdown if 'class="tz-year"' in b.value)
    assert f"本年累计(2022-01-01 – 2022-07-31):受理 {year}" in html.unescape(cards_block)
    # The trend keeps twelve months of context: 2021-08 … 2022-07, not July alone.
    trend = next(f for f in plotly_figures(at) if len(f["data"]) >= 3 and f["data"][0]["type"] == "bar"
                 and f["data"][0].get("orientation") != "h")
    assert trend["data"][0]["x"][0] == "2021-08" and trend["data"][0]["x"][-1] == "2022-07"
