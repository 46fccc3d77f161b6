"""ClickHouse identifiers Taizhang writes into SQL text: only plain names of its own (a
generation's database, a scope's hash, a table), checked before they are quoted. Kept
apart from store.dialect so that naming a database does not load sqlglot: every command
imports taizhang.warehouse, which quotes."""

from __future__ import annotations

import re

# A plain ClickHouse identifier: the only names quote() lets into SQL text.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote(name: str) -> str:
    """A ClickHouse identifier, checked (names here are ours, never a ledger's)."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f"`{name}`"
