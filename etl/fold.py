"""Full-width folding and masking, once in Python (headers, names) and once as SQL (columns).

Both forms share the same character tables, so a header folded in Python and a cell folded
in DuckDB agree.
"""

from __future__ import annotations

import re

from taizhang.safetext import mask_sql, mask_text  # noqa: F401 - the one masking rule, re-exported

# Full-width ASCII (U+FF01..U+FF5E) → ASCII, the ideographic space → space, and the few
# punctuation marks offices type in Chinese input mode inside dates and numbers.
FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "

_TRANSLATE = str.maketrans(FULL_WIDTH, HALF_WIDTH)
_SPACES = re.compile(r"\s+")
# Control characters (NUL and the like; not tab or line breaks) are never stored: nothing a
# person typed, they break the text's display and the files we write.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_SQL = r"[\x{00}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}\x{7F}]"
# The same characters as DuckDB's JSON text writes them (\u0000 …; DEL as itself).
JSON_CONTROL_SQL = r"\\u00(0[0-8bBcCeEfF]|1[0-9a-fA-F])|\x{7F}"

def fold_text(value: str) -> str:
    """Full-width to half-width, runs of white space to one space, control characters
    dropped, trimmed."""
    return _SPACES.sub(" ", _CONTROL.sub("", value.translate(_TRANSLATE))).strip()


def header_key(value: str) -> str:
    """A header cell reduced for synonym matching: folded, no spaces or underscores, lower
    case ('Created Date', 'CreatedDate', 'created_date' and ' CREATED DATE ' match)."""
    return _SPACES.sub("", fold_text(value)).replace("_", "").lower()


WIDE_SQL = "[\\x{FF01}-\\x{FF5E}\\x{3000}]"      # a full-width character
SPACES_SQL = "\\s\\s|[^\\S ]|\\x{3000}"           # white space that is not one plain space
# The same tests on a row's cells joined by '|' (etl/stage.py `row_text`; cheaper than on
# its JSON, whose keys are most of its length). A row passing neither test is folded as it
# is; a space separator other than U+0020 sends it through folding too, so that DuckDB's
# trim() (which removes them) treats every cell the same whatever else is in its row.
ROW_WIDE_SQL = WIDE_SQL
# The characters DuckDB's trim() removes (tests/test_etl_rowchecks.py asks DuckDB): a
# plain space and the other space separators. Not tabs or line breaks.
TRIM_SPACE_CODES = (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)
TRIM_SPACES = "".join(map(chr, TRIM_SPACE_CODES))
ROW_SPACES_SQL = SPACES_SQL + "|[" + "".join(
    f"\\x{{{code:04X}}}" for code in TRIM_SPACE_CODES if code not in (0x20, 0x3000)) + "]"


def fold_sql(expr: str, wide: str | None = None, spaces: str | None = None, trimmed: bool = False) -> str:
    """SQL that folds a VARCHAR expression like fold_text (NULL stays NULL, '' becomes NULL).

    translate() and the space regex are costly per value, so they run only where `wide` /
    `spaces` (SQL booleans; by default a test of the value itself) say they are needed:
    the loader tests a whole row once instead of each of its cells. `trimmed`: the value
    is trimmed and never '' already (the loader's cells), so a value needing neither is
    returned as it is, without a second trim.
    """
    wide = wide or f"regexp_matches({expr}, '{WIDE_SQL}')"
    spaces = spaces or f"regexp_matches({expr}, '{SPACES_SQL}')"
    translate = f"translate({expr}, '{FULL_WIDTH}', '{HALF_WIDTH.replace(chr(39), chr(39) * 2)}')"
    translated = f"CASE WHEN {wide} THEN {translate} ELSE {expr} END"
    spaced = f"regexp_replace({translated}, '\\s+', ' ', 'g')"
    if trimmed:
        return (f"CASE WHEN {spaces} THEN nullif(trim({spaced}), '') "
                f"WHEN {wide} THEN nullif(trim({translate}), '') ELSE {expr} END")
    return f"nullif(trim(CASE WHEN {spaces} THEN {spaced} ELSE {translated} END), '')"
