"""What is in the database: dataset facts, import history, rejects and data-quality flags."""

from __future__ import annotations

import re
from dataclasses import replace

import ibis
import ibis.expr.types as ir
import pandas as pd

from taizhang.kpi import aggregated, runner
from taizhang.store import sla
from taizhang.store.facts import backend, case_facts, settings_or_default, slice_shape, slice_values
from taizhang.filters import NAMED_DIMENSIONS, FilterError, Filters, close_names
from taizhang.kpi.lists import listed_cases
from taizhang.store.rejects import REASONS
from taizhang.store.slot import Slot
from taizhang.settings import Settings
from taizhang.workdays import assumed_years

# A reject's rule is its code's first part ('before_received:resolved_on'). Rejects written
# before schema 4 have no code: for them the reason text is matched against the rule's
# template, Chinese / English, with any text where the template has a placeholder — the
# whole pattern, derived from the template itself, so a value quoting its words cannot pass
# for one.
REJECT_CODE = "before_received"


def reason_pattern(code: str) -> str:
    """A regular expression matching exactly the reasons etl.rejects.reason_text writes for `code`."""
    zh, en = REASONS[code]
    parts = re.split(r"\{\w+\}", zh + " / " + en)
    return "(?s)^" + ".*".join(re.escape(part) for part in parts) + "$"


QUALITY_FLAGS = {
    "resolved_before_received": ("办结日期早于受理日期(已拒收)", "Resolved before received (rejected)"),
    "bulk_same_day": ("同日批量办结(可疑)", "Resolved the same day in bulk (suspicious)"),
    "missing_community": ("缺少社区", "Missing community"),
    "unknown_area": ("未登记的区域", "Area not in the registry"),
    "not_rated": ("已解决未回访", "Resolved but not rated"),
}


def unknown_area_cases(ib, t: ir.Table) -> ir.Table:
    """Cases of t with a community whose (street, community) is not in the registry."""
    areas = ib.table("areas")
    named = t.filter(t.community.notnull() & (t.community != ""))
    return named.anti_join(
        areas, [named.street == areas.street, named.community == areas.community]
    )


def dataset_info(con) -> dict:
    """Facts about the data: is_demo, first/last received_on, as_of (default), counts.

    Keys: is_demo (meta key 'demo' set to a true value), last_import (when the latest
    import started), first_received_on, last_received_on, as_of, cases, rejects,
    unknown_areas, imports, source_files (files that added or changed data), areas, streets,
    communities, officials, meetings. Dates are None on an empty database.
    """
    ib = backend(con)
    ctx = runner.data_context(ib, Filters())
    unknown = _unknown_areas_aggregated(ib, ctx)
    counts = runner.run(ib, ("dataset_info", ctx.schema, unknown is None),
                        lambda: _dataset_counts(ib, unknown is None))
    counted = dict(zip(counts["name"], counts["n"]))
    if unknown is not None:
        counted["unknown_areas"] = unknown
    demo, last_import = runner.rows(
        ib, "SELECT (SELECT value FROM meta WHERE key = 'demo'), (SELECT max(started_at) FROM imports)")[0]
    return {
        "is_demo": demo is not None and str(demo).strip().lower() not in ("", "0", "false", "no"),
        "last_import": last_import,
        "first_received_on": ctx.first_received,
        "last_received_on": ctx.last_received,
        "as_of": ctx.latest,
        **{name: int(counted[name]) for name in COUNTED},
    }


COUNTED = ("cases", "rejects", "unknown_areas", "imports", "source_files", "areas", "streets",
           "communities", "officials", "meetings")


def _unknown_areas_aggregated(ib, ctx) -> int | None:
    """Cases in unregistered areas from the aggregate tables' community cells (no scan of
    the cases), or None when they cannot answer."""
    if ctx.latest is None:
        return None
    cells = aggregated.received_by_area(ib, ctx.state)
    if cells is None:
        return None
    if "areas" in ctx.state:  # the registry's rows came with the state (kpi.aggregated)
        registered = {(street, community) for _, street, community in ctx.state["areas"]}
    else:
        registered = set(runner.raw_connection(ib).execute(
            "SELECT DISTINCT street, community FROM areas").fetchall())
    return sum(received for street, community, received in cells
               if community and (street, community) not in registered)


def _dataset_counts(ib, with_unknown: bool) -> ir.Table:
    """(name, n) for every count dataset_info reports (a union: DuckDB plans it fast)."""
    table = ib.table
    cases, areas = table("cases"), table("areas")
    counts = {
        "cases": cases.count(),
        "areas": areas.count(),
        "streets": areas.street.nunique(),
        "communities": areas.select("street", "community").distinct().count(),
        **{name: table(name).count() for name in ("rejects", "imports", "officials", "meetings")},
        # Files whose rows are in the database: an import that added or changed data (a
        # failed, unchanged or all-rejected attempt contributed nothing).
        "source_files": _contributing_imports(table("imports")),
    }
    if with_unknown:
        counts["unknown_areas"] = unknown_area_cases(ib, cases).count()
    parts = [ibis.literal(name).name("name").as_table().mutate(n=n.as_scalar().cast("int64"))
             for name, n in counts.items()]
    return ibis.union(*parts)


def assumed_calendar_years(info: dict, settings: Settings | None = None) -> list[int]:
    """Years the data's working-day deadlines reach whose working days are assumed
    Monday–Friday (no chinese-calendar data and no [calendar] entry); from dataset_info."""
    return assumed_years(info.get("first_received_on"), info.get("last_received_on"),
                         settings_or_default(settings))


def known_values(con, dim: str) -> set[str]:
    """The values a dimension can take: the registry's and the cases' area names, the
    officials' names and ids, the cases' channels, categories and matter classes."""
    ib = backend(con)
    if dim == "official":
        officials = ib.table("officials")
        frame = officials.select("official_id", "name").execute()
        return set(frame["official_id"].dropna()) | set(frame["name"].dropna())
    values = set(ib.table("cases").select(dim).distinct().execute()[dim].dropna())
    if dim in ("district", "street", "community"):
        values |= set(ib.table("areas").select(dim).distinct().execute()[dim].dropna())
    return {str(v) for v in values}


def check_where(con, filters: Filters) -> None:
    """FilterError naming each --where value that no case, area or official has, with the
    names that come close (a typo or a short name must not read as a row of zeros)."""
    problems, dims = [], []
    for dim in NAMED_DIMENSIONS:
        wanted = filters.values(dim)
        if not wanted:
            continue
        known = known_values(con, dim)
        for value in wanted:
            if value in known:
                continue
            close = close_names(value, known)
            hint_zh = f"相近的名称:{'、'.join(close)}" if close else "数据中没有相近的名称"
            hint_en = f"close names: {', '.join(close)}" if close else "no close name in the data"
            problems.append(f"{dim}={value}:数据中没有这个值,{hint_zh} / no {dim} {value!r} in the "
                            f"data; {hint_en}")
            dims.append(dim)
    if problems:
        raise FilterError(";".join(problems) + f"。(taizhang kpi --by {dims[0]} 列出全部名称 / "
                          "lists every name)")


def _contributing_imports(imports: ir.Table) -> ir.Scalar:
    ok = imports.filter((imports.status == "ok") & ((imports.rows_new + imports.rows_updated) > 0))
    return ok.file.nunique()


def imports_history(con) -> pd.DataFrame:
    """The imports table, newest first."""
    imports = backend(con).table("imports")
    return imports.order_by([ibis.desc("import_id")]).execute()


def rejects_list(con, import_id: int | None = None) -> pd.DataFrame:
    """Rejected rows with their import's file: file, sheet, row, column, value, reason, raw,
    code (the rule, None for rejects of schema < 4: `reason_in_language` reads either)."""
    ib = backend(con)
    rejects = ib.table("rejects")
    if import_id is not None:
        rejects = rejects.filter(rejects.import_id == int(import_id))
    return _reject_rows(ib, rejects)


def _resolved_before_received(ib) -> ir.Table:
    rejects = ib.table("rejects")
    return rejects.filter(ibis.ifelse(
        rejects.code.isnull(), rejects.reason.re_search(reason_pattern(REJECT_CODE)),
        rejects.code.split(":")[0] == REJECT_CODE))


def _flagged(ib, flag: str, filters: Filters, settings: Settings, ctx, slot: Slot) -> ir.Table:
    """The slice's cases behind one case-level flag (facts columns)."""
    t = case_facts(ib, filters, settings, ctx.as_of, span=(ctx.first_received, ctx.last_received),
                   slot=slot)
    if flag == "missing_community":
        return t.filter(t.community.isnull() | (t.community == ""))
    if flag == "unknown_area":
        return unknown_area_cases(ib, t)
    if flag == "not_rated":
        return t.filter(t.is_resolved & t.satisfaction_asof.isnull())
    if flag == "bulk_same_day":
        same_day = t.filter(t.is_resolved & (t.resolved_on == t.received_on))
        per_day = same_day.group_by(["street", "community", "received_on"]).aggregate(n=same_day.count())
        bulk = per_day.filter(per_day.n >= slot("bulk_same_day_min", "int64"))
        return same_day.semi_join(bulk, ["street", "community", "received_on"])
    raise _unknown_flag(flag)


def _unknown_flag(flag: str) -> FilterError:
    return FilterError(
        f"未知数据质量标记 / unknown data-quality flag {flag!r}; use one of {', '.join(QUALITY_FLAGS)}."
    )


def _quality_query(ib, filters: Filters, settings: Settings):
    """(shape key, bound values, filters with as_of, ctx) of a data-quality question."""
    ctx = runner.data_context(ib, filters)
    filters = replace(filters, as_of=ctx.as_of)
    span = (ctx.first_received, ctx.last_received)
    values = {**slice_values(filters, settings, ctx.as_of, span),
              "bulk_same_day_min": settings.bulk_same_day_min}
    return (slice_shape(filters), sla.due_shape(settings, span), ctx.schema), values, filters, ctx


def data_quality(con, filters: Filters | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Data-quality flags with counts: flag, label_zh, label_en, count (rejects count whole)."""
    ib = backend(con)
    settings = settings_or_default(settings)
    shape, values, filters, ctx = _quality_query(ib, filters or Filters(), settings)

    def build() -> ir.Table:
        slot = Slot()
        parts = []
        for flag in QUALITY_FLAGS:
            rows = _resolved_before_received(ib) if flag == "resolved_before_received" \
                else _flagged(ib, flag, filters, settings, ctx, slot)
            parts.append(ibis.literal(flag).name("flag").as_table()
                         .mutate(n=rows.count().as_scalar().cast("int64")))
        return ibis.union(*parts)

    counted = runner.run(ib, ("data_quality", shape), build, values)
    counted = dict(zip(counted["flag"], counted["n"]))
    return pd.DataFrame([{"flag": flag, "label_zh": zh, "label_en": en, "count": int(counted[flag])}
                         for flag, (zh, en) in QUALITY_FLAGS.items()])


def data_quality_cases(con, flag: str, filters: Filters | None = None,
                       settings: Settings | None = None, pii: bool = False) -> pd.DataFrame:
    """The rows behind one flag: rejects for resolved_before_received, else case_list rows."""
    ib = backend(con)
    settings = settings_or_default(settings)
    if flag == "resolved_before_received":
        return _reject_rows(ib, _resolved_before_received(ib))
    if flag not in QUALITY_FLAGS:
        raise _unknown_flag(flag)
    shape, values, filters, ctx = _quality_query(ib, filters or Filters(), settings)
    return listed_cases(ib, ("quality", flag, shape),
                        lambda: _flagged(ib, flag, filters, settings, ctx, Slot()), values, pii)


def _reject_rows(ib, rejects: ir.Table) -> pd.DataFrame:
    imports = ib.table("imports")
    joined = rejects.left_join(imports, rejects.import_id == imports.import_id).select(
        rejects.import_id, imports.file, rejects.sheet, rejects.row, rejects.column,
        rejects.value, rejects.reason, rejects.raw, rejects.code,
    )
    return joined.order_by([ibis.desc("import_id"), "file", "sheet", "row"]).execute()
