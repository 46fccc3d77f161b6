"""The dashboard driven by Streamlit's AppTest, for every test that reads a page.

    run(page, **query)   the app on app_pages/<page>.py with these URL parameters, checked
                         to have raised nothing and shown no error
    run_all(page, **query)  the same on all the data (period=all) unless dates are given
    card(at, label)      (value, change) of the KPI card labelled `label`
    metric(at, label)    its value alone

The database is the one TAIZHANG_DB names, as for the server: point it with the `use_db`
fixture (conftest.py).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def run(page: str | None = None, timeout: float = 120, **params) -> AppTest:
    """Run the app with these query parameters, then switch to app_pages/<page>.py (None:
    the overview); no exception raised and no error shown."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def run_all(page: str | None = None, **params) -> AppTest:
    """run() on all the data, as kpi.Filters() counts it, unless the test gives dates (a
    custom period): the page's own default is the latest complete month."""
    params.setdefault("period", "custom" if "from" in params or "to" in params else "all")
    return run(page, **params)


def card(at: AppTest, label: str) -> tuple[str, str | None]:
    """(value, change text without its arrow, e.g. '较上月 +30'; None without one) of the KPI
    card labelled `label` (dashboard/cards.py markup)."""
    pattern = (f'<div class="tz-label">{re.escape(html.escape(label))}</div><div class="tz-value">(.*?)</div>'
               r'(?:<div class="tz-delta[^"]*">(?:[▲▼↑↓] )?(.*?)</div>)?')
    for block in at.markdown:
        found = re.search(pattern, block.value)
        if found:
            return html.unescape(found.group(1)), found.group(2) and html.unescape(found.group(2))
    raise AssertionError(f"no card labelled {label}")


def metric(at: AppTest, label: str) -> str:
    """The value of the KPI card labelled `label`."""
    return card(at, label)[0]
