"""The KPI layer's public functions, in one place: what the dashboard, the monthly report
and `taizhang kpi` call (`from taizhang.kpi import api as kpi`; kpi.headline, kpi.ranking …).

Each name is imported from the module that defines it, so a reader or a tool follows a
figure from its caller to its definition. Importing this module loads the whole KPI layer
(pandas, ibis: about 2 s); `taizhang.kpi` itself and its light modules (filters, commands)
do not, so the command line's parser stays fast.
"""

from __future__ import annotations

from taizhang.kpi.comparisons import headline, ranking, trend
from taizhang.kpi.fastpath import fast_path_status, last_fallback
from taizhang.kpi.dataset import (
    assumed_calendar_years, check_where, data_quality, data_quality_cases, dataset_info,
    imports_history, known_values, rejects_list,
)
from taizhang.kpi.definitions import DEFINITIONS, definitions
from taizhang.filters import DIMENSIONS, METRICS, FilterError, Filters
from taizhang.kpi.flow import resolved_in_period
from taizhang.kpi.lists import case_count, case_detail, case_history, case_list, case_timeline, mask_name
from taizhang.kpi.metrics import STATUS_COLUMNS, metrics, resolution_base, status_counts
from taizhang.kpi.officials import meetings_summary, official_table
from taizhang.kpi.recurring import recurring_problems
from taizhang.kpi.seeds import deputies, funnel, matter_shares, meetings_compliance, service_groups, signoff
from taizhang.kpi.supervision import (
    case_reasons, list_as_of, supervision_breakdown, supervision_cases, supervision_counts,
    supervision_kind_counts, supervision_list, supervision_summary,
)
from taizhang.formatting import (
    format_date, format_delta, format_number, format_rate, format_ratio, format_score,
)

__all__ = [
    "fast_path_status", "last_fallback",
    "DEFINITIONS", "DIMENSIONS", "FilterError", "Filters", "METRICS", "assumed_calendar_years",
    "case_count", "case_detail", "case_history", "case_list", "case_reasons", "case_timeline",
    "check_where", "data_quality", "data_quality_cases", "dataset_info", "definitions", "deputies",
    "format_date", "format_delta", "format_number", "format_rate", "format_ratio", "format_score",
    "funnel", "headline", "imports_history", "known_values", "list_as_of", "mask_name", "matter_shares",
    "meetings_compliance", "meetings_summary", "metrics", "official_table", "ranking",
    "recurring_problems", "rejects_list", "resolution_base", "resolved_in_period", "service_groups",
    "signoff", "STATUS_COLUMNS", "status_counts", "supervision_breakdown", "supervision_cases", "supervision_counts",
    "supervision_kind_counts", "supervision_list", "supervision_summary", "trend",
]
