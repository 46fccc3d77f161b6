"""A database loaded while the masking rule masked less is re-masked once, on its next load:
no stored form of a number split by two separators or over lines of a cell stays in any
table, the KPIs are the same, and the ledgers loaded before say "unchanged" when loaded
again (an id-less case, keyed by its title, keeps one copy).

The old database is made the way the older Taizhang made it: the same ledgers loaded with
the older rule (one separator between a number's digit groups), plus texts written
directly where a ledger hardly reaches, and no mask version recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import duckdb
import openpyxl
import pytest

from commands import kpi_json, run
from test_etl_hostile_privacy import stored_texts, write_workbook
from taizhang import safetext
from taizhang.etl import normalize
from taizhang.store.remask import MASKED_COLUMNS, pending, remask, stored_mask_version

# As written in a ledger → the number it is: the forms the older rule left unmasked.
SPLIT = {
    "139  1234 5678": "13912345678",
    "138- 1234- 5678": "13812345678",
    "137 - 1234 - 5678": "13712345678",
    "136\n1234\n5678": "13612345678",
    "135\t1234\t5678": "13512345678",
}
OLD_SEP = "[- 　－]?"
OLD_GAP = "[-\\s　－]*"
D = dt.date


def leaks(texts) -> list[str]:
    """The numbers of SPLIT found in the texts, any separator (and JSON's \\n) dropped."""
    found = []
    for text in texts:
        bare = re.sub(r"[-\s+－　]|\\[nrt]", "", str(text))
        found += [number for number in SPLIT.values() if number in bare]
    return found


def leaking(db) -> list[tuple[str, str, str]]:
    return [(t, c, v) for t, c, v in stored_texts(db) if leaks([v])]


def older_rule(monkeypatch) -> None:
    """Make the loader mask as Taizhang did before (mask version 1)."""
    masks = tuple((p.replace(safetext._SEP, OLD_SEP), r) for p, r in safetext.MASKS)
    assert masks != safetext.MASKS
    monkeypatch.setattr(safetext, "MASKS", masks)
    monkeypatch.setattr(safetext, "_COMPILED", tuple((re.compile(p), r) for p, r in masks))
    monkeypatch.setattr(normalize, "DIGITS_SQL", safetext.MAYBE_NUMBER.replace(safetext._GAP, OLD_GAP))


def write_idless(path, street="南站街道", formats=SPLIT):
    """A ledger without case ids: each case is keyed by its area, date and title."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "问题台账"
    sheet.append(["街道", "社区", "问题", "反映人", "反映时间", "办理状态", "进展情况", "责任单位"])
    for n, text in enumerate(formats, start=1):
        sheet.append([street, "桃源社区", f"漏水,请回电{text}", f"陶先生{text}", D(2023, 3, n),
                      "已解决" if n % 2 else "正在解决", f"已联系{text}", f"物业{text}"])
    wb.save(path)
    return path


def by_street(rows, street="南站街道"):
    return [row for row in rows if street in str(row)]


@pytest.fixture
def old_db(tmp_path, monkeypatch, capsys):
    """A database the older rule wrote: the ledgers' numbers stored in their split forms."""
    db = tmp_path / "t.duckdb"
    books = [write_workbook(tmp_path / "台账.xlsx", SPLIT), write_idless(tmp_path / "无编号.xlsx")]
    with monkeypatch.context() as patch:
        older_rule(patch)
        code, out, err = run(["--db", db, "load", *books], capsys)
    assert code == 0, out + err
    number = "134 - 1234 - 5678"  # and texts a ledger hardly reaches, written directly
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM meta WHERE key = 'mask_version'")  # the older Taizhang recorded none
        con.execute("UPDATE officials SET title = ?, unit = ?", [f"书记{number}", f"街道办{number}"])
        con.execute("UPDATE imports SET error = ?", [f"单元格 {number} 无法读取"])
        con.execute('UPDATE rejects SET sheet = ?, "column" = ?', [f"表{number}", f"电话{number}"])
        con.execute("UPDATE case_events SET note = ?", [f"回访{number}"])
    SPLIT[number] = "13412345678"
    yield db, books
    del SPLIT[number]


def test_the_next_load_masks_every_stored_text_once_and_changes_no_count(old_db, tmp_path, capsys):
    db, books = old_db
    found = leaking(db)
    # the older rule did leave them: in the raw rows, titles, notes, rejects, meetings …
    assert {(t, c) for t, c, _ in found} >= {
        ("cases", "raw"), ("cases", "title"), ("cases", "note"), ("cases", "reporter"),
        ("cases", "responsible_unit"), ("rejects", "raw"), ("rejects", "value"), ("meetings", "topic"),
        ("case_events", "note"), ("officials", "title"), ("imports", "error")}
    with duckdb.connect(str(db), read_only=True) as con:
        assert pending(con)
        before = con.execute("SELECT case_id, status, received_on, street FROM cases ORDER BY ALL").fetchall()
    # a reader opens it read-only as it is; a check says what the next load will do
    kpis = by_street(kpi_json(capsys, db, "--by", "street"))
    assert kpis and kpis[0]["received"] == len(before)
    code, out, err = run(["--db", db, "check", books[1]], capsys)
    assert code == 0 and "下次导入(taizhang load)时将按现行规则重新脱敏" in out, out + err
    assert len(leaking(db)) == len(found)  # a check writes nothing

    code, out, err = run(["--db", db, "load", write_idless(tmp_path / "北站.xlsx", "北站街道", {"无号码": ""})], capsys)
    assert code == 0, out + err
    assert leaking(db) == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert not pending(con) and stored_mask_version(con) == safetext.MASK_VERSION
        after = con.execute("SELECT case_id, status, received_on, street FROM cases "
                            "WHERE street = '南站街道' ORDER BY ALL").fetchall()
        title, raw = con.execute("SELECT title, json_extract_string(raw, '$[*]')[list_position(l.keys, '问题')] FROM cases "
                                 "JOIN raw_layouts l ON l.layout_id = raw_layout WHERE case_id = 'P1'").fetchall()[0]
        assert remask(con) is None  # recorded: not redone
    # masked, not dropped; the keys and what the KPIs count as they were
    assert (title, raw) == ("路灯不亮,请回电139 **** 5678", "路灯不亮,请回电139  **** 5678")
    assert after == before
    assert by_street(kpi_json(capsys, db, "--by", "street")) == kpis

    # the ledgers loaded before are unchanged, the id-less cases included (one copy each)
    code, out, err = run(["--db", db, "load", *books], capsys)
    assert code == 0, out + err
    assert out.count("无变化 / unchanged") == 2, out
    with duckdb.connect(str(db), read_only=True) as con:
        again = con.execute("SELECT case_id, status, received_on, street FROM cases "
                            "WHERE street = '南站街道' ORDER BY ALL").fetchall()
        assert con.execute("SELECT count(*) FROM legacy_keys").fetchall()[0][0] == 0
    assert len(again) == len(before)
    assert by_street(kpi_json(capsys, db, "--by", "street")) == kpis
    assert leaking(db) == []


@pytest.mark.parametrize("command", ["rebuild", "areas"])
def test_rebuild_and_areas_remask_too_and_a_new_database_needs_none(old_db, command, tmp_path, capsys):
    db, _ = old_db
    argv = ["--db", db, command]
    if command == "areas":
        registry = tmp_path / "名录.csv"
        registry.write_text("district,street,community,kind\n东湖区,南站街道,桃源社区,社区\n", encoding="utf-8")
        argv.append(registry)
    code, out, err = run(argv, capsys)
    assert code == 0, out + err
    assert leaking(db) == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert stored_mask_version(con) == safetext.MASK_VERSION
    code, out, err = run(["--db", db, "check", tmp_path / "无编号.xlsx"], capsys)
    assert "重新脱敏" not in out
    with duckdb.connect() as con:
        from taizhang.store.schema import ensure_schema

        ensure_schema(con)
        assert not pending(con) and remask(con) is None
        # every column re-masked is one of the schema's
        for table, columns in MASKED_COLUMNS.items():
            con.execute(f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM {table}")


# MASKS of each mask version: a change to the rule without a new version fails here, so
# that the databases masked by the older rule are re-masked.
MASKS_OF_VERSION = {2: "ee82c844ae66"}


def test_the_mask_version_names_the_masking_rule():
    digest = hashlib.sha256(repr(safetext.MASKS).encode()).hexdigest()[:12]
    assert MASKS_OF_VERSION.get(safetext.MASK_VERSION) == digest, (
        f"MASKS changed: raise MASK_VERSION (taizhang/safetext.py) and pin {digest} here")
