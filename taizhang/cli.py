"""The `taizhang` command: demo | areas | load | check | rebuild | kpi | report | serve | users | audit.

Each part of the system registers its own sub-commands (etl.commands, store.commands, kpi.commands,
report.commands, dashboard.commands); this module only parses the shared options and
turns the narrow exceptions of the library into messages without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from taizhang import access_commands
from taizhang.dashboard import commands as dashboard_commands
from taizhang.dashboard import supervise_command
from taizhang.db import DatabaseBusy
from taizhang.errors import UserError
from taizhang.etl import commands as etl_commands
from taizhang.kpi import commands as kpi_commands
from taizhang.report import commands as report_commands
from taizhang.store import commands as store_commands
from taizhang.warehouse import WarehouseError

# Each registers its sub-commands; these modules import only what parsing needs (the
# libraries a command runs on are imported inside the command), so `taizhang --help` stays fast.
COMMAND_MODULES = (etl_commands, store_commands, kpi_commands, report_commands, dashboard_commands,
                   access_commands, supervise_command)


ENV_LANG = "TAIZHANG_LANG"
LANGS = ("zh", "en")


class Parser(argparse.ArgumentParser):
    """argparse with its own words in Chinese first (usage, option headings, -h)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数 / arguments"
        self._optionals.title = "选项 / options"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="显示本帮助并退出 / show this help and exit")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "用法 usage:", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "用法 usage:", 1)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 参数错误 / error: {message}\n")


def default_lang() -> str:
    """$TAIZHANG_LANG when it names a language (zh, en), else zh."""
    lang = os.environ.get(ENV_LANG, "").strip().lower()
    return lang if lang in LANGS else "zh"


def add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--db, --warehouse and --lang: on the main parser (with defaults) and on every sub-command (without,
    so an option given before the sub-command is not overwritten by one absent after it)."""
    parser.add_argument(
        "--db", default=None if top else argparse.SUPPRESS, metavar="FILE.duckdb",
        help="数据库文件(默认 $TAIZHANG_DB,否则 data/taizhang.duckdb)/ DuckDB file "
             "(default: $TAIZHANG_DB, else data/taizhang.duckdb)",
    )
    parser.add_argument(
        "--warehouse", default=None if top else argparse.SUPPRESS, metavar="URL",
        help="数据仓库(默认 $TAIZHANG_WAREHOUSE,否则 --db 的 DuckDB 文件):duckdb:///文件.duckdb、"
             "chdb:///文件夹、clickhouse://用户:密码@主机:8123/库 / the warehouse (default: "
             "$TAIZHANG_WAREHOUSE, else the DuckDB file of --db): duckdb:///file.duckdb, "
             "chdb:///folder, clickhouse://user:pass@host:8123/db",
    )
    parser.add_argument(
        "--lang", choices=LANGS, default=default_lang() if top else argparse.SUPPRESS,
        help=f"输出语言(默认 ${ENV_LANG},否则 zh)/ language of the output "
             f"(default: ${ENV_LANG}, else zh)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="taizhang",
        description="台账看板:区级民生问题台账 → DuckDB → 指标、看板、月报\n"
                    "Taizhang: district case ledgers → DuckDB → KPIs, dashboard, report",
    )
    add_global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                title="命令 / commands")
    for module in COMMAND_MODULES:
        module.register(sub)
    for command in _commands(parser):
        add_global_options(command, top=False)
    return parser


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every sub-command's parser, nested ones (profile suggest) included."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in dict.fromkeys(action.choices.values()):
                found += [command, *_commands(command)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, DatabaseBusy, WarehouseError) as exc:
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
