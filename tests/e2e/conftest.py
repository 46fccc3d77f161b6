"""Fixtures of the browser tests: chromium, a tab, and `taizhang serve` on a demo copy."""

from __future__ import annotations

import pytest

from browser import launch, new_tab
from taizhang.dashboard import server as dashboard_server


@pytest.fixture
def browser():
    """Debian chromium (browser.launch), closed after the test."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A desktop tab (browser.new_tab)."""
    return new_tab(browser)


@pytest.fixture
def server(demo_db_copy, tmp_path):
    """`taizhang serve` on a free port for a private copy of the demo database."""
    log = tmp_path / "serve.log"
    process, url = dashboard_server.start(demo_db_copy, log, timeout=60)
    yield url, demo_db_copy, log
    dashboard_server.stop(process)
