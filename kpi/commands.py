"""`taizhang kpi`: the KPIs of any slice and grouping, as a table, CSV or JSON.

    taizhang kpi --by street,month --from 2022-01-01 --to 2022-07-31 --as-of 2022-07-31 \\
                 --where street=南站街道 --format json

JSON is a list of objects whose keys are the group columns and exactly SPEC §7's metric
names (rates as fractions 0–1, undefined as null); without --by, a one-row list. The table
and CSV headers are the metrics' names in the chosen language (--lang, $TAIZHANG_LANG).
"""

from __future__ import annotations

import csv
import io
import json
import sys

FORMATS = ("table", "csv", "json")
# --view NAME: the seed systems' tables (kpi.seeds, kpi.recurring), keys as docs/kpi.md lists.
VIEWS = ("meetings", "funnel", "groups", "matters", "signoff", "deputies", "recurring")


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    from taizhang.filter_args import add_filter_arguments
    from taizhang.filters import DIMENSIONS

    p = sub.add_parser(
        "kpi",
        help="指标 / KPIs of any slice, grouped by any dimension",
        description="按维度输出指标(与看板同一口径)。日期可写 2023-03-31、2023/3/31、2023年3月31日、"
                    "20230331,或月份 2023年3月、2023-3。\n"
                    "Print the KPIs of a slice, grouped by dimensions (the dashboard's numbers).\n"
                    "例 example: taizhang kpi --by 街道,月份 --from 2023年1月 --to 2023年3月 "
                    "--where 街道=南站街道",
    )
    p.add_argument("--by", default="", metavar="DIM[,DIM…]",
                   help=f"分组维度,逗号分隔:区、街道、社区、渠道、类别、事项分类、干部、月份 / group by, "
                        f"comma-separated: {', '.join(DIMENSIONS)}")
    add_filter_arguments(p)
    p.add_argument("--format", default="table", choices=FORMATS,
                   help="输出格式:table 表格、csv、json(JSON 键为固定英文名)/ output format (JSON keys "
                        "are fixed machine names)")
    p.add_argument("--view", choices=VIEWS, default=None,
                   help="专项表(自带分组;funnel 可加 --by 社区):meetings 2+4 与提议反馈率、funnel 协商议事漏斗、"
                        "groups 服务团、matters 三事分流、signoff 销号、deputies 认领代表、recurring 重复问题(每月一题)/ "
                        "a seed-system table instead of the metrics, with its own grouping (funnel: "
                        "--by community for communities): " + ", ".join(VIEWS))
    p.set_defaults(func=run)


def output_records(frame, by: tuple[str, ...]) -> list[dict]:
    """The result as plain records: the `by` columns and METRICS, undefined values None."""
    from taizhang.filters import METRICS
    from taizhang.kpi.metrics import plain

    columns = [*by, *METRICS]
    return [{c: plain(row[c]) for c in columns} for row in frame[columns].to_dict("records")]


def render(records: list[dict], by: tuple[str, ...], fmt: str, lang: str = "zh") -> str:
    """records as JSON (machine names), CSV (fractions, empty = undefined) or a readable
    table (84.6%, —); CSV and table headed by the columns' names in `lang`."""
    from taizhang.filters import METRICS, RATE_METRICS
    from taizhang.formatting import format_number, format_rate, format_score

    def cell(column, value):
        if column in by:
            return "—" if value is None else str(value)
        if column == "score":
            return format_score(value)
        return format_rate(value) if column in RATE_METRICS else format_number(value)

    return _write(records, [*by, *METRICS], fmt, lang, cell)


def _write(records: list[dict], columns: list[str], fmt: str, lang: str, cell) -> str:
    """records as JSON (machine names), CSV (raw values) or a table of cell(column, value),
    CSV and table headed by the columns' names in `lang`. Every CSV cell goes through
    csv_cell: area, official, deputy and title text is ledger text, and one starting like
    a formula gets a '."""
    from taizhang.i18n import label
    from taizhang.safetext import csv_cell

    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2)
    headers = [label(c, lang) for c in columns]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([("" if r[c] is None else csv_cell(r[c])) for c in columns] for r in records)
        return out.getvalue().rstrip("\n")
    rows = [[cell(c, r[c]) for c in columns] for r in records]
    widths = [max([_width(h)] + [_width(row[i]) for row in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths))]
    lines += ["  ".join(_pad(v, w) for v, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def run(args) -> int:
    """`taizhang kpi …`: print the metrics of the slice."""
    from taizhang.kpi import api as kpi
    from taizhang.kpi.metrics import check_by
    from taizhang.kpi.periods import period_filters, period_note
    from taizhang.errors import UserError
    from taizhang.filter_args import filters_from_args, settings_from_args
    from taizhang.warehouse import reading_for

    settings = settings_from_args(args)
    filters = filters_from_args(args)
    try:
        by = check_by(tuple(d.strip() for d in args.by.split(",") if d.strip()))
    except kpi.FilterError as exc:
        raise UserError(str(exc)) from None
    period = period_of(args)
    lang = getattr(args, "lang", "zh")
    with reading_for(args) as con:
        try:
            kpi.check_where(con, filters)
        except kpi.FilterError as exc:
            raise UserError(str(exc)) from None
        filters, period = period_filters(con, filters, period)
        say_period(period_note(con, filters, period, lang), args.format)
        if args.view:
            frame = view_frame(con, args.view, filters, settings, by)
            sys.stdout.write(render_view(frame, args.format, lang) + "\n")
            return 0
        frame = kpi.metrics(con, by, filters, settings)
    by_columns = tuple(by)
    sys.stdout.write(render(output_records(frame, by_columns), by_columns, args.format, lang) + "\n")
    if args.format == "table":  # which cases the score, rank and due columns judge, under them
        from taizhang.i18n import t

        print(t(f"ranking.cohort.{settings.ranking_basis}", lang))
    return 0


def view_frame(con, view: str, filters, settings, by: tuple[str, ...] = ()):
    """The table `--view` names, as kpi.seeds / kpi.recurring give it (`--by community`:
    the funnel per community; other groupings are the view's own)."""
    from taizhang.kpi import recurring, seeds

    if view == "recurring":
        return recurring.recurring_problems(con, filters, settings)[0]
    if view == "funnel" and "community" in by:
        return seeds.funnel(con, filters, settings, level="community")
    build = {"meetings": seeds.meetings_compliance, "funnel": seeds.funnel, "groups": seeds.service_groups,
             "matters": seeds.matter_shares, "signoff": seeds.signoff, "deputies": seeds.deputies}[view]
    return build(con, filters, settings)


def render_view(frame, fmt: str, lang: str = "zh") -> str:
    """A --view table as JSON (its column names as keys, rates 0–1, undefined null), CSV or
    a readable table, like the metrics."""
    from taizhang.kpi.metrics import plain
    from taizhang.kpi.seed_columns import SEED_RATES
    from taizhang.formatting import format_number, format_rate

    columns = list(frame.columns)
    records = [{c: plain(row[c]) for c in columns} for row in frame.to_dict("records")]

    def cell(column, value):
        if column in SEED_RATES:
            return format_rate(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_number(value)
        return "—" if value is None else str(value)

    return _write(records, columns, fmt, lang, cell)


def period_of(args) -> str | None:
    """The --period preset's name (None: not given); UserError for an unknown one or one
    given with --from/--to."""
    from taizhang.errors import UserError
    from taizhang.kpi.periods import period_name

    period = getattr(args, "period", None)
    try:
        name = period_name(period)
    except ValueError:
        raise UserError(f"--period {period!r}: 请写 本月、上月、本季、本年、近12个月 或 全部 / use month, "
                        "last_month, quarter, year, 12m or all.") from None
    if name and (getattr(args, "date_from", None) or getattr(args, "date_to", None)):
        raise UserError("--period 与 --from/--to 只能写一种 / give either --period or --from/--to.")
    return name


def say_period(note: str, fmt: str) -> None:
    """The period a result counts, said first: above a table, on standard error beside
    CSV and JSON (their standard output stays the data alone)."""
    print(note, file=sys.stdout if fmt == "table" else sys.stderr, flush=True)
