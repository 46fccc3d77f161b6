"""The canonical demo world: officials, meetings and 2090 cases with exact status counts.

Everything here is plain Python objects; demo_ledgers.py writes them out the way offices
keep ledgers, and the ordinary ETL reads them back. The counts asserted at the end are the
ones SPEC §8 quotes, so a change here that breaks them fails at once.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from taizhang.etl import demo_areas as names
from taizhang.etl.demo_people import People, id_card_number, mobile_number

FIRST_DAY = date(2021, 1, 1)
AS_OF = date(2022, 7, 31)
EARLIER_AS_OF = date(2022, 6, 30)  # the first version of the twice-imported ledger
TARGET = {"received": 2090, "resolved": 1769, "in_progress": 246, "pending": 28, "deferred": 47}
# Of the 75 neither resolved nor in progress, these end without resolution (撤单, 转办):
# taken from the pending and deferred ones after they are settled, so the rest of the
# world (and SPEC's 2090 / 1769 / 246 / 75 other) is as before.
ENDED = {"cancelled": 7, "referred": 5}
ENDED_NOTES = {"cancelled": ["群众来电撤回诉求", "重复来电，已并案"], "referred": ["非本区职责，已转办", "退回市热线重新派单"]}
REOPENED = 4
MEETING_CHANNELS = {"幸福圆桌会": 60, "小队会": 22, "民生议事堂": 18}
CASE_CHANNELS = {"meeting": 64, "12345热线": 24, "周末服务日": 12}
DAYS_ALLOWED = {"大事": 60, "小事": 20, "私事": 10}
MEDIAN_DAYS = {"大事": 24.0, "小事": 7.0, "私事": 3.0}
SATISFACTION = {"satisfied": 76, "basically_satisfied": 17, "dissatisfied": 7}
RATED_SHARE = 0.84
FEEDBACK = ("已书面答复提议人", "已在居务公开栏反馈", "已电话反馈办理结果", "已当面答复")


@dataclass
class Meeting:
    """One consultation meeting (圆桌会/小队会/议事堂) as the meetings ledger records it."""

    held_on: date
    street: str
    community: str  # "" for a street-level meeting
    channel: str
    topic: str
    participants: int
    attendees: list[str]
    feedback: str = ""  # the answer given to the meeting's proposal (反馈情况); "" for none yet


@dataclass
class DemoCase:
    """One resident problem with its state as of AS_OF (and, if reopened, its June state)."""

    street: str
    community: str
    kind: str
    channel: str
    received_on: date
    title: str
    category: str
    matter_class: str
    responsible_unit: str
    reporter: str
    lead: str
    deputy: str
    handler: str
    meeting_on: date | None = None
    status: str = "resolved"
    due_on: date | None = None
    resolved_on: date | None = None
    closed_on: date | None = None
    satisfaction: str | None = None
    last_progress_on: date | None = None
    stalled: bool = False
    note: str = ""
    reopened: bool = False
    june_resolved_on: date | None = None  # set for reopened cases: resolved in June, reopened in July
    defect: str | None = None  # deliberately bad row: what is wrong with it
    case_id: str | None = None  # the ledger's own id, given by the layout that writes it


@dataclass
class DemoWorld:
    """Everything the demo ledgers are written from."""

    cases: list[DemoCase]
    bad_rows: list[DemoCase]
    meetings: list[Meeting]
    officials: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (title, unit)


def _month_weights() -> list[tuple[date, float]]:
    # The programme grew: 2022 months carry more cases than 2021 months.
    months, day = [], FIRST_DAY
    while day <= AS_OF:
        months.append((day, 1.0 + 0.045 * len(months)))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def _random_day(rng: random.Random, months) -> date:
    start = rng.choices([m for m, _ in months], weights=[w for _, w in months])[0]
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    last = min(following - timedelta(days=1), AS_OF)
    return start + timedelta(days=rng.randrange((last - start).days + 1))


def _pick_weighted(rng: random.Random, items: list, weight, k: int) -> list:
    """k distinct items, chosen with probability proportional to weight(item)."""
    keyed = sorted(items, key=lambda it: rng.random() ** (1.0 / weight(it)), reverse=True)
    return keyed[:k]


def _meetings_for(rng, people: People, street, community, n_cases, months) -> list[Meeting]:
    # Most communities meet every two to three months; a few meet rarely (fails the 2+4 rule).
    count = max(math.ceil(n_cases / rng.uniform(1.3, 2.5)), rng.randint(3, 9)) if n_cases else rng.randint(0, 3)
    used, meetings = set(), []
    while len(meetings) < count:
        held_on = _random_day(rng, months)
        if held_on in used or held_on.weekday() == 6:
            continue
        used.add(held_on)
        channel = rng.choices(list(MEETING_CHANNELS), weights=MEETING_CHANNELS.values())[0]
        attendees = [people.lead_of[community]] + people.deputies_of[community][: rng.choice((1, 2))]
        if rng.random() < 0.25:
            attendees.append(rng.choice(people.street_leads[street]))
        meetings.append(Meeting(held_on, street, community, channel, "", rng.randint(12, 45),
                                list(dict.fromkeys(attendees))))
    return sorted(meetings, key=lambda m: m.held_on)


def _title(rng: random.Random, category: str, community: str, kind: str, estates) -> str:
    template = rng.choice(names.CATEGORIES[category][2])
    estate, road = rng.choice(estates), rng.choice(names.ROADS)
    if kind == "村":
        estate, road = f"{community}第{rng.randint(1, 9)}村民小组", f"{community}通组路"
    return template.format(estate=estate, road=road, n=rng.randint(1, 24))


def _unit_for(rng: random.Random, category: str) -> str:
    units = [u for u, cats in names.UNITS.items() if category in cats]
    return rng.choice(units) if units else "社区居委会"


def _new_case(rng, people: People, area, channel, received_on, taken_keys, estates) -> DemoCase:
    _, street, community, kind = area
    categories = list(names.CATEGORIES)
    category = rng.choices(categories, weights=[names.CATEGORIES[c][0] for c in categories])[0]
    classes = names.CATEGORIES[category][1]
    matter_class = rng.choices(list(classes), weights=classes.values())[0]
    while True:
        title = _title(rng, category, community, kind, estates[community])
        if (community, received_on, title) not in taken_keys:
            taken_keys.add((community, received_on, title))
            break
    unit = _unit_for(rng, category)
    lead = people.lead_of[community]
    if matter_class == "大事" and rng.random() < 0.5:
        lead = people.street_leads[street][0]
    return DemoCase(
        street=street, community=community, kind=kind, channel=channel, received_on=received_on,
        title=title, category=category, matter_class=matter_class, responsible_unit=unit,
        reporter=people.resident(), lead=lead, deputy=rng.choice(people.deputies_of[community]),
        handler=rng.choice(people.handlers[unit]),
        due_on=received_on + timedelta(days=DAYS_ALLOWED[matter_class]),
    )


def _settle(rng: random.Random, cases: list[DemoCase]) -> None:
    """Give every case its status as of AS_OF, with exactly the TARGET counts."""
    def age(c):
        return (AS_OF - c.received_on).days

    # Streets differ, so rankings mean something: some are slower, some leave more open,
    # some have less content residents.
    slow = {street: rng.lognormvariate(0, 0.35) for street in names.STREETS}
    open_bias = {street: rng.lognormvariate(0, 0.45) for street in names.STREETS}
    sour = {street: rng.lognormvariate(0, 0.5) for street in names.STREETS}

    reopened = [c for c in cases if c.reopened]  # in progress again after a 不满意 sign-off
    for c in reopened:
        c.status = "in_progress"
    open_pool = [c for c in cases if not c.reopened]
    pending = _pick_weighted(rng, open_pool, lambda c: math.exp(-age(c) / 15) + 0.002, TARGET["pending"])
    for c in pending:
        c.status = "pending"
    open_pool = [c for c in open_pool if c.status == "resolved"]
    deferred = _pick_weighted(
        rng, open_pool, lambda c: 4.0 if c.matter_class == "大事" else 0.5, TARGET["deferred"]
    )
    for c in deferred:
        c.status = "deferred"
    open_pool = [c for c in open_pool if c.status == "resolved"]
    moving = _pick_weighted(rng, open_pool, lambda c: (math.exp(-age(c) / 45) + 0.03) * open_bias[c.street],
                            TARGET["in_progress"] - len(reopened))
    for c in moving:
        c.status = "in_progress"
    for c in cases:
        if c.status == "resolved":
            median = MEDIAN_DAYS[c.matter_class] * (0.6 if c.channel == "12345热线" else 1.0) * slow[c.street]
            days = int(rng.lognormvariate(math.log(median), 0.95))
            if days > age(c):
                days = rng.randint(0, age(c))
            c.resolved_on = c.received_on + timedelta(days=days)
            c.last_progress_on = c.resolved_on
            if rng.random() < 0.8:
                c.closed_on = min(AS_OF, c.resolved_on + timedelta(days=rng.randint(0, 6)))
            if rng.random() < RATED_SHARE:
                weights = [SATISFACTION["satisfied"], SATISFACTION["basically_satisfied"],
                           SATISFACTION["dissatisfied"] * sour[c.street]]
                c.satisfaction = rng.choices(list(SATISFACTION), weights=weights)[0]
            c.note = rng.choice(["已协调{u}处理完毕", "{u}现场处置，居民认可", "已办结，回访居民"]).format(
                u=c.responsible_unit)
        elif c.status == "in_progress":
            c.stalled = age(c) > 30 and rng.random() < 0.45
            if c.stalled:
                back = rng.randint(21, min(age(c), 120))
            else:
                back = rng.randint(0, min(age(c), 10))
            c.last_progress_on = AS_OF - timedelta(days=back)
            c.note = (f"{c.last_progress_on.month}月{c.last_progress_on.day}日"
                      f"{'已与' + c.responsible_unit + '对接，等待答复' if c.stalled else '正在推进'}")
        elif c.status == "deferred":
            c.note = rng.choice(["涉及规划调整，列入明年计划", "资金未落实，暂缓实施", "已向居民解释说明"])
        else:
            c.note = "已登记，待分派"
        if rng.random() < 0.06:
            c.note += f"，联系人电话{mobile_number(rng)}"
        elif c.category == "邻里纠纷" and rng.random() < 0.05:
            c.note += f"，当事人身份证号{id_card_number(rng)}"


def _end_without_resolution(seed: int, cases: list[DemoCase]) -> None:
    """A few pending or deferred cases, mostly hotline calls, were withdrawn or handed on.
    A generator of their own, so that choosing them moves nothing else."""
    rng = random.Random(f"{seed}|ended")
    pool = [c for c in cases if c.status in ("pending", "deferred") and not c.reopened]
    weight = lambda c: 6.0 if c.channel == "12345热线" else 1.0  # noqa: E731
    chosen = _pick_weighted(rng, pool, weight, sum(ENDED.values()))
    for status, n in ENDED.items():
        for c in chosen[:n]:
            c.status, c.note = status, rng.choice(ENDED_NOTES[status])
        chosen = chosen[n:]


def _mark_reopened(rng: random.Random, cases: list[DemoCase]) -> None:
    """A few 南站街道 2022 cases were signed off in June, rated 不满意, and re-handled in July."""
    pool = [c for c in cases if c.street == "南站街道" and c.channel != "12345热线"
            and date(2022, 2, 1) <= c.received_on <= date(2022, 5, 31)]
    for c in _pick_weighted(rng, pool, lambda c: 1.0, REOPENED):
        c.reopened = True
        c.june_resolved_on = min(EARLIER_AS_OF, c.received_on + timedelta(days=rng.randint(10, 30)))


def _after_reopening(rng: random.Random, cases: list[DemoCase]) -> None:
    for c in cases:
        if c.reopened:
            c.stalled, c.last_progress_on = False, AS_OF - timedelta(days=rng.randint(1, 9))
            c.note = "回访群众不满意，重新办理"


def _bad_rows(rng, people, areas, taken_keys, estates) -> list[DemoCase]:
    """Rows that must land in `rejects`: one street each, one defect each."""
    plan = [("南站街道", "no_received"), ("绳金塔街道", "resolved_before_received"),
            ("十字街街道", "resolved_before_received"), ("丁公路街道", "unknown_status"),
            ("桃花镇", "no_received"), (None, "unknown_status")]  # None: the 12345 hotline
    bad = []
    for street, defect in plan:
        area = rng.choice([a for a in areas if a[1] == (street or "南浦街道")])
        channel = "12345热线" if street is None else "周末服务日"
        case = _new_case(rng, people, area, channel, date(2022, 5, rng.randint(2, 28)), taken_keys, estates)
        case.defect = defect
        case.resolved_on = case.received_on - timedelta(days=3) if defect == "resolved_before_received" else None
        case.note = f"群众来电，联系电话{mobile_number(rng)}"
        bad.append(case)
    return bad


def build_world(seed: int = 2022) -> DemoWorld:
    """Generate the demo's officials, meetings and cases, deterministically from `seed`."""
    rng = random.Random(seed)
    people = People(rng)
    areas = names.registry()
    months = _month_weights()
    weights = [rng.lognormvariate(0, 0.6) * (0.5 if kind == "村" else 1.0) for *_, kind in areas]
    for i in rng.sample(range(len(areas)), 9):  # communities with no case at all: shown as 0
        weights[i] = 0.0
    estates = {c: [c.removesuffix("社区") + "小区"] + rng.sample(names.ESTATE_STEMS, 3)
               for _, _, c, _ in areas}
    picks = rng.choices(range(len(areas)), weights=weights, k=TARGET["received"])
    taken_keys: set = set()
    cases, meetings = [], []
    for i, area in enumerate(areas):
        mine = sum(1 for p in picks if p == i)
        channels = rng.choices(list(CASE_CHANNELS), weights=CASE_CHANNELS.values(), k=mine)
        local = _meetings_for(rng, people, area[1], area[2], channels.count("meeting"), months)
        meetings += local
        order = rng.sample(local, len(local))  # every meeting gets a case before any gets two
        for channel in channels:
            if channel == "meeting":
                meeting = order.pop() if order else rng.choice(local)
                case = _new_case(rng, people, area, meeting.channel, meeting.held_on, taken_keys, estates)
                case.meeting_on = meeting.held_on
            else:
                case = _new_case(rng, people, area, channel, _random_day(rng, months), taken_keys, estates)
            cases.append(case)
    for street in names.STREETS:  # street-level consultations (the "2" of the 2+4 rule)
        for held_on in (date(2021, 4, 15), date(2021, 10, 20), date(2022, 4, 14)):
            held_on += timedelta(days=rng.randint(0, 5))
            meetings.append(Meeting(held_on, street, "", "民生议事堂", "街道民生议事会",
                                    rng.randint(25, 60), people.street_leads[street]))
    raised: dict[tuple, list[str]] = defaultdict(list)  # (community, meeting day) → titles
    for c in cases:
        if c.meeting_on:
            raised[c.community, c.meeting_on].append(c.title)
    for m in meetings:
        topics = raised.get((m.community, m.held_on), [])
        m.topic = m.topic or ("；".join(topics[:2]) if topics else "收集居民意见建议")
    for i, m in enumerate(sorted(meetings, key=lambda m: (m.held_on, m.street, m.community))):
        # Every proposal answered but one in eight, and those of the last month (no random
        # draw here: the cases drawn after this stay as they were).
        if i % 8 and m.held_on < date(AS_OF.year, AS_OF.month, 1):
            m.feedback = FEEDBACK[i % len(FEEDBACK)]
    cases.sort(key=lambda c: (c.received_on, c.street, c.community, c.title))
    _mark_reopened(rng, cases)
    _settle(rng, cases)
    _after_reopening(rng, cases)
    _end_without_resolution(seed, cases)
    world = DemoWorld(cases, _bad_rows(rng, people, areas, taken_keys, estates), meetings, people.officials)
    _check(world)
    return world


def _check(world: DemoWorld) -> None:
    cases = world.cases
    counts = {s: sum(c.status == s for c in cases)
              for s in ("resolved", "in_progress", "pending", "deferred", *ENDED)}
    assert len(cases) == TARGET["received"], len(cases)
    assert (counts["resolved"], counts["in_progress"]) == (TARGET["resolved"], TARGET["in_progress"]), counts
    other = sum(counts[s] for s in ("pending", "deferred", *ENDED))
    assert other == TARGET["pending"] + TARGET["deferred"] == 75, counts
    assert {s: counts[s] for s in ENDED} == ENDED, counts
    assert all(FIRST_DAY <= c.received_on <= AS_OF for c in cases)
    assert all(c.received_on <= c.resolved_on <= AS_OF for c in cases if c.status == "resolved")
    assert sum(c.reopened for c in cases) == REOPENED
    assert len({(c.community, c.received_on, c.title) for c in cases}) == len(cases)
