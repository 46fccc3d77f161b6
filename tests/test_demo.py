"""The demo database (SPEC §8), built through the real ETL from the demo's own ledger files.

Expected numbers come from two independent places: the figures SPEC §8 quotes, and the
canonical demo world (etl.demo_cases) that the ledger files were written from; the
database side is read with plain SQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date

import duckdb
import pytest

from taizhang.etl.demo import SEED, build_demo
from taizhang.etl.demo_cases import build_world
from taizhang.etl.demo_ledgers import state_as_of

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_CARD = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")


@pytest.fixture(scope="module")
def con(demo_db):
    connection = duckdb.connect(str(demo_db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def world():
    return build_world(SEED)


def one(con, sql, params=()):
    return con.execute(sql, params).fetchone()[0]


def test_totals_are_the_articles_figures(con):
    received = one(con, "SELECT count(*) FROM cases WHERE received_on BETWEEN DATE '2021-01-01' AND DATE '2022-07-31'")
    by_status = dict(con.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
    assert one(con, "SELECT count(*) FROM cases") == received == 2090
    assert by_status["resolved"] == 1769
    assert by_status["in_progress"] == 246
    other = ("pending", "deferred", "cancelled", "referred")
    assert sum(by_status.get(s, 0) for s in other) == 75
    assert all(by_status.get(s, 0) > 0 for s in other)
    assert one(con, "SELECT max(resolved_on) FROM cases") <= date(2022, 7, 31)


def test_registry_has_11_streets_138_communities_13_villages(con):
    assert one(con, "SELECT count(DISTINCT street) FROM areas") == 11
    assert dict(con.execute("SELECT kind, count(*) FROM areas GROUP BY kind").fetchall()) == {"社区": 138, "村": 13}
    assert one(con, "SELECT count(DISTINCT district) FROM areas") == 1
    # every case sits in a registry area, and some areas have no case at all (shown as 0)
    assert one(con, "SELECT count(*) FROM cases c ANTI JOIN areas a USING (district, street, community)") == 0
    assert one(con, "SELECT count(*) FROM areas a ANTI JOIN cases c USING (district, street, community)") >= 5


def test_every_case_of_the_world_arrives_with_its_state(con, world):
    """Each generated case is in the database once, with its status and dates, whatever layout carried it."""
    rows = con.execute(
        "SELECT street, community, received_on, title, status, resolved_on, channel, matter_class, category FROM cases"
    ).fetchall()
    stored = {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}
    assert len(stored) == len(rows) == len(world.cases)
    for case in world.cases:
        # the ETL folds full-width punctuation (，→ ,), as NFKC does
        key = (case.street, case.community, case.received_on, unicodedata.normalize("NFKC", case.title))
        assert key in stored, key
        status, resolved_on, channel, matter_class, category = stored[key]
        assert (status, resolved_on, channel, category) == (case.status, case.resolved_on, case.channel, case.category), key
        if case.channel != "12345热线" and case.street not in ("南浦街道", "桃源街道"):  # these ledgers keep no 事项分类
            assert matter_class == case.matter_class, key
    expected_rated = Counter(c.satisfaction for c in world.cases if c.satisfaction)
    stored_rated = dict(con.execute("SELECT satisfaction, count(*) FROM cases WHERE satisfaction IS NOT NULL GROUP BY 1").fetchall())
    assert stored_rated == dict(expected_rated)


def test_bad_rows_land_in_rejects_with_reasons(con, world):
    rejects = con.execute('SELECT reason, "column", value, raw FROM rejects').fetchall()
    assert len(rejects) == len(world.bad_rows) == 6
    assert all(reason and len(reason) > 10 for reason, *_ in rejects)
    values = {value for _, _, value, _ in rejects}
    assert {"已移交", "研究中"} <= values  # the two unknown status phrases, named in the reject
    bad_titles = {c.title for c in world.bad_rows}
    # raw keeps the cells as typed (full-width digits included), so compare folded text
    assert all(any(unicodedata.normalize("NFKC", t) in unicodedata.normalize("NFKC", raw) for t in bad_titles)
               for *_, raw in rejects)
    stored = set(con.execute("SELECT community, received_on, title FROM cases").fetchall())
    assert not {(c.community, c.received_on, unicodedata.normalize("NFKC", c.title)) for c in world.bad_rows} & stored


def test_second_version_moves_cases_and_writes_events(con, world):
    imports = con.execute("SELECT import_id, as_of, file FROM imports ORDER BY import_id").fetchall()
    assert imports[0][1] == date(2022, 6, 30) and "earlier" in imports[0][2]
    assert {as_of for _, as_of, _ in imports[1:]} == {date(2022, 7, 31)}
    moved = con.execute(
        "SELECT c.title, e.status FROM case_events e JOIN cases c USING (case_id) WHERE e.event_on = DATE '2022-07-31' "
        "AND case_id IN (SELECT case_id FROM case_events WHERE event_on = DATE '2022-06-30')").fetchall()
    # what the generator put in the two versions of 南站街道's 2022 ledger
    versioned = [c for c in world.cases if c.street == "南站街道" and c.channel != "12345热线"
                 and date(2022, 1, 1) <= c.received_on <= date(2022, 6, 30)]
    expected = {(unicodedata.normalize("NFKC", c.title), c.status) for c in versioned
                if state_as_of(c, date(2022, 6, 30)).status != c.status}
    assert len(expected) >= 5 and sorted(moved) == sorted(expected)
    first_seen = one(con, "SELECT count(*) FROM case_events WHERE event_on = DATE '2022-06-30'")
    assert first_seen == len(versioned)
    reopened = {unicodedata.normalize("NFKC", c.title) for c in world.cases if c.reopened}
    stored = dict(con.execute("SELECT title, reopened_count FROM cases WHERE reopened_count > 0").fetchall())
    assert set(stored) == reopened and set(stored.values()) == {1}
    assert one(con, "SELECT count(*) FROM case_events") == 2090 + len(expected)


def test_meetings_with_attending_officials_and_linked_cases(con, world):
    assert one(con, "SELECT count(*) FROM meetings") == len(world.meetings)
    assert one(con, "SELECT count(*) FROM meeting_attendance") == sum(len(m.attendees) for m in world.meetings)
    linked = one(con, "SELECT count(*) FROM cases WHERE meeting_id IS NOT NULL")
    assert linked == sum(1 for c in world.cases if c.meeting_on)
    roles = dict(con.execute("SELECT role, count(DISTINCT case_id) FROM case_officials GROUP BY role").fetchall())
    assert roles["lead"] == sum(1 for c in world.cases if c.channel != "12345热线")  # the hotline names no lead
    assert roles["deputy"] > 1000 and roles["handler"] > 500


def test_no_mobile_or_id_card_number_is_stored(con, world):
    texts = con.execute(
        "SELECT concat_ws('|', title, note, reporter, raw::VARCHAR) FROM cases "
        "UNION ALL SELECT concat_ws('|', value, reason, raw::VARCHAR) FROM rejects "
        "UNION ALL SELECT concat_ws('|', topic) FROM meetings"
    ).fetchall()
    assert len(texts) > 2090
    assert [t for (t,) in texts if t and (MOBILE.search(t) or ID_CARD.search(t))] == []
    # the ledgers did carry them: the generator put them in
    written = [c.note + c.reporter for c in world.cases + world.bad_rows]
    assert sum(bool(MOBILE.search(t)) for t in written) > 50 and any(ID_CARD.search(t) for t in written)
    assert one(con, "SELECT count(*) FROM cases WHERE reporter LIKE '%****%' OR note LIKE '%****%'") > 50


def test_marked_as_demo_data(con):
    assert one(con, "SELECT value FROM meta WHERE key = 'demo'") == "1"


def test_building_twice_gives_the_same_cases(demo_db, tmp_path):
    build_demo(tmp_path / "again.duckdb", tmp_path / "ledgers")
    query = ("SELECT * EXCLUDE (import_id, source_file), regexp_extract(source_file, '[^/]+$') AS file "
             "FROM cases ORDER BY case_id")
    with duckdb.connect(str(demo_db), read_only=True) as first, duckdb.connect(str(tmp_path / "again.duckdb")) as again:
        assert first.execute(query).fetchall() == again.execute(query).fetchall()


def test_ledgers_are_kept_as_offices_keep_them(demo_build, con):
    """Several formats and layouts: title rows, one sheet per community, totals, .xls/.ods, GBK CSV."""
    from python_calamine import CalamineWorkbook

    folder = demo_build / "ledgers" / "ledgers"
    files = {p.name: p for p in folder.iterdir()}
    assert {p.suffix for p in files.values()} == {".xlsx", ".xls", ".ods", ".csv"}
    hotline = files["西湖区12345热线工单导出.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        hotline.decode("utf-8")
    assert hotline.decode("gbk").startswith("工单编号,来电时间")
    roundtable = CalamineWorkbook.from_path(str(files["南站街道幸福圆桌会问题台账(2022年).xlsx"]))
    assert len(roundtable.sheet_names) == 16 and all(n.endswith("社区") for n in roundtable.sheet_names)
    first = roundtable.get_sheet_by_name(roundtable.sheet_names[0]).to_python()
    assert first[0][0] == "南站街道幸福圆桌会问题台账(2022年)" and first[2][:3] == ["序号", "编号", "议事形式"]
    office = CalamineWorkbook.from_path(str(files["广润门街道2022年问题台账.xlsx"])).get_sheet_by_name("问题台账").to_python()
    assert office[-1][0] == "合计" and any(str(row[5]).startswith("1月") for row in office[3:])
    # total rows, blank rows and repeated headers were skipped, not loaded or rejected
    skipped = one(con, "SELECT sum(rows_skipped) FROM imports WHERE file LIKE '%问题台账.xlsx' AND file LIKE '%年问题台账%'")
    assert skipped == 3 * 8


def test_demo_never_overwrites_real_data(tmp_path):
    from taizhang.etl.errors import LedgerError
    from taizhang.store.schema import ensure_schema

    db = tmp_path / "real.duckdb"
    with duckdb.connect(str(db)) as real:
        ensure_schema(real)
        real.execute("INSERT INTO imports (import_id, file, sha256, profile, started_at, status) "
                     "VALUES (1, 'x.xlsx', 'abc', 'builtin', now(), 'ok')")
    with pytest.raises(LedgerError, match="--db"):
        build_demo(db, tmp_path / "ledgers")
    with duckdb.connect(str(db), read_only=True) as real:
        assert one(real, "SELECT count(*) FROM imports") == 1


def test_demo_holds_data_for_every_seed_measure(con, world):
    """Meetings with feedback, service groups (and communities without one), cases signed
    off and awaiting 销号, deputies with reopened cases: every 议事与服务 table has rows."""
    from taizhang.etl import demo_areas

    answered = sum(1 for m in world.meetings if m.feedback)
    assert 0 < answered < len(world.meetings)
    assert one(con, "SELECT count(*) FROM meetings WHERE feedback IS NOT NULL") == answered
    groups = [row for row in demo_areas.registry_with_groups() if row[4]]
    assert one(con, "SELECT count(*) FROM service_groups") == len(groups) < len(demo_areas.registry())
    signed = one(con, "SELECT count(*) FROM cases WHERE status = 'resolved' AND closed_on IS NOT NULL")
    assert 0 < signed < 1769
    assert one(con, "SELECT count(DISTINCT official_id) FROM case_officials WHERE role = 'deputy'") > 10
    assert one(con, "SELECT count(*) FROM cases c JOIN case_officials o USING (case_id) "
                    "WHERE o.role = 'deputy' AND c.reopened_count > 0") > 0


def test_shipped_old_format_ledgers_match_what_the_writers_make(tmp_path):
    """The .xls/.ods ledgers the demo copies (no writer for them is installed) hold exactly
    the cells xlwt and odfpy write from today's demo world: a change to the world that is
    not carried into etl/demo_data/ fails here (rewrite them: tests/demo_old_formats.py)."""
    from python_calamine import CalamineWorkbook

    from tests.demo_old_formats import SHIPPED, write_all

    def cells(path):
        book = CalamineWorkbook.from_path(str(path))
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}

    written = write_all(tmp_path)
    assert set(written) == {p.name for p in SHIPPED.iterdir() if p.suffix in (".xls", ".ods")}
    for name, path in written.items():
        fresh, shipped = cells(path), cells(SHIPPED / name)
        assert sum(len(rows) for rows in fresh.values()) > 50, name  # the street's cases, not an empty book
        assert shipped == fresh, name
