"""The status names of taizhang.statuses are those the store accepts and the catalogue names."""

from __future__ import annotations

import duckdb
import pytest

from taizhang.i18n import LANGS, TEXT, status_label
from taizhang.statuses import ENDED_STATUSES, NEVER_DUE, OPEN_STATUSES, STATUSES
from taizhang.store.schema import ensure_schema


def test_the_store_accepts_exactly_the_named_statuses(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    ensure_schema(con)
    insert = "INSERT INTO cases (case_id, received_on, status) VALUES (?, DATE '2023-01-08', ?)"
    for i, status in enumerate(STATUSES):
        con.execute(insert, [f"c{i}", status])
    assert sorted(r[0] for r in con.execute("SELECT status FROM cases").fetchall()) == sorted(STATUSES)
    for other in ("closed", "Resolved", "open", ""):
        with pytest.raises(duckdb.ConstraintException):
            con.execute(insert, ["x", other])
    con.close()


def test_every_status_has_its_words_in_each_language():
    for status in STATUSES:
        assert f"status.{status}" in TEXT
        words = {status_label(status, lang) for lang in LANGS}
        assert len(words) == len(LANGS) and status not in words


def test_the_kinds_of_status_partition_them():
    """Resolved, open and never due: each status in exactly one, ended ones never due."""
    kinds = [("resolved",), OPEN_STATUSES, NEVER_DUE]
    assert sorted(s for kind in kinds for s in kind) == sorted(STATUSES)
    assert set(ENDED_STATUSES) <= set(NEVER_DUE)
