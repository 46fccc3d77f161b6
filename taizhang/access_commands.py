"""`taizhang users add|list|remove` and `taizhang audit`: grants and the audit log."""

from __future__ import annotations

import json

from taizhang.access import ACTIONS, ROLES

USER_COLUMNS = (("subject", "用户 / subject"), ("role", "角色 / role"),
                ("streets", "街道 / streets"), ("pii", "可见姓名 / pii"),
                ("granted_at", "授权时间 / granted at"))
AUDIT_COLUMNS = (("audit_id", "编号 / id"), ("logged_at", "时间 / at"), ("who", "用户 / who"),
                 ("action", "操作 / action"), ("what", "对象 / what"), ("detail", "详情 / detail"))


def register(sub) -> None:
    """Add this module's sub-commands to the `taizhang` parser."""
    users = sub.add_parser(
        "users", help="用户授权 / who may use the dashboard (grants)",
        description="用户授权:登录用户(主体标识或邮箱)→ 角色、街道范围、可见姓名。"
                    "未授权的登录用户看不到任何数据 / grants: a login's subject or e-mail → "
                    "role, streets, pii; a login without a grant sees nothing.")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="授权或修改授权 / give or change a grant",
        description="授权或修改一个登录用户的角色、街道范围和可见姓名(--pii)。\n"
                    "Give a login a role, its streets and whether it sees names (--pii), or change them.")
    add.add_argument("subject", help="登录主体标识(sub)或邮箱 / the login's subject (sub) or e-mail")
    add.add_argument("--role", required=True, choices=ROLES,
                     help="角色 / role: leader 区领导, street 街道, supervisor 督办, data 数据科, admin 管理员")
    add.add_argument("--streets", metavar="街道[,街道…]",
                     help="可见街道,逗号分隔;不写为全部街道 / streets seen, comma-separated "
                          "(default: every street; required for role street)")
    add.add_argument("--pii", action="store_true",
                     help="可见居民姓名 / sees residents' names unmasked")
    add.set_defaults(func=run_add)
    lst = actions.add_parser("list", help="列出授权 / list grants",
                             description="列出全部授权 / list every grant.")
    lst.add_argument("--format", choices=("table", "json"), default="table",
                     help="输出格式 / output format")
    lst.set_defaults(func=run_list)
    rm = actions.add_parser("remove", help="取消授权 / take a grant away",
                            description="取消一个登录用户的授权,此后其登录看不到任何数据 / take a login's "
                                        "grant away: it sees nothing after that.")
    rm.add_argument("subject", help="登录主体标识或邮箱 / the login's subject or e-mail")
    rm.set_defaults(func=run_remove)

    audit = sub.add_parser(
        "audit", help="审计日志 / who uploaded, exported, downloaded, saw names",
        description="审计日志,最新在前 / the audit log, newest first.")
    audit.add_argument("--who", help="只看此用户 / only this person")
    audit.add_argument("--action", choices=ACTIONS, help="只看此操作 / only this action")
    audit.add_argument("--limit", type=int, default=200, help="最多条数 / at most this many (default 200)")
    audit.add_argument("--format", choices=("table", "json"), default="table",
                       help="输出格式 / output format")
    audit.set_defaults(func=run_audit)


def _writer(args):
    from taizhang.store.schema import ensure_schema
    from taizhang.errors import UserError
    from taizhang.db import connect, db_path

    path = db_path(args.db)
    if not path.exists():  # a typo in --db must not make an empty database with grants
        raise UserError(f"找不到数据库 / no database at {path}; load ledgers first (taizhang load) "
                        "or name the file with --db.")
    con = connect(path)
    ensure_schema(con)
    return con


def _reader(args):
    from taizhang.store.schema import SCHEMA_VERSION, stored_version
    from taizhang.errors import UserError
    from taizhang.db import connect, db_path

    path = db_path(args.db)
    if not path.exists():
        raise UserError(f"找不到数据库 / no database at {path}; load ledgers first (taizhang load) "
                        "or name the file with --db.")
    con = connect(path, read_only=True)
    if (stored_version(con) or 0) < SCHEMA_VERSION:
        con.close()
        return _writer(args)  # an older file: bring it up to date (adds the tables)
    return con


def run_add(args) -> int:
    from taizhang.access import AccessError, add_grant
    from taizhang.errors import UserError

    streets = tuple(s.strip() for s in (args.streets or "").replace("，", ",").split(",") if s.strip())
    con = _writer(args)
    try:
        known = {r[0] for r in con.execute("SELECT DISTINCT street FROM areas").fetchall()} | \
                {r[0] for r in con.execute("SELECT DISTINCT street FROM cases").fetchall()}
        unknown = [s for s in streets if s not in known]
        if unknown and known:
            raise UserError(f"未知街道 / unknown street(s): {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(k for k in known if k))}.")
        add_grant(con, args.subject, args.role, streets or None, args.pii)
    except AccessError as exc:
        raise UserError(str(exc)) from None
    finally:
        con.close()
    scope = "、".join(streets) if streets else "全部街道 / every street"
    print(f"已授权 / granted: {args.subject.strip().lower()} — {args.role}, {scope}"
          f"{', 可见姓名 / pii' if args.pii else ''}")
    return 0


def run_list(args) -> int:
    from taizhang.access import list_grants

    con = _reader(args)
    try:
        rows = list_grants(con)
    finally:
        con.close()
    for row in rows:
        row["granted_at"] = row["granted_at"].strftime("%Y-%m-%d %H:%M")
        if args.format == "table":
            row["streets"] = "、".join(row["streets"]) if row["streets"] else "全部 / all"
            row["pii"] = "是 / yes" if row["pii"] else "否 / no"
    _print(rows, USER_COLUMNS, args.format, "尚无授权 / no grants yet")
    return 0


def run_remove(args) -> int:
    from taizhang.access import remove_grant
    from taizhang.errors import UserError

    con = _writer(args)
    try:
        if not remove_grant(con, args.subject):
            raise UserError(f"没有此用户的授权 / no grant for {args.subject!r} (taizhang users list).")
    finally:
        con.close()
    print(f"已取消授权 / grant removed: {args.subject.strip().lower()}")
    return 0


def run_audit(args) -> int:
    from taizhang.access import audit_entries

    con = _reader(args)
    try:
        rows = audit_entries(con, args.limit, args.who, args.action)
    finally:
        con.close()
    for row in rows:
        row["logged_at"] = row["logged_at"].strftime("%Y-%m-%d %H:%M:%S")
    _print(rows, AUDIT_COLUMNS, args.format, "审计日志为空 / the audit log is empty")
    return 0


def _print(rows: list[dict], columns, fmt: str, empty: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        return
    if not rows:
        print(empty)
        return
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    table = [[head for _, head in columns]] + [[str(r[k] if r[k] is not None else "") for k, _ in columns]
                                               for r in rows]
    widths = [max(width(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell + " " * (w - width(cell)) for cell, w in zip(line, widths)).rstrip())
