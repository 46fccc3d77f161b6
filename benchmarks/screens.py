"""`make screens`: a PNG of every dashboard page, on a desktop and on a phone, in 中文 and in
English, and of the monthly report (its PDF's page and its 长图), for a person to look at.

    python benchmarks/screens.py [--out screens] [--only overview,report] [--lang zh,en]
                                 [--device desktop,phone]

Builds the demo database (`taizhang demo`) in <out>/work/, serves it with `taizhang serve`
(dashboard/server.py, a free port) and opens each page in Debian's chromium through
Playwright, as the end-to-end tests do: desktop 1366 px wide, phone 390 px (a touch
screen). Each screenshot is the whole page, as tall as its content. The report is written by
`taizhang report --format pdf,longpng` in both languages; the PDF's page is drawn to PNG by
poppler's pdftoppm. Everything goes to <out>/ (git-ignored), named
<device>-<lang>-<nn>-<page>.png; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from taizhang.dashboard import server as dashboard_server  # noqa: E402
from taizhang.report.render import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WAIT_MS = 120_000
DEVICES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}
LANGS = ("zh", "en")
# Every page of the dashboard (dashboard/app.py PAGES), then views a reader drills to: a
# street drilled in place on the overview, a case opened from the cases page.
PAGES = ("overview", "areas", "officials", "supervision", "seeds", "recurring", "cases", "report",
         "data", "glossary")
DRILLED = ("overview-street", "case")


def taizhang(*args: str) -> None:
    """Run the `taizhang` command of this checkout; stop with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "taizhang", *args], capture_output=True, text=True,
                          cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"taizhang {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


# The height of the page's content: Streamlit scrolls its main area, not the document.
_HEIGHT = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const side = document.querySelector('[data-testid=stSidebarContent]');
  return Math.ceil(Math.max(main ? main.scrollHeight : 0, side ? side.scrollHeight : 0));
}"""
# Ready: a heading drawn, no script run going, every plotly chart laid out, every frame loaded.
_READY = """() => !!document.querySelector('[data-testid=stMainBlockContainer] [data-testid=stHeading]')
  && !document.querySelector('[data-testid=stStatusWidget]')
  && [...document.querySelectorAll('.js-plotly-plot')].every((c) => c._fullLayout)
  && [...document.querySelectorAll('iframe')].every((f) => {
       try { return f.contentDocument.readyState === 'complete'; } catch (e) { return true; } })"""


def settle(tab) -> None:
    """Wait until the page is drawn (see _READY) and its height has stopped changing."""
    tab.wait_for_function(_READY, timeout=WAIT_MS)
    heights = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        heights.append(tab.evaluate(_HEIGHT) if tab.evaluate(_READY) else -1)
        if len(heights) >= 4 and len(set(heights[-4:])) == 1:
            return


def whole_page(tab, path: Path, width: int) -> None:
    """A screenshot of the whole page: the viewport made as tall as the content, then put back."""
    before = tab.viewport_size
    tab.set_viewport_size({"width": width, "height": min(tab.evaluate(_HEIGHT) + 16, 16000)})
    settle(tab)   # a taller viewport may lay the page out again (frames, charts)
    tab.set_viewport_size({"width": width, "height": min(tab.evaluate(_HEIGHT) + 16, 16000)})
    time.sleep(0.5)
    tab.screenshot(path=path)
    tab.set_viewport_size(before)


def query(lang: str, **params: str) -> str:
    """The query string of a view: all the data, in `lang`."""
    return "?" + urlencode({"period": "all", **params, **({"lang": "en"} if lang == "en" else {})})


def open_view(tab, url: str, name: str, lang: str, street: str, case: str) -> None:
    if name == "overview-street":
        tab.goto(f"{url}/{query(lang, street=street)}")
    elif name == "case":
        tab.goto(f"{url}/cases{query(lang, case=case)}")
    else:
        tab.goto(f"{url}/{'' if name == 'overview' else name}{query(lang)}")
    settle(tab)


def dashboard_screens(db: Path, out: Path, pages, langs, devices) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from taizhang.db import reading
    from taizhang.kpi import api as kpi

    with reading(db) as con:
        ranking = kpi.ranking(con, "street", kpi.Filters())
        street = ranking.sort_values("rank")["street"].iloc[0]
        case = kpi.case_list(con, kpi.Filters.make(where={"street": street}))["case_id"].iloc[0]
    log = out / "work" / "serve.log"
    process, url = dashboard_server.start(db, log, timeout=120)
    written = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for device in devices:
                for lang in langs:
                    context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US",
                                                  **DEVICES[device])
                    tab = context.new_page()
                    tab.set_default_timeout(WAIT_MS)
                    for name in pages:
                        open_view(tab, url, name, lang, street, case)
                        n = (PAGES + DRILLED).index(name) + 1   # the same name whatever --only
                        path = out / f"{device}-{lang}-{n:02d}-{name}.png"
                        whole_page(tab, path, DEVICES[device]["viewport"]["width"])
                        written.append(path)
                        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)
                    context.close()
            browser.close()
    finally:
        dashboard_server.stop(process)
    if "Traceback" in log.read_text():
        print(f"the server logged a traceback: see {log}", file=sys.stderr)
    return written


def report_screens(db: Path, out: Path, langs) -> list[Path]:
    """The report's PDF (its page drawn at 110 dpi) and its 长图, in each language."""
    written = []
    for lang in langs:
        folder = out / "work" / f"report-{lang}"
        shutil.rmtree(folder, ignore_errors=True)
        taizhang("--db", str(db), "report", "--format", "pdf,longpng", "--lang", lang,
                 "--out", str(folder))
        for pdf in sorted(folder.glob("*.pdf")):
            prefix = out / f"report-{lang}-pdf"
            subprocess.run(["pdftoppm", "-png", "-r", "110", str(pdf), str(prefix)], check=True)
            written += sorted(out.glob(f"report-{lang}-pdf*.png"))
        for long in sorted(folder.glob("*.png")):
            target = out / f"report-{lang}-long.png"
            shutil.copy(long, target)
            written.append(target)
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screens"), help="folder for the PNGs")
    parser.add_argument("--only", default=",".join(PAGES + DRILLED + ("report-files",)),
                        help="pages to take (comma-separated; report-files: the PDF and 长图)")
    parser.add_argument("--lang", default=",".join(LANGS))
    parser.add_argument("--device", default=",".join(DEVICES))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    (out / "work").mkdir(parents=True, exist_ok=True)
    only = [p for p in args.only.split(",") if p]
    langs = [lang for lang in args.lang.split(",") if lang in LANGS]
    devices = [d for d in args.device.split(",") if d in DEVICES]
    for old in out.glob("*.png"):   # the screenshots about to be taken again, only those
        report = "report-files" in only and any(old.name.startswith(f"report-{lang}-") for lang in langs)
        page = any(old.name.startswith(f"{device}-{lang}-") for device in devices for lang in langs) \
            and any(old.name.endswith(f"-{p}.png") for p in only)
        if report or page:
            old.unlink()
    db = out / "work" / "demo.duckdb"
    if not db.exists():
        taizhang("--db", str(db), "demo")
    pages = [p for p in PAGES + DRILLED if p in only]
    written = dashboard_screens(db, out, pages, langs, devices) if pages else []
    if "report-files" in only:
        written += report_screens(db, out, langs)
    print(f"{len(written)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
