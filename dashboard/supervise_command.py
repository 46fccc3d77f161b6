"""`taizhang supervise`: the 督办 list as Excel, CSV or JSON — the rows the 督办 page lists.

    taizhang supervise --where 街道=南站街道 --as-of 2022-07-31
        → 督办清单_南站街道_2022-07-31.xlsx in the working directory
    taizhang supervise --format json --out -            # JSON on standard output
"""

from __future__ import annotations

import sys
from pathlib import Path

FORMATS = ("xlsx", "csv", "json")


def register(sub) -> None:
    """Add `supervise` to the `taizhang` parser."""
    from taizhang.kpi.commands import add_period_argument

    p = sub.add_parser(
        "supervise",
        help="督办清单 Excel/CSV/JSON / write the 督办 (supervision) list",
        description="写出督办清单(与看板“督办”页同一清单,一案一行):截至统计日仍未办结的超期、停滞案件"
                    "(不论受理月份),及受理期间内的群众不满意、重新办理案件。\n"
                    "Write the 督办 list the dashboard's 督办 page shows, one row a case: cases still "
                    "open at the as-of date that are overdue or stalled (whatever month they came "
                    "in), and cases received in the period rated dissatisfied or reopened.\n"
                    "例 example: taizhang supervise --where 街道=南站街道 --as-of 2022-07-31",
    )
    p.add_argument("--format", default="xlsx", choices=FORMATS,
                   help="文件格式:xlsx(默认)、csv、json(JSON 键为固定英文名)/ file format (default "
                        "xlsx; JSON keys are fixed machine names)")
    p.add_argument("--out", metavar="FILE",
                   help="输出文件(默认当前目录下 督办清单_范围_截至日期.格式;- 为标准输出,xlsx 除外)/ "
                        "output file (default: 督办清单_<scope>_<as-of>.<format> here; - for standard "
                        "output, not for xlsx)")
    p.add_argument("--where", action="append", default=[], metavar="DIM=VALUE",
                   help="筛选,如 街道=南站街道;可重复 / keep only this value of a dimension, e.g. "
                        "street=南站街道; repeat for more")
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help="不满意、重办案件的受理日期起 / dissatisfied and reopened cases received on or after")
    p.add_argument("--to", dest="date_to", metavar="DATE",
                   help="不满意、重办案件的受理日期止 / dissatisfied and reopened cases received on or before")
    p.add_argument("--as-of", dest="as_of", metavar="DATE",
                   help="统计截至(默认数据中最新日期)/ as of this date (default: the latest date in the data)")
    add_period_argument(p)
    p.add_argument("--config", metavar="FILE.toml",
                   help="设置文件(默认 $TAIZHANG_CONFIG,否则 ./taizhang.toml)/ settings file")
    p.set_defaults(func=run)


def supervise(con, filters, settings, lang: str):
    """(rows of kpi.supervision_cases for the whole list, its SheetTitle): what every format writes."""
    from taizhang import kpi
    from taizhang.dashboard.supervision_file import sheet_title

    rows, total = kpi.supervision_cases(con, filters, settings)
    return rows, sheet_title(filters, kpi.list_as_of(con, filters), total, lang)


def run(args) -> int:
    """`taizhang supervise …`: write the list and say where."""
    from taizhang import kpi
    from taizhang.dashboard import supervision_file
    from taizhang.kpi.commands import parse_where, period_of, say_period
    from taizhang.kpi.periods import period_filters, period_note
    from taizhang.cli import UserError
    from taizhang.db import db_path, reading
    from taizhang.settings import SettingsError, load_settings

    lang = getattr(args, "lang", "zh")
    if args.format == "xlsx" and args.out == "-":
        raise UserError("xlsx 不能写到标准输出,请用 --out 文件名 / an .xlsx cannot go to standard "
                        "output: give --out FILE.xlsx, or --format csv or json.")
    try:
        settings = load_settings(args.config)
        filters = kpi.Filters.make(args.date_from, args.date_to, args.as_of, parse_where(args.where))
    except (SettingsError, kpi.FilterError) as exc:
        raise UserError(str(exc)) from None
    period = period_of(args)
    path = db_path(args.db)
    if not Path(path).exists():
        raise UserError(f"数据库 {path} 不存在,请先用 `taizhang load 台账` 导入 / no database at {path}: "
                        "load ledgers with `taizhang load PATH` first.")
    with reading(path) as con:
        try:
            kpi.check_where(con, filters)
        except kpi.FilterError as exc:
            raise UserError(str(exc)) from None
        filters, period = period_filters(con, filters, period)
        say_period(period_note(con, filters, period, lang), "table" if args.out != "-" else args.format)
        rows, title = supervise(con, filters, settings, lang)
    if args.format == "xlsx":
        data = supervision_file.xlsx_bytes(rows, title, lang)
    elif args.format == "csv":
        data = supervision_file.csv_text(rows, lang).encode("utf-8")
    else:
        data = (supervision_file.json_text(rows) + "\n").encode("utf-8")
    if args.out == "-":
        sys.stdout.buffer.write(data)
        return 0
    target = Path(args.out or supervision_file.file_name(title.scope, title.as_of, args.format, lang))
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise UserError(f"无法写入 / cannot write {target}: {exc.strerror}") from None
    print(f"{target}  ({title.cases} 件 / cases)")
    return 0
