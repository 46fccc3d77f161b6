"""A generated ledger of 120,000 cases: every metric, for every grouping, equals an
independent plain-pandas computation of SPEC §4 (numpy-style linear quantiles)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from kpi_fixtures import make_db

from taizhang.kpi import api as kpi
from taizhang.settings import Settings

from benchmarks.pandas_reference import COHORT, derive, judged, with_cohort  # noqa: E402

N_CASES = 120_000
AS_OF = pd.Timestamp("2023-05-31")
STREETS = [f"{name}街道" for name in ("东湖", "西湖", "南湖", "北湖")]
COMMUNITIES = [(s, f"{s[:2]}{i}社区") for s in STREETS for i in range(1, 6)]
# Two registry communities that never get a case: they must still show, with zeros.
EMPTY_COMMUNITIES = [(STREETS[0], "东湖空社区"), (STREETS[3], "北湖空村")]
CHANNELS = ["幸福圆桌会", "小队会", "民生议事堂", "12345"]
CATEGORIES = [f"类别{i}" for i in range(10)]
STATUSES = ["pending", "in_progress", "resolved", "deferred", "cancelled", "referred"]
SATISFACTION = ["satisfied", "basically_satisfied", "dissatisfied", None]
GROUPINGS = [(), *((d,) for d in kpi.DIMENSIONS), ("street", "community"), ("street", "month"),
             ("channel", "category"), ("matter_class", "month")]


def generate(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(cases, case_officials, officials) with every awkward case SPEC §4 knows of."""
    n = N_CASES
    received = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 912, n), unit="D")
    status = rng.choice(STATUSES, n, p=[0.08, 0.12, 0.70, 0.05, 0.03, 0.02])
    closure = np.floor(rng.lognormal(2.3, 1.0, n)).astype(int)
    resolved_on = pd.Series(received + pd.to_timedelta(closure, unit="D"))
    resolved_on[(status != "resolved") | (rng.random(n) < 0.03)] = pd.NaT  # some undated
    area = rng.integers(0, len(COMMUNITIES), n)
    street = np.array([COMMUNITIES[i][0] for i in area], dtype=object)
    community = np.array([COMMUNITIES[i][1] for i in area], dtype=object)
    stray = rng.random(n)
    community[stray < 0.01] = None            # missing community
    community[(stray >= 0.01) & (stray < 0.02)] = "未登记社区"  # not in the registry
    due_on = pd.Series(received + pd.to_timedelta(rng.integers(5, 60, n), unit="D"))
    due_on[rng.random(n) < 0.7] = pd.NaT      # most ledgers give no deadline: SLA applies
    progress = pd.Series(received + pd.to_timedelta(rng.integers(0, 120, n), unit="D"))
    progress[rng.random(n) < 0.4] = pd.NaT
    satisfaction = rng.choice(np.array(SATISFACTION, dtype=object), n, p=[0.5, 0.2, 0.08, 0.22])
    satisfaction[(status != "resolved") & (rng.random(n) < 0.8)] = None
    matter = rng.choice(np.array(["大事", "小事", "私事", None], dtype=object), n)
    # 12345-style rows (60%) carry times of day; 签收 on 70% of rows (a date alone on the
    # others' 00:00), 反馈 on a third of the resolved ones, some after as_of.
    minute = lambda: pd.to_timedelta(rng.integers(0, 1440, n), unit="min")  # noqa: E731
    timed = rng.random(n) < 0.6
    received_at = pd.Series(received + minute()).where(timed)
    resolved_at = (resolved_on + minute()).where(timed)
    responded_at = (received_at.fillna(pd.Series(received)) + pd.to_timedelta(rng.integers(0, 600, n), unit="min")
                    ).where(rng.random(n) < 0.7)
    feedback_at = (resolved_on + pd.to_timedelta(rng.integers(0, 15 * 1440, n), unit="min")
                   ).where(rng.random(n) < 0.33)
    cases = pd.DataFrame({
        "case_id": [f"G{i:06d}" for i in range(n)],
        "district": "西湖区", "street": street, "community": community,
        "channel": rng.choice(CHANNELS, n), "category": rng.choice(CATEGORIES, n),
        "matter_class": matter, "received_on": received, "due_on": due_on,
        "resolved_on": resolved_on, "status": status, "satisfaction": satisfaction,
        "reopened_count": (rng.random(n) < 0.02).astype(int), "last_progress_on": progress,
        "received_at": received_at, "resolved_at": resolved_at, "responded_at": responded_at,
        "feedback_at": feedback_at,
    })
    officials = pd.DataFrame({"official_id": [f"o{i}" for i in range(60)],
                              "name": [f"干部{i}" for i in range(60)]})
    per_case = rng.choice([0, 1, 2, 3], n, p=[0.2, 0.5, 0.2, 0.1])
    case_index = np.repeat(np.arange(n), per_case)
    links = pd.DataFrame({
        "case_id": cases["case_id"].to_numpy()[case_index],
        "official_id": officials["official_id"].to_numpy()[rng.integers(0, 60, len(case_index))],
        "role": rng.choice(["lead", "deputy", "handler", "supervisor"], len(case_index)),
    }).drop_duplicates(["case_id", "official_id", "role"])
    return cases, links, officials


# ---------------------------------------------------------------- the pandas reference

def reference(cases, links, officials, registry, by, settings: Settings,
              period: tuple = (None, None), judged_from: pd.DataFrame | None = None) -> pd.DataFrame:
    """SPEC §4 in plain pandas, written from the spec and independent of kpi/.

    period: the slice's (date_from, date_to), for the ranking cohort, which is judged over
    `judged_from` (the cases of the slice's areas whatever their received day; None: `cases`).
    """
    df = cases[cases.received_on <= AS_OF].copy()
    late = (df.status == "resolved") & df.resolved_on.notna() & (df.resolved_on > AS_OF)
    df["st"] = np.where(late, "in_progress", df.status)
    df["sat"] = df.satisfaction.where(~late, None)
    df["due"] = df.due_on.fillna(df.received_on + pd.Timedelta(days=settings.sla_days))
    df["month"] = df.received_on.dt.strftime("%Y-%m")
    resolved = df.st == "resolved"
    dated = resolved & df.resolved_on.notna()
    open_ = df.st.isin(["pending", "in_progress"])
    df["days"] = (df.resolved_on - df.received_on).dt.days.where(dated)
    df["is_resolved"] = resolved
    df["on_time"] = dated & (df.resolved_on <= df.due)
    df["dated"] = dated
    df["overdue"] = open_ & (df.due < AS_OF)
    last = df.last_progress_on.fillna(df.received_on)
    df["stalled"] = open_ & (last < AS_OF - pd.Timedelta(days=settings.stall_days))
    minutes = (df.resolved_at - df.received_at).dt.total_seconds() // 60
    df["minutes"] = minutes.where(dated & (minutes >= 0))
    received_time = df.received_at.fillna(df.received_on)
    df["response_known"] = df.responded_at.notna() & (df.responded_at.dt.normalize() <= AS_OF)
    df["response_on_time"] = df.response_known & ((df.responded_at - received_time).dt.total_seconds()
                                                   <= settings.response_hours * 3600)
    df["feedback_known"] = df.feedback_at.notna() & (df.feedback_at.dt.normalize() <= AS_OF)
    df["feedback_on_time"] = df.feedback_known & (df.feedback_at.dt.normalize() <= df.due)
    keys = []
    for dim in by:
        keys += ["official_id", "official"] if dim == "official" else [dim]
    cohort = judged(cases if judged_from is None else judged_from, AS_OF.date(), *period, settings,
                    by_month="month" in by)
    if "official" in by:
        pairs = links[["case_id", "official_id"]].drop_duplicates()
        pairs = pairs.merge(officials.rename(columns={"name": "official"}), on="official_id")
        df = df.merge(pairs, on="case_id")
        cohort = cohort.merge(pairs, on="case_id")
    rows = []
    groups = df.groupby(keys, dropna=False) if keys else [((), df)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        days, minutes = g.days.dropna(), g.minutes.dropna()
        rows.append({
            **dict(zip(keys, key)),
            "received": len(g), "resolved": int(g.is_resolved.sum()),
            "in_progress": int((g.st == "in_progress").sum()),
            "pending": int((g.st == "pending").sum()), "deferred": int((g.st == "deferred").sum()),
            "cancelled": int((g.st == "cancelled").sum()), "referred": int((g.st == "referred").sum()),
            "median_hours": minutes.quantile(0.5) / 60 if len(minutes) else None,
            "p90_hours": minutes.quantile(0.9) / 60 if len(minutes) else None,
            "response_known": int(g.response_known.sum()),
            "response_on_time": int(g.response_on_time.sum()),
            "feedback_known": int(g.feedback_known.sum()),
            "feedback_on_time": int(g.feedback_on_time.sum()),
            "reopened": int((g.reopened_count > 0).sum()),
            "median_days": days.quantile(0.5) if len(days) else None,
            "p90_days": days.quantile(0.9) if len(days) else None,
            "days_sum": days.sum(), "days_n": len(days),
            "on_time": int(g.on_time.sum()), "on_time_known": int(g.dated.sum()),
            "overdue_open": int(g.overdue.sum()), "stalled": int(g.stalled.sum()),
            "rated": int(g.sat.notna().sum()), "satisfied": int((g.sat == "satisfied").sum()),
            "basically": int((g.sat == "basically_satisfied").sum()),
            "dissatisfied": int((g.sat == "dissatisfied").sum()),
        })
    out = pd.DataFrame(rows)
    # The ranking cohort per group; a group judged but with no case received joins with zeros.
    out = with_cohort(out.set_index(keys) if keys else out, cohort, keys)
    out = out.reset_index() if keys else out
    rows = out.to_dict("records")
    area_keys = [k for k in ("street", "community") if k in by]
    if area_keys:  # every registry area, with zeros
        present = set(map(tuple, out[area_keys].astype(object).itertuples(index=False)))
        for area in registry[area_keys].drop_duplicates().itertuples(index=False):
            if tuple(area) not in present:
                rows.append({**dict(zip(area_keys, area)), "received": 0, "resolved": 0,
                             "in_progress": 0, "pending": 0, "deferred": 0, "cancelled": 0,
                             "referred": 0, "response_known": 0, "response_on_time": 0,
                             "feedback_known": 0, "feedback_on_time": 0, "reopened": 0,
                             "median_hours": None, "p90_hours": None, "days_sum": 0,
                             "days_n": 0, "on_time": 0, "on_time_known": 0, "overdue_open": 0,
                             "stalled": 0, "rated": 0, "satisfied": 0, "basically": 0,
                             "dissatisfied": 0, "median_days": None, "p90_days": None,
                             **{name: 0 for name in COHORT}})
        out = pd.DataFrame(rows)

    out["mean_days"] = [s / n if n else None for s, n in zip(out.days_sum, out.days_n)]
    # Rates, score and rank: the benchmark's reference (one copy of those rules in pandas).
    derive(out, settings, rank_within=["month"] if ("month" in by and len(by) > 1) else [])
    return out[keys + list(kpi.METRICS)]


def assert_same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    """Frames equal row by row: counts exactly, measures to 1e-9, undefined ↔ undefined."""
    assert list(got.columns) == keys + list(kpi.METRICS)
    assert len(got) == len(want)
    order = lambda f: f.assign(**{k: f[k].astype(object).where(f[k].notna(), "∅") for k in keys}
                               ).sort_values(keys).reset_index(drop=True) if keys else f  # noqa: E731
    got, want = order(got), order(want)
    for k in keys:
        assert got[k].tolist() == want[k].tolist(), k
    for metric in kpi.METRICS:
        for i, (g, w) in enumerate(zip(got[metric], want[metric])):
            if w is None or (isinstance(w, float) and np.isnan(w)):
                assert pd.isna(g), (metric, i, got.iloc[i][keys].tolist(), g)
            else:
                assert g == pytest.approx(float(w), rel=1e-9, abs=1e-9), (
                    metric, got.iloc[i][keys].tolist(), g, w)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    cases, links, officials = generate(np.random.default_rng(20230531))
    registry = pd.DataFrame(COMMUNITIES + EMPTY_COMMUNITIES, columns=["street", "community"])
    registry["district"], registry["kind"] = "西湖区", "社区"
    path = tmp_path_factory.mktemp("generated") / "generated.duckdb"
    con = make_db(path)
    for table, frame in (("areas", registry), ("cases", cases), ("case_officials", links),
                         ("officials", officials)):
        con.register("frame", frame)
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM frame")
        con.unregister("frame")
    yield con, cases, links, officials, registry
    con.close()


@pytest.mark.slow
@pytest.mark.parametrize("by", GROUPINGS, ids=lambda by: "+".join(by) or "total")
def test_every_metric_equals_pandas(ledger, by):
    con, cases, links, officials, registry = ledger
    settings = Settings()
    got = kpi.metrics(con, by, kpi.Filters.make(as_of=AS_OF.date()), settings)
    want = reference(cases, links, officials, registry, by, settings)
    keys = [k for d in by for k in (["official_id", "official"] if d == "official" else [d])]
    assert_same(got, want, keys)


@pytest.mark.slow
def test_slice_with_other_settings_equals_pandas(ledger):
    """A period and a street, SLA 10 days, stall 30 days, w = 0.8, other weights."""
    con, cases, links, officials, registry = ledger
    settings = Settings(sla_days=10, stall_days=30, basically_satisfied_weight=0.8,
                        weight_resolution=0.5, weight_on_time=0.1, weight_satisfaction=0.4,
                        min_cases_ranked=400, min_due_cases=50, min_rated=20)
    street = STREETS[1]
    f = kpi.Filters.make("2022-01-01", "2022-12-31", AS_OF.date(), {"street": street})
    got = kpi.metrics(con, ("community",), f, settings)
    in_slice = cases[(cases.street == street) & (cases.received_on >= "2022-01-01")
                     & (cases.received_on <= "2022-12-31")]
    want = reference(in_slice, links, officials, registry[registry.street == street],
                     ("community",), settings, period=(date(2022, 1, 1), date(2022, 12, 31)),
                     judged_from=cases[cases.street == street])
    assert_same(got, want, ["community"])
    assert got["rank"].isna().sum() >= 1  # ~300 cases a community: some below 400, unranked


@pytest.mark.slow
@pytest.mark.parametrize("basis", ["due", "received"])
def test_due_and_rated_floors_equal_pandas(ledger, basis):
    """Street-months (~1000 cases) against floors that some reach and some do not:
    min_due_cases undefines the due rates and (basis 'due') the rank, min_rated keeps
    satisfaction out of the score; ranks within each month."""
    con, cases, links, officials, registry = ledger
    # min_rated near the median of the ratings the score counts: the cohort's (closed in
    # the month) on the 'due' basis, else those of the cases received in the month.
    least_rated = {"due": 532, "received": 595}[basis]
    settings = Settings(ranking_basis=basis, min_due_cases=900, min_rated=least_rated, min_cases_ranked=50)
    by = ("street", "month")
    got = kpi.metrics(con, by, kpi.Filters.make(as_of=AS_OF.date()), settings)
    want = reference(cases, links, officials, registry, by, settings)
    assert_same(got, want, ["street", "month"])
    counted = got[got["received"] > 0]
    assert counted["due_resolution_rate"].isna().any() and counted["due_resolution_rate"].notna().any()
    rated = kpi.metrics(con, by, kpi.Filters.make(as_of=AS_OF.date()), Settings(ranking_basis=basis))
    # Below min_rated the score leaves satisfaction out: it differs from the default's.
    few = counted["due_rated" if basis == "due" else "rated"] < least_rated
    assert few.any() and (~few).any()
    assert (counted["score"][few] != rated.loc[counted.index, "score"][few]).any()


@pytest.mark.slow
@pytest.mark.parametrize("by, where", [
    (("category",), {"street": STREETS[2]}),  # the overview's categories of a street
    (("category",), {}), (("street",), {}), (("community",), {"street": STREETS[0]}),
    (("official",), {}), (("channel", "month"), {}),
], ids=lambda v: "+".join(v) if isinstance(v, tuple) else ",".join(v) or "all")
def test_status_counts_equal_pandas(ledger, by, where):
    """kpi.status_counts (a chart of cases by status): each group that received a case, its
    received and status counts as the pandas reference computes them, and nothing else."""
    con, cases, links, officials, registry = ledger
    settings = Settings()
    got = kpi.status_counts(con, by, kpi.Filters.make(as_of=AS_OF.date(), where=where), settings)
    in_slice = cases[cases.street.isin(list(where.values()))] if where else cases
    want = reference(in_slice, links, officials, registry, by, settings)
    keys = [k for d in by for k in (["official_id", "official"] if d == "official" else [d])]
    columns = ["received", "resolved", "in_progress", "pending", "deferred", "cancelled", "referred"]
    assert list(got.columns) == keys + columns
    want = want[want.received > 0]
    assert len(got) == len(want) > 1
    order = lambda f: f.assign(**{k: f[k].astype(object).where(f[k].notna(), "∅") for k in keys}  # noqa: E731
                               ).sort_values(keys).reset_index(drop=True)
    got, want = order(got), order(want)
    assert got[keys + columns].values.tolist() == want[keys + columns].values.tolist()
