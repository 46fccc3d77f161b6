"""Turns the report's HTML into a one-page A4 PDF and a PNG with Debian's chromium.

Playwright drives /usr/bin/chromium (never a browser Playwright downloads). One
`Renderer` keeps one browser open, so `--each street` prints every street's page with
a single browser start, and prints PDF and PNG from one load of each page;
`RendererThread` starts it in a thread of its own so that chromium starts while the
numbers are computed; `html_to_pdf` / `html_to_png` are the one-off shortcuts the
dashboard calls.
"""

from __future__ import annotations

import base64
import concurrent.futures
import functools
import os
import shutil
import subprocess
from pathlib import Path

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
INSTALL_HINT = "sudo apt-get install chromium fonts-noto-cjk"
# Node (Playwright's driver) keeps its compiled JavaScript here between runs, so the driver
# starts in ~0.5 s instead of ~1 s; a NODE_COMPILE_CACHE the user set wins.
NODE_CACHE = Path.home() / ".cache" / "taizhang" / "node"
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


# What a browser's first page pays for once: the CJK fonts (regular and bold, in HTML and
# in SVG) and the stylesheet. The spare page loads this while the numbers are computed,
# so the report's own load is ~0.05 s instead of ~0.2 s.
_WARM_UP = """<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>
<body><div class="sheet"><h1>月报 0123</h1><h2>趋势 <small>Trend</small></h2>
<table><tr><th>受理</th><td>已解决 84.6%</td></tr></table>
<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20" style="font-family: Noto Sans CJK SC">
<text x="0" y="10" font-size="9">解决率 100%</text><text x="0" y="20" font-weight="600">6月</text>
</svg></div></body></html>"""


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


class Renderer:
    """One chromium browser that prints any number of report pages.

    Use as a context manager from one thread:
        with Renderer() as r:
            files = r.render(html)            # {"pdf": …, "png": …} from one page load
            pdf = r.pdf(html); png = r.png(html, scale=2)
    """

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None
        self._contexts: dict[float, object] = {}
        self._spare: dict[float, object] = {}  # an open blank page per scale, made ahead

    def __enter__(self) -> "Renderer":
        check_prerequisites()
        from playwright.sync_api import Error as PlaywrightError, sync_playwright

        os.environ.setdefault("NODE_COMPILE_CACHE", str(NODE_CACHE))
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
        except PlaywrightError as exc:
            self._playwright.stop()
            self._playwright = None
            raise RenderUnavailable(
                f"chromium 无法启动 / chromium at {CHROMIUM} did not start "
                f"({str(exc).splitlines()[0]}). Reinstall with: {INSTALL_HINT}"
            ) from exc
        return self

    def __exit__(self, *exc_info) -> None:
        # Stopping Playwright's driver ends its browser too; closing each context and the
        # browser first would cost a round trip each.
        if self._playwright is not None:
            self._playwright.stop()
        self._playwright = self._browser = None
        self._contexts.clear()
        self._spare.clear()

    def _context(self, scale: float):
        """A browser context at `scale` device pixels per CSS pixel (one per scale)."""
        if scale not in self._contexts:
            context = self._browser.new_context(
                viewport={"width": A4_CSS_PX[0], "height": A4_CSS_PX[1]},
                device_scale_factor=scale,
            )
            # The page is self-contained (inline CSS and SVG); no request ever leaves it.
            context.route("**/*", lambda route: route.abort())
            self._contexts[scale] = context
        return self._contexts[scale]

    def prepare(self, scale: float = 2) -> None:
        """Open a page at `scale` now (the first costs ~0.5 s: a renderer process) and warm
        its fonts, so that the next page to print at that scale is only loaded."""
        if scale not in self._spare:
            from report.page import stylesheet

            page = self._context(scale).new_page()
            page.set_content(_WARM_UP.format(css=stylesheet()), wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            self._spare[scale] = page

    def _page(self, html: str, scale: float):
        page = self._spare.pop(scale, None) or self._context(scale).new_page()
        page.set_content(html, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        return page

    def natural_height(self, html: str) -> int:
        """The sheet's height in CSS px before any shrinking (≤ 1123 means it fits A4)."""
        page = self._page(html, 1)
        try:
            return int(page.evaluate(_HEIGHT_SCRIPT))
        finally:
            page.close()

    def render(self, html: str, formats=FORMATS, scale: float = 2) -> dict[str, bytes]:
        """The page in each of `formats` ('pdf': one A4 page with selectable text; 'png':
        the A4 sheet at `scale`×), all printed from one load of the page."""
        page = self._page(html, scale)
        try:
            # Lists are cut to fit (report/sections.py); should a page still run long (very
            # long names wrapping), shrink the whole sheet rather than print a second page.
            page.evaluate(_FIT_SCRIPT, A4_CSS_PX[1])
            files = {}
            # The screenshot first: printing switches the page to print media.
            if "png" in formats:
                files["png"] = self._screenshot(page, scale)
            if "pdf" in formats:
                page.emulate_media(media="print")
                files["pdf"] = page.pdf(
                    format="A4",
                    print_background=True,
                    prefer_css_page_size=True,
                    margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
                    # The template fits the sheet to one page; this guards against a stray
                    # overflow ever printing a second, near-empty page.
                    page_ranges="1",
                )
            return {fmt: files[fmt] for fmt in formats}
        finally:
            page.close()

    def _screenshot(self, page, scale: float) -> bytes:
        """The A4 sheet as PNG at `scale`×, through chromium's own screenshot command.

        `optimizeForSpeed` makes chromium compress the PNG faster (the same pixels, a
        file ~15% larger): 0.25 s instead of 0.65 s for Playwright's page.screenshot.
        """
        session = page.context.new_cdp_session(page)
        try:
            shot = session.send("Page.captureScreenshot", {
                "format": "png",
                "optimizeForSpeed": True,
                "captureBeyondViewport": False,
                "clip": {"x": 0, "y": 0, "width": A4_CSS_PX[0], "height": A4_CSS_PX[1],
                         "scale": scale},
            })
        finally:
            session.detach()
        return base64.b64decode(shot["data"])

    def pdf(self, html: str) -> bytes:
        """A one-page A4 PDF with selectable text."""
        return self.render(html, ("pdf",), scale=1)["pdf"]

    def png(self, html: str, scale: float = 2) -> bytes:
        """A PNG of the A4 sheet at `scale` device pixels per CSS pixel."""
        return self.render(html, ("png",), scale)["png"]


class RendererThread:
    """A Renderer living in a thread of its own, started at once.

    Chromium starts (1–2 s) while the caller imports and asks the KPI layer for the
    numbers; Playwright's sync objects must stay in the thread that made them, so every
    call is handed to that one thread. Works inside a running asyncio loop too.

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
    # The browser's own thread: Playwright's sync API refuses to run inside a running
    # asyncio loop (as under some servers), and a plain thread has none.
    with RendererThread(scale=1) as renderer:
        return renderer.pdf(html)


def html_to_png(html: str, scale: float = 2) -> bytes:
    """Render the report HTML to an A4 PNG at `scale`× (starts and stops a browser)."""
    with RendererThread(scale) as renderer:
        return renderer.png(html, scale)
