"""Loads the area registry (district, street, community, kind) from a CSV file."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from taizhang.etl.errors import LedgerError
from taizhang.etl.fold import fold_text
from taizhang.etl.read import REGISTRY_COLUMNS, registry_column
from taizhang.store.remask import remask
from taizhang.store.schema import ensure_schema
from taizhang.db import connect

KINDS = {"社区": "社区", "村": "村", "community": "社区", "village": "村"}


def read_registry(csv_path: str | os.PathLike) -> list[tuple[str, str, str, str]]:
    """Rows (district, street, community, kind) of a registry CSV, checked and folded."""
    return [row[:4] for row in read_registry_groups(csv_path)]


def read_registry_groups(csv_path: str | os.PathLike) -> list[tuple[str, str, str, str, str]]:
    """Rows (district, street, community, kind, service_group) of a registry CSV, checked
    and folded; service_group is '' where the optional 服务团 column is absent or empty."""
    path = Path(csv_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerError(f"无法读取区域名录 {path} / cannot read the registry {path}: {exc.strerror}") from exc
    text = _decode(data, path)
    reader = csv.DictReader(io.StringIO(text))
    header = [registry_column(h or "") or fold_text(h or "") for h in (reader.fieldnames or [])]
    missing = [c for c in REGISTRY_COLUMNS if c not in header]
    if missing:
        raise LedgerError(
            f"区域名录 {path.name} 缺少列 {','.join(missing)}:第一行应为 区,街道,社区,类型(或 "
            f"district,street,community,kind)/ the registry {path.name} lacks column(s) "
            f"{','.join(missing)}: its first line must be district,street,community,kind (or 区,街道,社区,类型)"
        )
    reader.fieldnames = header
    rows: dict[tuple[str, str, str], tuple[str, str]] = {}
    for line_no, record in enumerate(reader, start=2):
        values = [fold_text(record.get(c) or "") for c in REGISTRY_COLUMNS]
        if not any(values):
            continue
        district, street, community, kind = values
        if not (district and street and community):
            raise LedgerError(
                f"区域名录 {path.name} 第{line_no}行缺少区、街道或社区 / the registry {path.name}, "
                f"line {line_no}: district, street and community must all be filled in"
            )
        if kind not in KINDS and kind.lower() not in KINDS:
            raise LedgerError(
                f"区域名录 {path.name} 第{line_no}行 kind 的值「{kind}」应为 社区 或 村 / the registry "
                f"{path.name}, line {line_no}: kind is '{kind}', write 社区 or 村"
            )
        group = fold_text(record.get("service_group") or "")
        rows[(district, street, community)] = (KINDS.get(kind) or KINDS[kind.lower()], group)
    return [(*key, kind, group) for key, (kind, group) in rows.items()]


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerError(
        f"区域名录 {path.name} 不是 UTF-8 或 GBK 编码 / the registry {path.name} is neither UTF-8 "
        "nor GBK text: save it as CSV UTF-8"
    )


@dataclass
class AreasLoaded:
    """What `taizhang areas` did: registry rows, and stored cases and meetings it moved."""

    rows: int
    cases_moved: int = 0
    meetings_moved: int = 0
    # (community, candidates, cases, sheet, file) the registry has in several streets
    ambiguous: list[tuple] = field(default_factory=list)
    groups: int = 0  # rows of the file naming a service group (服务团)


def load_areas(db_path: str | os.PathLike, csv_path: str | os.PathLike,
               publish: Callable | None = None) -> AreasLoaded:
    """Load (upsert) the registry CSV district,street,community,kind, then resolve the areas
    of the cases and meetings already stored against it, in one transaction. `publish`:
    called with the connection before the COMMIT (etl.publish, a ClickHouse warehouse)."""
    rows = read_registry_groups(csv_path)
    con = connect(db_path)
    try:
        ensure_schema(con)
        con.execute("BEGIN TRANSACTION")
        remask(con)  # texts an older masking rule left, masked with today's
        con.executemany("INSERT OR REPLACE INTO areas (district, street, community, kind) "
                        "VALUES (?, ?, ?, ?)", [row[:4] for row in rows])
        _store_groups(con, rows)
        result = AreasLoaded(len(rows), *reresolve(con), groups=sum(1 for row in rows if row[4]))
        if publish is not None:
            publish(con)
        con.execute("COMMIT")
    finally:
        con.close()
    return result


def _store_groups(con, rows: list[tuple[str, str, str, str, str]]) -> None:
    """The registry's service groups: a community listed with a group gets it, one listed
    with its cell empty loses its group, and a file naming no group at all (no 服务团
    column, or an empty one) changes none."""
    if not any(row[4] for row in rows):
        return
    removed = [row[:3] for row in rows if not row[4]]
    if removed:
        con.executemany("DELETE FROM service_groups WHERE district = ? AND street = ? AND community = ?",
                        removed)
    con.executemany("INSERT OR REPLACE INTO service_groups VALUES (?, ?, ?, ?)",
                    [(*row[:3], row[4]) for row in rows if row[4]])


def reresolve(con) -> tuple[int, int, list[tuple]]:
    """Resolve every stored case's and meeting's area as written (given_*) against the
    registry as it is now, exactly as an import does (etl/normalize.py area_match_sql);
    update those that move and the aggregate tables' months they are in.

    Returns (cases moved, meetings moved, [(community, candidates, cases, sheet, file)] for
    names the registry has in several streets and the ledger does not say which)."""
    from taizhang.store import aggregates
    from taizhang.etl.merge import link_cases_to_meetings
    from taizhang.etl.normalize import area_match_sql

    names = " UNION ".join(
        f"SELECT DISTINCT given_district AS district_in, given_street AS street_in, "
        f"given_community AS community_in FROM {table}" for table in ("cases", "meetings"))
    con.execute("CREATE OR REPLACE TEMP TABLE area_match AS " + area_match_sql(names))
    same = " AND ".join(f"am.{c}_in IS NOT DISTINCT FROM t.given_{c}" for c in ("district", "street", "community"))
    moved = []
    for table, key in (("cases", "case_id"), ("meetings", "meeting_id")):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE moved AS
            SELECT t.{key} AS id, am.district, am.street, am.community
            FROM {table} t JOIN area_match am ON {same}
            WHERE {" OR ".join(f"am.{c} IS DISTINCT FROM t.{c}" for c in ("district", "street", "community"))}
        """)
        count = con.execute("SELECT count(*) FROM moved").fetchall()[0][0]
        if count and table == "cases":
            aggregates.note_cases(con, aggregates.CaseIds("moved", "id"))
        if count:
            con.execute(f"""
                UPDATE {table} SET district = m.district, street = m.street, community = m.community
                FROM moved m WHERE {table}.{key} = m.id
            """)
        if count and table == "cases":
            aggregates.refresh(con, aggregates.CaseIds("moved", "id"))
        moved.append(count)
    if any(moved):
        link_cases_to_meetings(con)
    ambiguous = con.execute(f"""
        SELECT am.community_in, am.ambiguous, count(*), t.source_sheet,
               regexp_extract(t.source_file, '[^/\\\\]*$') AS file
        FROM cases t JOIN area_match am ON {same}
        WHERE am.ambiguous IS NOT NULL GROUP BY ALL ORDER BY file, 4, 1
    """).fetchall()
    for table in ("moved", "area_match"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return moved[0], moved[1], ambiguous


def ambiguous_text(community: str, candidates: str, cases: int, sheet: str | None = None,
                   file: str | None = None) -> str:
    """The warning for a community name the registry has in several streets (the file is
    named when the text does not stand under the file's own summary line)."""
    zh = (f"{file} " if file else "") + (f"工作表「{sheet}」中" if sheet else "")
    en = ", ".join(([file] if file else []) + ([f"sheet {sheet}"] if sheet else []))
    en = f"{en}: " if en else ""
    return (
        f"注意:{zh}社区「{community}」在区域名录中不止一处({candidates}),台账未写明属于哪个街道,"
        f"{cases} 件未归入街道;请在台账中加「街道」列或在标题中写明街道后重新导入 / warning: {en}"
        f"the registry has {community} in more than one street ({candidates}) and the ledger does not say "
        f"which: {cases} rows are left without a street; add a 街道 column or name the street in the "
        "title, then load the file again"
    )
