"""`taizhang demo`: write 西湖区's demo ledgers the way offices keep them, then import them.

The demo goes through the ordinary ETL (etl.areas.load_areas, etl.load.load_paths), so
what the dashboard shows on demo data is what the ETL made of real-looking files:

    ledger_dir/areas.csv      the registry: 11 streets/towns, 138 社区, 13 村
    ledger_dir/earlier/       南站街道's 2022 ledger as of 2022-06-30 (imported first)
    ledger_dir/ledgers/       every ledger as of 2022-07-31 (the second 南站 version moves
                              cases on and writes case_events)

Result as of 2022-07-31: 2090 received, 1769 resolved, 246 in progress, 75 other, plus a
handful of bad rows in `rejects`. All people are invented (etl/demo_areas.py).
"""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from importlib import resources
from pathlib import Path

from taizhang.etl import demo_areas as names
from taizhang.etl.demo_cases import AS_OF, EARLIER_AS_OF, DemoCase, DemoWorld, build_world
from taizhang.etl.demo_files import HOTLINE_HEADER, ROUNDTABLE_HEADER, TOWN_HEADER, YEARBOOK_HEADER
from taizhang.etl.demo_files import write_csv, write_meetings, write_office, write_titled
from taizhang.etl.demo_ledgers import Style, present_in
from taizhang.etl.errors import LedgerError

SEED = 2022
ROUNDTABLE_STREET = "南站街道"  # 2022: one sheet per community, imported twice (June, then July)
VERSIONED_YEAR = 2022
YEARBOOK_STREETS = ("朝阳洲街道", "系马桩街道", "西湖街道")
OFFICE_STREETS = {"绳金塔街道": "slash", "丁公路街道": "chinese", "广润门街道": "month_day",
                  "十字街街道": "cell"}
XLS_STREET, ODS_STREET, TOWN = "南浦街道", "桃源街道", "桃花镇"
# The .xls and .ods ledgers (南浦街道, 桃源街道) ship as files, written once by xlwt and odfpy
# from this same world (tests/demo_old_formats.py rewrites them and checks they still match):
# no maintained library the base install has writes .xls, and the demo must not need the test
# extra. Shipped name -> the name an office gives it.
OLD_FORMAT_LEDGERS = {"nanpu.xls": f"{XLS_STREET}问题清单.xls", "taoyuan.ods": f"{ODS_STREET}民生诉求台账.ods"}


def _assign_ids(world: DemoWorld) -> None:
    """Give cases the ids their office writes (the office layout keeps none: hashed keys)."""
    counters: dict[tuple, int] = defaultdict(int)
    for case in sorted(world.cases + world.bad_rows, key=lambda c: (c.received_on, c.title)):
        code = names.STREETS[case.street][0]
        year = case.received_on.year
        if case.channel == "12345热线":
            counters["hotline", case.received_on] += 1
            case.case_id = f"{case.received_on:%Y%m%d}{counters['hotline', case.received_on]:04d}"
            continue
        counters[case.street, year] += 1
        n = counters[case.street, year]
        if case.street == ROUNDTABLE_STREET or case.street in YEARBOOK_STREETS:
            case.case_id = f"{code}{year}-{n:04d}"
        elif case.street == XLS_STREET:
            case.case_id = f"{code}-{year}-{n:03d}"
        elif case.street == ODS_STREET:
            case.case_id = f"{code}{year}{n:04d}"
        elif case.street == TOWN:
            case.case_id = f"THZ-{year}-{n:03d}"


def _by_year(cases: list[DemoCase], as_of) -> dict[int, list[DemoCase]]:
    years: dict[int, list[DemoCase]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: (c.received_on, c.case_id or "", c.title)):
        if present_in(case, as_of):
            years[case.received_on.year].append(case)
    return dict(sorted(years.items()))


def write_ledgers(world: DemoWorld, ledger_dir: Path) -> tuple[list[Path], list[Path]]:
    """Write every demo ledger; returns (earlier version files, final version files)."""
    final_dir, earlier_dir = ledger_dir / "ledgers", ledger_dir / "earlier"
    for folder in (final_dir, earlier_dir):  # files are overwritten; nothing else is deleted
        folder.mkdir(parents=True, exist_ok=True)
    everything = world.cases + world.bad_rows
    hotline = [c for c in everything if c.channel == "12345热线"]
    by_street: dict[str, list[DemoCase]] = defaultdict(list)
    for case in everything:
        if case.channel != "12345热线":
            by_street[case.street].append(case)
    communities = defaultdict(list)
    for _, street, community, _ in names.registry():
        communities[street].append(community)

    earlier, final = [], []
    for version_dir, as_of, out in ((earlier_dir, EARLIER_AS_OF, earlier), (final_dir, AS_OF, final)):
        for year, cases in _by_year(by_street[ROUNDTABLE_STREET], as_of).items():
            title = f"{ROUNDTABLE_STREET}幸福圆桌会问题台账({year}年)"
            if year == VERSIONED_YEAR:
                sheets = [(c, title, [k for k in cases if k.community == c]) for c in communities[ROUNDTABLE_STREET]]
                out.append(version_dir / f"{title}.xlsx")
                write_titled(out[-1], sheets, ROUNDTABLE_HEADER, as_of)
            elif as_of == AS_OF:  # the year before, still kept on one sheet
                out.append(version_dir / f"{title}.xlsx")
                write_titled(out[-1], [(f"{year}年", title, cases)], YEARBOOK_HEADER, as_of)
    for street in YEARBOOK_STREETS:
        sheets = [(f"{year}年", f"{street}幸福圆桌会问题台账({year}年)", cases)
                  for year, cases in _by_year(by_street[street], AS_OF).items()]
        final.append(final_dir / f"{street}幸福圆桌会问题台账.xlsx")
        write_titled(final[-1], sheets, YEARBOOK_HEADER, AS_OF)
    for street, dates in OFFICE_STREETS.items():
        for year, cases in _by_year(by_street[street], AS_OF).items():
            title = f"{street}民生问题办理台账({year}年)"
            path = final_dir / f"{street}{year}年问题台账.xlsx"
            write_office(path, title, cases, Style("office", dates=dates, year=year), AS_OF)
            final.append(path)
    for shipped, name in OLD_FORMAT_LEDGERS.items():
        final.append(final_dir / name)
        final[-1].write_bytes(resources.files("taizhang.etl").joinpath("demo_data", shipped).read_bytes())
    town = [c for cs in _by_year(by_street[TOWN], AS_OF).values() for c in cs]
    final.append(final_dir / f"{TOWN}村(社区)问题台账.csv")
    write_csv(final[-1], TOWN_HEADER, town, Style("roundtable", dates="iso"), AS_OF, "utf-8-sig")
    calls = [c for cs in _by_year(hotline, AS_OF).values() for c in cs]
    final.append(final_dir / "西湖区12345热线工单导出.csv")
    write_csv(final[-1], HOTLINE_HEADER, calls, Style("hotline", scores=True, dates="datetime"), AS_OF, "gbk")
    final.append(final_dir / "西湖区议事协商会议台账.xlsx")
    write_meetings(final[-1], "西湖区幸福圆桌会、小队会、民生议事堂会议台账(2021-2022年)", world.meetings)
    return earlier, final


def write_registry(path: Path) -> None:
    """The area registry CSV (district,street,community,kind,service_group) that `taizhang
    areas` loads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["district", "street", "community", "kind", "service_group"])
    writer.writerows(names.registry_with_groups())
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _start_fresh(db_path: Path, demo_files: int) -> None:
    """Remove an earlier demo database; refuse to touch one that holds anything else: a
    database that is not the demo's, or the demo's with ledgers imported into it since
    (more imports than the demo made: `demo_files`, or as recorded when it was built)."""
    if not db_path.exists():
        return
    from taizhang.db import connect

    con = connect(db_path, read_only=True)
    try:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        marks = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('demo', 'demo_imports')").fetchall()
                     ) if "meta" in tables else {}
        imports = con.execute("SELECT count(*) FROM imports").fetchone()[0] if "imports" in tables else 0
    finally:
        con.close()
    own = int(marks.get("demo_imports") or demo_files) if marks.get("demo") == "1" else 0
    if imports > own:
        what = ("是示例数据库,但之后又导入了其他台账", "is the demo database, but other ledgers were imported into "
                "it since") if own else ("中有导入的台账数据", "holds imported ledgers")
        raise LedgerError(
            f"{db_path} {what[0]}({imports - own} 次导入),示例数据不会覆盖它;请用 --db 为示例指定另一个"
            f"文件(如 --db data/demo.duckdb),或把这些台账导入你自己的数据库后再删除 {db_path} / {db_path} "
            f"{what[1]} ({imports - own} imports) and the demo will not overwrite them: pass --db with another "
            f"file for the demo (e.g. --db data/demo.duckdb), or load those ledgers into your own database "
            f"and delete {db_path} first"
        )
    for leftover in (db_path, Path(f"{db_path}.wal")):
        leftover.unlink(missing_ok=True)


def build_demo(db_path: str | os.PathLike, ledger_dir: str | os.PathLike, publish=None) -> None:
    """Write the demo ledgers into ledger_dir and import them into a fresh demo database
    (never over a database that holds other imports: see _start_fresh). `publish`: called
    with the connection before the last COMMIT (etl.publish: the whole demo at once)."""
    from taizhang.etl.areas import load_areas
    from taizhang.etl.load import load_paths
    from taizhang.db import connect

    db_path, ledger_dir = Path(db_path), Path(ledger_dir)
    ledger_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(SEED)
    _assign_ids(world)
    write_registry(ledger_dir / "areas.csv")
    earlier, final = write_ledgers(world, ledger_dir)
    _start_fresh(db_path, len(earlier) + len(final))
    load_areas(db_path, ledger_dir / "areas.csv")
    summaries = load_paths(db_path, earlier, as_of=EARLIER_AS_OF) + load_paths(db_path, final, as_of=AS_OF)
    failed = [s for s in summaries if s.status == "failed"]
    if failed:  # the demo's figures are exact only when every file went in
        raise LedgerError("示例台账导入失败 / the demo ledgers did not import:\n" + "\n".join(
            f"{Path(s.file).name}: {s.error}" for s in failed))
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', '1')")
        # How many imports are the demo's: any more are a user's, and no rebuild overwrites them.
        con.execute("INSERT OR REPLACE INTO meta SELECT 'demo_imports', count(*)::VARCHAR FROM imports")
        # Ledgers name officials but not their posts; the demo knows the invented posts.
        con.execute("CREATE TEMP TABLE demo_posts (name VARCHAR, title VARCHAR, unit VARCHAR)")
        con.executemany("INSERT INTO demo_posts VALUES (?, ?, ?)",
                        [(name, title, unit) for name, (title, unit) in sorted(world.officials.items())])
        con.execute("UPDATE officials o SET title = coalesce(o.title, p.title), unit = coalesce(o.unit, p.unit) "
                    "FROM demo_posts p WHERE o.name = p.name")
        if publish is not None:
            publish(con)
        con.execute("COMMIT")
    finally:
        con.close()
