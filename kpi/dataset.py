"""What is in the database: dataset facts, import history, rejects and data-quality flags."""

from __future__ import annotations

import pandas as pd

from kpi.filters import Filters


def dataset_info(con) -> dict:
    """Facts about the data: is_demo, first/last received_on, as_of (default), counts.

    Keys: is_demo (meta key 'demo'), first_received_on, last_received_on, as_of, cases,
    rejects, unknown_areas, imports, areas, streets, communities, officials, meetings.
    Dates are None on an empty database.
    """
    raise NotImplementedError


def imports_history(con) -> pd.DataFrame:
    """The imports table, newest first."""
    raise NotImplementedError


def rejects_list(con, import_id: int | None = None) -> pd.DataFrame:
    """Rejected rows (with their import's file), of one import or all."""
    raise NotImplementedError


def data_quality(con, filters: Filters | None = None, settings=None) -> pd.DataFrame:
    """Data-quality flags with counts: flag, label_zh, label_en, count."""
    raise NotImplementedError


def data_quality_cases(con, flag: str, filters: Filters | None = None, settings=None) -> pd.DataFrame:
    """The cases (or rejects, for resolved_before_received) behind one data-quality flag."""
    raise NotImplementedError
