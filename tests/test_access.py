"""Who may see and change what, below the browser: grants and the audit log through the real
CLI, the street scope on real DuckDB connections (numbers counted independently in pandas),
uploads of another street's rows refused whole, and a server that will not start unguarded."""

from __future__ import annotations

import json
import os
import stat

import duckdb
import pandas as pd
import pytest

from taizhang.kpi import api as kpi
from taizhang.dashboard import auth
from taizhang.etl.load import load_paths
from taizhang.filters import Filters
from taizhang.kpi.scope import ScopeError, restrict, scoped_streets
from taizhang import access
from taizhang.cli import main
from taizhang.db import reading

STREET = "南站街道"


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def all_cases(db) -> pd.DataFrame:
    with reading(db) as con:
        return con.execute("SELECT case_id, street, reporter FROM cases").df()


# --- grants and the audit log (CLI) -----------------------------------------------------

def test_users_add_list_remove_through_the_cli(demo_db_copy, capsys):
    db = str(demo_db_copy)
    code, out, _ = cli(capsys, "--db", db, "users", "add", "Li.Ming@Example.org", "--role", "street",
                       "--streets", STREET)
    assert code == 0 and "li.ming@example.org" in out
    assert cli(capsys, "--db", db, "users", "add", "boss", "--role", "leader", "--pii")[0] == 0
    code, out, _ = cli(capsys, "--db", db, "users", "list", "--format", "json")
    rows = {r["subject"]: r for r in json.loads(out)}
    assert rows["li.ming@example.org"]["streets"] == [STREET] and rows["li.ming@example.org"]["pii"] is False
    assert rows["boss"]["role"] == "leader" and rows["boss"]["streets"] is None and rows["boss"]["pii"] is True
    code, out, _ = cli(capsys, "--db", db, "users", "list")
    assert out.splitlines()[0].startswith("用户 / subject") and "全部 / all" in out
    # The grant is what the dashboard reads for a login (subject first, then e-mail).
    with reading(db) as con:
        person = access.person_for(con, "some-sub", "LI.MING@example.org")
        assert person == access.Person("li.ming@example.org", "street", (STREET,), False)
        assert access.person_for(con, "stranger", "stranger@example.org") is None
    assert cli(capsys, "--db", db, "users", "remove", "boss")[0] == 0
    code, _, err = cli(capsys, "--db", db, "users", "remove", "boss")
    assert code == 2 and "没有此用户的授权" in err


def test_users_on_a_missing_database_make_no_file(tmp_path, capsys):
    missing = tmp_path / "typo.duckdb"
    for argv in (("users", "add", "x", "--role", "admin"), ("users", "list"), ("audit",)):
        code, _, err = cli(capsys, "--db", str(missing), *argv)
        assert code == 2 and "找不到数据库" in err
    assert not missing.exists()


@pytest.mark.parametrize("argv, message", [
    (("users", "add", "x", "--role", "street"), "街道用户须指定街道"),
    (("users", "add", "x", "--role", "street", "--streets", "无此街道"), "未知街道 / unknown street(s): 无此街道"),
])
def test_bad_grants_say_what_to_fix(demo_db_copy, capsys, argv, message):
    code, _, err = cli(capsys, "--db", str(demo_db_copy), *argv)
    assert code == 2 and message in err
    with reading(demo_db_copy) as con:
        assert access.list_grants(con) == []


def test_audit_lists_entries_newest_first_with_chinese_headers(demo_db_copy, capsys):
    access.record_to(demo_db_copy, "a@example.org", "export", "督办清单.xlsx", {"rows": 12})
    access.record_to(demo_db_copy, "b@example.org", "pii_view", "c-1", None)
    code, out, _ = cli(capsys, "--db", str(demo_db_copy), "audit")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:4] == ["编号", "/", "id", "时间"]
    assert "b@example.org" in lines[1] and "pii_view" in lines[1]
    assert "督办清单.xlsx" in lines[2] and '{"rows": 12}' in lines[2]
    code, out, _ = cli(capsys, "--db", str(demo_db_copy), "audit", "--action", "export", "--format", "json")
    assert [(e["who"], e["what"]) for e in json.loads(out)] == [("a@example.org", "督办清单.xlsx")]


# --- the street scope on the connection --------------------------------------------------

def test_scope_restricts_every_kind_of_question_to_the_street(demo_db):
    cases = all_cases(demo_db)
    mine = cases[cases.street == STREET]
    other = cases[cases.street != STREET].case_id.iloc[0]
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        scoped = con.cursor()
        restrict(scoped, (STREET,))
        assert scoped_streets(scoped) == (STREET,)
        assert scoped_streets(con.cursor()) is None  # a cursor of its own is not scoped
        overview = kpi.metrics(scoped, (), Filters())
        assert int(overview.received.iloc[0]) == len(mine)
        by_street = kpi.metrics(scoped, ("street",), Filters())
        assert by_street.street.tolist() == [STREET]  # the registry's other streets too are gone
        listed = kpi.case_list(scoped, Filters(), limit=None)
        assert sorted(listed.case_id) == sorted(mine.case_id)
        standing = kpi.supervision_summary(scoped, Filters(), Filters(), limit=100_000)[0]
        assert set(standing.street) <= {STREET} and len(standing)
        assert kpi.case_detail(scoped, other) is None
        assert kpi.case_timeline(scoped, other).empty
        assert kpi.dataset_info(scoped)["cases"] == len(mine)
        assert kpi.rejects_list(scoped).empty
        # The same numbers as the district's view of that street (the unscoped connection).
        whole = kpi.metrics(con.cursor(), ("street",), Filters())
        assert int(whole.set_index("street").loc[STREET, "received"]) == len(mine)
        assert kpi.headline(scoped, Filters())["metrics"]["received"] == len(mine)
    finally:
        con.close()


def test_scope_makes_the_aggregate_fast_path_decline(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        # Unscoped, the aggregate tables answer; scoped they must not (they hold every street).
        assert len(kpi.metrics(con.cursor(), ("street",), Filters(), source="aggregated")) > 1
        scoped = con.cursor()
        restrict(scoped, (STREET,))
        with pytest.raises(kpi.FilterError):
            kpi.metrics(scoped, ("street",), Filters(), source="aggregated")
        assert scoped.execute("SELECT count(*) FROM agg_counts WHERE street <> ?", [STREET]).fetchall() == [(0,)]
    finally:
        con.close()


def test_an_empty_scope_is_refused(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        with pytest.raises(ScopeError):
            restrict(con.cursor(), ())
    finally:
        con.close()


def test_names_masked_without_pii(demo_db):
    cases = all_cases(demo_db)
    named = cases[cases.reporter.notna() & (cases.reporter.str.len() >= 2)].iloc[0]
    with reading(demo_db) as con:
        assert kpi.case_detail(con, named.case_id)["reporter"] == kpi.mask_name(named.reporter)
        assert kpi.case_detail(con, named.case_id, pii=True)["reporter"] == named.reporter
        assert kpi.mask_name(named.reporter) != named.reporter


# --- the dashboard's loaders ask as the person of the run --------------------------------

@pytest.fixture
def loaders_on(demo_db, monkeypatch, tmp_path):
    from taizhang.dashboard import loaders

    monkeypatch.setenv("TAIZHANG_DB", str(demo_db))
    monkeypatch.delenv("TAIZHANG_AUTH", raising=False)
    monkeypatch.chdir(tmp_path)  # settings from tmp_path/taizhang.toml when a test writes one
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    yield loaders
    loaders.act_as(None)
    loaders.release()


def test_loaders_answer_for_the_person_of_the_run(loaders_on, tmp_path):
    loaders = loaders_on
    cases = all_cases(loaders.database_file())
    street_user = access.Person("nz", "street", (STREET,), False)
    loaders.act_as(street_user)
    assert loaders.metrics(("street",), Filters()).street.tolist() == [STREET]
    assert loaders.case_count(Filters()) == int((cases.street == STREET).sum())
    assert loaders.filter_options()["streets"] == [STREET]
    # The district's street ranking (totals, no case) stays open to a street user by default …
    assert len(loaders.ranking("street", Filters())) == cases.street.nunique()
    loaders.act_as(access.LOCAL)  # … and the same cache gives the local user every street
    assert set(cases.street) <= set(loaders.metrics(("street",), Filters()).street)
    assert loaders.case_count(Filters()) == len(cases)
    # … unless the setting says no.
    (tmp_path / "taizhang.toml").write_text("[access]\nstreet_sees_district_ranking = false\n",
                                            encoding="utf-8")
    loaders.act_as(street_user)
    assert loaders.ranking("street", Filters()).street.tolist() == [STREET]


def test_with_login_on_a_question_for_nobody_is_refused(loaders_on, monkeypatch):
    from taizhang.dashboard.access import NoAccess

    monkeypatch.setenv("TAIZHANG_AUTH", "oidc")
    loaders_on.act_as(None)
    with pytest.raises(NoAccess):
        loaders_on.metrics((), Filters())


@pytest.mark.parametrize("role", ["leader", "supervisor"])
def test_roles_without_upload_rights_cannot_import(loaders_on, tmp_path, role):
    loaders_on.act_as(access.Person("someone", role, None, False))
    with pytest.raises(PermissionError) as info:
        loaders_on.import_ledgers(loaders_on.database_file(), [tmp_path / "x.xlsx"])
    assert f"您的角色({role})不能上传台账" in str(info.value)


# --- uploads by street ------------------------------------------------------------------

def test_a_street_users_file_with_another_streets_rows_is_refused_whole(demo_build, demo_db_copy):
    other = sorted((demo_build / "ledgers" / "ledgers").glob("丁公路街道2022*"))[0]
    before = all_cases(demo_db_copy)
    with reading(demo_db_copy) as con:
        con_cases = con.execute("SELECT count(*), max(import_id) FROM cases").fetchall()
    summary, = load_paths(demo_db_copy, [other], streets=(STREET,))
    assert summary.status == "failed" and summary.out_of_scope > 0
    assert "整份文件未导入" in summary.error and "丁公路街道" in summary.error
    assert "工作表「" in summary.error and " row " in summary.error  # the rows are named
    after = all_cases(demo_db_copy)
    pd.testing.assert_frame_equal(before.sort_values("case_id").reset_index(drop=True),
                                  after.sort_values("case_id").reset_index(drop=True))
    with reading(demo_db_copy) as con:
        assert con.execute("SELECT count(*), max(import_id) FROM cases").fetchall() == con_cases
    # The street's own ledger goes in (already loaded: unchanged), and any file for the data office.
    own = sorted((demo_build / "ledgers" / "ledgers").glob(f"{STREET}*"))[0]
    assert load_paths(demo_db_copy, [own], streets=(STREET,))[0].status in ("ok", "unchanged")
    assert load_paths(demo_db_copy, [other])[0].status in ("ok", "unchanged")


def test_a_street_user_hears_about_scope_first_and_nothing_of_other_streets_imports(
        loaders_on, demo_build, demo_db_copy, monkeypatch):
    """Another street's file imported before: the district's data office is told it was
    imported already; a street user is not (that would tell them what another street
    imported, and when), and their upload is refused for its scope."""
    from taizhang.dashboard import uploads

    monkeypatch.setenv("TAIZHANG_DB", str(demo_db_copy))
    other = sorted((demo_build / "ledgers" / "ledgers").glob("丁公路街道2022*"))[0]
    digest = uploads.sha256(other.read_bytes())
    loaders_on.act_as(access.LOCAL)
    assert loaders_on.imported_file(digest)["file"].endswith(other.name)
    loaders_on.act_as(access.Person("nz", "street", (STREET,), False))
    assert loaders_on.imported_file(digest) is None
    summary, = loaders_on.import_ledgers(demo_db_copy, [other])
    assert summary.status == "failed" and summary.out_of_scope > 0 and "丁公路街道" in summary.error
    # The audit log names the refused file by the hash the import read it with.
    with reading(demo_db_copy) as con:
        (who, what, detail), = con.execute(
            "SELECT who, what, detail FROM audit_log WHERE action = 'upload_refused' ORDER BY audit_id DESC LIMIT 1"
        ).fetchall()
    assert (who, what) == ("nz", other.name)
    assert json.loads(detail)["sha256"] == digest == summary.sha256


def _ledger(path, rows):
    """A small ledger written by openpyxl: a title row, then the header and `rows`."""
    from ledgers import workbook

    return workbook(path, "问题台账", [["编号", "街道", "社区", "反映时间", "问题", "办理状态"],
                                     *map(list, rows)], title="南站街道问题台账")


def test_a_stored_case_of_another_street_cannot_be_moved_by_an_upload(demo_db_copy, tmp_path):
    with reading(demo_db_copy) as con:
        (theirs,), = con.execute("SELECT case_id FROM cases WHERE street = '丁公路街道' LIMIT 1").fetchall()
        community, = con.execute("SELECT community FROM areas WHERE street = ? LIMIT 1", [STREET]).fetchall()[0]
    before = all_cases(demo_db_copy)
    path = _ledger(tmp_path / "南站街道补报.xlsx", [
        ("NZ-NEW-1", STREET, community, "2022-07-01", "路灯不亮", "正在解决"),
        (theirs, STREET, community, "2022-07-02", "改成本街道的案件", "已解决"),
    ])
    summary, = load_paths(demo_db_copy, [path], streets=(STREET,))
    assert summary.status == "failed" and summary.out_of_scope == 1
    assert "第 4 行" in summary.error and "库中已有此案件" in summary.error
    pd.testing.assert_frame_equal(before.sort_values("case_id").reset_index(drop=True),
                                  all_cases(demo_db_copy).sort_values("case_id").reset_index(drop=True))
    # Without the foreign case, the same street user's file goes in.
    path = _ledger(tmp_path / "南站街道补报2.xlsx", [
        ("NZ-NEW-1", STREET, community, "2022-07-01", "路灯不亮", "正在解决")])
    summary, = load_paths(demo_db_copy, [path], streets=(STREET,))
    assert summary.status == "ok" and summary.rows_new == 1


# --- serving -----------------------------------------------------------------------------

def test_serve_on_another_address_without_login_refuses(demo_db, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no taizhang.toml here
    for key in auth.AUTH_KEYS:
        monkeypatch.delenv(auth.env_name(key), raising=False)
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    for host in ("0.0.0.0", "192.0.2.7", "taizhang.example.org", "::"):
        code, out, err = cli(capsys, "--db", str(demo_db), "serve", "--host", host, "--port", "8639")
        assert code == 2 and out == ""
        assert err.startswith("taizhang: 拒绝启动:未配置登录时看板只能监听本机地址") and host in err
        assert "docs/access.md" in err and "[auth]" in err and "Refusing to serve" in err
    assert all(auth.is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "localhost", "::1"))


def test_partial_login_settings_stop_with_what_is_missing(demo_db, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    (tmp_path / "taizhang.toml").write_text('[auth]\nclient_id = "taizhang"\n', encoding="utf-8")
    code, _, err = cli(capsys, "--db", str(demo_db), "serve", "--host", "0.0.0.0", "--port", "8639")
    assert code == 2 and "server_metadata_url" in err and "client_secret" in err and "redirect_uri" not in err
    (tmp_path / "taizhang.toml").write_text('[auth]\nclient_id = "taizhang"\nclient_secret = "s"\n'
                                            'server_metadata_url = "http://127.0.0.1:8691/x"\n', encoding="utf-8")
    code, _, err = cli(capsys, "--db", str(demo_db), "serve", "--host", "0.0.0.0", "--port", "8639")
    assert code == 2 and "缺少 redirect_uri" in err


def test_login_settings_become_a_private_secrets_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    (tmp_path / "taizhang.toml").write_text(
        '[kpi]\nsla_days = 30\n[auth]\nclient_id = "taizhang"\nclient_secret = "from-file"\n'
        'server_metadata_url = "http://127.0.0.1:8691/.well-known/openid-configuration"\n', encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_AUTH_CLIENT_SECRET", 'from-env "quoted"')
    config = auth.auth_config()
    assert config["client_secret"] == 'from-env "quoted"'  # the environment wins
    path = auth.write_secrets(config, "127.0.0.1", 8631)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        import tomllib

        written = tomllib.loads(path.read_text(encoding="utf-8"))["auth"]
        assert written["client_secret"] == 'from-env "quoted"'
        assert written["redirect_uri"] == "http://localhost:8631/oauth2callback"
        assert len(written["cookie_secret"]) >= 32
        assert not str(path).startswith(str(os.getcwd()))
    finally:
        auth.remove_secrets(path)
    assert not path.parent.exists()
    from taizhang.settings import load_settings

    assert load_settings().sla_days == 30  # [auth] is not a settings section to complain about
