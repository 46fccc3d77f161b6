"""Compiled statements kept on disk, so that a new process need not compile them again:
the KPI layer's (kpi.runner) and the aggregate tables' (store.aggregates: an import's
statements, and the definition whose fingerprint every reader compares).

A statement's SQL depends only on its shape key (kpi.runner) and on the code that built
it: the files are named by a hash of the key under a folder named by a fingerprint of
every source that shapes SQL — the KPI layer (kpi/), the store's facts and aggregate
definitions (store/, its .sql files included), the shared modules of taizhang/ (filters,
settings, calendars) — and the ibis, sqlglot and DuckDB versions. They hold SQL with $name
placeholders and never a value. Folder: $TAIZHANG_SQL_CACHE, else ~/.cache/taizhang/sql;
TAIZHANG_SQL_CACHE=off turns it off. Any error reading or writing is ignored: the
statement is then compiled as if the file were not there.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Hashable

ENV_CACHE = "TAIZHANG_SQL_CACHE"


# The packages whose sources shape compiled SQL.
SOURCE_PACKAGES = ("taizhang", "taizhang.store", "taizhang.kpi")


def sources() -> list[Path]:
    """The files whose text shapes compiled SQL (.py and .sql of SOURCE_PACKAGES' folders).

    The folders are found without importing the packages (the store imports no KPI code).
    """
    from importlib.util import find_spec

    found = []
    for package in SOURCE_PACKAGES:
        for folder in find_spec(package).submodule_search_locations:
            found += [p for p in Path(folder).iterdir()
                      if p.suffix in (".py", ".sql") and (package != "taizhang" or p.parent.name == "taizhang")]
    return sorted(set(found))


@lru_cache(maxsize=1)
def _fingerprint() -> str:
    # The versions as installed, not imported: an import whose statements are all kept
    # here never loads ibis or sqlglot (~0.35 s).
    from importlib.metadata import version

    versions = " ".join(version(name) for name in ("ibis-framework", "sqlglot", "duckdb"))
    digest = hashlib.sha256(versions.encode())
    for source in sources():
        digest.update(f"{source.parent.name}/{source.name}".encode() + source.read_bytes())
    return digest.hexdigest()[:16]


def folder() -> Path | None:
    """Where statements are kept now, or None when the store is off."""
    setting = os.environ.get(ENV_CACHE, "").strip()
    if setting.lower() == "off":
        return None
    base = Path(setting) if setting else Path.home() / ".cache" / "taizhang" / "sql"
    return base / _fingerprint()


def _path(key: Hashable) -> Path | None:
    where = folder()
    if where is None:
        return None
    # Keys are tuples of str/int/bool/None: their repr is the same in every process.
    return where / (hashlib.sha256(repr(key).encode()).hexdigest()[:32] + ".json")


def load(key: Hashable) -> tuple[str, tuple[str, ...]] | None:
    """(sql, parameter names) kept for key, or None."""
    path = _path(key)
    try:
        if path is None or not path.exists():
            return None
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry["key"] != repr(key):
            return None
        return entry["sql"], tuple(entry["params"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(key: Hashable, entry: tuple[str, tuple[str, ...]]) -> None:
    """Keep a compiled statement for key (written whole or not at all)."""
    path = _path(key)
    if path is None:
        return
    sql, params = entry
    text = json.dumps({"key": repr(key), "sql": sql, "params": list(params)}, ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Readers in other processes see the old file or the new one, never half of one.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         suffix=".tmp") as out:
            out.write(text)
        os.replace(out.name, path)
    except OSError:
        pass
