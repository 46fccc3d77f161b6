"""Text we store or write, made safe: personal numbers masked, formula-looking cells inert.

Shared by the write side (etl/), the CLI and the dashboard, so there is one rule for each:

- `mask_text` masks mobile numbers (139-1234-5678, 138 1234 5678, +86 13912345678,
  8613912345678, full-width １３９１２３４５６７８) and ID-card numbers (18 characters with
  a final X, and the old 15-digit form). `MASKS` holds the same rules for DuckDB's
  regexp_replace (etl/fold.py `mask_sql`): each pattern is written once and read by both
  engines (Python's re and RE2), so a value masked in Python and one masked in SQL agree.
  Landline numbers (0791-8xxxxxxx) are not masked: they are office numbers far more often
  than a resident's, and a date or a count reads like one too easily.
- `csv_cell` puts a ' before text that starts like a formula (= + - @, tab, carriage
  return: the OWASP list), so a CSV opened in Excel or WPS shows it as text.
  `XLSX_OPTIONS` are xlsxwriter's options for a workbook that stores every text as text
  (no formula, no link), which needs no ' at all.
"""

from __future__ import annotations

import re

# Text starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# xlsxwriter: write strings as strings (no formulas, no links): inert, no ' added.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

# Character classes with the full-width forms offices type in Chinese input mode. Literal
# characters: both Python's re and RE2 read them in a class.
_D = "[0-9０-９]"
_NOT_D = "[^0-9０-９]"
# Between the digit groups of a mobile number: up to three separators — hyphen, space,
# ideographic space, full-width hyphen, tab or line break, also as JSON writes the last
# ones (\n: a rejected row is stored as JSON, and store/remask.py masks that text).
_SEP = r"(?:[- 　－\t\n\r]|\\[nrt]){0,3}"
_X = "[0-9０-９XxＸｘ]"

_ID15 = (rf"(^|{_NOT_D})([1-8１-８]{_D}{{5}})({_D}{{2}}(?:[0０][1-9１-９]|[1１][0-2０-２])"
         rf"(?:[0０][1-9１-９]|[12１２]{_D}|[3３][01０１]))({_D}{{3}})($|[^0-9０-９XxＸｘ])",
         r"\1\2******\4\5")

# (pattern, replacement) in the order they run: ID numbers first, since an ID number holds
# digit runs that look like a mobile number. Neither engine has look-behind here (RE2 has
# none), so the character before a number is captured and put back (\1).
MASKS: tuple[tuple[str, str], ...] = (
    # 18 characters: 6 area digits, 8 birth-date digits (masked), 3 digits and a check
    # character. The end is not checked: the start of a longer digit run is masked too.
    (rf"(^|{_NOT_D})({_D}{{6}}){_D}{{8}}({_D}{{3}}{_X})", r"\1\2********\3"),
    # 15 digits (ID cards issued before 1999): area, YYMMDD birth date (masked), 3 digits.
    # Only a run of exactly 15 digits whose middle reads as a date, so that a 15-digit
    # work-order number (mostly 2023… with a month 00 or above 12 where the date would be)
    # stays readable.
    _ID15, _ID15,  # twice: a match takes the character after it, which the next one may need
    # Mobile numbers 1[3-9]x xxxx xxxx, with an optional +86 / 86 and separators: the
    # middle four digits are masked, separators kept (139-****-5678).
    (rf"(^|{_NOT_D})((?:[+＋]?[8８][6６]{_SEP})?[1１][3-9３-９]{_D})({_SEP}){_D}{{4}}({_SEP})({_D}{{4}})",
     r"\1\2\3****\4\5"),
)
# Any run of white space or hyphens: what folding makes one space (etl/fold.py), so that a
# number split by two spaces or a line break is masked once its cell is folded.
_GAP = r"(?:[-\s　－]|\\[nrt])*"
# The test for "this text may hold a number to mask" (RE2 and Python alike), run on a row's
# cells joined by '|' before they are folded (etl/normalize.py): true wherever one of MASKS
# would change the text, its separators loosened to `_GAP` — and nowhere else, so that a
# ledger whose case ids are long digit runs (20230113000000001: no ID-card number, no mobile
# number) does not send every row through the masking expressions. It is MASKS' patterns
# without their groups: ID card (18), ID card (15, exactly, its middle a date), mobile.
# tests/test_safetext_maybe.py checks that every text a mask changes is matched.
MAYBE_NUMBER = (
    rf"(?:^|{_NOT_D})(?:{_D}{{17}}{_X}"
    rf"|[1-8１-８]{_D}{{7}}(?:[0０][1-9１-９]|[1１][0-2０-２])(?:[0０][1-9１-９]|[12１２]{_D}|[3３][01０１])"
    rf"{_D}{{3}}(?:$|[^0-9０-９XxＸｘ])"
    rf"|(?:[+＋]?[8８][6６]{_GAP})?[1１][3-9３-９]{_D}{_GAP}{_D}{{4}}{_GAP}{_D}{{4}})"
)

# The version of MASKS: a database records the one its texts were masked with (meta
# 'mask_version'), and the write side re-masks every stored text once when it is older
# (store/remask.py). Raise it whenever MASKS change so that they mask more; the texts of a
# database loaded before are then masked again on its next load. 1: one separator between
# a mobile number's digit groups; 2: up to three, line breaks and their JSON escapes too.
# tests/test_remask.py pins MASKS to this number.
MASK_VERSION = 2

_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in MASKS)


def mask_text(value):
    """`value` with mobile and ID-card numbers masked (anything that is not text unchanged)."""
    if not isinstance(value, str):
        return value
    for pattern, replacement in _COMPILED:
        value = pattern.sub(replacement, value)
    return value


# On screen, text is masked again when drawn (dashboard/ui.py), so the promise
# "反映人姓名与电话已脱敏" holds even for a number written in a way an import did not
# recognise, or stored by an older version: mask_text first, then any run of 11 or more
# digits (full-width too, one space or dash allowed between two digits) keeps only its
# first 3 and last 4 digits.
_DIGIT_RUN = re.compile(r"[0-9\uff10-\uff19](?:[ \-\u3000\uff0d]?[0-9\uff10-\uff19]){10,}")
_FOLD_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _hide_run(match: re.Match) -> str:
    digits = re.sub(r"[^0-9]", "", match.group(0).translate(_FOLD_DIGITS))
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_display(value):
    """mask_text, then any long digit run cut to its first 3 and last 4 digits: what a
    screen shows of free text (a 12-digit work-order number inside a note is cut too)."""
    if not isinstance(value, str):
        return value
    return _DIGIT_RUN.sub(_hide_run, mask_text(value))


def mask_sql(expr: str) -> str:
    """SQL masking a VARCHAR expression like mask_text (NULL stays NULL)."""
    for pattern, replacement in MASKS:
        expr = f"regexp_replace({expr}, '{pattern}', '{replacement}', 'g')"
    return expr


def csv_cell(value):
    """A value for a CSV cell: text that starts like a formula gets a leading ', the rest
    (numbers, dates, None, ordinary text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
