"""Who may see and change what: grants, the person a request runs as, the audit log.

A grant gives one person (their login's subject or e-mail, lower-case) a role, the streets
they see (None: every street) and whether they see residents' names (`pii`). No grant, no
access. Without login (a server on 127.0.0.1 only) everything runs as LOCAL, one person
with every right but names (docs/access.md).

The tables (grants, audit_log) are part of the canonical schema (store/schema.sql); this
module reads and writes them with plain parameterised SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROLES = ("leader", "street", "supervisor", "data", "admin")
# Roles that may load ledgers: data and admin any file, street only files of their streets.
UPLOAD_ROLES = ("data", "admin", "street")
ACTIONS = ("upload", "upload_refused", "export", "download", "pii_view")


class AccessError(ValueError):
    """A grant that cannot be given as asked (unknown role, a street role without streets)."""


@dataclass(frozen=True)
class Person:
    """Who a request runs as. `streets` None: every street. Frozen: caches key on it."""

    who: str
    role: str
    streets: tuple[str, ...] | None = None
    pii: bool = False

    @property
    def scoped(self) -> bool:
        """Whether the person sees only some streets."""
        return self.streets is not None

    def may_upload(self) -> bool:
        return self.role in UPLOAD_ROLES


# The one user of a server without login (127.0.0.1 only): every right; names stay masked
# as on any screen without `pii` (a laptop is shown to others too).
LOCAL = Person("local", "admin", None, False)


def normal_subject(subject: str) -> str:
    """A grant's key: the subject or e-mail as written, trimmed and lower-case."""
    return subject.strip().lower()


def check_grant(subject: str, role: str, streets: tuple[str, ...] | None) -> None:
    """AccessError unless the grant makes sense."""
    if not normal_subject(subject):
        raise AccessError("用户标识不能为空 / the subject or e-mail is empty.")
    if role not in ROLES:
        raise AccessError(f"未知角色 / unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if role == "street" and not streets:
        raise AccessError(
            "街道用户须指定街道 / a street user needs --streets (one or more streets, comma-separated).")


def add_grant(con, subject: str, role: str, streets: tuple[str, ...] | None, pii: bool,
              granted_by: str = "cli") -> None:
    """Give (or replace) one person's grant."""
    check_grant(subject, role, streets)
    con.execute(
        "INSERT OR REPLACE INTO grants (subject, role, streets, pii, granted_by, granted_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [normal_subject(subject), role, list(streets) if streets else None, bool(pii), granted_by,
         datetime.now()],
    )


def remove_grant(con, subject: str) -> bool:
    """Take a person's grant away; False when they had none."""
    found = con.execute("SELECT count(*) FROM grants WHERE subject = ?",
                        [normal_subject(subject)]).fetchall()[0][0]
    con.execute("DELETE FROM grants WHERE subject = ?", [normal_subject(subject)])
    return bool(found)


def list_grants(con) -> list[dict]:
    """Every grant: subject, role, streets (list or None), pii, granted_by, granted_at."""
    rows = con.execute("SELECT subject, role, streets, pii, granted_by, granted_at FROM grants "
                       "ORDER BY role, subject").fetchall()
    keys = ("subject", "role", "streets", "pii", "granted_by", "granted_at")
    return [dict(zip(keys, row)) for row in rows]


def has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                            "AND NOT temporary", [name]).fetchall()[0][0])


def person_for(con, subject: str | None, email: str | None) -> Person | None:
    """The grant of a logged-in person (by subject, else e-mail), or None (no access)."""
    keys = [normal_subject(k) for k in (subject, email) if k and normal_subject(k)]
    if not keys or not has_table(con, "grants"):
        return None
    rows = con.execute("SELECT subject, role, streets, pii FROM grants WHERE subject IN (SELECT unnest(?))",
                       [keys]).fetchall()
    by_key = {row[0]: row for row in rows}
    for key in keys:  # the subject first: an e-mail can change hands
        if key in by_key:
            _, role, streets, pii = by_key[key]
            return Person(key, role, tuple(streets) if streets else None, bool(pii))
    return None


def admins(con) -> list[str]:
    """Whom to ask for access: the admins' subjects."""
    if not has_table(con, "grants"):
        return []
    return [r[0] for r in con.execute(
        "SELECT subject FROM grants WHERE role = 'admin' ORDER BY subject").fetchall()]


def record(con, who: str, action: str, what: str | None, detail: dict | None = None) -> None:
    """Add one entry to the audit log."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute("INSERT INTO audit_log (logged_at, who, action, what, detail) VALUES (?, ?, ?, ?, ?)",
                [datetime.now(), who, action, what,
                 json.dumps(detail, ensure_ascii=False, default=str) if detail else None])


def audit_entries(con, limit: int | None = 200, who: str | None = None,
                  action: str | None = None) -> list[dict]:
    """The audit log, newest first: audit_id, at, who, action, what, detail."""
    where, values = [], []
    if who:
        where.append("who = ?")
        values.append(normal_subject(who))
    if action:
        where.append("action = ?")
        values.append(action)
    sql = "SELECT audit_id, logged_at, who, action, what, detail FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY audit_id DESC"
    if limit:
        sql += " LIMIT ?"
        values.append(int(limit))
    keys = ("audit_id", "logged_at", "who", "action", "what", "detail")
    return [dict(zip(keys, row)) for row in con.execute(sql, values).fetchall()]


def record_to(path: str | Path, who: str, action: str, what: str | None,
              detail: dict | None = None, wait_seconds: float = 30.0) -> None:
    """record() on the database file at `path` in its own short write connection."""
    from taizhang.store.schema import ensure_schema
    from taizhang.db import connect

    con = connect(path, wait_seconds=wait_seconds)
    try:
        ensure_schema(con)
        record(con, who, action, what, detail)
    finally:
        con.close()


def main() -> None:
    """`python -m taizhang.access DB`: record the JSON entry on stdin (the dashboard's writer).

    The dashboard process holds the file read-only, and DuckDB allows no writer beside
    that in one process: each audit entry is written by this short child process.
    """
    import sys

    entry = json.loads(sys.stdin.read())
    record_to(sys.argv[1], entry["who"], entry["action"], entry.get("what"), entry.get("detail"))


if __name__ == "__main__":
    main()
