"""The read side's timings: the overview warm and cold, the same KPIs in pandas, drill-down.

Before timing pandas the run checks that both give the same numbers, so the speed-up
compares two answers to one question.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from benchmarks import measure as timing
from benchmarks import pandas_reference as ref
from benchmarks.measure import median, p95, run_child

# The overview page's questions (dashboard/app_pages/overview.py), default filters.
OVERVIEW_CODE = """
from taizhang.kpi import api as kpi
def overview(con, filters):
    kpi.headline(con, filters)
    kpi.trend(con, filters)
    kpi.ranking(con, "street", filters)
    kpi.metrics(con, ("category",), filters)
"""
COLD_OVERVIEW = OVERVIEW_CODE + """
import sys, time
from taizhang.db import connect
from taizhang.filters import Filters
started = time.perf_counter()
con = connect(sys.argv[1], read_only=True)
overview(con, Filters())
print((time.perf_counter() - started) * 1000)
"""

def measure(bench, db: Path) -> None:
    """overview_ms (warm p50/p95), overview_pandas_ms, speedup, drill_ms, the agreement check."""
    from taizhang.kpi import api as kpi
    from taizhang.filters import Filters, shift_months
    from taizhang.db import connect
    from taizhang.settings import load_settings

    namespace: dict = {}
    exec(OVERVIEW_CODE, namespace)
    overview = namespace["overview"]
    con = connect(db, read_only=True)
    filters = Filters()
    times = timing.time_calls(lambda: overview(con.cursor(), filters), bench.samples)
    bench.results["overview_ms_p50"] = round(median(times), 1)
    bench.results["overview_ms_p95"] = round(p95(times), 1)
    bench.say(f"  overview warm: p50 {median(times):.1f} ms, p95 {p95(times):.1f} ms")

    info = kpi.dataset_info(con)
    as_of = info["as_of"]
    settings = load_settings()
    started = time.perf_counter()
    frame = ref.load_frame(con)
    areas = con.execute("SELECT * FROM areas").df()
    bench.results["pandas_frame_load_s"] = round(time.perf_counter() - started, 2)
    pandas_times = timing.time_calls(
        lambda: ref.overview_pandas(frame, areas, as_of, None, None, settings),
        max(3, bench.repeat), warmup=0,
    )
    bench.results["overview_pandas_ms"] = round(median(pandas_times), 1)
    bench.results["speedup_vs_pandas"] = round(
        bench.results["overview_pandas_ms"] / bench.results["overview_ms_p50"], 1
    )
    bench.say(f"  overview in pandas: {median(pandas_times):.0f} ms "
             f"(speedup ×{bench.results['speedup_vs_pandas']})")
    compare(bench, con, ref.overview_pandas(frame, areas, as_of, None, None, settings))
    del frame

    community, street = con.execute(
        "SELECT community, street FROM cases GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    drill = Filters.make(
        date_from=shift_months(as_of, -12) + timedelta(days=1), as_of=as_of,
        where={"street": street, "community": community},
    )
    drill_times = timing.time_calls(lambda: kpi.case_list(con.cursor(), drill), bench.samples)
    bench.results["drill_ms_p50"] = round(median(drill_times), 1)
    bench.results["drill_ms_p95"] = round(p95(drill_times), 1)
    bench.say(f"  drill ({community}, 12 months): p50 {median(drill_times):.1f} ms, "
             f"p95 {p95(drill_times):.1f} ms")
    con.close()

def compare(bench, con, reference: dict) -> None:
    """Records whether Taizhang's overview numbers equal the pandas reference's."""
    from taizhang.kpi import api as kpi
    from taizhang.filters import Filters

    mismatches = []
    head = kpi.headline(con, Filters())
    for part in ("metrics", "previous_month", "previous_year"):
        for name, value in head[part].items():
            if name == "rank":
                continue
            if not _same(value, reference["headline"][part].get(name)):
                mismatches.append(f"headline.{part}.{name}: {value} ≠ "
                                  f"{reference['headline'][part].get(name)}")
    ranking = kpi.ranking(con, "street", Filters()).set_index("street")
    for street, row in reference["ranking"].iterrows():
        for name in ("received", "resolved", "median_days", "score", "rank"):
            if not _same(ranking.at[street, name], row[name]):
                mismatches.append(f"ranking.{street}.{name}: {ranking.at[street, name]} ≠ {row[name]}")
    trend = kpi.trend(con, Filters()).set_index("month")
    for month, row in reference["trend"].iterrows():
        for name in ("received", "resolved", "p90_days", "overdue_open"):
            if not _same(trend.at[month, name], row[name]):
                mismatches.append(f"trend.{month}.{name}: {trend.at[month, name]} ≠ {row[name]}")
    bench.checks["overview_equals_pandas"] = not mismatches
    bench.checks["overview_mismatches"] = mismatches[:20]
    bench.say(f"  Taizhang = pandas on the overview: {not mismatches}"
             + ("" if not mismatches else f" ({len(mismatches)} differences, e.g. {mismatches[0]})"))

def measure_cold(bench, db: Path) -> None:
    """overview_cold_ms: connect and answer the overview in a new process (imports excluded)."""
    times = []
    for _ in range(bench.repeat):
        run = run_child([sys.executable, "-c", COLD_OVERVIEW, str(db)])
        times.append(float(run.stdout.strip().splitlines()[-1]))
    bench.results["overview_cold_ms"] = round(median(times), 1)
    bench.say(f"  overview cold: {median(times):.0f} ms")


def _same(a, b) -> bool:
    """Equal numbers (to 1e-9 relative), or both undefined."""
    import math

    missing = lambda v: v is None or (isinstance(v, float) and math.isnan(v))  # noqa: E731
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
