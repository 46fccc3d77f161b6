"""The dashboard's overview and the monthly report on chDB beside DuckDB, on one generated ledger.

    python benchmarks/warehouse.py --rows 200000 --out benchmarks/work/warehouse

Generates the ledger (benchmarks/generate.py), loads it with `taizhang --warehouse chdb://…
load` (the ETL normalises into DuckDB, then publishes to chDB), then times on each engine:
the overview's four questions (benchmarks/queries.py's OVERVIEW_CODE) warm, median of
`--repeat` runs, and one `taizhang report` of the latest month in a new process (PDF+PNG,
Chromium included). Prints one JSON object; docs/performance.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import generate  # noqa: E402
from benchmarks.queries import OVERVIEW_CODE  # noqa: E402


def _taizhang(*argv: str) -> float:
    """Seconds `taizhang ARGV` takes in a new process (it must succeed)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "taizhang", *argv], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _overview_ms(con, repeat: int) -> list[float]:
    from taizhang.filters import Filters

    namespace: dict = {}
    exec(OVERVIEW_CODE, namespace)  # the benchmark's own definition of the overview
    overview = namespace["overview"]
    overview(con, Filters())  # warm: compiled SQL (DuckDB), connections, imports
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        overview(con, Filters())
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "work" / "warehouse")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from taizhang.db import reading
    from taizhang.warehouse import close_chdb, normaliser_path, parse
    from taizhang.warehouse import reading as warehouse_reading

    ledger = generate(args.rows, args.out / "ledger", xlsx_rows=0, progress=lambda _: None)
    url = f"chdb://{(args.out / 'chdb').resolve()}"
    result: dict = {"rows": args.rows}
    if not (args.out / "chdb" / "normaliser.duckdb").exists():
        _taizhang("--warehouse", url, "areas", str(ledger.areas))
        result["load_chdb_s"] = round(_taizhang("--warehouse", url, "load", str(ledger.csv)), 1)
    db = normaliser_path(parse(url))

    with reading(db) as con:
        duck = _overview_ms(con, args.repeat)
    with warehouse_reading(parse(url)) as ib:
        chdb = _overview_ms(ib, args.repeat)
    close_chdb()  # chDB: one process at a time; the reports below run in their own
    result["overview_ms_p50_duckdb"] = round(statistics.median(duck))
    result["overview_ms_p50_chdb"] = round(statistics.median(chdb))
    print(json.dumps(result), flush=True)
    reports = args.out / "reports"
    result["report_s_duckdb"] = round(_taizhang("--db", str(db), "report", "--out", str(reports / "duckdb")), 1)
    result["report_s_chdb"] = round(_taizhang("--warehouse", url, "report", "--out", str(reports / "chdb")), 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
