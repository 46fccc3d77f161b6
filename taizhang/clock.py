"""The day it is, asked in one place.

Code that needs today's date (the import's plausibility rule: no date after the import
day; the as-of date of a database without dates) calls `clock.today()` through the module,
so a test sets the day instead of widening the rules around it:

    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 10))
"""

from __future__ import annotations

from datetime import date


def today() -> date:
    """Today's date on this machine."""
    return date.today()
