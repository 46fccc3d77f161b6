"""The floor under `taizhang load`: what any import of the benchmark CSV must do at least —
parse the file once with DuckDB's reader and write the store the import produced once —
measured apart, each in a new process (docs/performance.md, "What the import cannot go below").

benchmarks/bench.py runs it after its ETL runs (`--only etl` or `--only floor`); the children
run this file, importing nothing but DuckDB, as the raw load does:

    python -m benchmarks.floor parse CSV WIDTH MEMORY_LIMIT SQL
    python -m benchmarks.floor store SOURCE.duckdb TARGET.duckdb MEMORY_LIMIT [TABLE]
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time

import duckdb

def parse_sql(width: int, reader: str) -> str:
    """A query that parses every cell of every record and writes nothing: count(*) and the
    count of each column, read by `reader` — the import's own call of DuckDB's reader,
    etl/stage.py reader_sql(options=FAST_READ) (the benchmark CSV is one record a line, so
    the import keeps its fast first read), bound to parse_values. A column left out of the
    SELECT would not be materialised by the reader (projection pushdown); reads_every_column
    checks that none is."""
    counts = ", ".join(f"count(c{i})" for i in range(width))
    return f"SELECT count(*), {counts} FROM {reader}"


def parse_values(csv: str, width: int) -> dict[str, object]:
    """The values reader_sql binds for the benchmark CSV (etl/stage.py reader_params): its
    header is its first line, its delimiter a comma, its cells c0 … c<width-1>."""
    return {"csv": csv, "skip": 1, "delim": ",", "columns": columns(width)}


def columns(width: int) -> dict[str, str]:
    """The reader's columns, as the import names them: c0 … c<width-1>, all text."""
    return {f"c{i}": "VARCHAR" for i in range(width)}


def reads_every_column(con: duckdb.DuckDBPyConnection, sql: str, csv: str, width: int) -> bool:
    """True when DuckDB's plan for `sql` has the CSV reader produce every column c0 …
    (EXPLAIN: the READ_CSV node's projections)."""
    plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {sql}", parse_values(csv, width)).fetchall()[0][1])
    nodes, projected = list(plan), None
    while nodes:
        node = nodes.pop()
        nodes += node.get("children", [])
        if node.get("name") == "READ_CSV":
            found = node.get("extra_info", {}).get("Projections", [])
            projected = set([found] if isinstance(found, str) else found)
    return projected is not None and projected >= set(columns(width))


def _parse(csv: str, width: str, memory_limit: str, sql: str) -> dict:
    con = duckdb.connect(config={"memory_limit": memory_limit})
    row = con.execute(sql, parse_values(csv, int(width))).fetchone()
    return {"rows": row[0], "cells": sum(row[1:])}


def _clock() -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds (user + system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime


# DuckDB's units of a memory setting (TAIZHANG_LOAD_MEMORY_LIMIT: "1GB", "4GiB" …).
_UNITS = {"": 1, "b": 1, "bytes": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9,
          "gb": 10**9, "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(setting: str) -> int:
    """The bytes of a DuckDB memory setting ("1GB" = 10**9 bytes, "1GiB" = 2**30)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", setting)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a memory size: {setting!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _store(source: str, target: str, memory_limit: str, only: str | None = None) -> dict:
    """Write the tables of `source` that hold rows (or `only` that one) into the new file
    `target`, with their DDL, from copies in memory; time the writes, the commit and the
    checkpoint (not the copies); count the rows written.

    The copies stand for what the import holds when it writes; they are not part of the
    writing's memory: the write runs under `memory_limit` on top of what they take (under
    the import's limit alone, the 1M-row copies took 0.93 of its 1 GB and the write spilled
    110 MB of them to disk and back)."""
    con = duckdb.connect(target)  # DuckDB's default memory limit while the copies are made
    con.execute("ATTACH ? AS src (READ_ONLY)", [source])
    for (ddl,) in con.execute("SELECT sql FROM duckdb_sequences() WHERE database_name = 'src'").fetchall():
        con.execute(ddl)  # a column's DEFAULT nextval(…) names one
    tables = con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE database_name = 'src' "
                         "AND schema_name = 'main' ORDER BY table_name").fetchall()
    rows = {}
    for name, ddl in tables:
        count = con.execute(f'SELECT count(*) FROM src.main."{name}"').fetchone()[0]
        if count and (only is None or name == only):
            rows[name] = count
            con.execute(ddl)
            con.execute(f'CREATE TEMP TABLE "copy_{name}" AS SELECT * FROM src.main."{name}"')
    con.execute("DETACH src")
    held = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]
    con.execute(f"SET memory_limit = '{held + memory_bytes(memory_limit)}B'")
    wall, cpu = _clock()
    con.execute("BEGIN")
    for name in rows:
        con.execute(f'INSERT INTO main."{name}" SELECT * FROM "copy_{name}"')
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    wall_end, cpu_end = _clock()
    # Copies that did not fit (in RAM, or in the limit during the write) went to DuckDB's
    # temp folder and were read back: said in the results, never hidden.
    spilled = con.execute("SELECT coalesce(sum(size), 0) FROM duckdb_temporary_files()").fetchone()[0]
    written = {name: con.execute(f'SELECT count(*) FROM main."{name}"').fetchone()[0] for name in rows}
    con.close()
    return {"seconds": wall_end - wall, "cpu_seconds": cpu_end - cpu, "rows": rows, "written": written,
            "copies_mb": held / 2**20, "spilled_mb": spilled / 2**20, "file_mb": os.path.getsize(target) / 2**20}


if __name__ == "__main__":
    task, *args = sys.argv[1:]
    print(json.dumps(_parse(*args) if task == "parse" else _store(*args)))
