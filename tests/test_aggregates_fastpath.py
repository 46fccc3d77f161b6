"""The fast path, observable: a changed definition makes stored aggregate tables stale by
itself, the KPI layer then reads the cases and logs why, `taizhang rebuild` makes them
current again, and the data page shows their state and the latest fallback."""

from __future__ import annotations

import logging
from datetime import date

import duckdb
import pandas as pd
import pytest

from taizhang import cli
from taizhang.filters import Filters
from taizhang.i18n import t
from taizhang.kpi import aggregated, fastpath
from taizhang.kpi.metrics import metrics
from taizhang.settings import Settings
from taizhang.store import aggregates, facts


@pytest.fixture
def fresh_definition(monkeypatch):
    """Forget every generated definition before and after the test (they are cached per
    process, and on disk with the compiled SQL: off here, the test changes code in place)."""
    monkeypatch.setenv("TAIZHANG_SQL_CACHE", "off")

    def forget():
        aggregates._facts_sql.cache_clear()
        aggregates.definition_text.cache_clear()
        aggregates.current_fingerprint.cache_clear()
    forget()
    yield forget
    monkeypatch.undo()
    forget()


def test_a_changed_fact_changes_the_fingerprint(fresh_definition, monkeypatch):
    """The fingerprint is a hash of the SQL generated from the facts: changing what
    'open' means (a fact every open/overdue/stalled count derives from) changes it."""
    before = aggregates.fingerprint()
    assert len(before) == 16 and before == fastpath.current_definition()
    monkeypatch.setattr(facts, "OPEN_STATUSES", ("pending",))
    fresh_definition()
    changed = aggregates.fingerprint()
    assert changed != before
    assert "'in_progress'" not in aggregates._facts_sql(Settings()).split("open_later")[-1]
    monkeypatch.undo()
    fresh_definition()
    assert aggregates.fingerprint() == before  # the same code, the same fingerprint


def _revised_statements(original):
    """The refresh's statements with one of them written differently (same result)."""
    def statements():
        revised = dict(original())
        revised["insert_days"] = "-- days, written again\n" + revised["insert_days"]
        return revised
    return statements


def test_a_stale_definition_falls_back_with_its_reason_until_rebuilt(
        demo_db_copy, fresh_definition, monkeypatch, caplog, capsys):
    con = duckdb.connect(str(demo_db_copy))
    as_of = fastpath.data_dates(con)[2]
    assert aggregated.base_counts(con, ("street",), Filters(), Settings(), as_of) is not None
    con.close()

    # This code's rules now differ from those the stored tables were built by. (A reason about
    # the tables is logged once per their state: another test of the demo may have said it.)
    monkeypatch.setattr(fastpath, "_logged", set())
    monkeypatch.setattr(aggregates, "statements", _revised_statements(aggregates.statements))
    fresh_definition()
    con = duckdb.connect(str(demo_db_copy), read_only=True)
    with caplog.at_level(logging.INFO, logger="taizhang.kpi.fastpath"):
        assert aggregated.base_counts(con, ("street",), Filters(), Settings(), as_of) is None
        stale = metrics(con, ("street",), Filters(), Settings())
    records = [r for r in caplog.records if r.name == "taizhang.kpi.fastpath"]
    assert records and records[0].levelno == logging.WARNING
    assert "[definition]" in records[0].getMessage()
    assert t("fastpath.definition", "zh") in records[0].getMessage()
    assert fastpath.last_fallback().code == "definition"
    assert fastpath.fast_path_status(con, Settings())["status"] == "stale"
    con.close()

    # `taizhang rebuild` (in this process: it runs the revised statements) says what it did.
    assert cli.main(["rebuild", "--db", str(demo_db_copy)]) == 0
    out = capsys.readouterr().out
    assert t("rebuild.before", "zh", state=t("fastpath.definition", "zh")) in out
    cases = duckdb.connect(str(demo_db_copy), read_only=True).execute("SELECT count(*) FROM cases").fetchall()[0][0]
    months = duckdb.connect(str(demo_db_copy), read_only=True).execute(
        "SELECT count(DISTINCT strftime(received_on, '%Y-%m')) FROM cases").fetchall()[0][0]
    assert f"{months} 个月、{cases} 件案件" in out

    con = duckdb.connect(str(demo_db_copy), read_only=True)
    assert fastpath.fast_path_status(con, Settings())["status"] == "current"
    assert aggregated.base_counts(con, ("street",), Filters(), Settings(), as_of) is not None
    fast = metrics(con, ("street",), Filters(), Settings(), source="aggregated")
    raw = metrics(con, ("street",), Filters(), Settings(), source="raw")
    pd.testing.assert_frame_equal(fast, raw)
    pd.testing.assert_frame_equal(stale, raw)  # the fallback's figures were right all along
    con.close()


@pytest.mark.parametrize("by, filters, code", [
    (("official",), Filters(), "official"),
    (("street", "category"), Filters(), "grain"),
    ((), Filters.make(as_of="2022-03-15"), "as_of"),
    ((), Filters.make(date_from="2022-01-10"), "period"),
])
def test_a_question_the_tables_cannot_answer_says_why(demo_db, by, filters, code, caplog):
    con = duckdb.connect(str(demo_db), read_only=True)
    with caplog.at_level(logging.INFO, logger="taizhang.kpi.fastpath"):
        assert aggregated.base_counts(con, by, filters, Settings(), filters.as_of or date(2099, 1, 1)) is None
    con.close()
    [record] = [r for r in caplog.records if r.name == "taizhang.kpi.fastpath"]
    assert record.levelno == logging.INFO and f"[{code}]" in record.getMessage()
    assert fastpath.last_fallback().code == code


def test_settings_and_cases_that_changed_are_reasons_too(demo_db_copy, caplog):
    con = duckdb.connect(str(demo_db_copy))
    as_of = fastpath.data_dates(con)[2]
    with caplog.at_level(logging.INFO, logger="taizhang.kpi.fastpath"):
        assert aggregated.base_counts(con, (), Filters(), Settings(sla_days=10), as_of) is None
        assert aggregated.base_counts(con, (), Filters(), Settings(sla_calendar="workdays"), as_of) is None
        con.execute("DELETE FROM cases WHERE case_id = (SELECT min(case_id) FROM cases)")
        assert aggregated.base_counts(con, (), Filters(), Settings(), as_of) is None
    con.close()
    said = " ".join(r.getMessage() for r in caplog.records if r.name == "taizhang.kpi.fastpath")
    assert "[settings]" in said and "[workdays]" in said and "[cases]" in said


def test_rebuild_without_a_database_says_so(tmp_path, capsys):
    assert cli.main(["rebuild", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "taizhang load" in capsys.readouterr().err


def test_compiled_sql_is_kept_per_version_of_every_source_that_shapes_it(tmp_path, monkeypatch):
    """store.sqlstore's folder changes when a fact of the store, a setting or a filter changes,
    not only the KPI layer's own files: SQL compiled under older facts is never reused."""
    from taizhang.store import sqlstore

    named = {f"{p.parent.name}/{p.name}" for p in sqlstore.sources()}
    assert {"store/facts.py", "store/sla.py", "store/aggregates.sql", "store/schema.sql",
            "taizhang/settings.py", "taizhang/filters.py", "kpi/runner.py"} <= named
    monkeypatch.setenv(sqlstore.ENV_CACHE, str(tmp_path / "sql"))
    real = sqlstore.sources()
    sqlstore._fingerprint.cache_clear()
    key = ("metrics", ("street",))
    sqlstore.save(key, ("SELECT 1", ()))
    assert sqlstore.load(key) == ("SELECT 1", ())
    # The same checkout with one line of the facts changed: another folder, nothing found.
    changed = tmp_path / "store" / "facts.py"
    changed.parent.mkdir()
    facts_py = next(p for p in real if p.name == "facts.py")
    changed.write_text(facts_py.read_text(encoding="utf-8") + "\n# a rule changed\n", encoding="utf-8")
    monkeypatch.setattr(sqlstore, "sources", lambda: [changed if p == facts_py else p for p in real])
    sqlstore._fingerprint.cache_clear()
    try:
        assert sqlstore.load(key) is None
    finally:
        monkeypatch.undo()
        sqlstore._fingerprint.cache_clear()


def test_a_street_scope_is_its_own_reason_not_missing_tables(demo_db, caplog):
    """A street-scoped connection hides the tables' record (kpi.scope): the fast path
    declines with reason 'scope' (informational), and the status says 'scoped', not absent."""
    from taizhang.kpi.scope import restrict

    con = duckdb.connect(str(demo_db), read_only=True)
    street = con.execute("SELECT min(street) FROM cases").fetchall()[0][0]
    scoped = con.cursor()
    restrict(scoped, (street,))
    with caplog.at_level(logging.INFO, logger="taizhang.kpi.fastpath"):
        assert aggregated.base_counts(scoped, (), Filters(), Settings(), date(2099, 1, 1)) is None
    [record] = [r for r in caplog.records if r.name == "taizhang.kpi.fastpath"]
    assert record.levelno == logging.INFO and "[scope]" in record.getMessage()
    # The 督办 counts and list ask the same of their open cases: scope, never "absent".
    from taizhang.kpi import api as kpi

    for ask in (lambda: kpi.supervision_counts(scoped, Filters(), Settings()),
                lambda: kpi.supervision_summary(scoped, Filters(), Filters(), settings=Settings())):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="taizhang.kpi.fastpath"):
            ask()
        said = [r.getMessage() for r in caplog.records if r.name == "taizhang.kpi.fastpath"]
        assert said and all("[scope]" in m for m in said) and fastpath.last_fallback().code == "scope"
    assert fastpath.fast_path_status(scoped, Settings()) == {
        "status": "scoped", "reason": "scope", "cases": None, "built": None}
    assert fastpath.fast_path_status(con.cursor(), Settings())["status"] == "current"
    con.close()


def test_the_state_is_one_statement_read_once_per_read_only_connection(demo_db_copy):
    """read_state: one statement a read (the registry's rows with the record); a read-only
    connection's state is read once for it and every cursor shared from it, while a
    writable connection reads it again (what it writes shows: a new area, a new case)."""
    from taizhang.kpi import api as kpi

    writer = duckdb.connect(str(demo_db_copy))
    before = fastpath.state_reads
    state = fastpath.read_state(writer)
    assert fastpath.state_reads == before + 1
    assert state["areas"] == tuple(writer.execute(fastpath.AREAS_SQL).fetchall())
    assert state["cases_now"] == writer.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert fastpath.is_current(state) and state["read_only"] == "false"
    writer.execute("INSERT INTO areas SELECT district, street, '新社区', kind FROM areas LIMIT 1")
    assert len(fastpath.read_state(writer)["areas"]) == len(state["areas"]) + 1
    assert fastpath.state_reads == before + 2
    writer.close()

    con = duckdb.connect(str(demo_db_copy), read_only=True)
    shared = [con.cursor() for _ in range(3)]
    for cursor in shared:
        fastpath.share(cursor, con)
    before = fastpath.state_reads
    kpi.headline(shared[0], Filters())
    kpi.ranking(shared[1], "street", Filters())
    kpi.trend(shared[2], Filters())
    assert fastpath.state_reads == before + 1  # three questions, three cursors, one read
    assert "新社区" in {community for _, _, community in fastpath.read_state(shared[1])["areas"]}
    kpi.headline(con.cursor(), Filters())  # a cursor not shared reads its own
    assert fastpath.state_reads == before + 2
    con.close()


def test_a_dashboard_run_reads_the_state_once(demo_db_copy, monkeypatch):
    """The dashboard's questions of one script run (each on a cursor of the run's
    connection) read the tables' state once; the next run's connection reads it again."""
    from taizhang.dashboard import loaders

    monkeypatch.setenv("TAIZHANG_DB", str(demo_db_copy))
    loaders._query.clear()
    before = fastpath.state_reads
    try:
        loaders.headline(Filters())
        loaders.ranking("street", Filters())
        loaders.trend(Filters())
        loaders.metrics(("category",), Filters())
        assert fastpath.state_reads == before + 1
    finally:
        loaders.release()
    loaders.metrics(("channel",), Filters())  # a new run: a new connection
    loaders.release()
    assert fastpath.state_reads == before + 2
