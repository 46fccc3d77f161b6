"""Officials and meetings: per-official KPIs with attendance, meetings held and the 2+4 rule."""

from __future__ import annotations

import math
from dataclasses import replace

import ibis
import ibis.expr.types as ir
import pandas as pd

from taizhang.kpi.completion import period_months
from taizhang.kpi import runner
from taizhang.store.facts import backend, in_period, settings_or_default, slice_shape, slice_values, where_values
from taizhang.filters import COUNT_METRICS, METRICS, Filters
from taizhang.kpi.metrics import answer, plan_metrics, to_frame
from taizhang.store.slot import Slot
from taizhang.settings import Settings

# Dimensions a meeting has; other filters (category, matter_class …) say nothing about it.
MEETING_DIMENSIONS = ("district", "street", "community", "channel")


def meetings_in_slice(ib, filters: Filters, slot: Slot) -> ir.Table:
    """Meetings held in the slice's period (up to as_of) and areas, with their month."""
    meetings = ib.table("meetings")
    t = meetings.filter(*in_period(meetings, "held_on", filters, slot))
    for dim in MEETING_DIMENSIONS:
        if filters.values(dim):
            t = t.filter(t[dim].isin(where_values(slot, filters, dim)))
    t = t.mutate(month=t.held_on.strftime("%Y-%m"))
    if filters.values("month"):
        t = t.filter(t.month.isin(where_values(slot, filters, "month")))
    return t


def attendance_expr(ib, filters: Filters, slot: Slot) -> ir.Table:
    """(official_id, meetings_attended, months_attended) for officials at the slice's meetings."""
    held = meetings_in_slice(ib, filters, slot)
    attended = ib.table("meeting_attendance")
    joined = attended.inner_join(held, "meeting_id")
    return joined.group_by("official_id").aggregate(
        meetings_attended=joined.meeting_id.nunique(),
        months_attended=joined.month.nunique(),
    )


def official_table(con, filters: Filters, settings: Settings | None = None) -> pd.DataFrame:
    """Per official: official_id, official, title, unit, METRICS, meetings_attended,
    months_attended, months_in_period, roles (the roles the official holds on cases,
    comma-joined: 'handler,lead'), attendance (months with ≥1 meeting attended / months
    in the period; <NA> when the period has no months, and for an official who is no
    lead official and attended no meeting: meetings are the lead officials' duty, and a
    handler's 0% would read as a failure nobody expected of them).

    Officials with cases in the slice or meetings attended in it are listed. A case counts
    for every official linked to it, so the officials' totals may exceed the district's.
    """
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    filters = replace(filters, as_of=ctx.as_of)
    per_official = plan_metrics(ib, ("official",), filters, settings, known=ctx)
    # The case side answers like every metric (either source, kpi.metrics.answer); it is
    # joined to the officials here, not in SQL: an engine has no table of Python's rows
    # (ClickHouse), and the officials are hundreds, not millions.
    case_side = to_frame(answer(ib, {"metrics": per_official}, settings))
    slot = Slot()

    def build() -> ir.Table:
        attendance = attendance_expr(ib, filters, slot)
        officials = ib.table("officials")
        if filters.values("official"):
            wanted = where_values(slot, filters, "official")
            officials = officials.filter(
                officials.official_id.isin(wanted) | officials.name.isin(wanted)
            )
        listed = officials.left_join(attendance, officials.official_id == attendance.official_id).select(
            officials, attendance.meetings_attended, attendance.months_attended
        )
        links = ib.table("case_officials")
        roles = links.select("official_id", "role").distinct()
        roles = roles.group_by("official_id").aggregate(
            roles=roles.role.group_concat(",", order_by=roles.role))
        listed = listed.left_join(roles, listed.official_id == roles.official_id).select(
            listed, roles.roles)
        return listed.select(
            listed.official_id,
            official=listed.name,
            title=listed.title,
            unit=listed.unit,
            meetings_attended=listed.meetings_attended,
            months_attended=listed.months_attended,
            roles=listed.roles.fill_null(""),
        )

    values = slice_values(filters, settings, ctx.as_of)
    key = ("officials", slice_shape(filters), ctx.schema)
    people = to_frame(runner.run(ib, key, build, values, arrow=True))
    df = people.merge(case_side[["official_id", *METRICS]], on="official_id", how="left")
    # Listed: officials with cases in the slice or meetings attended in it.
    attended = df["meetings_attended"].notna()
    df = df[df["received"].notna() | attended].copy()
    for m in COUNT_METRICS:
        df[m] = df[m].fillna(0).astype("int64")
    expected = df["roles"].str.contains("lead") | attended[df.index]
    months = len(period_months(filters, ctx))
    for column in ("meetings_attended", "months_attended"):
        df[column] = df[column].fillna(0).astype("int64")
    df["months_in_period"] = pd.Series(months, index=df.index, dtype="int64")
    share = df["months_attended"].astype("Float64") / months if months else pd.NA
    df["attendance"] = pd.Series(share, index=df.index, dtype="Float64").where(expected, pd.NA)
    df = df[["official_id", "official", "title", "unit", *METRICS, "meetings_attended",
             "months_attended", "months_in_period", "roles", "attendance"]]
    return df.sort_values(["received", "official_id"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)


def meetings_summary(con, filters: Filters, settings: Settings | None = None) -> pd.DataFrame:
    """Meetings held per registry street and community, against the 2+4 rule.

    Columns: level ('street' | 'community'), district, street, community (None for a
    street), meetings_held, required (threshold × months in the period / 12, rounded up),
    compliant (bool; <NA> when the database holds no meetings at all). Street rows count
    meetings held at street level (no community); community rows that community's.
    """
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    months = len(period_months(filters, ctx))
    filters = replace(filters, as_of=ctx.as_of)
    slot = Slot()
    values = {
        **slice_values(filters, settings, ctx.as_of),
        "street_required": math.ceil(settings.street_meetings_per_year * months / 12),
        "community_required": math.ceil(settings.community_meetings_per_year * months / 12),
    }

    def build() -> ir.Table:
        held = meetings_in_slice(ib, filters, slot)
        areas = ib.table("areas")
        for dim in ("district", "street", "community"):
            if filters.values(dim):
                areas = areas.filter(areas[dim].isin(where_values(slot, filters, dim)))

        street_held = held.filter(held.community.isnull() | (held.community == ""))
        street_counts = street_held.group_by("street").aggregate(meetings_held=street_held.count())
        streets = areas.select("district", "street").distinct()
        streets = streets.left_join(street_counts, "street").select(
            level=ibis.literal("street"), district=streets.district, street=streets.street,
            community=ibis.null("string"), meetings_held=street_counts.meetings_held.fill_null(0),
        )
        community_counts = held.group_by(["street", "community"]).aggregate(meetings_held=held.count())
        communities = areas.select("district", "street", "community").distinct()
        communities = communities.left_join(community_counts, ["street", "community"]).select(
            level=ibis.literal("community"), district=communities.district,
            street=communities.street, community=communities.community,
            meetings_held=community_counts.meetings_held.fill_null(0),
        )
        both = streets.union(communities)
        required = ibis.ifelse(both.level == "street", slot("street_required", "int64"),
                               slot("community_required", "int64"))
        both = both.mutate(required=required.cast("int64"))
        both = both.mutate(compliant=both.meetings_held >= both.required)
        return both.order_by(["street", both.level.desc(), "community"])

    df = runner.run(ib, ("meetings", slice_shape(filters), ctx.schema), build, values)
    has_meetings = runner.rows(ib, "SELECT count(*) FROM meetings")[0][0] > 0
    df["meetings_held"] = df["meetings_held"].astype("int64")
    df["compliant"] = df["compliant"].astype("boolean")
    if not has_meetings:
        df["compliant"] = pd.array([pd.NA] * len(df), dtype="boolean")
    return df
