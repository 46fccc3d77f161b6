"""The store: the DuckDB schema (all DDL), its migrations, the per-case facts and the
aggregate tables derived from them.

The write side (taizhang.etl) fills it and the KPI layer (taizhang.kpi) reads it; the store
imports neither (tests/test_imports.py).
"""
