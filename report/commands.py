"""`taizhang report`: the monthly report as PDF and PNG, for the district, a scope or each street.

    taizhang report --month 2022-06 --out reports/
    taizhang report --where 街道=南站街道 --out reports/ --format png
    taizhang report --format longpng      # 长图: one tall column for a phone's chat group
    taizhang report --each street --out reports/        # one report per street, one browser
"""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("pdf", "png", "longpng")
# What each format's file is called: the 长图 is a PNG too, named so that both can sit
# side by side (2022-07_全区.png and 2022-07_全区_长图.png).
SUFFIXES = {"pdf": ".pdf", "png": ".png", "longpng": "_长图.png"}


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    from taizhang.filter_args import add_filter_arguments

    p = sub.add_parser(
        "report",
        help="月报 PDF/PNG / write the monthly report as PDF and PNG",
        description="写出月报(A4 一页,PDF 与 PNG);--lang en 写英文版。\n"
                    "Write the monthly report (one A4 page, PDF and PNG); --lang en writes it in English.\n"
                    "月份须在数据覆盖的月份之内 / the month must be one the data covers.",
    )
    p.add_argument("--month", metavar="YYYY-MM",
                   help="月份,如 2022-06、2022-6 或 2022年6月(默认:数据中最近一个完整月)/ month as 2022-06, "
                        "2022-6 or 2022年6月 (default: the latest complete month of the data)")
    # The slice as `taizhang kpi` takes it; a report's is one area (区、街道、社区), and its
    # period the month. --scope is the older name of --where.
    add_filter_arguments(
        p, period=False, where_aliases=("--scope",),
        where_help="范围:一个区、街道或社区,如 街道=南站街道(也可写 --scope);数据中没有的名称会报错并列出相近名称 / "
                   "the report's area: one district, street or community, e.g. street=南站街道 "
                   "(--scope works too); a name the data lacks is refused with the close names",
    )
    p.add_argument(
        "--each", choices=("street", "community"),
        help="每个街道(社区)各一份 / one report per street (or community) in one run",
    )
    p.add_argument("--out", default="data/reports", help="输出目录 / output folder (default data/reports)")
    p.add_argument("--format", default="pdf,png", help="文件格式 pdf、png、longpng(手机长图),可用逗号组合(默认 pdf,png)/ "
                        "pdf, png, longpng (a tall one-column image for phones), comma-separated "
                        "(default pdf,png)")
    p.set_defaults(func=run)


def _scope(filters) -> dict[str, str]:
    """The report's area ({'street': '南站街道'}) from the --where filters: one name per
    level, district, street or community only."""
    from taizhang.errors import UserError

    scope = {}
    for level, name in filters.where:
        if level not in ("district", "street", "community") or level in scope:
            raise UserError(
                f"--where {level}={name}: 月报范围是一个区、街道或社区,如 街道=南站街道 / a report "
                "covers one district, street or community, e.g. street=南站街道."
            )
        scope[level] = name
    return scope


def _parse_scope(items: list[str]) -> dict[str, str]:
    """--where (--scope) items as the report's area."""
    from types import SimpleNamespace

    from taizhang.filter_args import filters_from_args

    return _scope(filters_from_args(SimpleNamespace(where=items, as_of=None)))


def _parse_formats(text: str) -> list[str]:
    from taizhang.errors import UserError

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UserError(f"--format {text!r}: 只支持 pdf、png、longpng / use pdf, png, longpng "
                        "or a comma-separated list of them.")
    return formats


def run(args: argparse.Namespace) -> int:
    """Write the requested reports and print one line per file."""
    from taizhang.report.devtools import BrowserError
    from taizhang.report.render import RenderUnavailable, RendererThread, check_prerequisites
    from taizhang import i18n
    from taizhang.errors import UserError
    from taizhang.filter_args import filters_from_args, settings_from_args

    filters = filters_from_args(args)
    scope = _scope(filters)
    settings = settings_from_args(args)
    formats = _parse_formats(args.format)
    from taizhang.warehouse import from_args, no_database, reading_for

    warehouse = from_args(args)  # a URL that cannot be used is refused before anything starts
    if warehouse.is_duckdb and not warehouse.path.exists():
        raise UserError(no_database(warehouse.path))
    out = Path(args.out)
    try:
        # Fail before any query when the browser or the fonts are missing.
        check_prerequisites()
        out.mkdir(parents=True, exist_ok=True)
        # Chromium starts in its own thread while the KPI layer is imported and queried.
        with RendererThread() as renderer:
            from taizhang.kpi import api as kpi
            from taizhang.report.build import ReportError, iter_report_pages

            printed = []  # (page, Future of its files): a page prints while the next is computed
            try:
                with reading_for(args) as con:
                    for page in iter_report_pages(con, args.month, scope, each=args.each,
                                                  settings=settings, lang=args.lang,
                                                  as_of=filters.as_of):
                        printed.append((page, renderer.submit(page.html, formats)))
            except (ReportError, kpi.FilterError) as exc:
                raise UserError(str(exc)) from None
            for page, files in printed:
                for fmt, data in files.result().items():
                    target = out / f"{page.file_stem}{SUFFIXES[fmt]}"
                    target.write_bytes(data)
                    print(f"{target}  ({len(data) // 1024} KB)")
    except (RenderUnavailable, BrowserError) as exc:
        # Chromium missing, crashed or timed out: a message, Chinese first, not a traceback.
        raise UserError(" / ".join(i18n.t("report.render_failed", lang, error=exc)
                                   for lang in i18n.LANGS)) from None
    except OSError as exc:
        raise UserError(f"无法写入 / cannot write to {out}: {exc.strerror}") from None
    return 0
