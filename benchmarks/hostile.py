"""`make bench-hostile` (also run by `make bench`): what hostile ledgers cost, measured.

    python benchmarks/hostile.py [--rows 200] [--columns 250,500,1000]

- Wide sheets: `taizhang load` of a sheet of --rows rows at each width, as .xlsx and as
  CSV (with [import] max_columns raised, so widths past the refusal are measured too):
  seconds, and seconds per million cells above an 8-column file's time (the start of the
  process and the schema), which stays flat when time is linear in cells.
- Bombs and large uploads: peak resident memory of `taizhang load` (the process the data
  page's upload runs too) for a 600 MB decompression bomb, a part packed 1,000 times, a
  single cell at XFD1048576, a sheet 1,200 columns wide, and a real 1-million-cell
  workbook, with the exit code (1: refused with a message).

Writes benchmarks/results/hostile.json and prints a table. Timings are reported, never
asserted (the tests assert the refusals and a memory bound).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import ROOT, TAIZHANG  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "hostile.json"
HEADER = ["编号", "街道", "社区", "问题", "反映时间", "办理状态", "办结时间", "满意度"]


def ledger_rows(rows: int, columns: int) -> list[list]:
    """`rows` cases of one community, padded with 备注 cells to `columns` columns."""
    out = []
    for n in range(rows):
        day = date(2023, 3, 1) + timedelta(days=n % 200)
        out.append([f"W{n}", "南站街道", "桃源社区", f"问题{n}", day.isoformat(), "已解决",
                    (day + timedelta(days=1)).isoformat(), "满意",
                    *(f"x{n}_{i}" for i in range(columns - len(HEADER)))])
    return out


def wide_workbook(path: Path, rows: int, columns: int) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("桃源社区")
    sheet.write_row(0, 0, HEADER + [f"备注{i}" for i in range(columns - len(HEADER))])
    for r, row in enumerate(ledger_rows(rows, columns), start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def wide_csv(path: Path, rows: int, columns: int) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER + [f"备注{i}" for i in range(columns - len(HEADER))])
        writer.writerows(ledger_rows(rows, columns))
    return path


def write_bomb(path: Path, unpacked_mb: int) -> Path:
    """A real .xlsx (the parts xlsxwriter writes) whose sheet is `unpacked_mb` MB of the
    same row over and over: a few hundred KB packed, a thousand times smaller."""
    template = wide_workbook(path.with_name(path.stem + "-template.xlsx"), 1, len(HEADER))
    row = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 40 + b"</row>"
    block = row * ((1 << 20) // len(row))
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
                continue
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>')
                for _ in range(unpacked_mb):
                    sheet.write(block)
                sheet.write(b"</sheetData></worksheet>")
    template.unlink()
    return path


def far_cell(path: Path) -> Path:
    """A small ledger with one more cell, at XFD1048576 (the last cell of a sheet)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("桃源社区")
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(ledger_rows(5, len(HEADER)), start=1):
        sheet.write_row(r, 0, row)
    sheet.write(1048575, 16383, "x")
    book.close()
    return path


def load_measured(path: Path, db: Path, env: dict | None = None) -> dict:
    """`taizhang load PATH` as a child: seconds, exit code, first line of its output, and its
    peak RSS (MB), read by a parent that has no other child (RUSAGE_CHILDREN)."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'seconds': round(time.perf_counter() - t, 2), 'exit': r.returncode,"
        " 'peak_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,"
        " 'message': (r.stdout + r.stderr).strip().splitlines()[0][:160]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, TAIZHANG, "--db", str(db), "load", str(path)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--columns", default="250,1000,4000")
    args = parser.parse_args()
    widths = [int(c) for c in args.columns.split(",")]
    results: dict = {"rows": args.rows, "cores": os.cpu_count(), "wide": [], "bombs": []}
    with tempfile.TemporaryDirectory(prefix="taizhang-hostile-") as tmp:
        tmp = Path(tmp)
        # widths past the refusal limit are loaded too (limit raised) to show the time is linear
        config = tmp / "wide.toml"
        config.write_text("[import]\nmax_columns = 20000\n", encoding="utf-8")
        wide_env = {"TAIZHANG_CONFIG": str(config)}
        for kind, writer in (("xlsx", wide_workbook), ("csv", wide_csv)):
            base = load_measured(writer(tmp / f"base.{kind}", args.rows, len(HEADER)), tmp / f"base-{kind}.duckdb",
                                 wide_env)
            for width in widths:
                path = writer(tmp / f"wide{width}.{kind}", args.rows, width)
                run = load_measured(path, tmp / f"wide{width}-{kind}.duckdb", wide_env)
                cells = args.rows * width
                extra = max(run["seconds"] - base["seconds"], 0.0)
                results["wide"].append({"format": kind, "columns": width, "cells": cells, **run,
                                        "seconds_per_million_cells": round(extra / cells * 1e6, 2)})
        cases = [
            ("bomb 600 MB unpacked", lambda p: write_bomb(p, 600)),
            ("bomb 60 MB packed 1000x", lambda p: write_bomb(p, 60)),
            ("one cell at XFD1048576", far_cell),
            ("1,200 columns", lambda p: wide_workbook(p, args.rows, 1200)),
            ("50,000 rows x 20 columns (1M cells)", lambda p: wide_workbook(p, 50_000, 20)),
        ]
        for n, (name, build) in enumerate(cases):
            path = build(tmp / f"case{n}.xlsx")
            results["bombs"].append({"file": name, "size_mb": round(path.stat().st_size / (1 << 20), 1),
                                     **load_measured(path, tmp / f"case{n}.duckdb")})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wide sheets ({args.rows} rows; s/M cells = seconds above an 8-column file per million cells)")
    for r in results["wide"]:
        print(f"  {r['format']:4} {r['columns']:5} columns  {r['seconds']:6.2f} s  {r['seconds_per_million_cells']:6.2f} s/M cells"
              f"  peak {r['peak_rss_mb']} MB  exit {r['exit']}")
    print("bombs and large uploads (peak RSS of `taizhang load`)")
    for r in results["bombs"]:
        print(f"  {r['file']:38} {r['size_mb']:6.1f} MB file  exit {r['exit']}  peak {r['peak_rss_mb']} MB"
              f"  {r['seconds']:6.2f} s  {r['message'][:70]}")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
