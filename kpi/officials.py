"""Officials and meetings: per-official KPIs with attendance, meetings held and the 2+4 rule."""

from __future__ import annotations

import pandas as pd

from kpi.filters import Filters


def official_table(con, filters: Filters, settings=None) -> pd.DataFrame:
    """Per official: official_id, official, title, unit, METRICS, meetings_attended,
    months_attended, months_in_period, attendance (None when the period has no months).

    A case counts for every official linked to it, so totals may exceed the district's.
    """
    raise NotImplementedError


def meetings_summary(con, filters: Filters, settings=None) -> pd.DataFrame:
    """Meetings held per registry street and community, against the 2+4 rule.

    Columns: level ('street' | 'community'), district, street, community (None for a
    street), meetings_held, required (threshold × years in the period, rounded up),
    compliant (bool). Street rows count meetings held at street level (no community).
    """
    raise NotImplementedError
