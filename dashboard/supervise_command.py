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
    from taizhang.filter_args import add_filter_arguments

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
    add_filter_arguments(p, period_help=(
        "不满意、重办案件的受理日期起(月份表示该月第一天)/ dissatisfied and reopened cases received on "
        "or after (a month: its first day)",
        "不满意、重办案件的受理日期止(月份表示该月最后一天)/ dissatisfied and reopened cases received on "
        "or before (a month: its last day)"))
    p.set_defaults(func=run)


def supervise(con, filters, settings, lang: str):
    """(rows of kpi.supervision_cases for the whole list, its SheetTitle): what every format writes."""
    from taizhang.kpi import api as kpi
    from taizhang.dashboard.supervision_file import sheet_title

    rows, total = kpi.supervision_cases(con, filters, settings)
    return rows, sheet_title(filters, kpi.list_as_of(con, filters), total, lang)


def run(args) -> int:
    """`taizhang supervise …`: write the list and say where."""
    from taizhang.kpi import api as kpi
    from taizhang.dashboard import supervision_file
    from taizhang.kpi.commands import period_of, say_period
    from taizhang.kpi.periods import period_filters, period_note
    from taizhang.errors import UserError
    from taizhang.filter_args import filters_from_args, settings_from_args
    from taizhang.warehouse import reading_for

    lang = getattr(args, "lang", "zh")
    if args.format == "xlsx" and args.out == "-":
        raise UserError("xlsx 不能写到标准输出,请用 --out 文件名 / an .xlsx cannot go to standard "
                        "output: give --out FILE.xlsx, or --format csv or json.")
    settings = settings_from_args(args)
    filters = filters_from_args(args)
    period = period_of(args)
    with reading_for(args) as con:
        try:
            kpi.check_where(con, filters)
        except kpi.FilterError as exc:
            raise UserError(str(exc)) from None
        filters, period = period_filters(con, filters, period)
        say_period(period_note(con, filters, period, lang), "table" if args.out != "-" else args.format)
        rows, title = supervise(con, filters, settings, lang)
    if args.format == "xlsx":
        data = supervision_file.xlsx_bytes(rows, title, lang, settings.escalation_days)
    elif args.format == "csv":
        data = supervision_file.csv_text(rows, lang, settings.escalation_days).encode("utf-8")
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
