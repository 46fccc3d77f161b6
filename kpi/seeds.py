"""The seed systems' own measures: 2+4 compliance with the 提议反馈率, the consultation
funnel 协商议事 → 建议/问题 → 解决, service groups and 三事分流, 销号 and the deputies' table.

Definitions: docs/kpi.md (section "Seed systems"). Every function takes a DuckDB
connection and a slice (Filters) and answers with a DataFrame whose column names are the
keys of `taizhang kpi --view … --format json`.
"""

from __future__ import annotations

from dataclasses import replace

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from taizhang.kpi import runner
from taizhang.store import rules
from taizhang.store.facts import (backend, case_facts, settings_or_default, slice_shape, slice_values,
                       where_values)
from taizhang.filters import Filters
from taizhang.kpi.inmemory import NumpyOps
from taizhang.kpi.officials import meetings_in_slice, meetings_summary
from taizhang.store.slot import Slot
from taizhang.settings import Settings

MATTER_CLASSES = ("大事", "小事", "私事")
LEVELS = ("street", "community")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as the metrics divide (kpi.inmemory.NumpyOps.ratio), as
    Float64: <NA> where the denominator is 0."""
    values = NumpyOps.ratio(numerator.astype("float64"), denominator.astype("float64"))
    return pd.Series(values, index=numerator.index, dtype="Float64")


def _context(con, filters: Filters, settings: Settings | None):
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    filters = replace(filters, as_of=ctx.as_of)
    values = slice_values(filters, settings, ctx.as_of, (ctx.first_received, ctx.last_received))
    return ib, settings, ctx, filters, values


def _facts(ib, filters, settings, ctx, slot, columns, facts) -> ir.Table:
    return case_facts(ib, filters, settings, ctx.as_of, columns=columns,
                      span=(ctx.first_received, ctx.last_received), slot=slot, facts=facts)


def meetings_compliance(con, filters: Filters, settings: Settings | None = None) -> pd.DataFrame:
    """The 2+4 table with the 联民桥 提议反馈率: every registry street and community with
    meetings_held, required, compliant (kpi.meetings_summary) and proposals (meetings held
    in the slice: each meeting row carries one 议题/提议), answered (of those, with a
    反馈/答复 recorded), feedback_rate (answered / proposals; <NA> without proposals).
    Street rows count street-level meetings, community rows that community's, as
    meetings_summary does."""
    summary = meetings_summary(con, filters, settings)
    ib, settings, ctx, filters, values = _context(con, filters, settings)
    slot = Slot()

    def build() -> ir.Table:
        held = meetings_in_slice(ib, filters, slot)
        held = held.mutate(
            level=ibis.ifelse(held.community.isnull() | (held.community == ""), "street", "community"),
            community=ibis.ifelse(held.community == "", ibis.null("string"), held.community),
            answered=(held.feedback.notnull() & (held.feedback.strip() != "")).cast("int64"),
        )
        return held.group_by(["level", "street", "community"]).aggregate(
            proposals=held.count(), answered=held.answered.sum())

    counts = runner.run(ib, ("meeting_feedback", slice_shape(filters), ctx.schema), build, values)
    merged = summary.merge(counts, how="left", on=["level", "street", "community"])
    for column in ("proposals", "answered"):
        merged[column] = merged[column].fillna(0).astype("int64")
    merged["feedback_rate"] = _ratio(merged["answered"], merged["proposals"])
    return merged


def meetings_overview(frame: pd.DataFrame) -> dict:
    """Totals of a meetings_compliance frame: areas, compliant areas (streets and
    communities apart), proposals, answered, feedback_rate."""
    out: dict = {}
    for level in LEVELS:
        part = frame[frame["level"] == level]
        out[f"{level}_areas"] = int(len(part))
        out[f"{level}_compliant"] = int(part["compliant"].fillna(False).sum())
    out["proposals"] = int(frame["proposals"].sum())
    out["answered"] = int(frame["answered"].sum())
    out["feedback_rate"] = out["answered"] / out["proposals"] if out["proposals"] else None
    return out


def funnel(con, filters: Filters, settings: Settings | None = None,
           level: str = "street") -> pd.DataFrame:
    """协商议事 → 建议/问题 → 解决 per registry street (or community, level='community'):
    consultations (meetings held in the period, street-level ones counting for their
    street only), suggestions (cases received in the slice that are linked to a meeting),
    solved (of those, resolved as of as_of), solved_rate (solved / suggestions)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    keys = ["street"] if level == "street" else ["street", "community"]
    ib, settings, ctx, filters, values = _context(con, filters, settings)
    slot = Slot()

    def build() -> ir.Table:
        held = meetings_in_slice(ib, filters, slot)
        meetings = held.group_by(keys).aggregate(consultations=held.count())
        facts = _facts(ib, filters, settings, ctx, slot, ("street", "community", "meeting_id"),
                       ("is_resolved",))
        linked = facts.filter(facts.meeting_id.notnull())
        cases = linked.group_by(keys).aggregate(
            suggestions=linked.count(), solved=linked.is_resolved.cast("int64").sum())
        areas = ib.table("areas")
        for dim in ("district", "street", "community"):
            if filters.values(dim):
                areas = areas.filter(areas[dim].isin(where_values(slot, filters, dim)))
        areas = areas.select(*keys).distinct()
        out = areas.left_join(meetings, keys).select(areas, meetings.consultations)
        out = out.left_join(cases, keys).select(out, cases.suggestions, cases.solved)
        return out.order_by(keys)

    df = runner.run(ib, ("funnel", level, slice_shape(filters), ctx.schema), build, values)
    for column in ("consultations", "suggestions", "solved"):
        df[column] = df[column].fillna(0).astype("int64")
    df["solved_rate"] = _ratio(df["solved"], df["suggestions"])
    return df[[*keys, "consultations", "suggestions", "solved", "solved_rate"]]


def funnel_totals(frame: pd.DataFrame) -> dict:
    """The funnel of the whole slice: consultations, suggestions, solved, solved_rate."""
    out = {c: int(frame[c].sum()) for c in ("consultations", "suggestions", "solved")}
    out["solved_rate"] = out["solved"] / out["suggestions"] if out["suggestions"] else None
    return out


def service_registry(con, filters: Filters) -> pd.DataFrame:
    """Every registry community of the slice's areas (street, community) with its service
    group (None: no group); no case is read."""
    registry = pd.DataFrame(runner.rows(backend(con), """
        SELECT a.district, a.street, a.community, g.service_group
        FROM areas a LEFT JOIN service_groups g USING (district, street, community)
        ORDER BY a.street, a.community
    """), columns=["district", "street", "community", "service_group"])
    for dim in ("district", "street", "community"):
        if filters.values(dim):
            registry = registry[registry[dim].isin(filters.values(dim))]
    registry = registry.drop(columns="district")
    registry["service_group"] = registry["service_group"].astype(object).where(
        registry["service_group"].notna(), None)
    return registry.reset_index(drop=True)


def service_groups(con, filters: Filters, settings: Settings | None = None) -> pd.DataFrame:
    """Every registry community with its service group (None: no group) and the cases it
    received in the slice (received, kpi.metrics' count)."""
    from taizhang.kpi.metrics import metrics

    received = metrics(con, ("street", "community"), filters, settings)[["street", "community", "received"]]
    out = service_registry(con, filters).merge(received, how="left", on=["street", "community"])
    out["received"] = out["received"].fillna(0).astype("int64")
    return out


def registry_coverage(registry: pd.DataFrame) -> dict:
    """communities, with_group, without_group (count and names), coverage (with_group /
    communities) of service_registry()'s frame (or service_groups()')."""
    has = registry["service_group"].notna()
    missing = registry[~has]
    return {
        "communities": int(len(registry)),
        "with_group": int(has.sum()),
        "without_group": int((~has).sum()),
        "coverage": float(has.sum() / len(registry)) if len(registry) else None,
        "communities_without_group": [f"{s} {c}" for s, c in zip(missing["street"], missing["community"])],
    }


def service_coverage(frame: pd.DataFrame) -> dict:
    """registry_coverage() and groups_without_cases (groups whose community received no
    case in the slice: count and names) of service_groups()' frame."""
    idle = frame[frame["service_group"].notna() & (frame["received"] == 0)]
    return {**registry_coverage(frame), "groups_without_cases": int(len(idle)),
            "idle_groups": list(idle["service_group"])}


def matter_shares(con, filters: Filters, settings: Settings | None = None) -> pd.DataFrame:
    """三事分流 per street: count_大事, count_小事, count_私事, unclassified (received
    without a class) and share_大事 … (of the street's classified cases; <NA> with none)."""
    from taizhang.kpi.metrics import metrics

    frame = metrics(con, ("street", "matter_class"), filters, settings)
    frame["matter_class"] = frame["matter_class"].astype(object).where(frame["matter_class"].notna(), "")
    pivot = frame.pivot_table(index="street", columns="matter_class", values="received",
                              aggfunc="sum", fill_value=0)
    out = pd.DataFrame({"street": pivot.index})
    for cls in MATTER_CLASSES:
        out[f"count_{cls}"] = pivot[cls].to_numpy().astype("int64") if cls in pivot else 0
    out["unclassified"] = pivot[""].to_numpy().astype("int64") if "" in pivot else 0
    classified = sum(out[f"count_{cls}"] for cls in MATTER_CLASSES)
    for cls in MATTER_CLASSES:
        out[f"share_{cls}"] = _ratio(out[f"count_{cls}"], classified)
    return out.reset_index(drop=True)


def signoff(con, filters: Filters, settings: Settings | None = None, by: str = "street") -> pd.DataFrame:
    """销号 per street (by='street') or for the slice (by=''): resolved (as of as_of),
    signed_off (resolved with a closed_on on or before as_of), awaiting_signoff (resolved,
    not yet signed off), signoff_rate (signed_off / resolved), median_signoff_days (days
    from resolved_on to closed_on over the signed-off cases)."""
    keys = [by] if by else []
    ib, settings, ctx, filters, values = _context(con, filters, settings)
    slot = Slot()

    def build() -> ir.Table:
        facts = _facts(ib, filters, settings, ctx, slot, ("street", "closed_on", "resolved_on"),
                       ("is_resolved",))
        resolved = facts.filter(facts.is_resolved)
        signed = resolved.closed_on.notnull() & (resolved.closed_on <= slot("as_of", "date"))
        days = ibis.ifelse(signed & resolved.resolved_on.notnull(),
                           resolved.closed_on.delta(resolved.resolved_on, unit="day"), ibis.null("int64"))
        # A histogram (cases per key, signed or not, days): the median is taken from it as
        # every quantile is (store.rules.quantiles), exact and the same on any engine.
        rows = resolved.mutate(signed=signed.cast("int64"), days=days)
        return rows.group_by([*keys, "signed", "days"]).aggregate(n=rows.count())

    hist = runner.run(ib, ("signoff", by, slice_shape(filters), ctx.schema), build, values)
    if keys:
        codes, names = pd.factorize(hist[by], sort=True, use_na_sentinel=False)
        df = pd.DataFrame({by: pd.Series(names).astype(hist[by].dtype)})
    else:   # the whole slice: one row, resolved or not
        codes, df = np.zeros(len(hist), dtype=np.int64), pd.DataFrame(index=[0])
    n = hist["n"].to_numpy(dtype=np.int64)
    count = lambda weights: np.bincount(codes, weights=weights, minlength=len(df)).astype(np.int64)  # noqa: E731
    df["resolved"] = count(n)
    df["signed_off"] = count(n * hist["signed"].to_numpy(dtype=np.int64))
    df["awaiting_signoff"] = df["resolved"] - df["signed_off"]
    df["signoff_rate"] = _ratio(df["signed_off"], df["resolved"])
    timed = hist["days"].notna().to_numpy()
    median = rules.quantiles(codes[timed], hist["days"].to_numpy(dtype=np.float64, na_value=np.nan)[timed],
                             n[timed], len(df))["median"]
    df["median_signoff_days"] = pd.Series(median, dtype="Float64")
    return df[[*keys, "resolved", "signed_off", "awaiting_signoff", "signoff_rate", "median_signoff_days"]]


def deputies(con, filters: Filters, settings: Settings | None = None) -> pd.DataFrame:
    """The deputies' (认领代表) table: per official linked to cases of the slice as deputy:
    official_id, official, title, claimed (cases), resolved (as of as_of),
    deputy_resolution_rate (resolved / claimed), dissatisfied (rated 不满意 as of as_of),
    reopened (cases handled again after they were resolved: reopened_count > 0, which in
    the 人民来作主 process follows a 不满意 rating)."""
    ib, settings, ctx, filters, values = _context(con, filters, settings)
    slot = Slot()

    def build() -> ir.Table:
        facts = _facts(ib, filters, settings, ctx, slot, ("reopened_count",),
                       ("is_resolved", "satisfaction_asof"))
        links = ib.table("case_officials")
        links = links.filter(links.role == "deputy").select("case_id", "official_id").distinct()
        joined = facts.inner_join(links, "case_id")
        per = joined.group_by("official_id").aggregate(
            claimed=joined.count(),
            resolved=joined.is_resolved.cast("int64").sum(),
            dissatisfied=(joined.satisfaction_asof == "dissatisfied").cast("int64").sum(),
            reopened=(joined.reopened_count > 0).cast("int64").sum(),
        )
        officials = ib.table("officials")
        out = per.left_join(officials, per.official_id == officials.official_id).select(
            per.official_id, official=officials.name.fill_null(per.official_id),
            title=officials.title, claimed=per.claimed, resolved=per.resolved,
            dissatisfied=per.dissatisfied, reopened=per.reopened)
        return out.order_by([ibis.desc("claimed"), "official_id"])

    df = runner.run(ib, ("deputies", slice_shape(filters), ctx.schema), build, values)
    for column in ("claimed", "resolved", "dissatisfied", "reopened"):
        df[column] = df[column].fillna(0).astype("int64")
    df["deputy_resolution_rate"] = _ratio(df["resolved"], df["claimed"])
    return df[["official_id", "official", "title", "claimed", "resolved", "deputy_resolution_rate",
               "dissatisfied", "reopened"]]
