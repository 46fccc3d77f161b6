"""Days overdue and days stalled are one rule (store.rules.days_past): the 督办 list read
from the cases open now (agg_open_cases) gives each case the days store.facts gives it over
every case, and both equal plain pandas, for random cases, settings and as-of dates."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from kpi_fixtures import case, make_db

from taizhang.filters import Filters
from taizhang.kpi import runner, supervision
from taizhang.settings import Settings
from taizhang.store import aggregates
from taizhang.store.facts import backend, case_facts, slice_values
from taizhang.store.slot import inline_slot

N_CASES = 300
START = date(2023, 1, 1)


def random_cases(rng: np.random.Generator) -> list[dict]:
    """Cases of every status; some with a deadline, some with progress, some resolved late."""
    rows = []
    for i in range(N_CASES):
        received = START + timedelta(days=int(rng.integers(0, 180)))
        status = str(rng.choice(["pending", "in_progress", "resolved", "deferred", "cancelled", "referred"],
                                p=[0.2, 0.3, 0.35, 0.05, 0.05, 0.05]))
        later = lambda low, high: received + timedelta(days=int(rng.integers(low, high)))  # noqa: E731
        rows.append(case(
            f"C{i:04d}", received.isoformat(), status,
            due_on=later(1, 60) if rng.random() < 0.5 else None,
            last_progress_on=later(0, 90) if rng.random() < 0.5 else None,
            resolved_on=later(0, 120) if status == "resolved" and rng.random() < 0.9 else None,
        ))
    return rows


def pandas_days(rows: list[dict], as_of: date, settings: Settings) -> pd.DataFrame:
    """case_id → days_overdue, days_stalled (NaN: not so) at as_of, counted in pandas."""
    f = pd.DataFrame(rows)
    for column in ("received_on", "due_on", "resolved_on", "last_progress_on"):
        f[column] = pd.to_datetime(f[column])
    at = pd.Timestamp(as_of)
    f = f[f.received_on <= at]
    resolved_later = (f.status == "resolved") & (f.resolved_on > at)
    open_then = f.status.isin(["pending", "in_progress"]) | resolved_later
    due = f.due_on.fillna(f.received_on + pd.Timedelta(days=settings.sla_days))
    progress = f.last_progress_on.fillna(f.received_on)
    overdue = open_then & (due < at)
    stalled = open_then & (progress < at - pd.Timedelta(days=settings.stall_days))
    return pd.DataFrame({
        "case_id": f.case_id,
        "days_overdue": (at - due).dt.days.where(overdue),
        "days_stalled": (at - progress).dt.days.where(stalled),
    }).set_index("case_id").sort_index()


def facts_days(con, as_of: date, settings: Settings) -> pd.DataFrame:
    t = case_facts(backend(con), Filters(), settings, as_of)
    frame = t.select("case_id", "days_overdue", "days_stalled").execute()
    return frame.set_index("case_id").sort_index().astype("float64")


def open_cases_days(con, as_of: date, settings: Settings, kind: str) -> pd.Series:
    """case_id → the days of `kind` supervision reads from agg_open_cases."""
    ib = backend(con)
    ctx = runner.data_context(ib, Filters(as_of=as_of))
    assert supervision._open_cases_answer(ib, ctx, Filters(as_of=as_of), settings), "not the open-cases path"
    slot = inline_slot(slice_values(Filters(), settings, as_of))
    frame = supervision._open_flagged(ib, Filters(), slot, (kind,)).execute()
    return frame.set_index("case_id")["sort_days"].sort_index().astype("float64")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_days_overdue_and_stalled_are_one_answer(tmp_path, seed):
    rng = np.random.default_rng(seed)
    settings = Settings(sla_days=int(rng.integers(5, 40)), stall_days=int(rng.integers(3, 30)))
    rows = random_cases(rng)
    con = make_db(tmp_path / "cases.duckdb", cases=rows)
    aggregates.rebuild(con, settings)
    latest = max(v for r in rows for v in (r["received_on"], r["resolved_on"]) if v is not None)

    # Facts over every case equal pandas on any day, before the last date in the data too.
    for offset in rng.integers(-150, 200, 4):
        as_of = latest + timedelta(days=int(offset))
        expected = pandas_days(rows, as_of, settings)
        pd.testing.assert_frame_equal(facts_days(con, as_of, settings), expected, obj=str(as_of))

    # The open-cases path (as_of on or after the last date in the data) gives the same days.
    for offset in (0, *rng.integers(1, 200, 3)):
        as_of = latest + timedelta(days=int(offset))
        expected = pandas_days(rows, as_of, settings)
        for kind, column in (("overdue", "days_overdue"), ("stalled", "days_stalled")):
            want = expected[column].dropna().rename("sort_days")
            assert len(want) > 0, (as_of, kind)
            pd.testing.assert_series_equal(open_cases_days(con, as_of, settings, kind), want,
                                           check_names=False, obj=f"{kind} {as_of}")
            # And the 督办 list's page picks its cases by those days: most days first.
            top = want.reset_index().merge(pd.DataFrame(rows)[["case_id", "received_on"]])
            top = top.sort_values(["sort_days", "received_on", "case_id"],
                                  ascending=[False, True, True]).head(5)
            page, total = supervision.supervision_cases(
                con, Filters(as_of=as_of), settings, kinds=(kind,), limit=5)
            assert total == len(want)
            assert list(page["case_id"]) == list(top["case_id"])
            assert list(page[column]) == list(top["sort_days"].astype(int))
    con.close()
