"""The KPI layer: the only place a Taizhang metric is defined (SPEC §4).

Every function takes a DuckDB connection and answers with ibis expressions over the
canonical tables; results are pandas DataFrames or dicts. The dashboard, the monthly
report and `taizhang kpi` call these and nothing else. Definitions: docs/kpi.md.
"""

from kpi.dataset import (
    data_quality,
    data_quality_cases,
    dataset_info,
    imports_history,
    rejects_list,
)
from kpi.filters import DIMENSIONS, METRICS, FilterError, Filters
from kpi.formatting import format_date, format_delta, format_number, format_rate, format_ratio
from kpi.lists import case_count, case_detail, case_list, case_timeline, mask_name
from kpi.supervision import supervision_counts, supervision_list, supervision_summary
from kpi.comparisons import headline, ranking, trend
from kpi.metrics import metrics
from kpi.officials import meetings_summary, official_table

__all__ = [
    "DIMENSIONS", "METRICS", "FilterError", "Filters",
    "metrics", "headline", "trend", "ranking",
    "case_list", "case_count", "supervision_list", "supervision_counts", "supervision_summary",
    "case_detail", "case_timeline", "mask_name",
    "official_table", "meetings_summary",
    "data_quality", "data_quality_cases", "dataset_info", "imports_history", "rejects_list",
    "format_rate", "format_ratio", "format_date", "format_number", "format_delta",
]
