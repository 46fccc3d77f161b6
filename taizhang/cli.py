"""The `taizhang` command: demo | areas | load | check | kpi | report | serve | users | audit.

Each part of the system registers its own sub-commands (etl.commands, kpi.commands,
report.commands, dashboard.commands); this module only parses the shared options and
turns the narrow exceptions of the library into messages without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading

from taizhang.db import DatabaseBusy

COMMAND_MODULES = ("etl.commands", "kpi.commands", "report.commands", "dashboard.commands",
                   "taizhang.access_commands")


class UserError(Exception):
    """Bad input or a missing prerequisite: printed as a message, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="taizhang",
        description="台账看板 Taizhang — district case ledgers → DuckDB → KPIs, dashboard, report",
    )
    parser.add_argument(
        "--db",
        help="DuckDB file (default: $TAIZHANG_DB, else data/taizhang.duckdb)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, DatabaseBusy) as exc:
        print(f"taizhang: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The console entry: main(), then leave without Python's teardown when nothing runs on.

    A finished command has closed its database connections and written its files; the
    interpreter's teardown would then spend 0.4–0.7 s collecting pandas/ibis/sqlglot
    objects (a tenth of a monthly report). A non-daemon thread still running (none
    should) gets the normal exit, which waits for it.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    main_thread = threading.main_thread()
    if not any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    run()
