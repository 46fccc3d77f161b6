"""Sub-commands of `taizhang` that belong to dashboard/: `serve` runs the Streamlit server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from taizhang.db import ENV_DB, db_path

APP = Path(__file__).with_name("app.py")


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    serve = sub.add_parser("serve", help="看板 / run the dashboard (Streamlit) on the database")
    serve.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="监听地址;非本机地址须先配置登录(docs/access.md)/ address to listen "
                            "on (default 127.0.0.1; any other address needs [auth] login configured)")
    serve.set_defaults(func=run_serve)


def serve_command(port: int, host: str, secrets_file: Path | None = None) -> list[str]:
    """The `streamlit run` command line: headless, no usage stats, no browser; with login,
    Streamlit reads its [auth] from `secrets_file` only, and tables offer no export of their own."""
    # With login, the tables' own CSV button and clipboard copy are off: every export then goes
    # through the dashboard's downloads, which are written to the audit log.
    secrets = ["--secrets.files", str(secrets_file), "--client.disableDataExport", "true"] \
        if secrets_file is not None else []
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
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
        "--theme.base", "light",
        *secrets,
    ]


def run_serve(args) -> int:
    """Serve the dashboard for the database of --db / $TAIZHANG_DB until interrupted."""
    from dashboard import auth
    from taizhang.cli import UserError
    from taizhang.settings import SettingsError

    database = db_path(args.db).resolve()
    try:
        login = auth.auth_config()
        if login is None and not auth.is_loopback(args.host):
            raise UserError(auth.refusal(args.host))
        secrets_file = auth.write_secrets(login, args.host, args.port) if login else None
    except SettingsError as exc:
        raise UserError(str(exc)) from None
    # The server answers each street's click ahead of it (dashboard.loaders.PREFETCH) unless
    # TAIZHANG_PREFETCH=0 says otherwise (to measure what it costs).
    env = dict(os.environ, **{ENV_DB: str(database)})
    env.setdefault("TAIZHANG_PREFETCH", "1")
    env[auth.ENV_MODE] = "oidc" if login else ""
    for key in auth.AUTH_KEYS:  # the Streamlit process gets them from its secrets file only
        env.pop(auth.env_name(key), None)
    print(f"台账看板 / Taizhang dashboard: http://{args.host}:{args.port}  (database {database})",
          flush=True)
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
