"""The benchmark's floor under `taizhang load` (benchmarks/floor.py, run by benchmarks/bench.py
after its ETL runs): its figures are published, add up, and measure what they say — the
reader over every cell, the store the import wrote written again with the same rows.
No timing is judged here; the benchmark does that."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from benchmarks import bench, floor

ROOT = Path(__file__).resolve().parent.parent
ROWS = 3000
FIGURES = ("csv_parse", "store_write", "store_write_cases", "etl_floor")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """`bench.py --only etl --repeat 1 --no-publish` at 3,000 rows in a folder of its own:
    its results JSON, what it printed, the ledger and the database the import loaded."""
    work = tmp_path_factory.mktemp("bench")
    printed = subprocess.run(  # what main prints, as a user sees it
        [sys.executable, "-c", "import sys; from pathlib import Path; from benchmarks import bench; "
         "bench.WORK = Path(sys.argv[1]); sys.exit(bench.main(sys.argv[2:]))",
         str(work), "--rows", str(ROWS), "--only", "etl", "--repeat", "1", "--no-publish"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    results = json.loads((work / f"trial_rows_{ROWS}.json").read_text(encoding="utf-8"))
    return results, printed, work / f"hotline_{ROWS}.csv", work / f"{ROWS}_bench.duckdb"


def _table_rows(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [n for (n,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE'").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def test_the_floor_is_published_and_adds_up(run):
    results, printed, _, _ = run
    extra = results["extra"]
    for key in bench.FLOOR_KEYS:  # top-level keys of the results, like etl_s
        assert isinstance(results[key], float) and results[key] > 0, (key, results["null_reasons"])
    for name in FIGURES:
        assert extra[f"{name}_cpu_s"] > 0, name
    for cpu, where in (("", results), ("_cpu", extra)):
        floor_s = where[f"etl_floor{cpu}_s"]
        assert floor_s == round(where[f"csv_parse{cpu}_s"] + where[f"store_write{cpu}_s"], 3)
        assert where[f"floor_vs_raw{cpu}"] == round(floor_s / where[f"duckdb_raw_load{cpu}_s"], 2)
        assert where[f"etl_vs_floor{cpu}"] == round(where[f"etl{cpu}_s"] / floor_s, 2)
    assert results["checks"]["floor_store_rows_equal"] is True
    # the summary bench.py prints (and writes into docs/performance.md when it publishes)
    for key in bench.FLOOR_KEYS:
        assert f"| {key} |" in printed and f"| {results[key]:,} " in printed.split(f"| {key} |")[1], key
    assert f"floor {extra['etl_floor_cpu_s']:,} s" in printed
    assert f"ETL/floor {extra['etl_vs_floor_cpu']:,}×" in printed


def test_the_store_written_holds_what_the_import_stored(run, tmp_path):
    results, _, _, db = run
    stored = {name: rows for name, rows in _table_rows(db).items() if rows}
    assert stored["cases"] == ROWS and {"case_events", "officials", "areas", "agg_counts"} <= set(stored)
    assert results["extra"]["floor_tables"] == stored
    # The store child itself, its file kept: the same tables, DDL and rows as the import's.
    target = tmp_path / "floor.duckdb"
    out = subprocess.run([sys.executable, "-m", "benchmarks.floor", "store", str(db), str(target), "1GB"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["rows"] == stored
    assert _table_rows(target) == stored
    ddl = "SELECT table_name, sql FROM duckdb_tables() ORDER BY 1"
    with duckdb.connect(str(db), read_only=True) as src, duckdb.connect(str(target), read_only=True) as new:
        assert set(new.execute(ddl).fetchall()) <= set(src.execute(ddl).fetchall())
        assert new.execute("SELECT * FROM cases ORDER BY case_id").fetchall() == \
            src.execute("SELECT * FROM cases ORDER BY case_id").fetchall()
    # cases alone
    target.unlink()
    out = subprocess.run([sys.executable, "-m", "benchmarks.floor", "store", str(db), str(target), "1GB", "cases"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["written"] == {"cases": ROWS} and _table_rows(target) == {"cases": ROWS}


def test_the_parse_reads_every_cell(run):
    results, _, ledger, _ = run
    with ledger.open(encoding="utf-8", newline="") as fh:
        header, *records = list(csv.reader(fh))
    assert results["checks"]["csv_parse_rows"] == len(records) == ROWS
    from taizhang.etl.stage import FAST_READ, reader_sql

    sql = floor.parse_sql(len(header), reader_sql(options=FAST_READ))
    out = subprocess.run([sys.executable, "-m", "benchmarks.floor", "parse", str(ledger), str(len(header)), "1GB", sql],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    # every filled cell counted (an empty one is NULL to the reader), as Python's csv finds them
    assert json.loads(out) == {"rows": ROWS, "cells": sum(cell != "" for r in records for cell in r)}
    assert results["checks"]["csv_parse_reads_every_column"] is True


def test_a_plan_that_skips_columns_is_caught(run):
    _, _, ledger, _ = run
    with ledger.open(encoding="utf-8", newline="") as fh:
        width = len(next(csv.reader(fh)))
    from taizhang.etl.stage import reader_sql

    con = duckdb.connect()
    assert floor.reads_every_column(con, floor.parse_sql(width, reader_sql()), str(ledger), width)
    # a column left out (the last one), or count(*) alone, lets DuckDB's reader skip cells
    assert not floor.reads_every_column(con, floor.parse_sql(width - 1, reader_sql()), str(ledger), width)
    only_rows = f"SELECT count(*) FROM {reader_sql()}"
    assert not floor.reads_every_column(con, only_rows, str(ledger), width)


def test_memory_settings_read_as_duckdb_reads_them():
    con = duckdb.connect()
    for setting in ("1GB", "1.5GB", "512MiB", "4GiB", "2000000000 bytes"):
        con.execute(f"SET memory_limit = '{setting}'")
        same = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        con.execute(f"SET memory_limit = '{floor.memory_bytes(setting)}B'")
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == same, setting
    with pytest.raises(ValueError, match="not a memory size"):
        floor.memory_bytes("lots")
