"""Sub-commands of `taizhang` that belong to etl/: areas, load, check, demo."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import date
from pathlib import Path

from taizhang.etl.errors import Interrupted, LedgerError, raise_interrupted
from taizhang.db import db_path, demo_db_path
from taizhang.warehouse import ENV_WAREHOUSE, WarehouseError

# Where `taizhang demo` writes the demo's ledger files (beside its database, data/demo.duckdb).
DEMO_LEDGERS = "data/demo"
# A terminal shows this many reject reasons per file; the rest go to --rejects-out.
REJECTS_SHOWN = 20


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    areas = sub.add_parser(
        "areas", help="载入区域名录 / load the area registry CSV",
        description="载入社区(村)名册 CSV,第一行为列名:区,街道,社区,类型(或 district,street,"
                    "community,kind;区县、镇街、村社区 等写法亦可),类型填 社区 或 村。\n"
                    "Load the registry of communities: a CSV whose first line names the columns "
                    "district,street,community,kind (or 区,街道,社区,类型); kind is 社区 or 村.",
    )
    areas.add_argument("path", metavar="FILE.csv",
                       help="名册 CSV(UTF-8 或 GBK)/ registry CSV (UTF-8 or GBK)")
    areas.set_defaults(func=run_areas)

    for name, help_text, description, dry_run in (
        ("load", "导入台账 / import ledgers (files or folders)",
         "导入台账(xlsx/xls/ods/csv,可给文件夹);每个文件一行结果,重复导入不会重复计数。\n"
         "退出码 exit code: 0 全部导入 all imported;1 有文件未能导入 a file could not be imported。\n"
         "Import ledgers; one result line per file; importing again never counts a case twice.",
         False),
        ("check", "检查台账,不写入 / check ledgers, write nothing",
         "按导入的同一流程检查台账,但不写入数据库;显示识别为表头的行和列名,列出不能导入的行及原因。\n"
         "退出码 exit code: 0 所有行均可导入 every row would be imported;1 有行或文件将不能导入 "
         "some rows or files would be rejected;2 参数错误 bad arguments。\n"
         "Check ledgers the way `load` reads them, writing nothing: shows the header row found "
         "and the column names, and every row that would be rejected with the reason.",
         True),
    ):
        cmd = sub.add_parser(name, help=help_text, description=description)
        cmd.add_argument("paths", nargs="+", metavar="PATH",
                         help="台账文件(.xlsx .xls .ods .csv)或文件夹 / ledger files or folders")
        cmd.add_argument("--profile", metavar="NAME|FILE.toml",
                         help="格式配置:内置名(builtin、nyc311)或 .toml 文件(可用 taizhang profile "
                              "suggest 生成)/ profile name (builtin, nyc311) or a .toml file "
                              "(taizhang profile suggest writes one)")
        cmd.add_argument("--as-of", type=_any_date, metavar="DATE",
                         help="台账版本日期,如 2022-07-31 或 2022年7月31日(默认文件中最新日期)/ date of "
                              "the ledger version (default: latest date in the file)")
        cmd.add_argument("--rejects-out", metavar="FILE.xlsx",
                         help="把不能导入的行写入此工作簿(带“原因”列)/ write rejected rows with a "
                              "原因 column to this workbook")
        cmd.add_argument("--progress", action="store_true",
                         help="即使不在终端也显示进度条 / show a progress bar even when stderr is "
                              "not a terminal")
        cmd.add_argument("--show-rejects", type=int, default=REJECTS_SHOWN, metavar="N",
                         help=f"每个文件显示前 N 行的原因(默认 {REJECTS_SHOWN})/ print the reasons of "
                              f"the first N rejected rows of each file (default {REJECTS_SHOWN})")
        cmd.set_defaults(func=run_load, dry_run=dry_run)

    demo = sub.add_parser(
        "demo", help="生成示例台账并导入示例数据库 / write the demo ledgers and import them into the demo database",
        description="生成虚构的示例台账(多种科室格式)并经正常导入流程写入示例数据库(默认 data/demo.duckdb,"
                    "除非给了 --db);你自己的数据库不会被改动。\n"
                    "Write invented demo ledgers (several office layouts) and import them into the demo "
                    "database (data/demo.duckdb unless --db); your own database is never touched.",
    )
    demo.add_argument("--out", default=DEMO_LEDGERS, metavar="DIR",
                      help=f"示例台账目录(默认 {DEMO_LEDGERS})/ folder for the demo ledgers (default {DEMO_LEDGERS})")
    demo.set_defaults(func=run_demo)

    profile = sub.add_parser(
        "profile", help="格式配置 / ledger format profiles",
        description="为外来导出文件(12345、311、问政平台等)生成格式配置。\n"
                    "Profiles for foreign exports (hotline, 311, message boards).",
    )
    actions = profile.add_subparsers(dest="action", metavar="ACTION", required=True,
                                     title="操作 / actions")
    suggest = actions.add_parser(
        "suggest", help="根据文件生成配置建议 / suggest a profile for a file",
        description="读取文件的表头与取值,输出建议的配置(TOML):能识别的列已对应到字段,办理状态的各种说法"
                    "列出待填。用法:taizhang profile suggest 导出.csv > 我的配置.toml,编辑后 "
                    "taizhang load --profile 我的配置.toml 导出.csv。\n"
                    "Print a suggested profile (TOML) for FILE: the columns it recognises mapped to "
                    "fields, the status phrases listed for you to map. Edit it, then load with "
                    "--profile.",
    )
    suggest.add_argument("path", metavar="FILE", help="导出文件 / the export (.csv .xlsx …)")
    suggest.set_defaults(func=run_suggest)


def _any_date(text: str) -> date:
    from taizhang.dates import DAY_FORMS, parse_day

    parsed = parse_day(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"日期应写成 {DAY_FORMS} / expected a date like 2022-07-31, got {text!r}")
    return parsed


def _fail(message: str) -> int:
    print(f"taizhang: {message}", file=sys.stderr)
    return 2


def _target(args) -> tuple[Path, object]:
    """(the DuckDB file the ETL writes, the publisher to call before each COMMIT or None):
    the database itself, or a ClickHouse warehouse's normaliser (taizhang.warehouse)."""
    from taizhang.warehouse import from_args, normaliser_path

    wh = from_args(args)
    if wh.is_duckdb:
        return wh.path, None
    from taizhang.etl import publish
    from taizhang.warehouse import client

    client(wh)  # a warehouse that cannot be opened (chDB busy in another process) is said first
    return normaliser_path(wh), lambda con: publish.publish(con, wh)


def run_areas(args) -> int:
    """`taizhang areas PATH`."""
    from taizhang.etl.areas import ambiguous_text, load_areas

    try:
        database, publish = _target(args)
        loaded = load_areas(database, args.path, publish=publish)
    except (LedgerError, WarehouseError) as exc:
        return _fail(str(exc))
    print(f"区域名录已载入 {loaded.rows} 行 / loaded {loaded.rows} registry rows")
    if loaded.groups:
        print(f"其中 {loaded.groups} 个社区(村)写明了服务团 / {loaded.groups} of them name a service group")
    if loaded.cases_moved or loaded.meetings_moved:
        print(f"已按名录重新确定 {loaded.cases_moved} 件案件、{loaded.meetings_moved} 次会议的所属区域 / "
              f"the areas of {loaded.cases_moved} stored cases and {loaded.meetings_moved} meetings were "
              "resolved again against this registry")
    for community, candidates, cases, sheet, file in loaded.ambiguous:
        print(ambiguous_text(community, candidates, cases, sheet, file))
    return 0


def run_load(args) -> int:
    """`taizhang load|check PATH…`: one summary line per file.

    load: exit 1 when a file could not be imported. check: exit 1 when a file could not be
    read or some rows would be rejected, 0 when every row would be imported.
    """
    from taizhang.etl.load import load_paths
    from taizhang.etl.rejects_out import write_rejects
    from taizhang.settings import SettingsError

    # Ctrl-C and SIGTERM (a service manager, `kill`) stop the import the same way: the file
    # under way is rolled back (or was committed already) and we say which.
    previous = {sig: signal.signal(sig, raise_interrupted) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        database, publish = _target(args)
        summaries = load_paths(
            database, args.paths, profile=args.profile, as_of=args.as_of,
            dry_run=args.dry_run, progress=args.progress or sys.stderr.isatty(), publish=publish,
        )
    except (LedgerError, SettingsError, WarehouseError) as exc:
        return _fail(str(exc))
    except Interrupted as exc:
        return _interrupted(exc, args)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for summary in summaries:
        print(summary.line())
        if args.dry_run:
            for header in summary.headers:
                print(f"  {header}")
        _print_rejects(summary.rejects, args.show_rejects)
    if args.rejects_out:
        count = write_rejects(args.rejects_out, summaries)
        print(f"未导入行已写入 {args.rejects_out}({count} 行)/ {count} rejected rows written to {args.rejects_out}")
    failed = [s for s in summaries if s.status == "failed"]
    if args.dry_run:
        from taizhang.store.remask import PENDING_NOTE, pending_in_file

        if pending_in_file(database):
            print(PENDING_NOTE)
        return _check_verdict(summaries, failed)
    if failed:
        print(
            f"taizhang: {len(failed)} 个文件未能导入,数据库未改动这些文件的数据;请按上面的提示修改后重新导入 / "
            f"{len(failed)} file(s) could not be imported and left the database as it was: fix them "
            "as the lines above say and load them again.",
            file=sys.stderr,
        )
        return 1
    return 0


def _check_verdict(summaries, failed) -> int:
    """The last line of `taizhang check` and its exit code (nothing was written either way)."""
    rejected = sum(s.rows_rejected for s in summaries if s.status != "failed")
    if not failed and not rejected:
        print("检查通过:所有行均可导入(未写入数据库)/ check passed: every row would be imported "
              "(nothing was written).")
        return 0
    parts_zh, parts_en = [], []
    if failed:
        parts_zh.append(f"{len(failed)} 个文件不能导入")
        parts_en.append(f"{len(failed)} file(s) cannot be imported as they are")
    if rejected:
        parts_zh.append(f"{rejected} 行将不能导入")
        parts_en.append(f"{rejected} row(s) would be rejected")
    print(f"检查发现问题:{'、'.join(parts_zh)};请按上面的提示修改(未写入数据库)/ check found problems: "
          f"{' and '.join(parts_en)}; fix them as the lines above say (nothing was written).",
          file=sys.stderr)
    return 1
def _interrupted(exc: Interrupted, args) -> int:
    """What an interrupted import did: the files finished, the file under way in or out."""
    for summary in exc.done:
        print(summary.line())
    name = Path(exc.file).name if exc.file else ""
    if not exc.file:
        state = ("下一个文件尚未开始;数据库中只有上面已导入的文件 / the next file had not started: the database "
                 "holds the files listed above, nothing else")
    elif args.dry_run:
        state = f"{name} 检查未完成,未写入任何内容 / {name}: check not finished, nothing written"
    elif exc.committed:
        state = (f"{name} 在中断前已全部导入(中断发生在提交之后)/ {name} was imported completely "
                 "before the interruption (it came after the commit)")
    else:
        state = (f"{name} 未导入,数据库中没有它的任何一行,请重新导入 / {name} was not imported: none of its "
                 "rows are in the database; load it again")
    signame = "Ctrl-C" if exc.signum == signal.SIGINT else signal.Signals(exc.signum).name
    print(f"taizhang: 已中断({signame})/ interrupted ({signame}): {state}", file=sys.stderr)
    sys.stdout.flush()
    return 128 + int(exc.signum)


def _print_rejects(rejects: list[dict], limit: int) -> None:
    """The reasons of a file's first `limit` rejected rows, indented under its summary line."""
    for reject in rejects[:max(limit, 0)]:
        print(f"  - {reject['reason']}")
    hidden = len(rejects) - max(limit, 0)
    if hidden > 0:
        print(f"  … 另有 {hidden} 行,用 --rejects-out 导出全部 / and {hidden} more: --rejects-out FILE.xlsx writes them all")


def run_demo(args) -> int:
    """`taizhang demo [--out DIR]`: write the demo ledgers and import them into the demo's
    own database (--db, else data/demo.duckdb)."""
    from taizhang.etl.demo import build_demo

    out, database, publish = Path(args.out), demo_db_path(args.db), None
    try:
        if getattr(args, "command", None) == "demo" and (
                getattr(args, "warehouse", None) or os.environ.get(ENV_WAREHOUSE)):
            database, publish = _target(args)
        build_demo(database, out, publish)
    except (LedgerError, WarehouseError) as exc:
        return _fail(str(exc))
    if publish is not None:
        from taizhang.warehouse import from_args

        shown = from_args(args).display()
        print(f"示例数据已生成:台账在 {out},已发布到数据仓库 {shown};查看:taizhang --warehouse {shown} kpi / "
              f"demo data written: ledgers in {out}, published to the warehouse {shown}; to see it: "
              f"taizhang --warehouse {shown} kpi")
    elif getattr(args, "command", None) == "demo":
        print(f"示例数据已生成:台账在 {out},数据库 {database};查看:taizhang --db {database} serve / "
              f"demo data written: ledgers in {out}, database {database}; to see it: taizhang --db {database} serve")
    else:  # `serve --demo` serves it next
        print(f"示例数据已生成:台账在 {out},数据库 {database} / demo data written: ledgers in {out}, "
              f"database {database}")
    return 0


def run_suggest(args) -> int:
    """`taizhang profile suggest FILE`: a suggested profile on stdout."""
    from taizhang.etl.suggest import suggest_profile

    try:
        sys.stdout.write(suggest_profile(args.path))
    except LedgerError as exc:
        return _fail(str(exc))
    return 0
