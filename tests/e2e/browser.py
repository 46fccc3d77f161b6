"""Debian chromium through Playwright, for the browser tests: launched once per test (the
`browser` fixture, conftest.py) and a tab as a reader opens one."""

from __future__ import annotations

from taizhang.report.render import CHROMIUM, CHROMIUM_ARGS

# How long a step may take before a test gives up. Every action first waits for what a
# reader would wait for (the run that drew its element has finished, the row is in the
# grid); this budget only stops a test that hangs. 60 s was too little for a first run
# that compiles its queries on a machine running other suites beside it.
WAIT_MS = 180_000
DESKTOP = {"viewport": {"width": 1400, "height": 1200}, "locale": "zh-CN"}


def launch(playwright):
    """The system's chromium, with the arguments the report's renderer gives it."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def new_tab(browser, **options):
    """A tab of `browser` (a desktop's size in Chinese unless `options` say otherwise) that
    waits up to WAIT_MS for what it is asked."""
    tab = browser.new_page(**{**DESKTOP, **options})
    tab.set_default_timeout(WAIT_MS)
    return tab
