"""Writes the benchmark's results as a table into docs/performance.md (between markers)."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
END = "<!-- bench:end -->"

# key: (what it is, unit, comparison, target at 10,000,000 rows)
TARGETS = {
    "duckdb_raw_load_s": ("DuckDB CREATE TABLE AS read_csv (reference)", "s", None, None),
    "etl_s": ("taizhang load of the CSV, new database", "s", None, None),
    "etl_vs_raw": ("etl_s / duckdb_raw_load_s", "×", "<=", 2.0),
    "csv_parse_s": ("DuckDB's reader over every cell of the CSV, import's options, nothing written", "s", None, None),
    "store_write_s": ("write the tables taizhang load stored into a new file, from memory", "s", None, None),
    "store_write_cases_s": ("the same, the cases table alone", "s", None, None),
    "etl_floor_s": ("csv_parse_s + store_write_s: the least an import does", "s", None, None),
    "floor_vs_raw": ("etl_floor_s / duckdb_raw_load_s", "×", None, None),
    "etl_vs_floor": ("etl_s / etl_floor_s", "×", None, None),
    "etl_rss_mb": ("peak RSS of taizhang load", "MB", "<=", 1500),
    "xlsx_rows_per_s": ("taizhang load of a 100,000-row .xlsx", "rows/s", None, None),
    "overview_ms_p50": ("overview queries, warm, median", "ms", None, None),
    "overview_ms_p95": ("overview queries, warm, p95", "ms", "<=", 100),
    "overview_cold_ms": ("overview in a new process (connect + queries)", "ms", None, None),
    "overview_pandas_ms": ("same KPIs in plain pandas, frame in memory", "ms", None, None),
    "speedup_vs_pandas": ("overview_pandas_ms / overview_ms_p50", "×", ">=", 20),
    "drill_ms_p50": ("one community's cases of 12 months, median", "ms", None, None),
    "drill_ms_p95": ("one community's cases of 12 months, p95", "ms", "<=", 50),
    "first_numbers_s": ("Chromium: open overview → headline numbers shown", "s", "<=", 2),
    "charts_s": ("Chromium: open overview → every chart interactive", "s", "<=", 3),
    "click_ms": ("Chromium: click a street → its communities shown", "ms", "<=", 300),
    "report_s": ("taizhang report, one month, PDF + PNG (data as for the last report)", "s", "<=", 5),
    "report_first_s": ("the same, first report after a load (groups the titles)", "s", None, None),
    "dashboard_rss_mb": ("peak RSS of taizhang serve", "MB", "<=", 1000),
}


def _verdict(value, op, target) -> str:
    if op is None:
        return ""
    if value is None:
        return "not measured"
    met = value <= target if op == "<=" else value >= target
    return "met" if met else "**missed**"


def table(results: dict) -> str:
    """The results as a Markdown table with targets, then the reasons for null keys."""
    lines = [
        f"Measured {results['measured_at']} on {results['machine']}, "
        f"{results['rows']:,} rows, with `{results['command']}` "
        "(loads and reports: median of the runs; latencies: median and p95 of the samples). "
        f"Load average at start {results.get('load_average_start')}, at end "
        f"{results.get('load_average_end')} (other work on the machine slows every figure).",
        "",
        "| key | what | value | target (10M rows) | |",
        "|---|---|---:|---:|---|",
    ]
    for key, (what, unit, op, target) in TARGETS.items():
        value = results.get(key)
        shown = "null" if value is None else f"{value:,} {unit}"
        wanted = "" if op is None else f"{'≤' if op == '<=' else '≥'} {target:,} {unit}"
        lines.append(f"| {key} | {what} | {shown} | {wanted} | {_verdict(value, op, target)} |")
    extra = results.get("extra") or {}
    cpu = [(name, extra.get(key)) for name, key in (
        ("raw load", "duckdb_raw_load_cpu_s"), ("ETL", "etl_cpu_s"), ("floor", "etl_floor_cpu_s"),
        ("parse", "csv_parse_cpu_s"), ("store write", "store_write_cpu_s"),
        ("cases write", "store_write_cases_cpu_s"))]
    ratios = [(name, extra.get(key)) for name, key in (
        ("ETL/raw", "etl_vs_raw_cpu"), ("floor/raw", "floor_vs_raw_cpu"), ("ETL/floor", "etl_vs_floor_cpu"))]
    if any(value is not None for _, value in cpu):
        lines += ["", "CPU seconds of the same runs (steadier than wall seconds on a shared machine): "
                  + ", ".join(f"{name} {value:,} s" for name, value in cpu if value is not None)
                  + "; " + ", ".join(f"{name} {value:,}×" for name, value in ratios if value is not None) + "."]
    if results.get("null_reasons"):
        lines += ["", "Not measured:", ""]
        lines += [f"- {k}: {v}" for k, v in results["null_reasons"].items()]
    checks = results.get("checks") or {}
    if checks:
        lines += ["", "Checks made in the same run: "
                  + "; ".join(f"{k} = {v}" for k, v in checks.items()
                              if not isinstance(v, list) or v)]
    return "\n".join(lines)


def write_table(results: dict, doc: Path = DOC) -> Path:
    """Replace this size's block between markers in docs/performance.md (appended if missing)."""
    begin = f"<!-- bench:begin rows={results['rows']} -->"
    block = f"{begin}\n### {results['rows']:,} rows\n\n{table(results)}\n{END}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
    return doc
