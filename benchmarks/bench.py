"""`make bench`: Taizhang against its baselines, measured side by side in one run.

    python benchmarks/bench.py --rows 1000000 [--repeat 3] [--samples 30] [--skip-browser]
                               [--direct-load] [--only STEPS] [--no-publish]

Generates a hotline ledger of --rows cases (benchmarks/generate.py, cached in
benchmarks/work/), then measures each key of issue 6 and writes every key, the row count
and the core count to benchmarks/results/latest.json and a table to docs/performance.md.
A key that cannot be measured (a part missing, a step failing) is written as null with
the reason in `null_reasons`; nothing is estimated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import floor, generate, publish, queries  # noqa: E402
from benchmarks.measure import TAIZHANG, median, remove_db, run_child  # noqa: E402

WORK = Path(__file__).resolve().parent / "work"
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"

# Builds the aggregate tables of a loaded database when the import did not (older ETL).
AGGREGATES = """
import sys
from taizhang.store import aggregates
from taizhang.db import connect
con = connect(sys.argv[1])
con.execute("BEGIN")
aggregates.rebuild(con)
con.execute("COMMIT")
con.close()
"""
RAW_LOAD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE cases AS SELECT * FROM read_csv(?)", [sys.argv[2]])
con.close()
"""


def step_seconds(stderr: str, run) -> tuple[dict[str, float], dict[str, float]]:
    """The import's wall and CPU seconds per step from its TAIZHANG_TIMING line
    (taizhang/timing.py), each with `process`: start-up, Python imports and exit, the time the
    import itself did not see."""
    from taizhang.timing import JSON_PREFIX

    for line in stderr.splitlines():
        if line.startswith(JSON_PREFIX):
            figures = json.loads(line[len(JSON_PREFIX):])
            return ({**figures["steps"], "process": round(run.seconds - figures["total"], 3)},
                    {**figures["steps_cpu"], "process": round(run.cpu_seconds - figures["total_cpu"], 3)})
    return {}, {}


def floor_figures(results: dict) -> dict:
    """etl_floor_s = csv_parse_s + store_write_s, floor_vs_raw = etl_floor_s /
    duckdb_raw_load_s, etl_vs_floor = etl_s / etl_floor_s; the same of the CPU seconds
    (`_cpu`). A figure whose parts are missing is None."""
    figures = {}
    for cpu in ("", "_cpu"):
        parse, write = results.get(f"csv_parse{cpu}_s"), results.get(f"store_write{cpu}_s")
        floor_s = None if parse is None or write is None else round(parse + write, 3)
        raw, etl = results.get(f"duckdb_raw_load{cpu}_s"), results.get(f"etl{cpu}_s")
        figures[f"etl_floor{cpu}_s"] = floor_s
        figures[f"floor_vs_raw{cpu}"] = round(floor_s / raw, 2) if floor_s and raw else None
        figures[f"etl_vs_floor{cpu}"] = round(etl / floor_s, 2) if floor_s and etl else None
    return figures


class Bench:
    """One benchmark run: its settings, the measured keys and why some stayed null."""

    def __init__(self, rows: int, repeat: int, samples: int):
        self.rows, self.repeat, self.samples = rows, repeat, samples
        self.results: dict = {}
        self.null_reasons: dict[str, str] = {}
        self.checks: dict = {}
        self.started = time.perf_counter()
        self.load_start = [round(x, 2) for x in os.getloadavg()]

    def work_file(self, name: str) -> Path:
        """A file of this run under benchmarks/work/ (named by size: runs may overlap)."""
        return WORK / f"{self.rows}_{name}"

    def say(self, text: str) -> None:
        """Progress on stdout, with the time since the start."""
        print(f"[{time.perf_counter() - self.started:7.1f} s] {text}", flush=True)

    def step(self, keys: tuple[str, ...], fn, *args) -> None:
        """Run one measuring step; on failure its keys become null with the reason."""
        try:
            fn(*args)
        except Exception as exc:  # a benchmark reports what failed and goes on
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            self.say(f"  ✗ {', '.join(keys)}: {reason}")
            for key in keys:
                self.results[key] = None
                self.null_reasons[key] = reason

    # --- the ledger and the loads -------------------------------------------------------

    def generate(self) -> generate.Ledger:
        """The ledger of self.rows cases (reused when already generated)."""
        csv_path = WORK / f"hotline_{self.rows}.csv"
        xlsx_path = generate.xlsx_name(self.rows, generate.XLSX_ROWS, WORK)
        if csv_path.exists() and xlsx_path.exists() and (WORK / "areas.csv").exists():
            self.say(f"ledger: reusing {csv_path.name}")
            return generate.Ledger(csv_path, xlsx_path, WORK / "areas.csv", self.rows)
        self.say(f"ledger: generating {self.rows:,} cases")
        started = time.perf_counter()
        ledger = generate.generate(self.rows, WORK, progress=self.say)
        self.results["generate_s"] = round(time.perf_counter() - started, 2)
        return ledger

    def raw_load(self, ledger) -> None:
        """duckdb_raw_load_s (and its CPU seconds): DuckDB's own CSV reader into a new file,
        in a new process. Run alone (`--only raw`), the ETL's ratios to it are those of its
        own runs, paired with raw loads of their time (etl_load), and stay so."""
        target = self.work_file("raw.duckdb")
        times, cpus = [], []
        for i in range(self.repeat):
            remove_db(target)
            run = run_child([sys.executable, "-c", RAW_LOAD, str(target), str(ledger.csv)])
            times.append(run.seconds)
            cpus.append(run.cpu_seconds)
            self.say(f"  raw load {i + 1}/{self.repeat}: {run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s)")
        remove_db(target)
        self.results["duckdb_raw_load_s"] = round(median(times), 3)
        self.results["duckdb_raw_load_cpu_s"] = round(median(cpus), 3)

    def etl_load(self, ledger) -> Path:
        """etl_s, etl_rss_mb, etl_vs_raw and etl_steps_s: `taizhang load` of the CSV into a new
        database file, each run paired with a raw load just before it (the machine may be
        shared: etl_vs_raw is the median of the pairs' ratios), with TAIZHANG_TIMING=1 so
        that the import reports its seconds per step (taizhang/timing.py)."""
        times, peaks, raws, ratios, steps, cpus = [], [], [], [], [], []
        db = self.work_file("bench.duckdb")
        raw_db = self.work_file("raw.duckdb")
        for i in range(self.repeat):
            remove_db(raw_db)
            raw = run_child([sys.executable, "-c", RAW_LOAD, str(raw_db), str(ledger.csv)])
            remove_db(raw_db)
            remove_db(db)
            run_child([TAIZHANG, "--db", str(db), "areas", str(ledger.areas)])
            run = run_child([TAIZHANG, "--db", str(db), "load", str(ledger.csv)], env={"TAIZHANG_TIMING": "1"})
            times.append(run.seconds)
            peaks.append(run.peak_rss_mb)
            raws.append(raw.seconds)
            ratios.append(run.seconds / raw.seconds)
            cpus.append((run.cpu_seconds, raw.cpu_seconds, run.cpu_seconds / raw.cpu_seconds))
            steps.append(step_seconds(run.stderr, run))
            self.say(f"  etl load {i + 1}/{self.repeat}: {run.seconds:.2f} s (raw load {raw.seconds:.2f} s, "
                     f"{ratios[-1]:.2f}×; CPU {run.cpu_seconds:.2f} s vs {raw.cpu_seconds:.2f} s, {cpus[-1][2]:.2f}×), "
                     f"peak {run.peak_rss_mb:.0f} MB — {run.stdout.strip()[-160:]}")
        self.results["etl_s"] = round(median(times), 3)
        self.results["etl_rss_mb"] = round(max(peaks), 1)
        self.results["duckdb_raw_load_s"] = round(median(raws), 3)
        self.results["etl_vs_raw"] = round(median(ratios), 2)
        self.results["etl_cpu_s"] = round(median([c[0] for c in cpus]), 3)
        self.results["duckdb_raw_load_cpu_s"] = round(median([c[1] for c in cpus]), 3)
        self.results["etl_vs_raw_cpu"] = round(median([c[2] for c in cpus]), 2)
        for key, kind in (("etl_steps_s", 0), ("etl_steps_cpu_s", 1)):
            runs = [s[kind] for s in steps]
            self.results[key] = {name: round(median([r.get(name, 0.0) for r in runs]), 3)
                                 for name in dict.fromkeys(n for r in runs for n in r)}
        self.say("  seconds per step, wall/CPU (median of the runs): " + ", ".join(
            f"{name} {seconds:.2f}/{self.results['etl_steps_cpu_s'].get(name, 0):.2f}"
            for name, seconds in self.results["etl_steps_s"].items()))
        self._check_loaded(db)
        self._ensure_aggregates(db)
        return db

    def etl_floor(self, ledger, db: Path) -> None:
        """csv_parse_s, store_write_s, store_write_cases_s, etl_floor_s, floor_vs_raw,
        etl_vs_floor (wall; the CPU seconds under `extra`): what no import of this CSV can go
        below — DuckDB's reader over every cell with the import's options, writing nothing (a
        new process, timed whole like the raw load), and the writing of the tables the ETL
        just stored into a new file from copies in memory, with their DDL, the import's
        memory limit on top of the copies (a new process; the copies untimed).
        benchmarks/floor.py."""
        import csv

        import duckdb

        from taizhang.db import LOAD_MEMORY_LIMIT
        from taizhang.etl.stage import FAST_READ, reader_sql

        if not db.exists():
            raise FileNotFoundError(f"no database loaded by taizhang load at {db}: run the etl step first")
        with ledger.csv.open(encoding="utf-8-sig", newline="") as fh:
            width = len(next(csv.reader(fh)))
        sql = floor.parse_sql(width, reader_sql(options=FAST_READ))
        probe = duckdb.connect()
        try:
            self.checks["csv_parse_reads_every_column"] = floor.reads_every_column(probe, sql, str(ledger.csv), width)
        finally:
            probe.close()
        if not self.checks["csv_parse_reads_every_column"]:
            raise RuntimeError("DuckDB's plan leaves columns of the CSV unread: csv_parse_s would not parse them")
        target = self.work_file("floor.duckdb")
        child = [sys.executable, "-m", "benchmarks.floor"]

        def write(*only: str) -> dict:
            remove_db(target)
            store = json.loads(run_child([*child, "store", str(db), str(target), LOAD_MEMORY_LIMIT, *only]).stdout)
            remove_db(target)
            if store["written"] != store["rows"]:
                raise RuntimeError(f"the store written holds other row counts than the ETL's: "
                                   f"{store['written']} against {store['rows']}")
            return store

        runs: dict[str, list[tuple[float, float]]] = {"csv_parse": [], "store_write": [], "store_write_cases": []}
        for i in range(self.repeat):
            parse = run_child([*child, "parse", str(ledger.csv), str(width), LOAD_MEMORY_LIMIT, sql])
            parsed, written, cases = json.loads(parse.stdout), write(), write("cases")
            runs["csv_parse"].append((parse.seconds, parse.cpu_seconds))
            runs["store_write"].append((written["seconds"], written["cpu_seconds"]))
            runs["store_write_cases"].append((cases["seconds"], cases["cpu_seconds"]))
            self.say(f"  floor {i + 1}/{self.repeat}: parse {parse.seconds:.2f} s (CPU {parse.cpu_seconds:.2f} s), "
                     f"write the store {written['seconds']:.2f} s (CPU {written['cpu_seconds']:.2f} s, "
                     f"{written['file_mb']:.0f} MB from {written['copies_mb']:.0f} MB of copies, "
                     f"{written['spilled_mb']:.0f} MB spilled), "
                     f"cases alone {cases['seconds']:.2f} s (CPU {cases['cpu_seconds']:.2f} s)")
        self.checks["csv_parse_rows"] = parsed["rows"]
        self.checks["floor_store_rows_equal"] = True  # else raised above
        self.results["floor_tables"] = written["rows"]
        self.results["store_file_mb"] = round(written["file_mb"], 1)
        self.results["store_copies_mb"] = round(written["copies_mb"], 1)
        self.results["store_write_spilled_mb"] = round(written["spilled_mb"], 1)
        for key, pairs in runs.items():
            self.results[f"{key}_s"] = round(median([p[0] for p in pairs]), 3)
            self.results[f"{key}_cpu_s"] = round(median([p[1] for p in pairs]), 3)
        self.results.update(floor_figures(self.results))
        r = self.results
        self.say(f"  floor {r['etl_floor_s']} s (CPU {r['etl_floor_cpu_s']} s) = parse {r['csv_parse_s']} + "
                 f"write {r['store_write_s']}: {r['floor_vs_raw']}× the raw load, the ETL {r['etl_vs_floor']}× "
                 f"the floor (CPU {r['floor_vs_raw_cpu']}×, {r['etl_vs_floor_cpu']}×)")

    def _ensure_aggregates(self, db: Path) -> None:
        """Record whether the import built the aggregate tables; build them if it did not."""
        from taizhang.kpi import fastpath
        from taizhang.db import connect

        con = connect(db, read_only=True)
        try:
            built = fastpath.data_dates(con) is not None
        finally:
            con.close()
        self.checks["aggregates_built_by_import"] = built
        if not built:
            run = run_child([sys.executable, "-c", AGGREGATES, str(db)])
            self.results["aggregates_rebuild_s"] = round(run.seconds, 2)
            self.results["aggregates_rebuild_rss_mb"] = round(run.peak_rss_mb, 1)
            self.say(f"  the import left no aggregate tables: built them afterwards in "
                     f"{run.seconds:.1f} s (not counted in etl_s)")

    def direct_load(self, ledger) -> Path:
        """The read side's database without the ETL (benchmarks/direct_load.py), timed apart."""
        db = self.work_file("bench.duckdb")
        remove_db(db)
        run = run_child([sys.executable, str(Path(__file__).parent / "direct_load.py"), str(db),
                         str(ledger.csv), str(ledger.areas)])
        self.results["direct_load_s"] = round(run.seconds, 2)
        self.checks["database_built_by"] = "benchmarks/direct_load.py (--direct-load), not taizhang load"
        self.say(f"  direct load (schema mapping + aggregates): {run.seconds:.1f} s")
        self._check_loaded(db)
        return db

    def _check_loaded(self, db: Path) -> None:
        from taizhang.db import connect

        con = connect(db, read_only=True)
        try:
            cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
        finally:
            con.close()
        self.checks["cases_loaded"] = cases
        self.checks["all_rows_loaded"] = cases == self.rows
        self.say(f"  cases in the database: {cases:,} of {self.rows:,}")

    def xlsx_load(self, ledger) -> None:
        """xlsx_rows_per_s: `taizhang load` of the 100,000-row workbook into a new file."""
        db = self.work_file("xlsx.duckdb")
        rates = []
        for i in range(self.repeat):
            remove_db(db)
            run_child([TAIZHANG, "--db", str(db), "areas", str(ledger.areas)])
            run = run_child([TAIZHANG, "--db", str(db), "load", str(ledger.xlsx)])
            rows = min(self.rows, generate.XLSX_ROWS)
            rates.append(rows / run.seconds)
            self.say(f"  xlsx load {i + 1}/{self.repeat}: {run.seconds:.2f} s")
        remove_db(db)
        self.results["xlsx_rows_per_s"] = round(median(rates))

    # --- queries --------------------------------------------------------------------------

    def report(self, db: Path) -> None:
        """report_s: `taizhang report` of the latest month (PDF + PNG) on unchanged data;
        report_first_s: the first one after a load, which groups the recurring problems'
        titles (kept for the next reports: docs/kpi.md)."""
        import tempfile

        from taizhang.kpi import api as kpi
        from taizhang.db import connect

        con = connect(db, read_only=True)
        month = kpi.dataset_info(con)["as_of"].strftime("%Y-%m")
        con.close()
        out = self.work_file("report")
        command = [TAIZHANG, "--db", str(db), "report", "--month", month, "--out", str(out)]
        with tempfile.TemporaryDirectory(prefix="bench-groups-") as groups:
            env = {"TAIZHANG_GROUPS_CACHE": groups}  # nothing kept yet, as after a load
            first = run_child(command, env=env).seconds
            times = [run_child(command, env=env).seconds for _ in range(self.repeat)]
        self.results["report_first_s"] = round(first, 2)
        self.results["report_s"] = round(median(times), 2)
        self.say(f"  report {month}: {median(times):.2f} s (the first after a load: {first:.2f} s)")

    def browser(self, db: Path) -> None:
        """first_numbers_s, charts_s, click_ms, dashboard_rss_mb: Chromium against `taizhang serve`."""
        from benchmarks import browser

        figures = browser.measure_dashboard(db, self.repeat, self.say)
        self.results.update(figures)


FLOOR_KEYS = ("csv_parse_s", "store_write_s", "store_write_cases_s", "etl_floor_s", "floor_vs_raw", "etl_vs_floor")
FLOOR_EXTRA = ("csv_parse_cpu_s", "store_write_cpu_s", "store_write_cases_cpu_s", "etl_floor_cpu_s",
               "floor_vs_raw_cpu", "etl_vs_floor_cpu", "floor_tables", "store_file_mb", "store_copies_mb",
               "store_write_spilled_mb")
KEYS = (
    "duckdb_raw_load_s", "etl_s", "etl_vs_raw", *FLOOR_KEYS, "etl_rss_mb", "xlsx_rows_per_s",
    "overview_ms_p50", "overview_ms_p95", "overview_cold_ms", "overview_pandas_ms",
    "speedup_vs_pandas", "drill_ms_p50", "drill_ms_p95", "first_numbers_s", "charts_s",
    "click_ms", "report_s", "report_first_s", "dashboard_rss_mb",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__).splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each load and report")
    parser.add_argument("--samples", type=int, default=30, help="timed calls of each query")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--direct-load", action="store_true",
                        help="build the read side's database without the ETL (etl keys stay null)")
    parser.add_argument("--only", metavar="STEPS",
                        help="re-run only these steps (raw,etl,floor,xlsx,queries,report,browser) and "
                             "update this size's last results (etl runs floor too; floor alone "
                             "measures the database of the last etl run)")
    parser.add_argument("--no-publish", action="store_true",
                        help="a trial run: write the figures to benchmarks/work/ only, never to "
                             "benchmarks/results/ or docs/performance.md")
    args = parser.parse_args(argv)

    bench = Bench(args.rows, args.repeat, args.samples)
    bench.say(f"Taizhang benchmark: {args.rows:,} rows, {os.cpu_count()} cores")
    db = bench.work_file("bench.duckdb")
    only = set(args.only.split(",")) if args.only else None
    previous = RESULTS.parent / f"rows_{args.rows}.json"
    if args.no_publish and (WORK / f"trial_rows_{args.rows}.json").exists():
        previous = WORK / f"trial_rows_{args.rows}.json"  # trial runs build on trial runs
    if only:
        # A partial re-run updates the keys of these steps in this size's last results.
        earlier = json.loads(previous.read_text(encoding="utf-8")) if previous.exists() else {
            "command": "(no earlier run of this size)", "measured_at": "-"}
        bench.results.update({k: earlier.get(k) for k in KEYS}, **earlier.get("extra", {}))
        bench.null_reasons.update(earlier.get("null_reasons", {}))
        bench.checks.update(earlier.get("checks", {}))
        bench.earlier = earlier
    wanted = lambda step: only is None or step in only  # noqa: E731
    ledger = bench.generate() if any(map(wanted, ("raw", "etl", "floor", "xlsx"))) else None
    if wanted("raw") and not wanted("etl"):  # the ETL's runs are paired with raw loads
        bench.say("raw DuckDB load")
        bench.step(("duckdb_raw_load_s",), bench.raw_load, ledger)
    if wanted("etl") and args.direct_load:
        for key in ("etl_s", "etl_vs_raw", "etl_rss_mb"):
            bench.results[key] = None
            bench.null_reasons[key] = ("not run (--direct-load): the database was built by "
                                       "benchmarks/direct_load.py to measure the read side")
        bench.say("direct load (no ETL)")
        bench.step(("direct_load_s",), bench.direct_load, ledger)
    elif wanted("etl"):
        bench.say("taizhang load (CSV)")
        bench.step(("etl_s", "etl_vs_raw", "etl_rss_mb"), bench.etl_load, ledger)
    no_floor = ("not run (--direct-load): there is no store written by taizhang load" if args.direct_load
                else "not run: the ETL failed (see etl_s)" if wanted("etl") and bench.results.get("etl_s") is None
                else None)
    if wanted("etl") or wanted("floor"):
        for key in FLOOR_EXTRA:  # an earlier run's floor no longer holds
            bench.results.pop(key, None)
        for key in FLOOR_KEYS if no_floor else ():
            bench.results[key] = None
            bench.null_reasons[key] = no_floor
    if (wanted("etl") or wanted("floor")) and not no_floor:
        bench.say("the floor: parse the CSV, write the store")
        bench.step(FLOOR_KEYS, bench.etl_floor, ledger, db)
    if wanted("xlsx"):
        bench.say("taizhang load (xlsx)")
        bench.step(("xlsx_rows_per_s",), bench.xlsx_load, ledger)
    if wanted("queries"):
        bench.say("queries")
        bench.step(("overview_ms_p50", "overview_ms_p95", "overview_pandas_ms",
                    "speedup_vs_pandas", "drill_ms_p50", "drill_ms_p95"), queries.measure, bench, db)
        bench.step(("overview_cold_ms",), queries.measure_cold, bench, db)
    if wanted("report"):
        bench.say("monthly report")
        bench.step(("report_s", "report_first_s"), bench.report, db)
    if args.skip_browser:
        for key in ("first_numbers_s", "charts_s", "click_ms", "dashboard_rss_mb"):
            bench.results[key] = None
            bench.null_reasons[key] = "skipped (--skip-browser)"
    elif wanted("browser"):
        bench.say("dashboard in Chromium")
        bench.step(("first_numbers_s", "charts_s", "click_ms", "dashboard_rss_mb"), bench.browser, db)

    if bench.results.get("csv_parse_s") is not None and bench.results.get("store_write_s") is not None:
        # Against this run's raw load and ETL, also when only those were re-measured.
        bench.results.update(floor_figures(bench.results))
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = {
        "rows": args.rows,
        "cores": os.cpu_count(),
        "command": f"python benchmarks/bench.py --rows {args.rows}"
                   + (f" --repeat {args.repeat}" if args.repeat != 3 else "")
                   + (f" --samples {args.samples}" if args.samples != 30 else "")
                   + (" --skip-browser" if args.skip_browser else "")
                   + (" --direct-load" if args.direct_load else "")
                   + (f" --only {args.only}" if args.only else ""),
        "measured_at": now,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        # Other work on the machine slows every figure: the load average says how much.
        "load_average_start": bench.load_start,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        **{key: bench.results.get(key) for key in KEYS},
        "null_reasons": {k: v for k, v in bench.null_reasons.items() if bench.results.get(k) is None},
        "checks": bench.checks,
        "extra": {k: v for k, v in bench.results.items() if k not in KEYS},
        "repeat": args.repeat,
        "samples": args.samples,
    }
    if only:  # say which figures are newer than the rest
        results["command"] = f"{bench.earlier['command']}; then {results['command']}"
        results["measured_at"] = f"{bench.earlier['measured_at']}; {args.only} re-measured {now}"
    text = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    # A trial run (--no-publish) keeps its figures beside its data, out of the published ones.
    targets = ([WORK / f"trial_rows_{args.rows}.json"] if args.no_publish else
               # Each size keeps its own latest figures too: a 1M and a 10M run compare.
               [RESULTS, RESULTS.parent / f"rows_{args.rows}.json"])
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        bench.say(f"wrote {target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}")
    if not args.no_publish:
        path = publish.write_table(results)
        bench.say(f"wrote {path}")
    print(publish.table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
