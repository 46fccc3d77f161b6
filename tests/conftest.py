"""Shared fixtures. The demo database is built once per test session through the real ETL."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

OUTPUT_DIR = Path(__file__).parent / "output"

# What a test run keeps on disk (compiled SQL, recurring-problem groups) goes to a folder of
# the run's own, shared by the processes it starts, never the user's ~/.cache/taizhang.
_CACHE = Path(tempfile.mkdtemp(prefix="taizhang-test-cache-"))
os.environ.setdefault("TAIZHANG_SQL_CACHE", str(_CACHE / "sql"))
os.environ.setdefault("TAIZHANG_GROUPS_CACHE", str(_CACHE / "groups"))
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """A folder holding the demo ledgers and the demo database built from them (read-only use)."""
    from taizhang.etl.demo import build_demo

    root = tmp_path_factory.mktemp("demo")
    build_demo(root / "taizhang.duckdb", root / "ledgers")
    return root


@pytest.fixture(scope="session")
def demo_db(demo_build) -> Path:
    """Path of the demo database. Do not write to it: use `demo_db_copy` for that."""
    return demo_build / "taizhang.duckdb"


@pytest.fixture
def demo_db_copy(demo_db, tmp_path) -> Path:
    """A private copy of the demo database that a test may write to."""
    target = tmp_path / "taizhang.duckdb"
    shutil.copy(demo_db, target)
    return target


@pytest.fixture
def output_dir(request) -> Path:
    """tests/output/<test name>/ for screenshots and reports a person should look at."""
    path = OUTPUT_DIR / request.node.name.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def use_db(monkeypatch):
    """Point the dashboard at a database file (the server gets it the same way): use_db(path)."""
    def point(path):
        monkeypatch.setenv("TAIZHANG_DB", str(path))
        return path
    return point
