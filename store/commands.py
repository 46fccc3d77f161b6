"""Sub-commands of `taizhang` that belong to store/: rebuild."""

from __future__ import annotations

import sys
import time

from taizhang.db import db_path


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    rebuild = sub.add_parser(
        "rebuild", help="重建汇总表 / rebuild the aggregate tables",
        description="按当前规则和设置(taizhang.toml)从全部案件重建汇总表,并说明重建前的状态。"
                    "汇总表让看板和月报的指标在毫秒内算出;规则或设置改变后,指标改为逐件计算(较慢),"
                    "直到下一次导入或本命令重建。\n"
                    "Rebuild the aggregate tables from every case under the current rules and "
                    "settings (taizhang.toml), and say what state they were in. They let the "
                    "dashboard and the report answer in milliseconds; after a change of rules or "
                    "settings the KPIs read every case (slower) until the next import or this command.",
    )
    rebuild.set_defaults(func=run_rebuild)


def _both(key: str, inner: str | None = None, **fields) -> str:
    """A catalogue text in Chinese, then English; `inner`: the key of a text filled in as {state}."""
    from taizhang.i18n import t

    said = [t(key, lang, **fields, **({"state": t(inner, lang)} if inner else {})) for lang in ("zh", "en")]
    return " / ".join(said)


def run_rebuild(args) -> int:
    """`taizhang rebuild`: the aggregate tables made anew from the cases, in one transaction."""
    from taizhang.db import connect
    from taizhang.settings import SettingsError, load_settings
    from taizhang.store import aggregates
    from taizhang.store.schema import migrate_and_rebuild, stored_version

    path = db_path(args.db)
    if not path.exists():
        print(f"taizhang: {_both('rebuild.no_file', path=path)}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"taizhang: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    con = connect(path)
    try:
        if stored_version(con) is None:
            print(f"taizhang: {_both('rebuild.no_schema', path=path)}", file=sys.stderr)
            return 2
        before, months = migrate_and_rebuild(con, settings)  # an older file is migrated first
        record, cases = aggregates.record(con)
        after = aggregates.reason(record, cases, settings)
    finally:
        con.close()
    print(_both("rebuild.before", "fastpath.current" if before is None else f"fastpath.{before}"))
    print(_both("rebuild.done", months=months, cases=cases, seconds=f"{time.perf_counter() - started:.1f}"))
    if after is not None:  # a working-day limit: the tables cannot answer under these settings
        print(_both(f"fastpath.{after}"))
    return 0
