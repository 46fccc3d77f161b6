"""Sub-commands of `taizhang` that belong to dashboard/: `serve` runs the Streamlit server."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from taizhang.dashboard.uploads import purge
from taizhang.db import ENV_DB, db_path, demo_db_path

APP = Path(__file__).with_name("app.py")


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    serve = sub.add_parser(
        "serve", help="看板 / run the dashboard (Streamlit) on the database",
        description="在浏览器中打开看板,数据来自 --db 指定的数据库或 --warehouse 指定的数据仓库。\n"
                    "Serve the dashboard for the database given by --db (or the warehouse given by "
                    "--warehouse); open the printed address.",
    )
    serve.add_argument("--port", type=int, default=8501,
                       help="端口(默认 8501)/ port (default 8501)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="监听地址(默认 127.0.0.1,仅本机);非本机地址须先配置登录(docs/access.md)/ "
                            "address to listen on (default 127.0.0.1: this machine only; any other "
                            "address needs [auth] login configured)")
    serve.add_argument("--demo", action="store_true",
                       help="先重新生成示例数据库再启动看板(data/demo.duckdb,除非给了 --db)/ rebuild the demo "
                            "database first and serve it (data/demo.duckdb unless --db)")
    serve.set_defaults(func=run_serve)


def port_in_use(host: str, port: int) -> bool:
    """True when another program listens on host:port (as Streamlit would bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def serve_command(port: int, host: str, secrets_file: Path | None = None) -> list[str]:
    """The `streamlit run` command line (through dashboard/launch.py, which imports the KPI
    layer and plotly first): headless, no usage stats, no browser; with login, Streamlit
    reads its [auth] from `secrets_file` only."""
    secrets = ["--secrets.files", str(secrets_file)] if secrets_file is not None else []
    return [
        sys.executable, "-m", "taizhang.dashboard.launch", "run", str(APP),
        "--server.port", str(port),
        "--server.address", host,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        # Streamlit forces a full gc.collect() after every run: 0.15–0.3 s over the ~200k
        # objects ibis, plotly and pandas keep, paid twice on a chart click (the click's
        # run and the page it switches to). Python's own collector still runs.
        "--runner.postScriptGC", "false",
        "--client.toolbarMode", "minimal",
        # The grids' own CSV download writes formulas as they are; the pages offer safe ones.
        "--client.disableDataExport", "true",
        "--theme.base", "light",
        *secrets,
    ]


def run_serve(args) -> int:
    """Serve the dashboard for the database of --db / $TAIZHANG_DB, or the ClickHouse
    warehouse of --warehouse / $TAIZHANG_WAREHOUSE, until interrupted (--demo: the demo
    database, rebuilt first). A port in use, or another address without login configured,
    is said before anything runs."""
    from taizhang.dashboard import auth
    from taizhang.errors import UserError
    from taizhang.settings import SettingsError
    from taizhang.warehouse import from_args

    warehouse = from_args(args)
    if not warehouse.is_duckdb and args.demo:
        raise UserError(
            f"示例数据请先用 `taizhang --warehouse {warehouse.display()} demo` 发布到数据仓库,再运行 serve / "
            f"publish the demo to the warehouse first with `taizhang --warehouse {warehouse.display()} demo`, "
            "then run serve without --demo.")
    try:
        login = auth.auth_config()
        if login is None and not auth.is_loopback(args.host):
            raise UserError(auth.refusal(args.host))
        if login:
            auth.redirect_uri(login, args.host, args.port)  # a missing one is said now
    except SettingsError as exc:
        raise UserError(str(exc)) from None
    if port_in_use(args.host, args.port):
        raise UserError(
            f"端口 {args.port} 已被占用(也许另一个看板正在运行):请先停止它,或换一个端口,如 "
            f"make run PORT={args.port + 1} 或 taizhang serve --port {args.port + 1} / port {args.port} is "
            f"already in use (another dashboard may be running): stop it or choose another port, e.g. "
            f"make run PORT={args.port + 1} or taizhang serve --port {args.port + 1}"
        )
    if not warehouse.is_duckdb:
        from taizhang.warehouse import normaliser_path

        return _serve(args, login, normaliser_path(warehouse).resolve(), warehouse.resolved())
    if args.demo:
        from taizhang.etl.commands import DEMO_LEDGERS, run_demo

        code = run_demo(argparse.Namespace(db=args.db, out=DEMO_LEDGERS))
        if code:
            return code
        database = demo_db_path(args.db).resolve()
    else:
        database = db_path(args.db).resolve()
    from taizhang.store.schema import upgrade_file

    upgrade_file(database)  # a file an older Taizhang wrote: migrated before it is read
    return _serve(args, login, database)


def _serve(args, login, database: Path, warehouse=None) -> int:
    """Run Streamlit on `database` (a DuckDB file), or on a ClickHouse `warehouse`, whose
    DuckDB file `database` (the normaliser) then holds the dashboard's own access tables."""
    from taizhang.dashboard import auth
    from taizhang.warehouse import ENV_WAREHOUSE

    secrets_file = auth.write_secrets(login, args.host, args.port) if login else None
    # The server answers each street's click ahead of it (dashboard.loaders.PREFETCH) unless
    # TAIZHANG_PREFETCH=0 says otherwise (to measure what it costs).
    env = dict(os.environ, **{ENV_DB: str(database)})
    env.pop(ENV_WAREHOUSE, None)  # --db beats the environment's warehouse, as on every command
    if warehouse is not None:
        env[ENV_WAREHOUSE] = warehouse.url()
    env.setdefault("TAIZHANG_PREFETCH", "1")
    # Uploads are never kept (dashboard/uploads.py): what a killed import or an earlier
    # version left in uploads/ goes now, while this server runs no import.
    purge(database, older_than=0)
    env[auth.ENV_MODE] = "oidc" if login else ""
    for key in auth.AUTH_KEYS:  # the Streamlit process gets them from its secrets file only
        env.pop(auth.env_name(key), None)
    shown = f"warehouse {warehouse.display()}" if warehouse is not None else f"database {database}"
    print(f"台账看板 / Taizhang dashboard: http://{args.host}:{args.port}  ({shown})", flush=True)
    if login:
        print("登录已启用 / login on (OIDC); grants: taizhang users list", flush=True)
    process = subprocess.Popen(serve_command(args.port, args.host, secrets_file), env=env)
    # Stopping `taizhang serve` (Ctrl-C, or SIGTERM from a test or a scheduler) stops the server.
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
    finally:
        if secrets_file is not None:
            auth.remove_secrets(secrets_file)
