"""The KPI layer: the only place a Taizhang metric is defined (SPEC §4).

Every function takes a DuckDB connection and answers with ibis expressions over the
canonical tables; results are pandas DataFrames or dicts. The dashboard, the monthly
report and `taizhang kpi` call these and nothing else. Definitions: docs/kpi.md.

The names below are imported on first use (PEP 562), so that `from taizhang import kpi` (the
command line's parser) does not load pandas and ibis (~1 s): the monthly report starts its
browser while they load.
"""

from __future__ import annotations

import importlib
import sys
import types

# public name → the module that defines it (kpi.<module>, or a full name: the number
# formats live in taizhang/ beside the text catalogue, shared with the charts)
_WHERE = {
    "data_quality": "dataset", "data_quality_cases": "dataset", "dataset_info": "dataset",
    "imports_history": "dataset", "rejects_list": "dataset", "check_where": "dataset",
    "known_values": "dataset", "assumed_calendar_years": "dataset",
    "DIMENSIONS": "taizhang.filters", "METRICS": "taizhang.filters", "FilterError": "taizhang.filters",
    "Filters": "taizhang.filters",
    "format_date": "taizhang.formatting", "format_delta": "taizhang.formatting",
    "format_number": "taizhang.formatting", "format_rate": "taizhang.formatting",
    "format_ratio": "taizhang.formatting", "format_score": "taizhang.formatting",
    "case_count": "lists", "case_detail": "lists", "case_list": "lists",
    "case_timeline": "lists", "mask_name": "lists",
    "supervision_counts": "supervision", "supervision_list": "supervision",
    "supervision_summary": "supervision", "supervision_cases": "supervision",
    "supervision_breakdown": "supervision", "list_as_of": "supervision",
    "supervision_kind_counts": "supervision", "case_reasons": "supervision",
    "case_history": "lists",
    "headline": "comparisons", "ranking": "comparisons", "trend": "comparisons",
    "metrics": "metrics", "resolution_base": "metrics", "resolved_in_period": "flow",
    "definitions": "definitions", "DEFINITIONS": "definitions",
    "meetings_summary": "officials", "official_table": "officials",
    "meetings_compliance": "seeds", "funnel": "seeds", "service_groups": "seeds",
    "matter_shares": "seeds", "signoff": "seeds", "deputies": "seeds",
    "recurring_problems": "recurring",
    "fast_path_status": "fastpath", "last_fallback": "fastpath",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """Loads the module that defines `name` (or the submodule `name`) on first use."""
    if name in _WHERE:
        where = _WHERE[name]
        value = getattr(importlib.import_module(where if "." in where else f"{__name__}.{where}"), name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'kpi' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


class _Package(types.ModuleType):
    """Keeps `kpi.metrics` the function: importing the submodule kpi.metrics would otherwise
    bind the module to that name on the package (the eager imports used to overwrite it)."""

    def __setattr__(self, name: str, value) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
