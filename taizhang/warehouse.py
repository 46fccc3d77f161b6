"""Where the KPIs read from: the warehouse URL, parsed and connected in this one module.

    duckdb:///data/taizhang.duckdb          the default: one DuckDB file (everything as before)
    chdb:///data/warehouse                  ClickHouse in-process (chDB), data in that folder
    clickhouse://user:pass@host:8123/db     a ClickHouse server or cluster (HTTP interface)

Given by `--warehouse URL`, else `--db FILE`, else $TAIZHANG_WAREHOUSE, else the DuckDB file
of $TAIZHANG_DB or data/taizhang.duckdb (taizhang.db): the command line beats the environment. On ClickHouse, ledgers are still read and normalised
by the ETL into a local DuckDB file, the normaliser (`normaliser_path`), and each imported
file's result is then published to the warehouse (taizhang.etl.publish), which the KPI
layer reads through ibis's ClickHouse backend. chDB and a server differ only in the client
made here.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

from taizhang.store.names import IDENTIFIER, quote  # noqa: F401 (quote: the warehouse's API)

ENV_WAREHOUSE = "TAIZHANG_WAREHOUSE"
KINDS = ("duckdb", "chdb", "clickhouse")
DEFAULT_DATABASE = "taizhang"
# Every query on ClickHouse reads and writes times as UTC wall-clock times, as DuckDB's
# TIMESTAMP (no zone) does, whatever the server's own time zone.
SESSION_SETTINGS = {"session_timezone": "UTC", "join_use_nulls": 1}


class WarehouseError(ValueError):
    """A warehouse URL that cannot be used; the message says how to write one."""


@dataclass(frozen=True)
class Warehouse:
    """A parsed warehouse URL."""

    kind: str  # duckdb | chdb | clickhouse
    path: Path | None = None  # duckdb: the file; chdb: the data folder
    host: str = "localhost"
    port: int = 8123
    user: str = "default"
    password: str = ""
    database: str = DEFAULT_DATABASE
    secure: bool = False

    @property
    def is_duckdb(self) -> bool:
        return self.kind == "duckdb"

    def display(self) -> str:
        """The URL without its password (for messages and logs)."""
        if self.kind == "clickhouse":
            scheme = "clickhouses" if self.secure else "clickhouse"
            return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.database}"
        return f"{self.kind}://{self.path}" if self.kind == "chdb" else f"duckdb://{self.path}"


    def url(self) -> str:
        """The URL again, password included (for a child process's environment, never shown)."""
        if self.kind != "clickhouse":
            return f"{self.kind}://{self.path}"
        from urllib.parse import quote as quote_url

        scheme = "clickhouses" if self.secure else "clickhouse"
        login = quote_url(self.user, safe="") + (f":{quote_url(self.password, safe='')}" if self.password else "")
        return f"{scheme}://{login}@{self.host}:{self.port}/{self.database}"

    def resolved(self) -> "Warehouse":
        """The same warehouse, a path made absolute (for a process in another folder)."""
        return replace(self, path=self.path.resolve()) if self.path is not None else self


def _usage(url: str, why: str) -> WarehouseError:
    return WarehouseError(
        f"无法使用数据仓库地址 {url!r}:{why}。请写成 duckdb:///路径.duckdb、chdb:///文件夹 或 "
        f"clickhouse://用户:密码@主机:8123/库 / cannot use the warehouse URL {url!r}: {why}. Write "
        "duckdb:///path.duckdb, chdb:///folder or clickhouse://user:pass@host:8123/db.")


def parse(url: str) -> Warehouse:
    """A Warehouse from its URL; WarehouseError for anything else."""
    text = url.strip()
    parsed = urlparse(text)
    scheme = parsed.scheme.lower()
    if scheme in ("duckdb", "chdb"):
        # duckdb:///abs/path and duckdb://relative/path both name a path.
        location = unquote(parsed.netloc + parsed.path)
        if not location:
            raise _usage(url, "没有路径 / no path")
        if scheme == "chdb" and location in ("memory", ":memory:"):
            raise _usage(url, "chDB 需要一个文件夹保存数据 / chDB needs a folder to keep the data in")
        return Warehouse(scheme, path=Path(location))
    if scheme in ("clickhouse", "clickhouses"):
        if not parsed.hostname:
            raise _usage(url, "没有主机 / no host")
        database = unquote(parsed.path.strip("/")) or DEFAULT_DATABASE
        if not IDENTIFIER.match(database):
            raise _usage(url, f"库名只能用字母、数字和下划线 / the database name {database!r} may hold "
                              "only letters, digits and underscores")
        try:
            port = parsed.port or (8443 if scheme == "clickhouses" else 8123)
        except ValueError:
            raise _usage(url, "端口不是数字 / the port is not a number") from None
        return Warehouse("clickhouse", host=parsed.hostname, port=port,
                         user=unquote(parsed.username or "default"), password=unquote(parsed.password or ""),
                         database=database, secure=scheme == "clickhouses")
    raise _usage(url, f"不认识的类型 {scheme or '(无)'} / unknown kind {scheme or '(none)'}")


def resolve(url: str | None = None, db: str | os.PathLike | None = None) -> Warehouse:
    """The warehouse of a command: `url` (--warehouse), else the DuckDB file `db` (--db),
    else $TAIZHANG_WAREHOUSE, else the DuckDB file of $TAIZHANG_DB or data/taizhang.duckdb:
    what the command line names beats the environment."""
    from taizhang.db import db_path

    if url:
        return parse(url)
    if db:
        return Warehouse("duckdb", path=Path(db))
    env = os.environ.get(ENV_WAREHOUSE, "").strip()
    return parse(env) if env else Warehouse("duckdb", path=db_path(None))


def from_args(args) -> Warehouse:
    """The warehouse named by a parsed command line (--warehouse, --db) or the environment."""
    return resolve(getattr(args, "warehouse", None), getattr(args, "db", None))


def normaliser_path(wh: Warehouse) -> Path:
    """The local DuckDB file the ETL normalises into before publishing to `wh`.

    DuckDB: the database itself. chDB: a file in its folder. A server: $TAIZHANG_DB when set,
    else data/normaliser-<host>-<database>.duckdb.
    """
    if wh.is_duckdb:
        return wh.path
    if wh.kind == "chdb":
        return wh.path / "normaliser.duckdb"
    if os.environ.get("TAIZHANG_DB"):
        return Path(os.environ["TAIZHANG_DB"])
    return Path("data") / f"normaliser-{wh.host}-{wh.database}.duckdb"


# chDB opens one data folder per process: its client is made once and shared, and closed
# when another folder is opened.
_chdb_clients: dict[Path, object] = {}
_chdb_lock = threading.Lock()
_chdb_reader = threading.RLock()  # held by a reader of the shared client (reading)


def client(wh: Warehouse):
    """A clickhouse-connect client for a chDB or ClickHouse warehouse (no database selected)."""
    try:
        import clickhouse_connect
    except ImportError:
        raise WarehouseError(
            "ClickHouse 支持未安装,请运行 pip install 'taizhang[clickhouse]' / ClickHouse support "
            "is not installed: pip install 'taizhang[clickhouse]'.") from None
    if wh.kind == "chdb":
        folder = wh.path.resolve()
        with _chdb_lock:
            con = _chdb_clients.get(folder)
            if con is None:
                for other in _chdb_clients.values():
                    other.close()
                _chdb_clients.clear()
                folder.mkdir(parents=True, exist_ok=True)
                try:
                    con = clickhouse_connect.get_client(interface="chdb", path=str(folder),
                                                        settings=dict(SESSION_SETTINGS))
                except Exception as exc:  # chDB's own errors: ProgrammingError, RuntimeError
                    raise WarehouseError(
                        f"无法打开 chDB 数据文件夹 {folder}(同一时间只能有一个程序使用它)/ cannot open the "
                        f"chDB folder {folder}: one process at a time can use it ({exc})") from None
                _chdb_clients[folder] = con
            return con
    if wh.kind == "clickhouse":
        return clickhouse_connect.get_client(
            host=wh.host, port=wh.port, username=wh.user, password=wh.password,
            secure=wh.secure, settings=dict(SESSION_SETTINGS))
    raise WarehouseError(f"{wh.display()} is a DuckDB file, not ClickHouse")


def close_chdb() -> None:
    """Close this process's chDB client, so another process may open its folder."""
    with _chdb_lock:
        for con in _chdb_clients.values():
            con.close()
        _chdb_clients.clear()


# The table naming the published generations (taizhang.etl.publish writes it, readers read it).
POINTER = "published"


# What names a street scope's ClickHouse database (kpi.scope builds them):
# <generation><SCOPE_MARK><hash of the streets>, dropped with their generation.
SCOPE_MARK = "_scope_"


def scope_databases(client, generation: str) -> list[str]:
    """The scope databases made on `generation` (dropped with it: taizhang.etl.publish)."""
    rows = client.query("SELECT name FROM system.databases WHERE startsWith(name, {prefix:String})",
                        parameters={"prefix": generation + SCOPE_MARK}).result_rows
    return [str(name) for (name,) in rows]


def published_generations(con, base: str) -> list[tuple[int, str]]:
    """(generation, database) published so far, newest first."""
    exists = con.command(f"EXISTS TABLE {quote(base)}.{POINTER}")
    if not int(exists):
        return []
    rows = con.query(f"SELECT generation, database FROM {quote(base)}.{POINTER} "
                     "ORDER BY generation DESC").result_rows
    return [(int(g), str(d)) for g, d in rows]


def current_generation(con, base: str) -> str | None:
    """The database of the current generation, None when nothing was published."""
    found = published_generations(con, base)
    return found[0][1] if found else None


def current_database(wh: Warehouse, con=None) -> str | None:
    """The database holding the published data now (taizhang.etl.publish), None before the first."""
    return current_generation(con or client(wh), wh.database)


@contextmanager
def reading(wh: Warehouse) -> Iterator[object]:
    """What the KPI layer reads: a read-only DuckDB connection, or an ibis ClickHouse backend
    bound to the published generation current when it opened (a reader never sees a
    half-published file: it keeps this generation until it closes)."""
    if wh.is_duckdb:
        from taizhang.db import reading as duckdb_reading

        with duckdb_reading(wh.path) as con:
            yield con
        return
    import ibis

    con = client(wh)
    database = current_database(wh, con)
    if database is None:
        raise WarehouseError(
            f"数据仓库 {wh.display()} 中还没有数据,请先用 `taizhang load` 导入 / the warehouse "
            f"{wh.display()} holds no data yet: load ledgers with `taizhang load` first.")
    if wh.kind == "chdb":
        # One shared client per folder, whose current database is this reader's: one reader
        # at a time (the dashboard's sessions are threads; a server serves many at once).
        with _chdb_reader:
            con.database = database
            yield ibis.clickhouse.from_connection(con)
        return
    import clickhouse_connect

    own = clickhouse_connect.get_client(
        host=wh.host, port=wh.port, username=wh.user, password=wh.password, secure=wh.secure,
        database=database, settings=dict(SESSION_SETTINGS))
    try:
        yield ibis.clickhouse.from_connection(own)
    finally:
        own.close()


def no_database(path: Path) -> str:
    """What every reading command says when its DuckDB file does not exist."""
    return (f"数据库 {path} 不存在,请先用 `taizhang load 台账` 导入;示例数据:先运行 `taizhang demo`,再加 --db "
            f"data/demo.duckdb / no database at {path}: load ledgers with `taizhang load PATH` first; for the "
            "demo, run `taizhang demo`, then add --db data/demo.duckdb.")


@contextmanager
def reading_for(args) -> Iterator[object]:
    """A command's reader of its warehouse: a DuckDB file that must exist (else UserError
    saying no_database(path); an older file migrated first), or ClickHouse."""
    wh = from_args(args)
    if wh.is_duckdb:
        from taizhang.errors import UserError
        from taizhang.store.schema import upgrade_file

        if not wh.path.exists():
            raise UserError(no_database(wh.path))
        upgrade_file(wh.path)  # a file an older Taizhang wrote: migrated before it is read
    with reading(wh) as con:
        yield con
