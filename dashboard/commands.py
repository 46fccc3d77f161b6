"""Sub-commands of `taizhang` that belong to dashboard/: `serve` runs the Streamlit server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from dashboard.uploads import purge
from taizhang.db import ENV_DB, db_path

APP = Path(__file__).with_name("app.py")


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
    serve = sub.add_parser("serve", help="看板 / run the dashboard (Streamlit) on the database")
    serve.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.set_defaults(func=run_serve)


def serve_command(port: int, host: str) -> list[str]:
    """The `streamlit run` command line: headless, no usage stats, no browser."""
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
        # The grids' own CSV download writes formulas as they are; the pages offer safe ones.
        "--client.disableDataExport", "true",
        "--theme.base", "light",
    ]


def run_serve(args) -> int:
    """Serve the dashboard for the database of --db / $TAIZHANG_DB until interrupted."""
    database = db_path(args.db).resolve()
    # The server answers each street's click ahead of it (dashboard.loaders.PREFETCH) unless
    # TAIZHANG_PREFETCH=0 says otherwise (to measure what it costs).
    env = dict(os.environ, **{ENV_DB: str(database)})
    env.setdefault("TAIZHANG_PREFETCH", "1")
    # Uploads are never kept (dashboard/uploads.py): what a killed import or an earlier
    # version left in uploads/ goes now, while this server runs no import.
    purge(database, older_than=0)
    print(f"台账看板 / Taizhang dashboard: http://{args.host}:{args.port}  (database {database})",
          flush=True)
    process = subprocess.Popen(serve_command(args.port, args.host), env=env)
    # Stopping `taizhang serve` (Ctrl-C, or SIGTERM from a test or a scheduler) stops the server.
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
