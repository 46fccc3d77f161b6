"""Personal numbers masked again wherever a case's text is shown: screen, Excel, CLI."""

from __future__ import annotations

import re

from etl.fold import FULL_WIDTH, HALF_WIDTH, mask_text

# What the screen shows of a case's free text is masked again when drawn, so that the
# promise "反映人姓名与电话已脱敏" holds even for a number written in a way the import did
# not recognise: the ETL's mask_text first, then any run of 11 or more digits (full-width
# too, one space or dash allowed between two digits: 139-1234-5678, +86 139 1234 5678,
# ID numbers) keeps only its first 3 and last 4 digits.
MASKED_COLUMNS = {"title", "note", "reporter", "value", "error", "raw"}
_DIGIT_RUN = re.compile(r"[0-9\uff10-\uff19](?:[ \-\u3000\uff0d]?[0-9\uff10-\uff19]){10,}")
_FOLD_DIGITS = str.maketrans(FULL_WIDTH, HALF_WIDTH)


def _hide_run(match: re.Match) -> str:
    digits = re.sub(r"[^0-9]", "", match.group(0).translate(_FOLD_DIGITS))
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def masked(value):
    """A text with personal numbers masked (values that are not text pass unchanged)."""
    if not isinstance(value, str):
        return value
    return _DIGIT_RUN.sub(_hide_run, mask_text(value))
