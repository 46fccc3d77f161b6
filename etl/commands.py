"""Sub-commands of `taizhang` that belong to etl/: areas, load, check, demo."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import date
from pathlib import Path

from etl.errors import Interrupted, LedgerError, raise_interrupted
from taizhang.db import db_path

# A terminal shows this many reject reasons per file; the rest go to --rejects-out.
REJECTS_SHOWN = 20


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    areas = sub.add_parser("areas", help="载入区域名录 / load the area registry CSV (district,street,community,kind)")
    areas.add_argument("path", help="registry CSV with columns district,street,community,kind")
    areas.set_defaults(func=run_areas)

    for name, help_text, dry_run in (
        ("load", "导入台账 / import ledgers (files or folders)", False),
        ("check", "检查台账,不写入 / check ledgers, write nothing", True),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("paths", nargs="+", metavar="PATH", help="ledger files (.xlsx .xls .ods .csv) or folders")
        cmd.add_argument("--profile", help="profile name (builtin, nyc311) or a .toml file")
        cmd.add_argument("--as-of", type=_iso_date, help="date of the ledger version, YYYY-MM-DD (default: latest date in the file)")
        cmd.add_argument("--rejects-out", metavar="FILE.xlsx", help="write rejected rows with a 原因 column to this workbook")
        cmd.add_argument("--progress", action="store_true", help="show a progress bar even when stderr is not a terminal")
        cmd.add_argument("--show-rejects", type=int, default=REJECTS_SHOWN, metavar="N",
                         help=f"print the reasons of the first N rejected rows of each file (default {REJECTS_SHOWN})")
        cmd.set_defaults(func=run_load, dry_run=dry_run)

    demo = sub.add_parser("demo", help="生成示例台账并导入 / write the demo ledgers and import them")
    demo.add_argument("--out", default="data/demo", help="folder for the demo ledgers (default data/demo)")
    demo.set_defaults(func=run_demo)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / expected a date like 2022-07-31, got {text!r}")


def _fail(message: str) -> int:
    print(f"taizhang: {message}", file=sys.stderr)
    return 2


def run_areas(args) -> int:
    """`taizhang areas PATH`."""
    from etl.areas import load_areas

    try:
        count = load_areas(db_path(args.db), args.path)
    except LedgerError as exc:
        return _fail(str(exc))
    print(f"区域名录已载入 {count} 行 / loaded {count} registry rows")
    return 0


def run_load(args) -> int:
    """`taizhang load|check PATH…`: one summary line per file; exit 1 when a file failed."""
    from etl.load import load_paths
    from etl.rejects_out import write_rejects
    from taizhang.settings import SettingsError

    # Ctrl-C and SIGTERM (a service manager, `kill`) stop the import the same way: the file
    # under way is rolled back (or was committed already) and we say which.
    previous = {sig: signal.signal(sig, raise_interrupted) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        summaries = load_paths(
            db_path(args.db), args.paths, profile=args.profile, as_of=args.as_of,
            dry_run=args.dry_run, progress=args.progress or sys.stderr.isatty(),
        )
    except (LedgerError, SettingsError) as exc:
        return _fail(str(exc))
    except Interrupted as exc:
        return _interrupted(exc, args)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for summary in summaries:
        print(summary.line())
        _print_rejects(summary.rejects, args.show_rejects)
    if args.rejects_out:
        count = write_rejects(args.rejects_out, summaries)
        print(f"未导入行已写入 {args.rejects_out}({count} 行)/ {count} rejected rows written to {args.rejects_out}")
    failed = [s for s in summaries if s.status == "failed"]
    if failed:
        print(
            f"taizhang: {len(failed)} 个文件未能导入,数据库未改动这些文件的数据;请按上面的提示修改后重新导入 / "
            f"{len(failed)} file(s) could not be imported and left the database as it was: fix them "
            "as the lines above say and load them again.",
            file=sys.stderr,
        )
        return 1
    return 0


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
    """`taizhang demo [--out DIR]`: write the demo ledgers and import them."""
    from etl.demo import build_demo

    out = Path(args.out)
    try:
        result = build_demo(db_path(args.db), out)
    except LedgerError as exc:
        return _fail(str(exc))
    if result is not None:
        print(result)
    print(f"示例数据已生成:台账在 {out},数据库 {db_path(args.db)} / demo data written: ledgers in {out}, database {db_path(args.db)}")
    return 0
