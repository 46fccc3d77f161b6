"""The text catalogue: one name a key, whichever module adds it."""

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
