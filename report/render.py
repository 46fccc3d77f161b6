"""Turns the report's HTML into a one-page A4 PDF and a PNG with Debian's chromium.

Debian's /usr/bin/chromium is driven through its DevTools protocol over a pipe
(report/devtools.py; no Node.js driver to start). One `Renderer` keeps one browser open,
so `--each street` prints every street's page with a single browser start, and prints
PDF and PNG from one load of each page;
`RendererThread` starts it in a thread of its own so that chromium starts while the
numbers are computed; `html_to_pdf` / `html_to_png` are the one-off shortcuts the
dashboard calls.
"""

from __future__ import annotations

import base64
import concurrent.futures
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

from taizhang.report.devtools import Browser, BrowserError

CHROMIUM = Path(os.environ.get("TAIZHANG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A4 at CSS 96 dpi: 210 mm × 297 mm. The template draws its sheet at exactly this size.
A4_CSS_PX = (794, 1123)
LONG_CSS_WIDTH = 440  # 长图 (longpng): the width of its one column, in CSS px
INSTALL_HINT = "sudo apt-get install chromium fonts-noto-cjk"
FORMATS = ("pdf", "png")


# The height the content needs: the sheet without its A4 minimum height.
_HEIGHT_SCRIPT = """() => {
  const sheet = document.querySelector('.sheet');
  if (!sheet) return 0;
  sheet.style.minHeight = '0';
  return Math.ceil(sheet.getBoundingClientRect().height);
}"""
_FIT_SCRIPT = """(limit) => {
  const sheet = document.querySelector('.sheet');
  if (!sheet) return 1;
  const height = sheet.getBoundingClientRect().height;
  const zoom = height > limit ? limit / height : 1;
  if (zoom < 1) sheet.style.zoom = zoom;
  return zoom;
}"""


# What a browser's page pays for once: the CJK fonts (regular and bold; the charts' SVG
# text uses the same faces), the stylesheet, and plotly.js (4.8 MB: 0.5–1 s of CPU to
# parse, several seconds on a busy machine). A page loads this while the numbers are computed and is then kept:
# each report is written into it (document.open/write), which replaces the document but
# keeps the page's scripts, so plotly.js is parsed once per browser, not once per report.
_WARM_UP = """<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>
<body><div class="sheet"><h1>月报 0123</h1><h2>趋势 <small>Trend</small></h2>
<table><tr><th>受理</th><td>已解决 84.6% 6月</td></tr></table></div>{plotly}</body></html>"""


# plotly.js puts its own CSS rules (how a chart's layers stack) into a <style> of the
# document it loaded in, once; the new document gets them copied into its head.
_WRITE_SCRIPT = """(() => {
  const css = [...document.querySelectorAll('style[id^="plotly.js-style"]')].map((style) =>
    `<style id="${style.id}">${[...style.sheet.cssRules].map((r) => r.cssText).join('\\n')}</style>`);
  document.open();
  document.write(HTML.replace('</head>', () => css.join('') + '</head>'));
  document.close();
  return true;
})()"""


class RenderUnavailable(RuntimeError):
    """Chromium or the CJK fonts are missing: the message says what to install."""


def missing_system_packages() -> list[str]:
    """Debian packages the renderer needs that are not installed (empty when all is well)."""
    missing = []
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        missing.append("chromium")
    if not _has_cjk_font():
        missing.append("fonts-noto-cjk")
    return missing


@functools.cache
def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        # Without fontconfig chromium cannot find any font either.
        return False
    out = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    return "Noto Sans CJK" in out or "Noto Serif CJK" in out


def check_prerequisites() -> None:
    """Raise RenderUnavailable naming the packages to install when any is missing."""
    missing = missing_system_packages()
    if missing:
        raise RenderUnavailable(
            f"无法生成月报:缺少 {' '.join(missing)} / cannot render the report: "
            f"{' and '.join(missing)} missing. Install with: "
            f"sudo apt-get install {' '.join(missing)}"
        )


class _Page:
    """One browser tab at a device scale, attached through its own DevTools session."""

    def __init__(self, browser: Browser, scale: float) -> None:
        self._browser = browser
        self.target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget",
                                    {"targetId": self.target, "flatten": True})["sessionId"]
        # The A4 sheet's size at `scale` device pixels per CSS pixel; every request
        # refused (the page is self-contained: inline CSS and SVG).
        for method, params in (
            ("Emulation.setDeviceMetricsOverride", {"width": A4_CSS_PX[0], "height": A4_CSS_PX[1],
                                                    "deviceScaleFactor": scale, "mobile": False}),
            ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),
        ):
            self.send(method, params)

    def send(self, method: str, params: dict | None = None) -> dict:
        return self._browser.send(method, params, self.session)

    def set_content(self, html: str) -> None:
        """Replace the document (the main frame's id is the target's) and wait for its
        fonts and its charts (the page's `window.taizhangCharts` promise, when it has one)."""
        self.send("Page.setDocumentContent", {"frameId": self.target, "html": html})
        self.evaluate("Promise.all([document.fonts.ready, window.taizhangCharts])"
                      ".then(() => document.fonts.ready).then(() => true)")

    def write(self, html: str) -> None:
        """Write `html` as the page's new document, keeping the scripts it has loaded
        (document.open no longer makes a new global object); its own <script> of plotly.js,
        which the page has already, is left out. Then wait as set_content does."""
        from taizhang.report.page import without_plotly

        self.evaluate(_WRITE_SCRIPT.replace("HTML", json.dumps(without_plotly(html))))
        self.evaluate("Promise.all([document.fonts.ready, window.taizhangCharts])"
                      ".then(() => document.fonts.ready).then(() => true)")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression (a promise is awaited)."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in answer:
            raise BrowserError(answer["exceptionDetails"].get("text", "script failed"))
        return answer["result"].get("value")

    def close(self) -> None:
        self._browser.post("Target.closeTarget", {"targetId": self.target})


class Renderer:
    """One chromium browser that prints any number of report pages.

    Use as a context manager from one thread:
        with Renderer() as r:
            files = r.render(html)            # {"pdf": …, "png": …} from one page load
            pdf = r.pdf(html); png = r.png(html, scale=2)
    """

    def __init__(self) -> None:
        self._browser: Browser | None = None
        self._spare: dict[float, _Page] = {}  # an open, warmed page per scale, made ahead

    def __enter__(self) -> "Renderer":
        check_prerequisites()
        try:
            self._browser = Browser(str(CHROMIUM), CHROMIUM_ARGS)
            self._browser.send("Browser.getVersion", timeout=30)
        except (BrowserError, TimeoutError) as exc:
            if self._browser is not None:
                self._browser.close()
                self._browser = None
            raise RenderUnavailable(
                f"chromium 无法启动 / chromium at {CHROMIUM} did not start ({exc}). "
                f"Reinstall with: {INSTALL_HINT}"
            ) from exc
        return self

    def __exit__(self, *exc_info) -> None:
        if self._browser is not None:
            self._browser.close()
        self._browser = None
        self._spare.clear()

    def prepare(self, scale: float = 2) -> None:
        """Open a page at `scale` now (the first costs ~0.3 s: a renderer process) and warm
        its fonts, so that the next page to print at that scale is only loaded."""
        if scale not in self._spare:
            from taizhang.report.page import plotly_script, stylesheet

            page = _Page(self._browser, scale)
            page.set_content(_WARM_UP.format(css=stylesheet(), plotly=plotly_script()))
            self._spare[scale] = page

    def _page(self, html: str, scale: float) -> _Page:
        """The kept page at `scale` (made and warmed now if there is none) showing `html`."""
        self.prepare(scale)
        page = self._spare.pop(scale)
        page.send("Emulation.setEmulatedMedia", {"media": ""})  # a PDF left it on print
        page.write(html)
        return page

    def _keep(self, page: _Page, scale: float) -> None:
        """Keep `page` for the next report at its scale (close it if one is kept already)."""
        if scale in self._spare:
            page.close()
        else:
            self._spare[scale] = page

    def natural_height(self, html: str) -> int:
        """The sheet's height in CSS px before any shrinking (≤ 1123 means it fits A4)."""
        return int(self.measure(html, _HEIGHT_SCRIPT))

    def measure(self, html: str, function: str):
        """The value of a JavaScript function (its source, called without arguments) on the
        page as printed: A4 width, scale 1, nothing shrunk."""
        page = self._page(html, 1)
        try:
            return page.evaluate(f"({function})()")
        finally:
            self._keep(page, 1)

    def render(self, html: str, formats=FORMATS, scale: float = 2) -> dict[str, bytes]:
        """The page in each of `formats` ('pdf': one A4 page with selectable text; 'png':
        the A4 sheet at `scale`×), all printed from one load of the page."""
        page = self._page(html, scale)
        try:
            files = {}
            if "longpng" in formats:
                files["longpng"] = self._long_screenshot(page)
            # Lists are cut to fit (report/sections.py); should a page still run long (very
            # long names wrapping), shrink the whole sheet rather than print a second page.
            page.evaluate(f"({_FIT_SCRIPT})({A4_CSS_PX[1]})")
            # The screenshot first: printing switches the page to print media.
            if "png" in formats:
                files["png"] = self._screenshot(page, scale)
            if "pdf" in formats:
                page.send("Emulation.setEmulatedMedia", {"media": "print"})
                files["pdf"] = base64.b64decode(page.send("Page.printToPDF", {
                    "paperWidth": 8.27, "paperHeight": 11.7,  # A4 in inches
                    "printBackground": True,
                    "preferCSSPageSize": True,
                    "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0,
                    # The template fits the sheet to one page; this guards against a stray
                    # overflow ever printing a second, near-empty page.
                    "pageRanges": "1",
                    "generateTaggedPDF": False,
                })["data"])
            return {fmt: files[fmt] for fmt in formats}
        finally:
            self._keep(page, scale)

    def _screenshot(self, page: _Page, scale: float) -> bytes:
        """The A4 sheet as PNG at `scale`×.

        `optimizeForSpeed` makes chromium compress the PNG faster (the same pixels, a
        file ~15% larger): 0.25 s instead of 0.65 s.
        """
        shot = page.send("Page.captureScreenshot", {
            "format": "png",
            "optimizeForSpeed": True,
            "captureBeyondViewport": False,
            "clip": {"x": 0, "y": 0, "width": A4_CSS_PX[0], "height": A4_CSS_PX[1], "scale": 1},
        })
        return base64.b64decode(shot["data"])

    def _long_screenshot(self, page: _Page) -> bytes:
        """长图: the sheet laid out in one column 440 px wide (report.css `body.long`), as
        tall as its content, at 2× for a phone's screen; the page is put back after."""
        height = page.evaluate(
            "(() => { document.body.classList.add('long');"
            " return Math.ceil(document.querySelector('.sheet').getBoundingClientRect().height); })()")
        try:
            shot = page.send("Page.captureScreenshot", {
                "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": LONG_CSS_WIDTH, "height": height, "scale": 1},
            })
        finally:
            page.evaluate("document.body.classList.remove('long')")
        return base64.b64decode(shot["data"])

    def pdf(self, html: str) -> bytes:
        """A one-page A4 PDF with selectable text."""
        return self.render(html, ("pdf",), scale=1)["pdf"]

    def png(self, html: str, scale: float = 2) -> bytes:
        """A PNG of the A4 sheet at `scale` device pixels per CSS pixel."""
        return self.render(html, ("png",), scale)["png"]


class RendererThread:
    """A Renderer living in a thread of its own, started at once.

    Chromium starts (~0.7 s) and opens and warms its first page while the caller imports
    and asks the KPI layer for the numbers; pages are printed in the order submitted, so
    a caller can compute page n+1 while page n prints. Works inside a running asyncio
    loop too.

        with RendererThread() as r:
            html = …                  # computed meanwhile
            files = r.render(html)
    """

    def __init__(self, scale: float = 2) -> None:
        """`scale`: the device scale of the first page it will print (its page is opened
        right after the browser starts)."""
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="report-render")
        self._renderer = Renderer()
        self._started = self._pool.submit(self._start, scale)

    def _start(self, scale: float) -> None:
        self._renderer.__enter__()
        self._renderer.prepare(scale)

    def __enter__(self) -> "RendererThread":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def submit(self, html: str, formats=FORMATS, scale: float = 2) -> concurrent.futures.Future:
        """Renderer.render in the browser's thread without waiting: the Future's result is
        {format: bytes} (or RenderUnavailable when chromium did not start)."""
        def job():
            self._started.result()
            return self._renderer.render(html, tuple(formats), scale)
        return self._pool.submit(job)

    def render(self, html: str, formats=FORMATS, scale: float = 2) -> dict[str, bytes]:
        """Renderer.render in the browser's thread."""
        return self.submit(html, formats, scale).result()

    def pdf(self, html: str) -> bytes:
        """Renderer.pdf in the browser's thread."""
        return self.render(html, ("pdf",), scale=1)["pdf"]

    def png(self, html: str, scale: float = 2) -> bytes:
        """Renderer.png in the browser's thread."""
        return self.render(html, ("png",), scale)["png"]

    def close(self) -> None:
        """Stop the browser (if it started) and the thread."""
        self._pool.submit(self._renderer.__exit__, None, None, None).result()
        self._pool.shutdown()


def html_to_pdf(html: str) -> bytes:
    """Print the report HTML to a one-page A4 PDF (starts and stops a browser)."""
    with RendererThread(scale=1) as renderer:
        return renderer.pdf(html)


def html_to_longpng(html: str) -> bytes:
    """The report as a 长图: one narrow column as tall as it needs, 2× (a browser starts)."""
    with RendererThread(2) as renderer:
        return renderer.render(html, ("longpng",), 2)["longpng"]


def html_to_png(html: str, scale: float = 2) -> bytes:
    """Render the report HTML to an A4 PNG at `scale`× (starts and stops a browser)."""
    with RendererThread(scale) as renderer:
        return renderer.png(html, scale)
