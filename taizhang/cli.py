"""The `taizhang` command: demo | areas | load | check | kpi | report | serve.

Each part of the system registers its own sub-commands (etl.commands, kpi.commands,
report.commands, dashboard.commands); this module only parses the shared options and
turns the narrow exceptions of the library into messages without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from taizhang.db import DatabaseBusy

COMMAND_MODULES = ("etl.commands", "kpi.commands", "report.commands", "dashboard.commands")


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


if __name__ == "__main__":
    raise SystemExit(main())
