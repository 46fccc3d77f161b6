"""The monthly report: one A4 page as PDF and PNG, numbers checked against plain SQL.

A small hand-made database covers the edge cases (a street too small to rank, a long
督办 list, an empty month); the demo database covers the real page. One chromium
browser serves the whole module.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from PIL import Image, ImageStat

from taizhang.store.schema import ensure_schema
from taizhang.report.build import ReportError, report_html, report_pages, report_view
from taizhang.report.page import page_html
from taizhang.report.sections import (
    MAX_ATTENDANCE_ROWS, MAX_CATEGORY_ROWS, MAX_RANKING_ROWS, MAX_SUPERVISION_ROWS,
)
from taizhang.report import render, sections
from taizhang.report.render import A4_CSS_PX, Renderer
from taizhang import charts

TAIZHANG = Path(sys.executable).with_name("taizhang")
LONG_LIST = 40  # overdue cases in 南站街道: more than one page could hold


def _add_case(con, case_id, street, community, received_on, status, resolved_on=None,
              satisfaction=None, category="环境卫生", unit="区城管局"):
    con.execute(
        "INSERT INTO cases (case_id, district, street, community, channel, title, category, "
        "responsible_unit, received_on, resolved_on, status, satisfaction, last_progress_on) "
        "VALUES (?, '西湖区', ?, ?, '幸福圆桌会', ?, ?, ?, ?, ?, ?, ?, ?)",
        [case_id, street, community, f"{community}楼道照明损坏需要维修({case_id})", category,
         unit, received_on, resolved_on, status, satisfaction, received_on],
    )


def build_small_db(path: Path) -> Path:
    """Three streets; 桃花镇 has too few cases to rank; 南站街道 has a long 督办 list."""
    con = duckdb.connect(str(path))
    ensure_schema(con)
    areas = [("南站街道", "铁路一村社区", "社区"), ("南站街道", "三店社区", "社区"),
             ("朝阳洲街道", "朝农社区", "社区"), ("朝阳洲街道", "西站社区", "社区"),
             ("桃花镇", "桃花村", "村")]
    con.executemany("INSERT INTO areas VALUES ('西湖区', ?, ?, ?)", [list(a) for a in areas])
    n = 0
    june = date(2022, 6, 1)
    # June 2022: 南站 8 (6 resolved), 朝阳洲 6 (3 resolved, 1 deferred), 桃花镇 2.
    for street, community, statuses in (
        ("南站街道", "铁路一村社区", ["resolved"] * 4 + ["in_progress"]),
        ("南站街道", "三店社区", ["resolved"] * 2 + ["pending"]),
        ("朝阳洲街道", "朝农社区", ["resolved"] * 3 + ["in_progress", "deferred"]),
        ("朝阳洲街道", "西站社区", ["in_progress"]),
        ("桃花镇", "桃花村", ["resolved", "in_progress"]),
    ):
        for i, status in enumerate(statuses):
            n += 1
            received = june + timedelta(days=i)
            resolved = received + timedelta(days=5) if status == "resolved" else None
            satisfaction = ("dissatisfied" if i == 1 else "satisfied") if resolved else None
            _add_case(con, f"C{n:04d}", street, community, received, status, resolved,
                      satisfaction, category="环境卫生" if i % 2 else "道路交通")
    # May 2022 and June 2021, for the deltas.
    for i in range(5):
        n += 1
        _add_case(con, f"C{n:04d}", "南站街道", "三店社区", date(2022, 5, 3 + i), "resolved",
                  date(2022, 5, 10 + i), "satisfied")
    for i in range(4):
        n += 1
        _add_case(con, f"C{n:04d}", "朝阳洲街道", "朝农社区", date(2021, 6, 3 + i), "resolved",
                  date(2021, 6, 20), "satisfied")
    # The long 督办 list: March cases still open at the end of June (overdue and stalled).
    for i in range(LONG_LIST):
        n += 1
        _add_case(con, f"L{i:04d}", "南站街道", "铁路一村社区", date(2022, 3, 1 + i % 28),
                  "in_progress", unit="区住建局物业科")
    con.execute("INSERT INTO officials VALUES ('O1', '韩立新', '副区长', '西湖区政府'), "
                "('O2', '程晓梅', '街道主任', '南站街道办事处')")
    con.execute("INSERT INTO case_officials SELECT case_id, 'O1', 'lead' FROM cases "
                "WHERE street = '南站街道'")
    con.execute("INSERT INTO meetings (meeting_id, held_on, district, street, community, channel) "
                "VALUES ('M1', DATE '2022-06-10', '西湖区', '南站街道', '三店社区', '幸福圆桌会'), "
                "('M2', DATE '2022-05-12', '西湖区', '南站街道', '铁路一村社区', '幸福圆桌会')")
    con.execute("INSERT INTO meeting_attendance VALUES ('M1', 'O1'), ('M1', 'O2'), ('M2', 'O1')")
    con.execute("INSERT INTO imports (import_id, file, sha256, profile, as_of, started_at, "
                "finished_at, rows_read, rows_new, rows_rejected, status) VALUES "
                "(1, '南站街道台账.xlsx', 'x', 'builtin', DATE '2022-06-30', "
                "TIMESTAMP '2022-07-01 09:00:00', TIMESTAMP '2022-07-01 09:00:05', 70, 69, 1, 'ok')")
    con.execute("INSERT INTO rejects (import_id, sheet, \"row\", \"column\", value, reason) "
                "VALUES (1, '三店社区', 9, '反映时间', '', '缺少受理日期 / no received date')")
    con.close()
    return path


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    return build_small_db(tmp_path_factory.mktemp("report") / "small.duckdb")


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


def pdf_facts(pdf: bytes, tmp_path: Path) -> tuple[str, int]:
    """The PDF's text (pdftotext) and its page count (pdfinfo)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return text, int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def assert_png_page(png: bytes) -> None:
    """A4 at 2× and not blank: real ink on a white sheet."""
    image = Image.open(io.BytesIO(png))
    assert image.size == (A4_CSS_PX[0] * 2, A4_CSS_PX[1] * 2)
    grey = image.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 20
    # Ink in the top, middle and bottom thirds: the page is filled, not cut off.
    w, h = grey.size
    for top in (0, h // 3, 2 * h // 3):
        assert ImageStat.Stat(grey.crop((0, top, w, top + h // 3))).stddev[0] > 10


@pytest.fixture(scope="module")
def june(small_db):
    """The district report of 2022-06 on the small database, and the SQL facts behind it."""
    with duckdb.connect(str(small_db), read_only=True) as con:
        facts = con.execute(
            "SELECT count(*), count(*) FILTER (status = 'resolved' AND resolved_on <= DATE '2022-06-30') "
            "FROM cases WHERE received_on BETWEEN DATE '2022-06-01' AND DATE '2022-06-30'"
        ).fetchone()
        return report_view(con, "2022-06"), facts


def test_small_db_page_has_sql_numbers_and_edge_notes(june, renderer, tmp_path):
    view, (received, resolved) = june
    text, pages = pdf_facts(renderer.pdf(page_html(view)), tmp_path)
    assert pages == 1
    assert "西湖区2022年6月" in text and "2022-06-30" in text
    assert (received, resolved) == (16, 10)  # the fixture as written above
    assert f"{resolved}/{received} (62.5%)" in text
    assert "桃花镇" in text and "不排名" in text  # 2 cases: listed with its score, unranked
    # By hand at 2022-06-30 (SLA 30 days, stalled after 14): the 40 March cases are overdue
    # and stalled; 5 June cases pending or in progress since June 1-5 are stalled (the
    # deferred one is not); 3 June cases are rated dissatisfied. 48 cases, 12 shown.
    assert "共 48 件,另有 36 件未列出" in text.replace("\n", "")
    assert [r.kind for r in view.supervision_rows] == ["超期·停滞"] * MAX_SUPERVISION_ROWS
    assert view.supervision_rows[0].days == "91"  # received 2022-03-01, due 03-31
    assert "韩立新" in text  # lead official of the 督办 cases and meeting attendance
    assert "示例数据" not in text
    assert "1 个台账文件" in text and "1 行未导入" in text
    assert "最近导入 2022-07-01" in text  # the import's started_at, as written above
    assert "受理后 30 天" in text and "到期解决率×0.4 + 到期按期率×0.2 + 考核满意率×0.4" in text


def test_fullest_page_fits_a4_without_shrinking(june, renderer):
    """Every list at its longest, with long ledger text: still one A4 sheet at full size."""
    view, _ = june
    long = "关于小区东门外人行道破损、路灯损坏及共享单车乱停放影响居民出行安全的问题"
    fullest = replace(
        view,
        category_rows=[replace(view.category_rows[0], name=long)] * MAX_CATEGORY_ROWS,
        ranking_rows=[replace(view.ranking_rows[0], name=long)] * MAX_RANKING_ROWS,
        supervision_rows=[replace(view.supervision_rows[0], title=long, place=long, unit=long,
                                  official="韩立新、程晓梅、欧阳文华")] * MAX_SUPERVISION_ROWS,
        attendance_rows=[replace(view.attendance_rows[0], unit=long)] * MAX_ATTENDANCE_ROWS,
        supervision_more="… 另有 1234 条未列出(见看板“督办”页) / and 1234 more",
        ranking=replace(view.ranking, note=view.ranking.note + " … 另有 123 个未列出"),
        seeds_lines=[
            "提议反馈率 100.0%(12345/12345);协商议事 12345 → 建议/问题 123456 → 解决 123456。",
            "服务团覆盖 1234/1234;已解决未销号 123456 件。",
            "多处反映:" + "、".join([long[:15] + "…(1234 个社区)"] * 3) + "。",
        ],
    )
    html = page_html(fullest)
    assert renderer.natural_height(html) <= A4_CSS_PX[1]
    # Every section heading stands apart from what is above it, on the fullest page too.
    gaps = renderer.measure(html, HEADING_GAPS)
    assert len(gaps) == 6 and any(g["heading"].startswith("议事与服务") for g in gaps)
    assert min(g["gap"] for g in gaps) >= MIN_HEADING_GAP, gaps


# Each section heading (h2) and the gap in CSS px between it and the element just above it:
# the one before it in its block, or else what is above its block (a block in a row: the row).
HEADING_GAPS = """() => [...document.querySelectorAll('.sheet h2')].map((h) => {
  let above = h.previousElementSibling, node = h.parentElement;
  while (!above && node && !node.classList.contains('sheet')) {
    if (node.parentElement.classList.contains('row')) node = node.parentElement;
    above = node.previousElementSibling;
    node = node.parentElement;
  }
  return {heading: h.textContent.trim(),
          gap: h.getBoundingClientRect().top - above.getBoundingClientRect().bottom};
})"""
MIN_HEADING_GAP = 8


def test_empty_database_says_how_to_load_data(tmp_path):
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as con:
        ensure_schema(con)
        with pytest.raises(ReportError, match="taizhang serve --demo"):
            report_pages(con, None)


def test_bad_month_and_scope_are_report_errors(small_db):
    with duckdb.connect(str(small_db), read_only=True) as con:
        with pytest.raises(ReportError, match="2023-01"):
            report_html(con, "June")
        with pytest.raises(ReportError, match="scope"):
            report_html(con, "2022-06", {"province": "江西"})
        with pytest.raises(ReportError, match="找不到街道"):
            report_html(con, "2022-06", {"street": "南站"})


def test_each_street_of_an_empty_month_from_the_command_line(small_db, tmp_path):
    """One run, one file per format and street; a month without cases inside the months the
    data covers (2021-06 to 2022-06) is still a page."""
    out = tmp_path / "out"
    result = subprocess.run(
        [str(TAIZHANG), "--db", str(small_db), "report", "--month", "2021年12月",
         "--each", "street", "--out", str(out), "--format", "pdf,png"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    streets = ("南站街道", "朝阳洲街道", "桃花镇")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{s}_2021-12.{ext}" for s in streets for ext in ("pdf", "png"))
    text, pages = pdf_facts((out / "南站街道_2021-12.pdf").read_bytes(), tmp_path)
    assert pages == 1
    assert "西湖区南站街道2021年12月" in text and "本月没有受理案件" in text
    assert "nan" not in text.lower() and "None" not in text
    assert_png_page((out / "桃花镇_2021-12.png").read_bytes())


@pytest.mark.parametrize("month", ["2020-01", "2022-07", "2030年3月"])
def test_a_month_outside_the_data_is_refused_naming_the_months_it_covers(small_db, tmp_path, month):
    # Before: a page of zeros, a 12-month chart of another year and a 环比 against real data.
    with duckdb.connect(str(small_db), read_only=True) as con:
        first, last = con.execute("SELECT min(received_on), max(received_on) FROM cases").fetchone()
        with pytest.raises(ReportError) as error:
            report_pages(con, month)
    covered = f"{first:%Y-%m} 至 {last:%Y-%m}"
    assert covered == "2021-06 至 2022-06" and covered in str(error.value)
    assert "the ledgers cover 2021-06 to 2022-06" in str(error.value)
    result = subprocess.run(
        [str(TAIZHANG), "report", "--month", month, "--out", str(tmp_path / "out"), "--db", str(small_db)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2 and covered in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_as_of_inside_the_month(small_db):
    """--as-of: the June page counts what was resolved by 2022-06-07 (by hand: each
    community's cases received June 1 and 2, resolved five days later: 2 + 2 + 2 + 1), and
    a date before the month is refused."""
    with duckdb.connect(str(small_db), read_only=True) as con:
        resolved = con.execute(
            "SELECT count(*) FILTER (status = 'resolved' AND resolved_on <= DATE '2022-06-07') "
            "FROM cases WHERE received_on BETWEEN DATE '2022-06-01' AND DATE '2022-06-07'").fetchone()[0]
        view = report_view(con, "2022-06", as_of=date(2022, 6, 7))
        [page] = report_pages(con, None, as_of=date(2022, 6, 7))  # no --month: the as-of's
        with pytest.raises(ReportError, match="2022-05-31"):
            report_view(con, "2022-06", as_of=date(2022, 5, 31))
    assert resolved == 7
    assert view.subtitle.startswith("数据截至 2022-06-07 ")
    assert f"{resolved}/16" in " ".join(card.detail for card in view.cards)
    assert page.file_stem.endswith("_2022-06") and "2022-06-07" in page.html


def test_scope_levels_in_chinese():
    from taizhang.report.commands import _parse_scope

    assert _parse_scope(["街道=南站街道", "社区=三店社区"]) == {"street": "南站街道", "community": "三店社区"}
    assert _parse_scope(["street=南站街道"]) == {"street": "南站街道"}


def test_the_footer_counts_only_files_that_brought_data(tmp_path):
    """Two ledgers with cases, one imported twice (unchanged), and a broken file tried twice:
    5 attempts, 2 files the data comes from. Before, the footer said 5."""
    from taizhang.etl.load import load_paths
    from ledgers import csv_gbk, workbook

    db = tmp_path / "t.duckdb"
    folder = tmp_path / "ledgers"
    folder.mkdir()
    first = csv_gbk(folder)  # six cases of January and February 2023
    second = folder / "朝阳洲街道台账.xlsx"
    workbook(second, "朝农社区", [["问题", "反映时间", "办理状态"], ["井盖缺失", "2023-02-14", "未启动"]])
    broken = folder / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    results = [s.status for s in load_paths(db, [first, broken])]
    results += [s.status for s in load_paths(db, [first, second, broken])]
    assert sorted(results) == ["failed", "failed", "ok", "ok", "unchanged"]
    with duckdb.connect(str(db), read_only=True) as con:
        view = report_view(con, "2023-02")
    assert "数据来源:2 个台账文件" in view.sources[0]


def test_missing_chromium_says_what_to_install(small_db, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TAIZHANG_CHROMIUM": str(tmp_path / "no-chromium")}
    result = subprocess.run(
        [str(TAIZHANG), "--db", str(small_db), "report", "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 2
    assert "apt-get install chromium" in result.stderr
    assert "Traceback" not in result.stderr


def demo_sql_facts(con, street: str | None) -> tuple[int, int, int, int]:
    """July 2022 by plain SQL (not via kpi/): received, resolved and in progress on 07-31,
    the demo's last day, when every case's stored status is its status as of then, and the
    cases the resolution rate is judged on (not cancelled or referred)."""
    return con.execute(
        "SELECT count(*), count(*) FILTER (status = 'resolved'), "
        "count(*) FILTER (status = 'in_progress'), "
        "count(*) FILTER (status NOT IN ('cancelled', 'referred')) FROM cases "
        "WHERE received_on BETWEEN DATE '2022-07-01' AND DATE '2022-07-31' "
        "AND (CAST(? AS VARCHAR) IS NULL OR street = ?)",
        [street, street],
    ).fetchone()


@pytest.mark.parametrize("scope", [None, "南站街道"], ids=["district", "street"])
def test_demo_latest_month(demo_db, renderer, output_dir, tmp_path, scope):
    """The demo's latest month, district and one street: SQL numbers, stamp, PDF and PNG."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        received, resolved, in_progress, judged = demo_sql_facts(con, scope)
        view = report_view(con, "2022-07", {"street": scope} if scope else None)
    html = page_html(view)
    files = renderer.render(html)  # both from one load of the page, as the command prints them
    pdf, png = files["pdf"], files["png"]
    name = f"{scope or '西湖区'}_2022-07"
    (output_dir / f"{name}.pdf").write_bytes(pdf)
    (output_dir / f"{name}.png").write_bytes(png)
    text, pages = pdf_facts(pdf, tmp_path)
    assert pages == 1
    assert f"西湖区{scope or ''}2022年7月" in text and "2022-07-31" in text
    assert "示例数据" in text
    rate = f"{resolved / judged * 100:.1f}%"
    assert f"{resolved}/{judged} ({rate})" in text
    if not scope:  # the 12345 export's calls: the 三率 line under the cards
        assert "12345 三率及相关" in text and "响应率" in text and "中位办结时长" in text
    cards = {c.label: c.value for c in view.cards}
    assert (cards["受理"], cards["已解决"], cards["正在解决"]) == tuple(
        str(n) for n in (received, resolved, in_progress))
    if scope:
        # A street's report ranks its own communities.
        assert view.ranking.title.startswith("社区") and len(view.ranking_rows) > 2
    else:
        assert {r.name for r in view.ranking_rows} >= {"南站街道", "朝阳洲街道", "桃花镇"}
    assert_png_page(png)
    # The trend is the dashboard's figure (taizhang.charts.trend_figure), drawn by the page's
    # plotly.js: the months' counts as SQL counts them, vector text in the PDF (its month
    # labels), its colours in the PNG.
    figure = json.loads(view.trend_figure)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        monthly = [n for _, n in con.execute(
            "SELECT strftime(received_on, '%Y-%m') AS m, count(*) FROM cases "
            "WHERE received_on BETWEEN DATE '2021-08-01' AND DATE '2022-07-31' "
            "AND (CAST(? AS VARCHAR) IS NULL OR street = ?) GROUP BY m ORDER BY m",
            [scope, scope]).fetchall()]
    assert figure["data"][0]["y"] == monthly and len(monthly) == 12
    assert figure["data"][0]["marker"]["color"] == charts.STATUS_COLORS["received"]
    assert (figure["layout"]["width"], figure["layout"]["height"]) == (380, 164)
    assert "<" not in view.trend_figure  # nothing in it can close the page's <script>
    assert re.search(r"8月\s+9月\s+10月\s+11月\s+12月\s+1月", text)
    blue = tuple(int(charts.STATUS_COLORS["received"][i:i + 2], 16) for i in (1, 3, 5))
    colours = {c: n for n, c in Image.open(io.BytesIO(png)).convert("RGB").getcolors(1 << 24)}
    assert colours.get(blue, 0) > 2000  # the received bars, drawn


def test_a_change_too_small_to_show_gets_no_arrow():
    """A city's rate moving by 0.02 points prints as 0.0pp: neither ▼ nor red."""
    tiny = sections._delta(-0.0002, True, True, "同比")
    assert (tiny.arrow, tiny.tone) == ("", "flat")
    fall = sections._delta(-0.024, True, True, "环比")
    assert (fall.text, fall.arrow, fall.tone) == ("环比 -2.4pp", "▼", "bad")
    assert sections._delta(3, None, False, "环比").arrow == "▲"


def test_missing_fonts_say_what_to_install(monkeypatch):
    monkeypatch.setattr(render, "_has_cjk_font", lambda: False)
    with pytest.raises(render.RenderUnavailable, match="apt-get install fonts-noto-cjk"):
        render.check_prerequisites()


def test_one_off_helpers_also_work_inside_an_event_loop(june, tmp_path):
    """What the dashboard calls: html_to_pdf / html_to_png, even from async server code."""
    html = page_html(june[0])

    async def in_loop() -> bytes:
        return render.html_to_pdf(html)

    # A thread of its own, as a server's loop would be (this module's browser fixture
    # keeps Playwright's loop on the main thread).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pdf = pool.submit(asyncio.run, in_loop()).result()
    _, pages = pdf_facts(pdf, tmp_path)
    assert pages == 1
    assert_png_page(render.html_to_png(html, scale=2))


@pytest.mark.parametrize("failure", ["no chromium", "chromium crashed"])
def test_a_render_failure_is_a_message_not_a_traceback(failure, small_db, tmp_path,
                                                       monkeypatch, capsys):
    """Chromium missing, or crashing while it prints: `taizhang report` says so in
    Chinese then English and exits 2."""
    from taizhang.report.devtools import BrowserError
    from taizhang import cli

    if failure == "no chromium":
        monkeypatch.setattr(render, "CHROMIUM", tmp_path / "no-chromium")
    else:
        def crash(self, *args, **kwargs):
            raise BrowserError("chromium quit")
        monkeypatch.setattr(render.Renderer, "render", crash)
    code = cli.main(["--db", str(small_db), "report", "--month", "2021-12",
                     "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert 0 <= err.index("生成文件失败") < err.index("Could not render the file")
    assert ("chromium" if failure == "no chromium" else "chromium quit") in err
    assert not list((tmp_path / "out").glob("*.pdf"))


_TREND_INSIDE = """(() => {
  const block = document.querySelector('.trend-block').getBoundingClientRect();
  const parts = [...document.querySelectorAll('#trend-chart .legend, #trend-chart .xtick')];
  return parts.length > 12 && parts.every((part) => {
    const box = part.getBoundingClientRect();
    return box.top >= block.top && box.bottom <= block.bottom;
  });
})()"""


def test_trend_is_drawn_inside_its_block_on_screen_and_in_print(june, renderer):
    """plotly.js is loaded once per browser page and each report written into that page:
    its chart keeps plotly's layout rules (legend and month labels inside the trend block),
    on the first report and on the next, on screen and in print."""
    html = page_html(june[0])
    for _ in range(2):
        page = renderer._page(html, 1)
        try:
            assert page.evaluate("typeof Plotly") == "object"
            for media in ("screen", "print"):
                page.send("Emulation.setEmulatedMedia", {"media": media})
                assert page.evaluate(_TREND_INSIDE), media
        finally:
            renderer._keep(page, 1)
def test_the_footer_states_the_score_in_use(demo_db):
    """The default weights, and the 12345 preset's 三率 (a third each), as the score is computed."""
    from taizhang.settings import Settings

    with duckdb.connect(str(demo_db), read_only=True) as con:
        default = report_view(con, "2022-07", settings=Settings())
        preset = report_view(con, "2022-07", settings=Settings(preset="12345"), lang="en")
        hotline = report_view(con, "2022-07", settings=Settings(preset="12345"))
    # the rates the score judges: on what was due, as the ranking table heads them
    assert "综合得分 = 到期解决率×0.4 + 到期按期率×0.2 + 考核满意率×0.4" in default.definitions[0]
    assert default.ranking_header[3:7] == ["到期解决率", "到期按期率", "考核回访件数", "考核满意率"]
    assert ("score = response × 0.33 + resolved of due × 0.33 + satisfaction of judged × 0.33"
            in preset.definitions[0])
    assert "12345 measures: Response rate" in preset.hotline_note
    # 三率 first in the line: 响应率, 解决率, 满意率
    assert re.match(r"12345 三率及相关:响应率 [\d.]+% · 解决率 [\d.]+% · 满意率 [\d.]+%", hotline.hotline_note)
    # the score is the mean of the three rates
    assert [r.score for r in hotline.ranking_rows] != [r.score for r in default.ranking_rows]


def test_long_image_for_a_phone_from_the_command_line(small_db, tmp_path):
    """--format longpng,png: the A4 PNG and a 长图 beside it, one column 440 px wide at 2×
    and much taller than wide, that holds every block of the page (its last line too)."""
    from PIL import Image

    out = tmp_path / "out"
    result = subprocess.run(
        [str(TAIZHANG), "--db", str(small_db), "report", "--month", "2022-06", "--out", str(out),
         "--format", "longpng,png"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["西湖区_2022-06.png", "西湖区_2022-06_长图.png"]
    with Image.open(out / "西湖区_2022-06_长图.png") as long_image:
        width, height = long_image.size
        # The bottom rows are not blank: the footer is inside the image, nothing cut off.
        bottom = long_image.convert("L").crop((0, height - 60, width, height))
        assert bottom.getextrema()[0] < 200
    assert width == 880 and height > 3 * width
    assert_png_page((out / "西湖区_2022-06.png").read_bytes())


# Everything of the 长图 inside its 440 px column: no cell cut (its text wider than the
# cell), no block past the sheet's right edge, the last block inside the sheet's height.
_LONG_LAYOUT = """(() => {
  document.body.classList.add('long');
  const sheet = document.querySelector('.sheet').getBoundingClientRect();
  const cut = [...document.querySelectorAll('.sheet td, .sheet th')]
    .filter(c => c.scrollWidth > c.clientWidth + 1 || c.clientWidth < 12)
    .map(c => c.closest('section').className + ': ' + c.textContent.trim());
  const outside = [...document.querySelectorAll('.sheet section, .sheet table')]
    .filter(e => e.getBoundingClientRect().right > sheet.right + 0.5)
    .map(e => e.className || e.tagName);
  const blocks = [...document.querySelectorAll('.sheet section')];
  const last = Math.max(...blocks.map(b => b.getBoundingClientRect().bottom));
  document.body.classList.remove('long');
  return {cut, outside, width: sheet.width, below: last - sheet.bottom};
})()"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_long_image_holds_every_block_in_full(june, small_db, renderer, lang):
    """The 长图's tables keep every column inside its 440 px (the 督办 table's titles were
    squeezed to nothing and its officials cut off at the right edge), and the image is as
    tall as the sheet, its last block (督办) included. In English too, whose headers
    ("Responsible unit", "Rated of judged") ran into the next column."""
    view, _ = june
    if lang == "en":
        with duckdb.connect(str(small_db), read_only=True) as con:
            view = report_view(con, "2022-06", lang="en")
    long_text = "关于小区东门外人行道破损、路灯损坏及共享单车乱停放影响居民出行安全的问题"
    fullest = replace(view, supervision_rows=[
        replace(r, title=long_text, official="韩立新、程晓梅、欧阳文华") for r in view.supervision_rows])
    html = page_html(fullest)
    page = renderer._page(html, 1)
    try:
        layout = page.evaluate(_LONG_LAYOUT)
    finally:
        renderer._keep(page, 1)
    assert layout["width"] == 440
    assert layout["cut"] == [] and layout["outside"] == []
    assert layout["below"] <= 0
    image = Image.open(io.BytesIO(renderer.render(html, ("longpng",))["longpng"]))
    width, height = image.size
    gray = image.convert("L")
    # 2x: the sheet's 16 px right padding is blank from top to bottom (nothing runs past it)
    assert gray.crop((width - 24, 0, width, height)).getextrema()[0] > 240
    # the 督办 table's last row is in the picture: its block ends above the image's bottom
    assert height >= 2 * 440 * 3 and gray.crop((0, height - 60, width, height)).getextrema()[0] < 200
