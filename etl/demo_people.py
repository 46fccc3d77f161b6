"""Invented people of the demo: officials with posts, deputies, handlers and residents."""

from __future__ import annotations

import random

from taizhang.etl import demo_areas as names


def id_card_number(rng: random.Random) -> str:
    """An invented 18-character ID-card number (Nanchang area code) for text the ETL must mask."""
    born = f"{rng.randint(1940, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return f"3601{rng.randint(1, 99):02d}{born}{rng.randint(0, 999):03d}{rng.choice('0123456789X')}"


def mobile_number(rng: random.Random) -> str:
    """An invented mobile number (1[3-9] and nine digits) for text the ETL must mask."""
    return rng.choice(["13", "15", "18", "17"]) + str(rng.randrange(10)) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


class People:
    """Invented officials: leads per community, deputies per community, handlers per unit."""

    def __init__(self, rng: random.Random):
        self.rng, self.taken, self.officials = rng, set(), {}
        self.lead_of, self.deputies_of, self.street_leads, self.handlers = {}, {}, {}, {}
        for street in names.STREETS:
            cadres = [self._new(rng.choice(names.LEAD_TITLES), street) for _ in range(5)]
            district_lead = self._new(rng.choice(names.DISTRICT_LEAD_TITLES), names.DISTRICT)
            self.street_leads[street] = [district_lead, cadres[0], cadres[1]]
            for _, s, community, _ in names.registry():
                if s == street:
                    self.lead_of[community] = rng.choice(cadres)
                    titles = [rng.choice(list(names.DEPUTY_TITLES)) for _ in range(rng.choice((1, 2)))]
                    self.deputies_of[community] = [self._new(t, names.DEPUTY_TITLES[t]) for t in titles]
        for unit in names.UNITS:
            self.handlers[unit] = [self._new("承办负责人", unit) for _ in range(3)]

    def _new(self, title: str, unit: str) -> str:
        name = names.invent_name(self.rng, self.taken)
        self.officials[name] = (title, unit)
        return name

    def resident(self) -> str:
        """A resident's name as ledgers write it: full name or 王女士, sometimes with a mobile."""
        rng = self.rng
        if rng.random() < 0.35:
            who = rng.choice(names.SURNAMES) + rng.choice(["女士", "先生", "阿姨", "师傅"])
        else:
            who = names.invent_name(rng, set())
        return f"{who}({mobile_number(rng)})" if rng.random() < 0.12 else who
