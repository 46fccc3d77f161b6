"""Turns the report's HTML into a one-page A4 PDF and a PNG with Debian's chromium.

Playwright drives /usr/bin/chromium (never a browser Playwright downloads). One
`Renderer` keeps one browser open, so `--each street` prints every street's page with
a single browser start; `html_to_pdf` / `html_to_png` are the one-off shortcuts the
dashboard calls.
"""

from __future__ import annotations

import asyncio
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
            pdf = r.pdf(html); png = r.png(html, scale=2)
    """

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None

    def __enter__(self) -> "Renderer":
        check_prerequisites()
        from playwright.sync_api import Error as PlaywrightError, sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
        except PlaywrightError as exc:
            self._playwright.stop()
            raise RenderUnavailable(
                f"chromium 无法启动 / chromium at {CHROMIUM} did not start "
                f"({str(exc).splitlines()[0]}). Reinstall with: {INSTALL_HINT}"
            ) from exc
        return self

    def __exit__(self, *exc_info) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    def _page(self, html: str, scale: float):
        page = self._browser.new_page(
            viewport={"width": A4_CSS_PX[0], "height": A4_CSS_PX[1]},
            device_scale_factor=scale,
        )
        # The page is self-contained (inline CSS and SVG); no request ever leaves it.
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        # Lists are cut to fit (report/sections.py); should a page still run long (very
        # long names wrapping), shrink the whole sheet rather than print a second page.
        page.evaluate(_FIT_SCRIPT, A4_CSS_PX[1])
        return page

    def natural_height(self, html: str) -> int:
        """The sheet's height in CSS px before any shrinking (≤ 1123 means it fits A4)."""
        page = self._browser.new_page(viewport={"width": A4_CSS_PX[0], "height": A4_CSS_PX[1]})
        try:
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            return int(page.evaluate(_HEIGHT_SCRIPT))
        finally:
            page.close()

    def pdf(self, html: str) -> bytes:
        """A one-page A4 PDF with selectable text."""
        page = self._page(html, 1)
        try:
            page.emulate_media(media="print")
            return page.pdf(
                format="A4",
                print_background=True,
                prefer_css_page_size=True,
                margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
                # The template fits the sheet to one page; this guards against a stray
                # overflow ever printing a second, near-empty page.
                page_ranges="1",
            )
        finally:
            page.close()

    def png(self, html: str, scale: float = 2) -> bytes:
        """A PNG of the A4 sheet at `scale` device pixels per CSS pixel."""
        page = self._page(html, scale)
        try:
            return page.screenshot(
                type="png",
                clip={"x": 0, "y": 0, "width": A4_CSS_PX[0], "height": A4_CSS_PX[1]},
            )
        finally:
            page.close()


def _off_event_loop(fn, *args):
    """Run fn in a worker thread when this thread already runs an asyncio loop.

    Playwright's sync API refuses to run inside a running event loop (as under some
    servers); a plain thread has none.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def _pdf(html: str) -> bytes:
    with Renderer() as renderer:
        return renderer.pdf(html)


def _png(html: str, scale: float) -> bytes:
    with Renderer() as renderer:
        return renderer.png(html, scale)


def html_to_pdf(html: str) -> bytes:
    """Print the report HTML to a one-page A4 PDF (starts and stops a browser)."""
    return _off_event_loop(_pdf, html)


def html_to_png(html: str, scale: float = 2) -> bytes:
    """Render the report HTML to an A4 PNG at `scale`× (starts and stops a browser)."""
    return _off_event_loop(_png, html, scale)
