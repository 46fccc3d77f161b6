"""The cases behind the numbers: case lists and one case's page (督办 lists: kpi.supervision)."""

from __future__ import annotations

import json
from dataclasses import replace

import ibis
import ibis.expr.types as ir
import pandas as pd

from taizhang.kpi import runner
from taizhang.store import sla
from taizhang.store.rawrow import ledger_row
from taizhang.store.facts import backend, case_facts, settings_or_default, slice_shape, slice_values
from taizhang.filters import Filters
from taizhang.kpi.runner import DataContext
from taizhang.store.slot import Slot
from taizhang.settings import Settings

CASE_LIST_COLUMNS = (
    "case_no", "case_id", "received_on", "district", "street", "community", "channel", "category",
    "matter_class", "title", "responsible_unit", "officials", "reporter", "status", "due_on",
    "resolved_on", "closed_on", "satisfaction", "reopened_count", "source_file",
    "source_sheet", "source_row",
)
# What case_list reads of `cases` and which facts it shows: a narrower expression binds and
# plans in less time (10M cases: ~8 ms of a drill's ~35 ms statement).
LIST_INPUTS = (*(c for c in CASE_LIST_COLUMNS if c not in ("case_no", "officials", "due_on")),
               "given_street")
LIST_FACTS = ("due", "status_asof", "satisfaction_asof")
SEARCHED = ("case_id", "title", "note", "responsible_unit", "community", "street", "given_street",
            "received_on")
NEWEST_FIRST = (ibis.desc("received_on"), "case_id")


# A key Taizhang generated for a case whose ledger gives no id (etl/merge.py): 'h' and 16
# hex digits of a hash of the case's content and its area as the ledger writes it.
GENERATED_ID = "^h[0-9a-f]{16}$"
# What a street's name ends with, left out of its short form in a case number.
STREET_SUFFIXES = "(街道办事处|街道|镇|乡|街)$"


def case_number(t: ir.Table) -> ir.StringValue:
    """The case number people read: the ledger's own id, else one derived from the generated key.

    Derived: the street as the ledger writes it (given_street, its 街道/镇/乡 suffix left
    out, at most 4 characters; none when the ledger names no street), the year received and the key's first 8 hex digits, upper
    case: h3ded733b7fb3aa9a of 南站街道 received 2022-03-05 → 南站2022-3DED733B. Every part
    is fixed when the case is first stored (the key hashes the given area, never the
    resolved one), so the number never changes with another import or a registry reload.
    """
    # Not the resolved street: a registry loaded later may resolve the case elsewhere.
    street = t.given_street.fill_null("").re_replace(STREET_SUFFIXES, "")
    derived = (street.substr(0, 4) + t.received_on.year().cast("string") + "-"
               + t.case_id.substr(1, 8).upper())
    return ibis.ifelse(t.case_id.re_search(GENERATED_ID), derived, t.case_id)


def mask_name(name) -> str | None:
    """A person's name with its middle hidden: 陶建国 → 陶*国, 李明 → 李*, 王 → *."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return None
    name = str(name).strip()
    if len(name) <= 1:
        return "*" if name else name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def lead_officials(ib, links: ir.Table | None = None) -> ir.Table:
    """(case_id, name): each lead official (挂点领导) of a case, by name (id when unnamed).

    links: rows of case_officials to read (None: all).
    """
    links = ib.table("case_officials") if links is None else links
    officials = ib.table("officials")
    leads = links.filter(links.role == "lead").left_join(
        officials, links.official_id == officials.official_id)
    return leads.select(leads.case_id, name=leads.name.fill_null(leads.official_id))


def lead_names(ib, cases: ir.Table | None = None, bounds: tuple | None = None) -> ir.Table:
    """(case_id, officials): the names of a case's lead officials joined by 、 (of `cases` only).

    bounds: (smallest, greatest) case_id of `cases` when known (bound values), else computed.
    """
    links = ib.table("case_officials")
    if cases is not None:
        ids = cases.case_id
        # The bounds let DuckDB skip row groups of case_officials; a join or IN alone reads
        # all of it (10M links: 0.5 s for one page of 500 cases, 10 ms with the bounds).
        low, high = bounds if bounds is not None else (ids.min(), ids.max())
        links = links.filter(links.case_id.between(low, high), links.case_id.isin(ids))
    leads = lead_officials(ib, links)
    return leads.group_by("case_id").aggregate(
        officials=leads.name.group_concat("、", order_by=leads.name)
    )


def _with_officials(ib, t: ir.Table) -> ir.Table:
    return t.left_join(lead_names(ib, t), "case_id").drop("case_id_right")


def _search(t: ir.Table, slot: Slot) -> ir.Table:
    # The text is a bound value ("search", lower-cased): nothing of it becomes SQL.
    needle = slot("search", "string")
    fields = [t.case_id, case_number(t), t.title, t.note, t.responsible_unit, t.community, t.street]
    match = ibis.literal(False)
    for field in fields:
        match = match | field.lower().contains(needle).fill_null(False)
    return t.filter(match)


def _finish(df: pd.DataFrame, pii: bool = True) -> pd.DataFrame:
    for column in ("days_overdue", "days_stalled", "reopened_count", "source_row"):
        if column in df.columns:
            df[column] = df[column].astype("Int64")
    if not pii and "reporter" in df.columns:
        df["reporter"] = df["reporter"].map(mask_name).astype(object)
    return df


def slice_facts(ib, filters: Filters, settings: Settings, search: str | None = None,
                columns: tuple[str, ...] | None = None, facts: tuple[str, ...] | None = None,
                known: DataContext | None = None, prefix: str = ""):
    """(builder of the slice's case facts, shape key, bound values) for a list query: the
    one definition of a slice's cases for lists and 督办 lists (kpi.supervision).

    `columns`, `facts`: what to carry (kpi.facts.case_facts; None: everything). `known`: a
    context just read (kpi.runner.data_context). `prefix`: the bound values' names start
    with it (two slices in one statement).
    """
    ctx = runner.data_context(ib, filters, known)
    filters = replace(filters, as_of=ctx.as_of)
    search = search.strip().lower() if search and search.strip() else None
    span = (ctx.first_received, ctx.last_received)
    values = slice_values(filters, settings, ctx.as_of, span)
    if search:
        values["search"] = search
    slot = Slot(prefix)
    values = slot.values(values)

    if search and columns is not None:
        columns = tuple(dict.fromkeys((*columns, *SEARCHED)))

    def build() -> ir.Table:
        t = case_facts(ib, filters, settings, ctx.as_of, columns=columns, span=span, slot=slot,
                       facts=facts)
        return _search(t, slot) if search else t

    shape = (slice_shape(filters), bool(search), sla.due_shape(settings, span), ctx.schema)
    return build, shape, values


def case_list(con, filters: Filters, search: str | None = None, limit: int | None = 500,
              offset: int = 0, pii: bool = False, settings: Settings | None = None) -> pd.DataFrame:
    """The slice's cases, newest first, with their status as of as_of and their officials.

    Columns: case_id, received_on, district, street, community, channel, category,
    matter_class, title, responsible_unit, officials (lead names joined by 、), reporter
    (masked 陶*国 unless pii), status (as of as_of), due_on (the ledger's, else with the
    SLA), resolved_on, closed_on, satisfaction, reopened_count, source_file, source_sheet,
    source_row. `search` matches case_id, case_no, title, note, unit, street, community.
    limit None: all.
    """
    ib = backend(con)
    settings = settings_or_default(settings)
    if limit is None:
        facts, shape, values = slice_facts(ib, filters, settings, search, LIST_INPUTS, LIST_FACTS)
        return _finish(runner.run(ib, ("case_list", shape), lambda: case_rows(ib, facts()), values), pii)
    # A page in two small statements: its keys, sorted on the slice's narrowest expression,
    # then its rows and officials. One statement sorting the shown columns of a big
    # community's cases (10M cases: 215,000 in a year) cost ~10 ms more to plan and run.
    ctx = runner.data_context(ib, filters)
    keys, shape, values = slice_facts(ib, filters, settings, search, (), (), known=ctx)
    values.update(limit=int(limit), offset=int(offset))
    page = Slot()
    chosen = runner.run(ib, ("case_page", shape), lambda: keys().order_by(NEWEST_FIRST).limit(
        page("limit", "int64"), offset=page("offset", "int64")).select("case_id", "received_on"),
        values, arrow=True)
    return _finish(_page_rows(ib, chosen, settings, ctx), pii)


def _page_rows(ib, chosen, settings: Settings, ctx: DataContext) -> pd.DataFrame:
    """case_list's rows of the chosen cases (Arrow: case_id, received_on), newest first."""
    span = (ctx.first_received, ctx.last_received)
    dates = chosen.column("received_on").to_pylist() or [ctx.as_of]
    ids = chosen.column("case_id").to_pylist()
    values = {**slice_values(Filters(), settings, ctx.as_of, span), "case_ids": ids,
              "first_received": min(dates), "last_received": max(dates),
              "first_id": min(ids, default=""), "last_id": max(ids, default="")}
    slot = Slot()

    def build() -> ir.Table:
        t = case_facts(ib, Filters(), settings, ctx.as_of, columns=LIST_INPUTS, span=span,
                       slot=slot, facts=LIST_FACTS)
        # The page's dates bound the row groups read (cases are stored by received_on), its
        # ids those of case_officials (stored by case_id): bound values, not subqueries.
        t = t.filter(t.received_on.between(slot("first_received", "date"),
                                           slot("last_received", "date")))
        page = slot("case_ids", "array<string>").unnest().name("case_id").as_table()
        leads = lead_names(ib, page, (slot("first_id", "string"), slot("last_id", "string")))
        rows = t.semi_join(page, "case_id").left_join(leads, "case_id").drop("case_id_right")
        return _shown(rows)

    return runner.run(ib, ("case_page_rows", sla.due_shape(settings, span), ctx.schema), build, values)


def case_rows(ib, facts: ir.Table) -> ir.Table:
    """case_list's columns for every case of a case_facts expression, newest first."""
    return _shown(_with_officials(ib, facts.order_by(list(NEWEST_FIRST))))


def _shown(t: ir.Table) -> ir.Table:
    """case_list's columns (status and satisfaction as of as_of, due with the SLA), newest first."""
    t = t.mutate(status=t.status_asof, satisfaction=t.satisfaction_asof, due_on=t.due,
                 case_no=case_number(t))
    return t.select(*CASE_LIST_COLUMNS).order_by(list(NEWEST_FIRST))


def listed_cases(ib, key, facts, values: dict, pii: bool = False) -> pd.DataFrame:
    """case_list's rows for the case_facts expression facts() builds (key: its shape)."""
    return _finish(runner.run(ib, ("listed", key), lambda: case_rows(ib, facts()), values), pii)


def case_count(con, filters: Filters, search: str | None = None,
               settings: Settings | None = None) -> int:
    """How many cases case_list would list without a limit (for paging)."""
    ib = backend(con)
    facts, shape, values = slice_facts(ib, filters, settings_or_default(settings), search, (), ())
    df = runner.run(ib, ("case_count", shape), lambda: facts().aggregate(n=facts().count()), values)
    return int(df["n"].iloc[0])


def _ledger_row(ib, schema, raw, layout) -> dict | None:
    """A case's ledger row as header → cell: its cells (`raw`, a JSON array) named by the
    headers its layout holds (raw_layouts), or a JSON object, as a warehouse published
    before schema 9 holds it (no layout). None: no row (a case no ledger row gave)."""
    if not isinstance(raw, str):
        return None
    if _plain(layout) is None:
        return json.loads(raw)

    def headers() -> ir.Table:
        layouts = ib.table("raw_layouts")
        return layouts.filter(layouts.layout_id == Slot()("layout_id", "int32")).select("keys")

    found = runner.run(ib, ("raw_layout", schema), headers, {"layout_id": int(layout)})
    return ledger_row(found["keys"].iloc[0], raw) if len(found) else None


def _mask_raw(data: dict | None, reporter) -> dict | None:
    if data is None:
        return None
    if reporter:
        data = {k: (str(v).replace(reporter, mask_name(reporter)) if isinstance(v, str) else v)
                for k, v in data.items()}
    return data


def case_detail(con, case_id: str, pii: bool = False,
                settings: Settings | None = None) -> dict | None:
    """One case as a dict of its columns plus due (with the SLA), officials and meeting.

    `officials` is a list of {official_id, name, title, unit, role}; `meeting` the linked
    meeting's row as a dict or None; `raw` the ledger row as read (names masked unless pii).
    None when there is no such case.
    """
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, Filters())
    span = (ctx.first_received, ctx.last_received)
    slot = Slot()

    def one_case() -> ir.Table:
        cases = ib.table("cases")
        one = cases.filter(cases.case_id == slot("case_id", "string"))
        return sla.with_due(one.mutate(case_no=case_number(one)), settings, span, slot)

    row = runner.run(ib, ("case_detail", sla.due_shape(settings, span), ctx.schema), one_case,
                     {"case_id": case_id, **sla.due_values(settings, span)})
    if row.empty:
        return None
    raw = row.iloc[0].get("raw")
    layout = row.iloc[0].get("raw_layout")
    detail = {k: _plain(v) for k, v in row.iloc[0].items() if k not in ("raw", "raw_layout")}

    def people() -> ir.Table:
        links = ib.table("case_officials")
        officials = ib.table("officials")
        linked = links.filter(links.case_id == slot("case_id", "string")).left_join(
            officials, links.official_id == officials.official_id
        ).select(links.official_id, officials.name, officials.title, officials.unit, links.role)
        return linked.order_by(["role", "official_id"])

    found = runner.run(ib, ("case_officials", ctx.schema), people, {"case_id": case_id})
    detail["officials"] = [{k: _plain(v) for k, v in r.items()} for r in found.to_dict("records")]
    detail["meeting"] = None
    if detail.get("meeting_id"):
        def meeting() -> ir.Table:
            meetings = ib.table("meetings")
            return meetings.filter(meetings.meeting_id == slot("meeting_id", "string"))

        found = runner.run(ib, ("case_meeting", ctx.schema), meeting,
                           {"meeting_id": detail["meeting_id"]})
        if len(found):
            detail["meeting"] = {k: _plain(v) for k, v in found.iloc[0].items()}
    reporter = detail.get("reporter")
    detail["raw"] = _mask_raw(_ledger_row(ib, ctx.schema, raw, layout), None if pii else reporter)
    if not pii:
        detail["reporter"] = mask_name(reporter)
    return detail


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.date()
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def case_timeline(con, case_id: str) -> pd.DataFrame:
    """A case's events: event_on, status, note, import_id, file; oldest first."""
    ib = backend(con)
    slot = Slot()

    def events_of_case() -> ir.Table:
        events = ib.table("case_events")
        imports = ib.table("imports")
        mine = events.filter(events.case_id == slot("case_id", "string"))
        joined = mine.left_join(imports, mine.import_id == imports.import_id).select(
            mine.event_on, mine.status, mine.note, mine.import_id, imports.file
        )
        return joined.order_by(["event_on", "import_id"])

    schema = runner.data_context(ib, Filters()).schema
    return runner.run(ib, ("case_timeline", schema), events_of_case, {"case_id": case_id})


# case_history's events, in the order two events of one day are listed.
HISTORY_EVENTS = ("received", "first_seen", "status_change", "progress", "resolved", "closed")


def case_history(con, case_id: str) -> pd.DataFrame:
    """A case's real timeline, oldest first: event_on, event, status, note, file.

    event: received (受理, received_on), first_seen (the status the first import that
    carried it saw, dated by that import's as-of), status_change (a later import saw another
    status), progress (last_progress_on), resolved (resolved_on), closed (closed_on, 销号).
    Empty for an unknown case.
    """
    detail = case_detail(con, case_id)
    if detail is None:
        return pd.DataFrame(columns=["event_on", "event", "status", "note", "file"])
    seen = case_timeline(con, case_id)
    rows = [{"event_on": detail.get("received_on"), "event": "received", "status": None,
             "note": None, "file": None}]
    for i, e in enumerate(seen.itertuples(index=False)):
        rows.append({"event_on": _plain(e.event_on), "event": "first_seen" if i == 0 else "status_change",
                     "status": e.status, "note": e.note, "file": e.file})
    for column, event in (("last_progress_on", "progress"), ("resolved_on", "resolved"),
                          ("closed_on", "closed")):
        if detail.get(column):
            rows.append({"event_on": detail[column], "event": event, "status": None, "note": None,
                         "file": None})
    frame = pd.DataFrame(rows)
    frame["order"] = frame["event"].map(HISTORY_EVENTS.index)
    frame = frame.sort_values(["event_on", "order"], kind="stable", na_position="last")
    return frame.drop(columns="order").reset_index(drop=True)
