"""The cases behind the numbers: case lists, the supervision (督办) list, one case's page."""

from __future__ import annotations

import pandas as pd

from kpi.filters import Filters


def case_list(con, filters: Filters, search: str | None = None, limit: int = 500,
              offset: int = 0, pii: bool = False) -> pd.DataFrame:
    """The slice's cases, newest first, with their status as of as_of and their officials.

    Columns: case_id, received_on, district, street, community, channel, category,
    matter_class, title, responsible_unit, officials (lead names joined by 、), reporter
    (masked 陶*国 unless pii), status (as of as_of), due_on (with the SLA), resolved_on,
    closed_on, satisfaction, reopened_count, source_file, source_sheet, source_row.
    `search` matches case_id, title, note and responsible_unit (case-insensitive).
    """
    raise NotImplementedError


def supervision_list(con, filters: Filters, settings=None) -> pd.DataFrame:
    """The 督办 list: overdue, stalled, dissatisfied and reopened cases of the slice.

    One row per (case, kind); kind ∈ overdue | stalled | dissatisfied | reopened.
    Columns: kind, case_id, title, street, community, responsible_unit, officials (lead
    names joined by 、), received_on, due_on, days_overdue, days_stalled, status,
    satisfaction, reopened_count. Sorted by kind, then days overdue/stalled desc.
    """
    raise NotImplementedError


def case_detail(con, case_id: str, pii: bool = False) -> dict | None:
    """One case as a dict of its columns plus `officials` (list of dicts) and `meeting`."""
    raise NotImplementedError


def case_timeline(con, case_id: str) -> pd.DataFrame:
    """A case's events: event_on, status, note, import_id, file; oldest first."""
    raise NotImplementedError
