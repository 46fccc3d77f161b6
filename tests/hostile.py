"""A demo database holding hostile ledger text, loaded through the real ETL from a ledger
openpyxl writes: Markdown images and links, bold, maths, colours, an emoji shortcode and
HTML in a case's title and note, its community's name and its lead official's name, and a
mobile number written with dashes (a form the import may not recognise).

The dashboard must show all of it as the characters it is: no image, link, bold, maths
or colour from data, no request to example.invalid, and never the number's digits.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from taizhang.etl.demo_areas import STREETS
from taizhang.etl.load import load_paths

IMAGE = "![x](http://example.invalid/p.png)"
LINK = "[link](http://example.invalid/l)"
BOLD = "**bold**"
MATHS = "$x^2$"
COLOUR = ":red[r]"
EMOJI = ":smile:"
HTML = "<img src=http://example.invalid/i.png onerror=alert(1)>"
PAYLOADS = (IMAGE, LINK, BOLD, MATHS, COLOUR, EMOJI, HTML)
# Fragments of the payloads that only unescaped Markdown contains (ui.plain escapes them).
RAW_MARKUP = ("![x]", "](http", "**bold**", "$x^2$", ":red[", "<img", ":smile:")

PHONE = "139-1234-5678"
PHONE_DIGITS = ("13912345678", "1234-5678", "12345678")
CASE_ID = "EVIL-2022-001"
TITLE = f"路灯不亮 {IMAGE} {LINK} {BOLD} {MATHS} {COLOUR} {EMOJI} {HTML} 联系 {PHONE}"
NOTE = f"第一行 {BOLD}\n    缩进的第二行 {MATHS} {LINK}\n回访电话 {PHONE}"
COMMUNITY = f"{MATHS}{IMAGE}{COLOUR}社区"
OFFICIAL = f"{BOLD}{MATHS}{COLOUR}{EMOJI}王"   # no "/": the import splits names on it
UNIT = "<b>城管</b>[办](http://example.invalid/u)"


def shown(markdown: str) -> str:
    """What a reader sees of Markdown written by dashboard.ui.plain: the escapes and
    zero-width spaces it adds removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def street() -> str:
    """The (first) demo street the hostile cases belong to."""
    return next(iter(STREETS))


def write_hostile_ledger(path: Path) -> Path:
    """A small office ledger (title row, header, rows) with the hostile texts, via openpyxl."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "恶意样例"
    sheet.append([f"{street()}民生问题台账(2022年7月)"])
    sheet.append(["编号", "街道", "社区", "议题", "类别", "反映时间", "办理状态", "责任单位",
                  "挂点领导", "进展情况", "办理时限"])
    for i in range(3):
        sheet.append([f"EVIL-2022-{i + 1:03d}", street(), COMMUNITY, TITLE, "市政设施",
                      f"2022-07-{10 + i:02d}", "正在解决", UNIT, OFFICIAL, NOTE, "2022-07-12"])
    book.save(path)
    return path


def build_hostile_db(db: Path, folder: Path) -> Path:
    """Load the hostile ledger into `db` (a copy of the demo database) with the ordinary ETL."""
    [summary] = load_paths(db, [write_hostile_ledger(folder / "恶意台账.xlsx")])
    assert summary.status == "ok", summary.line()
    return db
