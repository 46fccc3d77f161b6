"""Hostile ledger text on every page (AppTest): shown as text, never as markup, and no
resident's number on screen. The database is a demo copy with a ledger of hostile texts
loaded through the real ETL (tests/hostile.py); the browser half is in
tests/e2e/test_dashboard_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as tree

import hostile
from apptest import run
from hostile import shown
from taizhang.dashboard.ui import masked, plain
from taizhang.db import reading

MARKDOWN_ELEMENTS = (tree.Markdown, tree.Caption, tree.HeadingBase, tree.AlertBase)
LABELLED = (tree.Button, tree.DownloadButton, tree.PageLink, tree.Expander, tree.Tab)


@pytest.fixture(scope="module")
def hostile_db(demo_db, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    target = folder / "taizhang.duckdb"
    target.write_bytes(demo_db.read_bytes())
    return hostile.build_hostile_db(target, folder)


def unescaped(fragment: str, source: str) -> bool:
    """Whether `fragment` is in the Markdown `source` with its first mark not escaped."""
    return re.search(r"(?<!\\)" + re.escape(fragment), source) is not None


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def texts(at: AppTest) -> tuple[list[str], list[pd.DataFrame]]:
    """Every Markdown source on the page (bodies and labels) and every grid's frame."""
    sources, frames = [], []
    for node in walk(at._tree):
        if isinstance(node, MARKDOWN_ELEMENTS):
            sources.append(node.value)
        elif isinstance(node, LABELLED):
            sources.append(node.label if not isinstance(node, tree.PageLink) else node.proto.label)
        elif isinstance(node, tree.Dataframe):
            frames.append(node.value)
    return sources, frames


def assert_text_only(at: AppTest) -> str:
    """No Markdown source carries a payload unescaped, no number's digits anywhere; → what shows."""
    sources, frames = texts(at)
    for source in sources:
        for fragment in hostile.RAW_MARKUP:
            assert not unescaped(fragment, source), (fragment, source)
    cells = [str(v) for frame in frames for v in frame.astype(str).to_numpy().ravel()]
    for text in sources + cells:
        for digits in hostile.PHONE_DIGITS:
            assert digits not in shown(text), text
    return "\n".join(shown(s) for s in sources) + "\n" + "\n".join(cells)


def official_id(db: Path) -> str:
    with reading(db) as con:
        return con.execute("SELECT official_id FROM officials WHERE name = ?",
                           [hostile.OFFICIAL]).fetchone()[0]


def test_plain_escapes_every_payload():
    for payload in hostile.PAYLOADS:
        escaped = plain(payload)
        assert shown(escaped) == payload
        for fragment in hostile.RAW_MARKUP:
            assert not unescaped(fragment, escaped)
            assert unescaped(fragment, fragment)
    assert plain("a\n    b") == "a  \nb"   # a line break kept; no indented code block


@pytest.mark.parametrize("text", [
    "联系 139-1234-5678", "联系 138 1234 5678", "+86 13912345678", "+86-139-1234-5678",
    "联系 １３９１２３４５６７８", "身份证 330106800101123", "身份证 33010619800101123X",
])
def test_masked_hides_numbers_the_import_may_miss(text):
    digits = re.sub(r"\D", "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    assert digits[3:-4] not in re.sub(r"\D", "", masked(text))
    assert masked("2022-07-20 已回访,工单 E2E-2022-001") == "2022-07-20 已回访,工单 E2E-2022-001"


def test_case_page_shows_hostile_text_as_text_and_no_number(hostile_db, use_db):
    use_db(hostile_db)
    street = hostile.street()
    for page, params in (
        ("areas", {"street": street, "community": hostile.COMMUNITY, "case": hostile.CASE_ID}),
        ("cases", {"case": hostile.CASE_ID}),
        ("supervision", {"case": hostile.CASE_ID}),
        ("officials", {"official": official_id(hostile_db), "case": hostile.CASE_ID}),
    ):
        at = run(page, **params)
        seen = assert_text_only(at)
        title = masked(hostile.TITLE)
        assert f"{hostile.CASE_ID} · {title}" in seen, page
        assert "139-****-5678" in title and "1234" not in title  # masked by the import
        assert hostile.COMMUNITY in seen and hostile.UNIT in seen
        assert "第一行 **bold** 缩进的第二行 $x^2$" in seen   # the note, literally
        assert "反映人姓名与电话已脱敏。" in seen


def test_every_page_shows_hostile_names_as_text(hostile_db, use_db):
    use_db(hostile_db)
    street = hostile.street()
    official = official_id(hostile_db)
    views = (
        (None, {"street": street}),
        (None, {"street": street, "community": hostile.COMMUNITY}),
        ("areas", {}),
        ("areas", {"street": street}),
        ("areas", {"street": street, "community": hostile.COMMUNITY}),
        ("officials", {}),
        ("officials", {"official": official}),
        ("supervision", {"street": street, "community": hostile.COMMUNITY}),
        ("cases", {"q": "路灯不亮"}),
        ("report", {"street": street}),
        ("data", {}),
    )
    for page, params in views:
        at = run(page, **params)
        seen = assert_text_only(at)
        if page == "areas" and "community" in params:
            assert f"{hostile.COMMUNITY} 的案件" in seen
            # The breadcrumb's last crumb, in bold, is the community's name as it is.
            assert f"**{hostile.COMMUNITY}**" in [shown(m.value) for m in at.markdown]
            # The sidebar's select box shows options as plain text (Streamlit does not
            # read them as Markdown): the name as it is, not escaped.
            assert hostile.COMMUNITY in at.selectbox(key="w-community").options
        if page == "officials" and params:
            assert f"{hostile.OFFICIAL} 的案件" in seen
        if page == "cases":
            assert hostile.COMMUNITY in seen   # in the grid, as text


def test_a_crafted_url_is_text_too(hostile_db, use_db):
    """A shared link carries its own text (?street=…): it is shown as text as well."""
    use_db(hostile_db)
    at = run("areas", street=" ".join(hostile.PAYLOADS))
    assert " ".join(hostile.PAYLOADS) in assert_text_only(at)
    at = run("cases", case=hostile.IMAGE)
    assert_text_only(at)
    assert any(hostile.IMAGE in shown(w.value) for w in at.warning)


def test_the_server_sends_nothing_out_and_offers_no_raw_csv(hostile_db, use_db):
    """`taizhang serve` turns usage statistics off and the grids' CSV download off; the app
    turns the latter off itself too (a `streamlit run` by hand gets it as well)."""
    from streamlit import config

    from taizhang.dashboard.commands import serve_command

    command = serve_command(8611, "127.0.0.1")

    def option(name: str) -> str:
        return command[command.index(name) + 1]

    assert option("--browser.gatherUsageStats") == "false"
    assert option("--client.disableDataExport") == "true"
    assert option("--server.address") == "127.0.0.1"
    config.set_option("client.disableDataExport", False)
    use_db(hostile_db)
    run("cases")
    assert config.get_option("client.disableDataExport") is True
