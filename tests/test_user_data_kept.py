"""The demo never erases a user's data: it has its own database file, `taizhang demo`
refuses a demo database a user loaded ledgers into, `make clean` keeps the user's
database, and a port in use is said before any demo is built."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from taizhang.etl.demo import build_demo

from ledgers import workbook

ROOT = Path(__file__).resolve().parent.parent
TAIZHANG = Path(sys.executable).parent / "taizhang"


def write_ledger(path: Path) -> Path:
    return workbook(path, "桃源社区", [["反映时间", "反映问题", "办理状态"],
                                     ["2023-03-01", "路灯不亮", "正在解决"],
                                     ["2023-03-02", "井盖破损", "已解决"]], title="南站街道问题台账(2023年)")


def taizhang(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TAIZHANG_DB"}
    return subprocess.run([str(TAIZHANG), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def cases(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT case_id, title, status FROM cases ORDER BY ALL").fetchall()


def test_the_demo_has_its_own_file_and_leaves_the_users_database_alone(tmp_path):
    ledger = write_ledger(tmp_path / "台账.xlsx")
    loaded = taizhang(tmp_path, "load", str(ledger))
    assert loaded.returncode == 0, loaded.stderr
    user_db = tmp_path / "data" / "taizhang.duckdb"
    mine = cases(user_db)
    assert len(mine) == 2
    demo = taizhang(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "data/demo.duckdb" in demo.stdout
    with duckdb.connect(str(tmp_path / "data" / "demo.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 2090
    assert cases(user_db) == mine  # the load's database, untouched by the demo

    # A user who loaded a ledger into the demo's database: a rebuild refuses and says how on.
    into_demo = taizhang(tmp_path, "--db", "data/demo.duckdb", "load", str(ledger))
    assert into_demo.returncode == 0, into_demo.stderr
    again = taizhang(tmp_path, "demo")
    assert again.returncode == 2
    assert "是示例数据库,但之后又导入了其他台账(1 次导入),示例数据不会覆盖它" in again.stderr
    assert "pass --db with another file for the demo" in again.stderr
    with duckdb.connect(str(tmp_path / "data" / "demo.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 2092


def test_a_demo_rebuild_refuses_a_database_with_other_imports(demo_db_copy, tmp_path):
    from taizhang.etl.errors import LedgerError
    from taizhang.etl.load import load_paths

    load_paths(demo_db_copy, [write_ledger(tmp_path / "台账.xlsx")])
    with pytest.raises(LedgerError, match="1 imports"):
        build_demo(demo_db_copy, tmp_path / "ledgers")
    with duckdb.connect(str(demo_db_copy), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 2092


def test_a_port_in_use_is_said_before_the_demo_is_built(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        served = taizhang(tmp_path, "serve", "--demo", "--port", str(port))
    assert served.returncode == 2
    assert f"端口 {port} 已被占用" in served.stderr and f"port {port} is already in use" in served.stderr
    assert f"make run PORT={port + 1}" in served.stderr
    assert not (tmp_path / "data").exists()  # said before a demo was built


def test_make_clean_keeps_the_users_database(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    data = tmp_path / "data"
    (data / "demo").mkdir(parents=True)
    for name in ("taizhang.duckdb", "taizhang.duckdb.wal", "demo.duckdb", "demo.duckdb.wal", "demo/areas.csv"):
        (data / name).write_text("x")
    (data / "reports").mkdir()
    (data / "reports" / "月报.pdf").write_text("x")
    (tmp_path / ".venv").mkdir()
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True, timeout=60)
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["Makefile", "data/reports/月报.pdf", "data/taizhang.duckdb", "data/taizhang.duckdb.wal"]
