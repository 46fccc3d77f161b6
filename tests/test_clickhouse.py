"""The same KPIs on ClickHouse (chDB, in-process) as on DuckDB, and per-file publishing.

Every test goes through the real parts: ledgers written by the benchmark's generator and
the demo, the real ETL into DuckDB (the normaliser), etl.publish into chDB, and the
`taizhang` command reading each engine. Only the chDB extra (`pip install -e
'.[clickhouse]'`) is needed; without it the module is skipped.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

pytest.importorskip("chdb", reason="the [clickhouse] extra is not installed")

from taizhang.cli import main  # noqa: E402
from taizhang.etl import publish  # noqa: E402
from taizhang.warehouse import client, parse  # noqa: E402

from benchmarks.generate import generate  # noqa: E402

pytestmark = pytest.mark.chdb
APP = str(Path(__file__).parents[1] / "dashboard" / "app.py")

# More resolved cases in one street than ClickHouse's approximate quantile keeps (8,192):
# the generator spreads ~85% resolved cases over 12 streets.
LARGE_ROWS = 130_000
GROUPINGS = ("street", "community,month", "official")


def _cli_json(capsys, *argv) -> list:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _same(a, b, path="") -> list[str]:
    """Where two JSON values differ; floats equal to the last bits (1e-12 relative): each engine
    adds in its own order."""
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) else [f"{path}: {a} != {b}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in _same(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} rows != {len(b)} rows"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _same(x, y, f"{path}[{i}]")]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]


def _engine_quantiles(url: str) -> bool:
    """Whether the raw path's metrics still ask the engine for a quantile (ClickHouse's is
    approximate beyond 8,192 values; the histogram quantiles are exact on any engine)."""
    import ibis.expr.operations as ops

    from taizhang.filters import Filters
    from taizhang.kpi.metrics import plan_metrics
    from taizhang.settings import Settings
    from taizhang.warehouse import reading

    with reading(parse(url)) as ib:
        expr = plan_metrics(ib, ("street",), Filters(), Settings()).raw()
    return bool(expr.op().find((ops.Quantile, ops.MultiQuantile, ops.ApproxQuantile, ops.Median)))


def _assert_parity(capsys, db: Path, url: str, where: tuple[str, ...] = ()) -> None:
    """`taizhang kpi --by …` and `taizhang supervise` give the same JSON on both engines."""
    # Medians and p90s come from histograms (GROUP BY value, count) interpolated in
    # Python: no engine's quantile (ClickHouse's is approximate beyond 8,192 values).
    assert not _engine_quantiles(url)
    for by in GROUPINGS:
        on_duckdb = _cli_json(capsys, "--db", str(db), "kpi", "--by", by, "--format", "json", *where)
        on_chdb = _cli_json(capsys, "--warehouse", url, "kpi", "--by", by, "--format", "json", *where)
        assert on_duckdb, by
        differences = _same(on_duckdb, on_chdb)
        assert not differences, f"--by {by}: " + "; ".join(differences[:10])
    supervise = ("supervise", "--format", "json", "--out", "-", *where)
    on_duckdb = _cli_json(capsys, "--db", str(db), *supervise)
    on_chdb = _cli_json(capsys, "--warehouse", url, *supervise)
    assert len(on_duckdb) > 0
    assert not _same(on_duckdb, on_chdb), _same(on_duckdb, on_chdb)[:10]


def _published(url: str) -> dict[str, list[tuple]]:
    """Every published table's rows (sorted) in the warehouse's current generation."""
    wh = parse(url)
    con = client(wh)
    database = publish.current_generation(con, wh.database)
    rows = {}
    for table in publish.PUBLISHED:
        result = con.query(f"SELECT * FROM {database}.{table}")
        rows[table] = sorted(map(repr, result.result_rows))
    return rows


def _without_build(rows: list[str]) -> list[str]:
    """Rows (as _published gives them) without the aggregate tables' version and build time."""
    from taizhang.store import aggregates

    renewed = (aggregates.META_VERSION, aggregates.META_BUILT_AT)
    return [row for row in rows if not row.startswith(tuple(f"('{key}'," for key in renewed))]


def _databases(url: str) -> set[str]:
    return {name for (name,) in client(parse(url)).query("SHOW DATABASES").result_rows}


def _normaliser_count(url: str, table: str) -> int:
    con = duckdb.connect(str(Path(parse(url).path) / "normaliser.duckdb"), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    """Two generated hotline ledgers of different cases (2,000 and 3,000 rows) and the registry."""
    root = tmp_path_factory.mktemp("ledgers")
    first = generate(2_000, root / "a", xlsx_rows=0, progress=lambda _: None)
    second = generate(3_000, root / "b", xlsx_rows=0, progress=lambda _: None)
    return first.areas, first.csv, second.csv


def test_reimporting_a_file_changes_nothing(ledgers, tmp_path, capsys):
    areas, first, _ = ledgers
    url = f"chdb://{tmp_path}/wh"
    assert main(["--warehouse", url, "areas", str(areas)]) == 0
    assert main(["--warehouse", url, "load", str(first)]) == 0
    capsys.readouterr()
    before = _published(url)
    kpi_before = _cli_json(capsys, "--warehouse", url, "kpi", "--by", "street", "--format", "json")
    assert len(before["cases"]) == _normaliser_count(url, "cases") > 1900

    assert main(["--warehouse", url, "load", str(first)]) == 0
    capsys.readouterr()
    after = _published(url)
    # The import log records the second attempt (as on DuckDB); nothing else moves but the
    # record of the generation's aggregate tables, built anew: its version and build time.
    assert {t: _without_build(r) for t, r in after.items() if t != "imports"} == \
        {t: _without_build(r) for t, r in before.items() if t != "imports"}
    assert len(after["imports"]) == len(before["imports"]) + 1
    assert _cli_json(capsys, "--warehouse", url, "kpi", "--by", "street", "--format", "json") == kpi_before
    # Two generations are kept (a reader may still be on the previous one), no more.
    assert len(publish.generations(parse(url))) == 2
    assert len([d for d in _databases(url) if d.startswith("taizhang_g")]) == 2


def test_a_file_failing_halfway_leaves_nothing(ledgers, tmp_path, capsys, monkeypatch):
    areas, first, second = ledgers
    url = f"chdb://{tmp_path}/wh"
    assert main(["--warehouse", url, "areas", str(areas)]) == 0
    assert main(["--warehouse", url, "load", str(first)]) == 0
    capsys.readouterr()
    before, databases = _published(url), _databases(url)
    cases_before = _normaliser_count(url, "cases")

    written = []
    real_write = publish._write_table

    def write_then_fail(con, ib, database, name, duck):
        if name == "cases":  # after meta, areas, imports, rejects, meetings: halfway
            raise OSError("disk full (injected between two tables)")
        real_write(con, ib, database, name, duck)
        written.append(name)

    monkeypatch.setattr(publish, "_write_table", write_then_fail)
    assert main(["--warehouse", url, "load", str(second)]) == 1
    out = capsys.readouterr()
    assert "disk full" in out.out + out.err
    assert written[:3] == ["meta", "areas", "service_groups"]  # some tables were written …
    assert _published(url) == before  # … and the warehouse shows none of them
    assert _databases(url) == databases  # the unfinished generation is gone
    assert _normaliser_count(url, "cases") == cases_before  # the DuckDB side rolled back

    monkeypatch.setattr(publish, "_write_table", real_write)
    assert main(["--warehouse", url, "load", str(second)]) == 0
    assert len(_published(url)["cases"]) > len(before["cases"])


@pytest.fixture(scope="module")
def demo_warehouse(demo_db, tmp_path_factory) -> tuple[Path, str]:
    """(a copy of the demo's DuckDB file, the chDB warehouse it is published to), published
    as `taizhang demo --warehouse` publishes it. Read only."""
    root = tmp_path_factory.mktemp("demo-warehouse")
    db = root / "demo.duckdb"
    shutil.copy(demo_db, db)
    url = f"chdb://{root}/wh"
    con = duckdb.connect(str(db))
    try:
        publish.publish(con, parse(url))
    finally:
        con.close()
    return db, url


def test_demo_gives_the_same_kpis_and_list_on_both_engines(demo_warehouse, capsys, caplog):
    db, url = demo_warehouse
    with caplog.at_level(logging.INFO, logger="taizhang.kpi.fastpath"):
        _assert_parity(capsys, db, url)
        _assert_parity(capsys, db, url, ("--from", "2022-03", "--to", "2022-05", "--where", "街道=丁公路街道"))
    # The aggregate tables answered on both engines: the only questions that read the cases
    # are those by official (a case counts once per official), on each engine.
    reasons = [record.getMessage() for record in caplog.records]
    assert reasons and all("[official]" in reason for reason in reasons), reasons


def test_the_monthly_report_is_the_same_on_both_engines(demo_warehouse):
    """The report (district and one street, both languages) reads the same on chDB as on
    DuckDB, the officials' table (joined to its case figures) and the 督办 note included."""
    from taizhang.report.build import report_html
    from taizhang.warehouse import reading

    db, url = demo_warehouse
    views = [(None, "zh"), ({"street": "丁公路街道"}, "zh"), (None, "en")]
    with duckdb.connect(str(db), read_only=True) as con:
        on_duckdb = [report_html(con, "2022-07", scope, lang=lang) for scope, lang in views]
    with reading(parse(url)) as ib:
        on_clickhouse = [report_html(ib, "2022-07", scope, lang=lang) for scope, lang in views]
    for (scope, lang), a, b in zip(views, on_duckdb, on_clickhouse):
        assert "丁公路街道" in a and len(a) > 10_000, (scope, lang)
        assert a == b, (scope, lang, next(i for i, (x, y) in enumerate(zip(a, b)) if x != y))


def test_the_fast_path_answers_on_clickhouse(demo_warehouse, caplog):
    from taizhang.kpi import aggregated
    from taizhang.kpi import api as kpi
    from taizhang.warehouse import reading

    db, url = demo_warehouse
    with reading(parse(url)) as ib:
        assert kpi.fast_path_status(ib)["status"] == "current"
        answered = []
        real = aggregated.base_counts

        def spy(*args, **kwargs):
            answered.append(real(*args, **kwargs))
            return answered[-1]

        aggregated.base_counts = spy
        try:
            with caplog.at_level(logging.INFO, logger="taizhang.kpi.fastpath"):
                by_street = kpi.metrics(ib, ("street",), kpi.Filters(), source="aggregated")
        finally:
            aggregated.base_counts = real
    assert not caplog.records  # no question fell back to the cases
    assert len(answered) == 1 and answered[0] is not None and answered[0].num_rows >= 10
    with duckdb.connect(str(db), read_only=True) as con:
        on_duckdb = kpi.metrics(con, ("street",), kpi.Filters(), source="aggregated")
    pd.testing.assert_frame_equal(by_street, on_duckdb, check_exact=False, rtol=1e-12, atol=1e-12)


def test_status_counts_of_a_street_are_the_same_on_both_engines(demo_warehouse):
    """The overview's categories of a street (kpi.status_counts): no aggregate grain holds
    street × category, so each engine answers from its cases with the light statement."""
    from taizhang.kpi import api as kpi
    from taizhang.warehouse import reading

    db, url = demo_warehouse
    street = kpi.Filters.make(where={"street": "丁公路街道"})
    with reading(parse(url)) as ib:
        on_clickhouse = kpi.status_counts(ib, ("category",), street)
    with duckdb.connect(str(db), read_only=True) as con:
        on_duckdb = kpi.status_counts(con, ("category",), street)
        every = kpi.metrics(con, ("category",), street)
    assert len(on_duckdb) >= 3 and on_duckdb["received"].sum() == every["received"].sum()
    pd.testing.assert_frame_equal(on_clickhouse, on_duckdb)


def _rows(result) -> list[str]:
    return sorted(map(repr, (tuple(row) for row in result)))


def test_every_aggregate_statement_runs_on_clickhouse_with_duckdbs_tables(demo_warehouse):
    """The aggregate tables a generation holds were filled by every statement of
    store/aggregates.sql, transpiled (a statement that does not transpile, or fails on
    ClickHouse, fails the publish), and hold exactly the rows DuckDB's refresh wrote."""
    from taizhang.settings import Settings
    from taizhang.store import aggregates, dialect

    db, url = demo_warehouse
    wh = parse(url)
    con = client(wh)
    database = publish.current_generation(con, wh.database)
    definition = aggregates.clickhouse_definition(Settings())
    used = {name.split(":")[0] for name in definition}
    assert used == set(aggregates.statements()) - {"delete_months"}  # every statement, once a grain
    duck = duckdb.connect(str(db), read_only=True)
    try:
        for table in aggregates.TABLES:
            on_duckdb = _rows(duck.execute(f"SELECT * FROM {table}").fetchall())
            on_clickhouse = _rows(con.query(f"SELECT * FROM {database}.{table}").result_rows)
            assert len(on_duckdb) > 0, table
            assert on_clickhouse == on_duckdb, table
        record = dict(duck.execute("SELECT key, value FROM meta WHERE key LIKE 'aggregates%'").fetchall())
    finally:
        duck.close()
    published = dict(con.query(f"SELECT key, value FROM {database}.meta WHERE key LIKE 'aggregates%'").result_rows)
    renewed = {aggregates.META_VERSION, aggregates.META_BUILT_AT}  # each build's own
    assert {k: v for k, v in published.items() if k not in renewed} == \
        {k: v for k, v in record.items() if k not in renewed}
    # delete_months, which a refresh runs before refilling months (a generation's tables
    # start empty), runs on ClickHouse too, on a scratch copy of a table.
    scratch = f"{database}_scratch"
    con.command(f"CREATE DATABASE {scratch}")
    try:
        con.command(f"CREATE TABLE {scratch}.agg_counts AS {database}.agg_counts")
        con.command(f"INSERT INTO {scratch}.agg_counts SELECT * FROM {database}.agg_counts")
        con.command(f"CREATE TABLE {scratch}.agg_dirty (month Date) ENGINE = Memory")
        con.command(f"INSERT INTO {scratch}.agg_dirty VALUES ('2022-03-01')")
        previous, con.database = con.database, scratch
        try:
            con.command(dialect.to_clickhouse(aggregates.statements()["delete_months"].format(table="agg_counts")),
                        settings={"mutations_sync": 2})
        finally:
            con.database = previous
        left = con.query(f"SELECT countIf(month = '2022-03'), count() FROM {scratch}.agg_counts").result_rows[0]
        assert left[0] == 0 and left[1] > 0
    finally:
        con.command(f"DROP DATABASE {scratch}")


def test_a_statement_that_does_not_transpile_is_said():
    from taizhang.store import dialect

    with pytest.raises(dialect.TranspileError, match="no value bound"):
        dialect.to_clickhouse("SELECT $grain")
    assert dialect.to_clickhouse("SELECT $grain", dialect.parameter_types({"grain": "street"})) == \
        "SELECT {grain: String}"


def test_the_overview_on_chdb_shows_the_demos_numbers(demo_warehouse, monkeypatch):
    """The dashboard's overview read through the warehouse: the same headline numbers as on
    the demo's DuckDB file, and the Data page says where imports go."""
    db, url = demo_warehouse
    pages = _overviews(db, url, monkeypatch)
    cards = {kind: _cards(at) for kind, at in pages.items()}
    assert len(cards["duckdb"]) >= 8 and cards["chdb"] == cards["duckdb"]
    with duckdb.connect(str(db), read_only=True) as con:
        from taizhang.kpi import api as kpi

        received = int(kpi.metrics(con, (), kpi.Filters())["received"].iloc[0])
    assert cards["chdb"]["受理"] == str(received)
    at = pages["chdb"].switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    assert any("taizhang --warehouse" in info.value.replace("\\", "") and "load" in info.value for info in at.info)
    assert not at.get("file_uploader")


def _overviews(db: Path, url: str, monkeypatch) -> dict:
    """The overview (whole period) drawn on the DuckDB file and on the warehouse: AppTests."""
    from streamlit.testing.v1 import AppTest

    pages = {}
    for kind in ("duckdb", "chdb"):
        monkeypatch.setenv("TAIZHANG_DB", str(db) if kind == "duckdb" else str(parse(url).path / "normaliser.duckdb"))
        if kind == "chdb":
            monkeypatch.setenv("TAIZHANG_WAREHOUSE", url)
        else:
            monkeypatch.delenv("TAIZHANG_WAREHOUSE", raising=False)
        at = AppTest.from_file(APP, default_timeout=180)
        at.query_params["period"] = "all"
        at.run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        pages[kind] = at
    return pages


def _cards(at) -> dict[str, str]:
    """Every headline card's label and value (dashboard/cards.py markup)."""
    import html
    import re

    found = {}
    for block in at.markdown:
        for label, value in re.findall(r'<div class="tz-label">(.*?)</div><div class="tz-value">(.*?)</div>',
                                       block.value):
            found[html.unescape(label)] = html.unescape(value)
    return found


@pytest.mark.slow
def test_a_street_beyond_8192_resolved_cases_gives_the_same_kpis(tmp_path, capsys):
    ledger = generate(LARGE_ROWS, tmp_path / "ledger", xlsx_rows=0, progress=lambda _: None)
    url = f"chdb://{tmp_path}/wh"
    assert main(["--warehouse", url, "areas", str(ledger.areas)]) == 0
    assert main(["--warehouse", url, "load", str(ledger.csv)]) == 0
    db = Path(parse(url).path) / "normaliser.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        largest = con.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM cases "
                              "WHERE status = 'resolved' GROUP BY street)").fetchone()[0]
    finally:
        con.close()
    assert largest > 8192
    capsys.readouterr()
    _assert_parity(capsys, db, url)


def _scoped_answers(con) -> dict:
    """What a street user is shown, read on a connection restricted to their streets."""
    from taizhang.filters import Filters
    from taizhang.kpi import api as kpi

    return {
        "by street": kpi.metrics(con, ("street",), Filters()),
        "by community": kpi.metrics(con, ("community",), Filters()),
        "headline": kpi.headline(con, Filters())["metrics"],
        "cases": kpi.case_list(con, Filters(), limit=None).sort_values("case_id").reset_index(drop=True),
        "督办": kpi.supervision_summary(con, Filters(), Filters(), limit=100_000)[0],
        "fast path": kpi.fast_path_status(con)["status"],
    }


def _assert_same_answers(on_duckdb: dict, on_chdb: dict) -> None:
    assert on_duckdb.keys() == on_chdb.keys()
    for name, expected in on_duckdb.items():
        if isinstance(expected, pd.DataFrame):
            got = on_chdb[name].copy()
            for column in expected.columns[expected.dtypes.map(lambda t: t.kind == "M")]:
                # The list's dates come back as Python dates from ClickHouse (either scope).
                got[column] = pd.to_datetime(got[column]).astype(expected[column].dtype)
            expected = expected.copy()
            for column in expected.columns:
                if got[column].dtype != expected[column].dtype and pd.api.types.is_numeric_dtype(got[column]) \
                        and pd.api.types.is_numeric_dtype(expected[column]):
                    # Whole numbers with gaps: float64 from one engine, Int64 from the other.
                    got[column] = got[column].astype("float64")
                    expected[column] = expected[column].astype("float64")
            pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12,
                                          atol=1e-12, obj=name)
        else:
            assert not _same(expected, on_chdb[name]), (name, _same(expected, on_chdb[name])[:5])


SCOPE = ("丁公路街道", "南站街道")
# Street names written to break out of a quoted SQL string, an identifier or a line.
HOSTILE = ("x' OR 1=1 --", "x\\' OR ''='", "x\\", "南站街道'\n) OR (1=1", '") OR true --', "x}; DROP DATABASE y")


def test_a_street_user_on_chdb_sees_what_the_same_scope_shows_on_duckdb(demo_warehouse):
    """kpi.scope on a warehouse: the same KPIs by street and community, case list and 督办
    list as the same scope on the DuckDB file; another street's case is not found by id;
    the aggregate tables decline ('scoped'), as on DuckDB."""
    from taizhang.filters import Filters
    from taizhang.kpi import api as kpi
    from taizhang.kpi.scope import SCOPE_MARK, restrict, scoped_streets
    from taizhang.warehouse import reading

    db, url = demo_warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        everything = con.execute("SELECT street, count(*) FROM cases GROUP BY street").fetchall()
        (other,), = con.execute("SELECT case_id FROM cases WHERE street NOT IN (?, ?) LIMIT 1", list(SCOPE)).fetchall()
        scoped = con.cursor()
        restrict(scoped, SCOPE)
        on_duckdb = _scoped_answers(scoped)
        assert kpi.case_detail(scoped, other) is None
        ledger_row = kpi.case_detail(con, other)["raw"]
        (inside,), = con.execute("SELECT case_id FROM cases WHERE street = ? LIMIT 1", [SCOPE[0]]).fetchall()
        inside_row = kpi.case_detail(scoped, inside)["raw"]
    mine = sum(n for street, n in everything if street in SCOPE)
    assert len(everything) > len(SCOPE) and 0 < mine
    assert sorted(on_duckdb["by street"].street) == sorted(SCOPE)
    assert len(on_duckdb["cases"]) == mine and on_duckdb["fast path"] == "scoped"
    with reading(parse(url)) as ib:
        generation = str(ib.con.database)
        # the district sees it, its ledger row (header → cell) as on DuckDB …
        assert kpi.case_detail(ib, other)["raw"] == ledger_row and len(ledger_row) > 5
        restrict(ib, SCOPE)
        assert SCOPE_MARK in str(ib.con.database) and scoped_streets(ib) == tuple(sorted(SCOPE))
        on_chdb = _scoped_answers(ib)
        assert kpi.case_detail(ib, other) is None  # … the street user does not
        assert kpi.case_detail(ib, inside)["raw"] == inside_row and inside_row  # its own, headers and all
        assert kpi.case_timeline(ib, other).empty
        # Every table the generation holds reads through the scope (none unscoped):
        assert ib.con.query("SELECT count() FROM agg_counts WHERE street NOT IN ({a:String}, {b:String})",
                            parameters={"a": SCOPE[0], "b": SCOPE[1]}).result_rows == [(0,)]
        assert ib.con.query("SELECT count() FROM rejects").result_rows == [(0,)]
        ib.con.database = generation
        assert scoped_streets(ib) is None
        assert len(kpi.metrics(ib, ("street",), Filters())) == len(everything)  # unscoped again
    _assert_same_answers(on_duckdb, on_chdb)


def test_a_hostile_street_name_cannot_widen_the_scope_on_chdb(demo_warehouse):
    """Street names are inserted as values and name their scope by a hash: names made to
    break out of SQL quoting see nothing more than the real street among them."""
    from taizhang.filters import Filters
    from taizhang.kpi import api as kpi
    from taizhang.kpi.scope import restrict, scope_database, scoped_streets
    from taizhang.warehouse import reading

    _, url = demo_warehouse
    with reading(parse(url)) as ib:
        generation = str(ib.con.database)
        restrict(ib, (SCOPE[0],))
        alone = kpi.metrics(ib, ("street",), Filters())
        ib.con.database = generation
        restrict(ib, (SCOPE[0], *HOSTILE))
        assert scoped_streets(ib) == tuple(sorted((SCOPE[0], *HOSTILE)))  # stored as they are
        hostile = kpi.metrics(ib, ("street",), Filters())
        ib.con.database = generation
        restrict(ib, HOSTILE)
        nothing = kpi.metrics(ib, (), Filters())
        ib.con.database = generation
    assert alone.street.tolist() == [SCOPE[0]]
    pd.testing.assert_frame_equal(hostile, alone)
    assert int(nothing.received.fillna(0).sum()) == 0
    assert scope_database("g", HOSTILE).startswith("g_scope_") and \
        scope_database("g", HOSTILE).replace("_", "").isalnum()


def test_a_street_scope_is_made_once_and_dropped_with_its_generation(ledgers, tmp_path, capsys):
    from taizhang.kpi.scope import restrict, scope_databases
    from taizhang.warehouse import reading

    areas, first, second = ledgers
    url = f"chdb://{tmp_path}/wh"
    assert main(["--warehouse", url, "areas", str(areas)]) == 0
    assert main(["--warehouse", url, "load", str(first)]) == 0
    with reading(parse(url)) as ib:
        generation = str(ib.con.database)
        street = ib.con.query("SELECT any(street) FROM cases").result_rows[0][0]
        restrict(ib, (street,))
        scope = str(ib.con.database)
        ib.con.database = generation
        restrict(ib, (street,))  # the second time: the same database, made once
        assert str(ib.con.database) == scope
        ib.con.database = generation
    assert scope_databases(client(parse(url)), generation) == [scope]
    assert main(["--warehouse", url, "load", str(second)]) == 0  # the generation before: kept
    assert scope in _databases(url)
    assert main(["--warehouse", url, "load", str(first)]) == 0  # two newer: dropped, its scope too
    assert generation not in _databases(url) and scope not in _databases(url)


def test_a_street_scoped_person_on_a_warehouse_sees_their_streets(demo_warehouse, monkeypatch):
    """The dashboard's loaders: a street user's headline on chDB is the scope's on DuckDB;
    the same run's district-wide person still sees every street; nobody may upload there."""
    from taizhang.access import Person
    from taizhang.dashboard import loaders
    from taizhang.filters import Filters
    from taizhang.kpi import api as kpi
    from taizhang.kpi.scope import restrict

    db, url = demo_warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        scoped = con.cursor()
        restrict(scoped, (SCOPE[0],))
        expected = kpi.headline(scoped, Filters())["metrics"]
        district = kpi.headline(con.cursor(), Filters())["metrics"]
    monkeypatch.setenv("TAIZHANG_WAREHOUSE", url)
    loaders.act_as(Person("street-user", "viewer", (SCOPE[0],)))
    try:
        shown = loaders.headline(Filters())["metrics"]
        assert not _same(expected, shown) and shown["received"] < district["received"]
        assert loaders.metrics(("street",), Filters()).street.tolist() == [SCOPE[0]]
        loaders.act_as(Person("admin", "admin"))
        assert loaders.headline(Filters())["metrics"]["received"] == district["received"]
        with pytest.raises(PermissionError, match="taizhang --warehouse"):
            loaders.import_ledgers(parse(url).path / "normaliser.duckdb", [])
    finally:
        loaders.release()
        loaders.act_as(None)


def test_the_overview_of_a_street_user_on_chdb_shows_their_streets_numbers(demo_warehouse, monkeypatch):
    """The overview drawn for a street user (the sign-in itself replaced by that person:
    dashboard.access.gate) on the warehouse: the same cards as on the DuckDB file for the
    same person, 受理 counts their street's cases only, and the Data page says the
    aggregate tables do not answer for them."""
    from taizhang.access import Person
    from taizhang.dashboard import access

    db, url = demo_warehouse
    monkeypatch.setattr(access, "gate", lambda path, lang: Person("street-user", "viewer", (SCOPE[0],)))
    pages = _overviews(db, url, monkeypatch)
    cards = {kind: _cards(at) for kind, at in pages.items()}
    with duckdb.connect(str(db), read_only=True) as con:
        mine, everyone = con.execute("SELECT count(*) FILTER (WHERE street = ?), count(*) FROM cases",
                                     [SCOPE[0]]).fetchone()
    assert len(cards["duckdb"]) >= 8 and cards["chdb"] == cards["duckdb"]
    assert cards["chdb"]["受理"] == str(mine) and mine < everyone
    # The Data page says the figures are counted case by case for a street view.
    from taizhang.i18n import t

    at = pages["chdb"].switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    assert any(caption.value == t("data.fastpath_scoped", "zh") for caption in at.caption)
