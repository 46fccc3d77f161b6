"""A ledger row as it is stored: `cases.raw` holds the row's cells as a JSON array in
column order (an empty cell null), and `raw_layouts.keys` the headers that name them (each
once: a repeated header numbered). Read back, a row is header → cell: this module is that
rule, for the case page (kpi/lists.py) and for a rejected row's `rejects.raw` (etl/rejects.py),
whatever engine the cells were read from."""

from __future__ import annotations

import json
from typing import Sequence


def ledger_row(keys: Sequence[str], cells: str) -> dict:
    """The row's cells (`cells`: the JSON array text) named by their headers (`keys`)."""
    return dict(zip(keys, json.loads(cells)))


def ledger_row_json(keys: Sequence[str], cells: str) -> str:
    """ledger_row as JSON text, as `rejects.raw` keeps it (no ASCII escapes, no spaces)."""
    return json.dumps(ledger_row(keys, cells), ensure_ascii=False, separators=(",", ":"))
