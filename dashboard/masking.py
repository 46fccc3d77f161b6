"""Personal numbers masked again wherever a case's text is shown: screen, Excel, CLI.

The rule is taizhang.safetext.mask_display (the import's mask_text, then any long digit
run cut to its first 3 and last 4 digits), so the promise "反映人姓名与电话已脱敏" holds
even for a number written in a way the import did not recognise, or stored by an older
version."""

from __future__ import annotations

from taizhang.safetext import mask_display

MASKED_COLUMNS = {"title", "note", "reporter", "value", "error", "raw"}


def masked(value):
    """A text with personal numbers masked (values that are not text pass unchanged)."""
    return mask_display(value)
