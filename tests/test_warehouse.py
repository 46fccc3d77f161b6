"""The warehouse URL: the three kinds, the default, and the messages for what cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from taizhang.warehouse import Warehouse, WarehouseError, normaliser_path, parse, resolve


def test_the_three_kinds():
    assert parse("duckdb:///srv/taizhang.duckdb") == Warehouse("duckdb", path=Path("/srv/taizhang.duckdb"))
    assert parse("duckdb://data/my.duckdb").path == Path("data/my.duckdb")
    assert parse("chdb:///srv/warehouse") == Warehouse("chdb", path=Path("/srv/warehouse"))
    server = parse("clickhouse://viewer:s%40cret@ch1.example.internal:8124/city")
    assert (server.kind, server.host, server.port, server.user, server.password, server.database) == (
        "clickhouse", "ch1.example.internal", 8124, "viewer", "s@cret", "city")
    assert (parse("clickhouse://ch1").port, parse("clickhouse://ch1").database) == (8123, "taizhang")
    assert parse("clickhouses://ch1/city").port == 8443 and parse("clickhouses://ch1/city").secure


def test_the_password_is_never_shown():
    shown = parse("clickhouse://viewer:topsecret@ch1:8123/city").display()
    assert "topsecret" not in shown and shown == "clickhouse://viewer@ch1:8123/city"


def test_default_is_the_duckdb_file_of_db(monkeypatch, tmp_path):
    monkeypatch.delenv("TAIZHANG_WAREHOUSE", raising=False)
    monkeypatch.delenv("TAIZHANG_DB", raising=False)
    assert resolve() == Warehouse("duckdb", path=Path("data/taizhang.duckdb"))
    assert resolve(db=tmp_path / "x.duckdb") == Warehouse("duckdb", path=tmp_path / "x.duckdb")
    monkeypatch.setenv("TAIZHANG_WAREHOUSE", f"chdb://{tmp_path}/wh")
    assert resolve() == Warehouse("chdb", path=tmp_path / "wh")
    # the command line (--warehouse, --db) wins over the environment
    assert resolve(db=tmp_path / "x.duckdb") == Warehouse("duckdb", path=tmp_path / "x.duckdb")
    assert resolve("duckdb:///a.duckdb", db=tmp_path / "x.duckdb").path == Path("/a.duckdb")


def test_normaliser_sits_with_the_warehouse(tmp_path):
    assert normaliser_path(parse(f"chdb://{tmp_path}/wh")) == tmp_path / "wh" / "normaliser.duckdb"
    assert normaliser_path(parse(f"duckdb://{tmp_path}/t.duckdb")) == tmp_path / "t.duckdb"


@pytest.mark.parametrize("url, words", [
    ("postgres://x/y", "unknown kind postgres"),
    ("chdb://memory", "needs a folder"),
    ("clickhouse:///db", "no host"),
    ("clickhouse://h/bad-name;drop", "only letters, digits and underscores"),
    ("clickhouse://h:port/db", "port is not a number"),
    ("duckdb://", "no path"),
])
def test_unusable_urls_say_how_to_write_one(url, words):
    with pytest.raises(WarehouseError) as caught:
        parse(url)
    assert words in str(caught.value)
    assert "clickhouse://user:pass@host:8123/db" in str(caught.value)


def test_cli_refuses_a_bad_url_without_a_traceback(tmp_path, capsys):
    from taizhang.cli import main

    assert main(["--warehouse", "mysql://x/y", "kpi", "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert "unknown kind mysql" in err and "Traceback" not in err


def test_url_gives_the_same_warehouse_back():
    # What `taizhang serve --warehouse` hands the dashboard's process: parsed, the same.
    for url in ("clickhouse://viewer:s%40c:r%2Fet@ch1.example.internal:8124/city",
                "clickhouses://ch1/city", "chdb:///srv/warehouse"):
        assert parse(parse(url).url()) == parse(url)
    assert parse("chdb://rel/wh").resolved().path.is_absolute()
