"""The dashboard's overview, a street's drill-down and the monthly report on a ClickHouse
warehouse beside DuckDB, on one generated ledger.

    python benchmarks/warehouse.py --rows 200000 --warehouse chdb:///srv/bench-wh
    make bench WAREHOUSE=chdb:///srv/bench-wh ROWS=200000

Generates the ledger (benchmarks/generate.py) and, when the warehouse holds nothing yet,
loads it with `taizhang --warehouse URL load` (the ETL normalises into DuckDB, then
publishes each file to the warehouse, aggregate tables included). Then times, on the
warehouse and on the normaliser's DuckDB file: the overview's four questions
(benchmarks/queries.py's OVERVIEW_CODE) and a click on the largest street (its
communities' ranking, headline and trend), warm, median of `--repeat` runs; and one
`taizhang report` of the latest month in a new process (PDF+PNG, Chromium included).
Prints one JSON object, with the load average before and after; docs/performance.md
quotes it ("chDB beside DuckDB").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import generate  # noqa: E402
from benchmarks.queries import OVERVIEW_CODE  # noqa: E402

# A click on a street's bar (dashboard.loaders.street_page and the street's trend).
DRILL_CODE = """
from taizhang.kpi import api as kpi
def drill(con, filters):
    kpi.ranking(con, "community", filters)
    kpi.headline(con, filters)
    kpi.trend(con, filters)
"""


def _taizhang(*argv: str) -> float:
    """Seconds `taizhang ARGV` takes in a new process (it must succeed)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "taizhang", *argv], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _defined(code: str, name: str):
    namespace: dict = {}
    exec(code, namespace)  # the benchmark's own definition of the page's questions
    return namespace[name]


def _median_ms(question, con, filters, repeat: int) -> float:
    question(con, filters)  # warm: compiled SQL, the aggregate tables' rows, connections
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        question(con, filters)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times))


def _measure(con, repeat: int) -> dict:
    """overview_ms, drill_ms (the largest street) and whether the aggregate tables answered."""
    from taizhang.filters import Filters
    from taizhang.kpi import api as kpi

    streets = kpi.ranking(con, "street", Filters()).sort_values("received", ascending=False)
    street = streets["street"].iloc[0]
    return {
        "overview_ms": _median_ms(_defined(OVERVIEW_CODE, "overview"), con, Filters(), repeat),
        "drill_ms": _median_ms(_defined(DRILL_CODE, "drill"), con,
                               Filters.make(where={"street": street}), repeat),
        "fast_path": kpi.fast_path_status(con)["status"],
    }


def _load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "work" / "warehouse")
    parser.add_argument("--warehouse", default=None,
                        help="chdb:///folder or clickhouse://user:pass@host:8123/db "
                             "(default: a chDB folder in --out)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from taizhang.db import reading
    from taizhang.warehouse import close_chdb, current_database, normaliser_path, parse
    from taizhang.warehouse import reading as warehouse_reading

    wh = parse(args.warehouse or f"chdb://{(args.out / 'chdb').resolve()}").resolved()
    if wh.is_duckdb:
        parser.error("--warehouse names a ClickHouse warehouse (chdb:// or clickhouse://)")
    url = wh.url()
    result: dict = {"rows": args.rows, "warehouse": wh.display(), "load_average_before": _load_average()}
    db = normaliser_path(wh)
    if current_database(wh) is None:
        ledger = generate(args.rows, args.out / "ledger", xlsx_rows=0, progress=lambda _: None)
        close_chdb()  # chDB: one process at a time; the load runs in its own
        _taizhang("--warehouse", url, "areas", str(ledger.areas))
        result["load_s"] = round(_taizhang("--warehouse", url, "load", str(ledger.csv)), 1)

    with reading(db) as con:
        result["duckdb"] = _measure(con, args.repeat)
    with warehouse_reading(wh) as ib:
        result[wh.kind] = _measure(ib, args.repeat)
    close_chdb()  # the reports below run in their own processes
    print(json.dumps(result), flush=True)
    reports = args.out / "reports"
    result["duckdb"]["report_s"] = round(_taizhang("--db", str(db), "report", "--out", str(reports / "duckdb")), 1)
    result[wh.kind]["report_s"] = round(_taizhang("--warehouse", url, "report", "--out",
                                                  str(reports / wh.kind)), 1)
    result["load_average_after"] = _load_average()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
