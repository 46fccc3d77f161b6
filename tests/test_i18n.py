"""The text catalogue: one name a key, whichever module adds it."""

import re

from taizhang import i18n
from taizhang.i18n_access import ACCESS_TEXT
from taizhang.i18n_seeds import SEEDS_TEXT


def test_extension_catalogues_add_keys_and_never_rename_one():
    # A key defined in two catalogues would give one figure two names on different pages
    # (the 督办 page's '案件数' once read '件数' after the seeds' catalogue loaded).
    for extra in (ACCESS_TEXT, SEEDS_TEXT):
        assert not set(extra) & i18n.BASE_KEYS, sorted(set(extra) & i18n.BASE_KEYS)
    assert not set(ACCESS_TEXT) & set(SEEDS_TEXT)
    assert i18n.label("cases", "zh") == "案件数"
    # every entry is 中文 first, then English
    for key, value in i18n.TEXT.items():
        assert isinstance(value, tuple) and len(value) == 2 and all(value), key


def test_english_names_the_pages_in_english():
    """An English reader meets each page under its English name: no English text names a
    page or list by its Chinese one (the case page said 'not on the 督办 list', the report
    'the dashboard's 督办 page')."""
    pages = {i18n.t(key, "zh"): i18n.t(key, "en") for key in i18n.TEXT if key.startswith("page.")}
    pages["督办"] = "Supervision"
    # a page's name as a word of its own (示例数据, the demo's label, is not the 数据 page)
    named = re.compile("|".join(f"(?<![\u4e00-\u9fff]){re.escape(zh)}(?![\u4e00-\u9fff])" for zh in pages))
    said = [(key, en) for key, (_, en) in i18n.TEXT.items() if named.search(en)]
    assert said == [], said
