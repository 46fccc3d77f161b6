"""The store: the DuckDB schema (all DDL), its migrations, the per-case facts and the
aggregate tables derived from them.

The write side (taizhang.etl) fills it and the KPI layer (taizhang.kpi) reads it; the store
imports neither (tests/test_imports.py).
"""

from importlib import resources as _resources


def sql_text(name: str) -> str:
    """The text of one of the store's SQL files: schema.sql (all DDL) or aggregates.sql."""
    return _resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
