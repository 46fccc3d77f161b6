"""The 督办 list as a file: Excel (typed cells, title, autofilter), CSV or JSON.

One writer for the page's download and `taizhang supervise`, from kpi.supervision_cases'
rows (one per case): what the page lists is what the file holds.

    data = xlsx_bytes(rows, SheetTitle("南站街道", date(2022, 7, 31), "全部时间", 345), "zh", (30, 90, 365))
    name = file_name("南站街道", date(2022, 7, 31), "xlsx", "zh")  # 督办清单_南站街道_2022-07-31.xlsx
"""

from __future__ import annotations

import csv
import io
import json
import numbers
from dataclasses import dataclass
from datetime import date

import pandas as pd

from taizhang.dashboard import export
from taizhang.dashboard.masking import masked
from taizhang.kpi.supervision import SUPERVISION_KINDS
from taizhang.formatting import is_missing
from taizhang.i18n import label, satisfaction_label, status_label, t
from taizhang.safetext import csv_cell

# The columns of every file, in order (kpi.supervision.CASE_COLUMNS less the internal key).
EXPORT_COLUMNS = (
    "case_no", "reasons", "tier", "days_overdue", "days_stalled", "title", "street", "community",
    "responsible_unit", "officials", "received_on", "due_on", "status", "satisfaction",
    "reopened_count", "last_progress_on", "note",
)
DATE_COLUMNS = ("received_on", "due_on", "last_progress_on")
NUMBER_COLUMNS = ("days_overdue", "days_stalled", "reopened_count")


@dataclass(frozen=True)
class SheetTitle:
    """What the title rows say: scope ('南站街道', '全区'), as-of date, period, number of cases."""

    scope: str
    as_of: date
    period: str
    cases: int


SCOPE_DIMENSIONS = ("community", "street", "district")


def sheet_title(filters, as_of: date, cases: int, lang: str) -> SheetTitle:
    """The title of the list of `filters` (kpi.Filters): its narrowest area (全区 for none),
    as-of date and period of the signals (全部时间 without dates)."""
    scope = next(("、".join(filters.values(d)) for d in SCOPE_DIMENSIONS if filters.values(d)),
                 t("report.whole_district", lang))
    others = [v for d, v in filters.where if d not in SCOPE_DIMENSIONS]
    if others:
        scope = " · ".join([scope, *others])
    if filters.date_from or filters.date_to:
        first = filters.date_from.isoformat() if filters.date_from else "…"
        last = filters.date_to.isoformat() if filters.date_to else "…"
        period = t("period.span", lang, first=first, last=last)
    else:
        period = t("supervision.all_periods", lang)
    return SheetTitle(scope, as_of, period, cases)


def reasons_text(reasons, lang: str) -> str:
    """'overdue,stalled' as people read it: 超期未办结、进展停滞."""
    kinds = [k for k in str(reasons or "").split(",") if k in SUPERVISION_KINDS]
    return ("、" if lang == "zh" else ", ").join(t(f"reason.{k}", lang) for k in kinds)


def tier_text(tier, thresholds: tuple, lang: str) -> str | None:
    """An escalation tier (its threshold in days, kpi.supervision.escalation_tier) as people
    read it: the band of days its cases are overdue (超期31–90天: a case is in its highest
    tier only), the last open-ended (超期>365天); None when in no tier. `thresholds`:
    settings.escalation_days. The list, its file, the case page and the cards all say it so."""
    if is_missing(tier):
        return None
    above = [int(d) for d in thresholds if d > tier]
    return (t("tier.band", lang, low=int(tier) + 1, high=min(above)) if above
            else t("tier.value", lang, days=int(tier)))


def tier_band_text(tier, thresholds: tuple, lang: str) -> str:
    """tier_text as a heading: its first letter a capital ('Overdue 31–90 days')."""
    text = tier_text(tier, thresholds, lang) or ""
    return text[:1].upper() + text[1:]


def _cell(column: str, value, lang: str, thresholds: tuple):
    """One value of a supervision_cases row as a file holds it (None when missing)."""
    if column == "reasons":
        return reasons_text(value, lang)
    if column == "status":
        return status_label(value, lang)
    if column == "satisfaction":
        return satisfaction_label(value if isinstance(value, str) else None, lang)
    if is_missing(value):
        return None
    if column == "tier":
        return tier_text(value, thresholds, lang)
    if column in DATE_COLUMNS:
        return pd.Timestamp(value).date()
    if column in NUMBER_COLUMNS:
        return int(value)
    return masked(value) if column in ("title", "note") else value


def typed_rows(rows: pd.DataFrame, lang: str, thresholds: tuple) -> pd.DataFrame:
    """EXPORT_COLUMNS of supervision_cases' rows, as a file holds them: days as whole
    numbers, dates as dates, statuses, reasons and tiers in words (`thresholds`:
    settings.escalation_days), personal numbers masked."""
    records = rows.to_dict("records")
    # Plain Python values in object columns: pandas would turn days with gaps into floats.
    return pd.DataFrame({c: pd.Series([_cell(c, r.get(c), lang, thresholds) for r in records], dtype=object)
                         for c in EXPORT_COLUMNS})


def file_name(scope: str, as_of: date, ext: str, lang: str) -> str:
    """督办清单_南站街道_2022-07-31.xlsx: the list, its scope and as-of date (never a path)."""
    return export.file_name(t("supervision.file", lang), scope, as_of, ext)


def xlsx_bytes(rows: pd.DataFrame, title: SheetTitle, lang: str, thresholds: tuple) -> bytes:
    """The list as .xlsx (dashboard.export): a title row (scope, as-of), a note row (what
    is listed), the header with an autofilter, then one row a case — days as numbers,
    dates as dates."""
    data = typed_rows(rows, lang, thresholds)
    data.columns = [label(c, lang) for c in EXPORT_COLUMNS]
    as_of = title.as_of.isoformat()
    return export.xlsx_bytes(data, t("supervision.file", lang), export.Title(
        t("supervision.sheet_title", lang, scope=title.scope, as_of=as_of),
        t("supervision.sheet_note", lang, as_of=as_of, period=title.period, n=title.cases)))


def csv_text(rows: pd.DataFrame, lang: str, thresholds: tuple) -> str:
    """The list as CSV (UTF-8 with a BOM so Excel reads the Chinese): labelled header, dates
    2022-07-31, days as numbers, formula-looking text neutralised."""
    data = typed_rows(rows, lang, thresholds)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label(c, lang) for c in EXPORT_COLUMNS])
    for record in data.itertuples(index=False):
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date)
                         else int(v) if isinstance(v, numbers.Integral) else csv_cell(str(v))
                         for v in record])
    return "\ufeff" + out.getvalue()


def json_records(rows: pd.DataFrame) -> list[dict]:
    """The list as plain records with fixed machine keys (reasons as a list of kind names,
    tier and days as numbers, dates as 2022-07-31, null when missing), text masked."""
    records = []
    for r in rows.to_dict("records"):
        record = {}
        for column in ("case_id", *EXPORT_COLUMNS):
            value = r.get(column)
            if column == "reasons":
                value = [k for k in str(value or "").split(",") if k]
            elif is_missing(value):
                value = None
            elif column in DATE_COLUMNS:
                value = pd.Timestamp(value).date().isoformat()
            elif column in (*NUMBER_COLUMNS, "tier"):
                value = int(value)
            elif column in ("title", "note"):
                value = masked(value)
            record[column] = value
        records.append(record)
    return records


def json_text(rows: pd.DataFrame) -> str:
    """json_records as indented JSON (Chinese kept as characters)."""
    return json.dumps(json_records(rows), ensure_ascii=False, indent=2)
