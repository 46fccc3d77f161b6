"""The slice a command reads — `taizhang kpi`, `taizhang report`, `taizhang supervise` —
as command-line options defined once: the same names, help and defaults in each.

    add_filter_arguments(parser)                  # --where, --from, --to, --period, --as-of, --config
    filters = filters_from_args(args)             # Filters, or UserError
    settings = settings_from_args(args)           # the --config settings, or UserError
"""

from __future__ import annotations

PERIOD_HELP = (
    "受理日期起(月份表示该月第一天)/ received on or after (a month: its first day)",
    "受理日期止(月份表示该月最后一天)/ received on or before (a month: its last day)",
)
WHERE_HELP = (
    "筛选,如 街道=南站街道;可重复(同一维度任一值即可);数据中没有的名称会报错并列出相近名称 / "
    "keep only this value of a dimension, e.g. street=南站街道; repeat for more (same "
    "dimension: any of the values); a name the data lacks is refused with the close names"
)


def add_filter_arguments(parser, *, period: bool = True, where_aliases: tuple[str, ...] = (),
                         where_help: str = WHERE_HELP,
                         period_help: tuple[str, str] = PERIOD_HELP) -> None:
    """Add the slice's options to a sub-command's parser.

    period: --from, --to and --period (a command with its own period, the report's
    --month, has none); where_aliases: older names --where keeps answering to (the report's --scope);
    where_help, period_help: what --where may name and which cases the period picks, for
    a command that reads them more narrowly than `taizhang kpi`.
    """
    parser.add_argument("--where", *where_aliases, dest="where", action="append", default=[],
                        metavar="DIM=VALUE", help=where_help)
    if period:
        parser.add_argument("--from", dest="date_from", metavar="DATE", help=period_help[0])
        parser.add_argument("--to", dest="date_to", metavar="DATE", help=period_help[1])
        parser.add_argument(
            "--period", metavar="PERIOD",
            help="统计期间(不写 --from/--to 时):本月(默认,数据中最近一个完整月)、上月、本季、本年、"
                 "近12个月、全部 / the period when no --from/--to is given: month (default: the "
                 "latest complete month of the data), last_month, quarter, year, 12m, all")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE",
                        help="统计截至(默认数据中最新日期)/ status as of this date (default: the "
                             "latest date in the data)")
    parser.add_argument("--config", metavar="FILE.toml",
                        help="设置文件(默认 $TAIZHANG_CONFIG,否则 ./taizhang.toml)/ settings file "
                             "(default: $TAIZHANG_CONFIG, else ./taizhang.toml)")


def parse_where(items: list[str]) -> list[tuple[str, str]]:
    """`street=南站街道` items as (dimension, value) pairs; UserError for a malformed item."""
    from taizhang.errors import UserError

    pairs = []
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip() or not value.strip():
            raise UserError(f"--where {item!r}: 请写成 街道=南站街道 / write it as street=南站街道.")
        pairs.append((dim.strip(), value.strip()))
    return pairs


def filters_from_args(args):
    """The Filters the parsed options describe; UserError for a bad date or dimension."""
    from taizhang.errors import UserError
    from taizhang.filters import FilterError, Filters

    try:
        return Filters.make(getattr(args, "date_from", None), getattr(args, "date_to", None),
                            args.as_of, parse_where(args.where))
    except FilterError as exc:
        raise UserError(str(exc)) from None


def settings_from_args(args):
    """The settings of --config (else $TAIZHANG_CONFIG, else ./taizhang.toml); UserError
    for a file that is not valid."""
    from taizhang.errors import UserError
    from taizhang.settings import SettingsError, load_settings

    try:
        return load_settings(args.config)
    except SettingsError as exc:
        raise UserError(str(exc)) from None

