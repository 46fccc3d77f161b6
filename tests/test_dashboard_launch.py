"""`taizhang serve` starts Streamlit through dashboard/launch.py, which imports the KPI layer
and plotly before the server answers, so that the first reader does not wait for them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from taizhang.dashboard import commands

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("taizhang.kpi.api", "taizhang.charts", "ibis", "duckdb")
PROBE = f"""
import json, sys
from streamlit.web import cli
before = {{name: name in sys.modules for name in {MODULES!r}}}
cli.main = lambda: print(json.dumps([before, {{name: name in sys.modules for name in {MODULES!r}}}]))
from taizhang.dashboard import launch
launch.main()
"""


def test_the_server_process_imports_the_kpi_layer_and_plotly_before_streamlit_runs():
    command = commands.serve_command(8611, "127.0.0.1")
    assert command[1:5] == ["-m", "taizhang.dashboard.launch", "run", str(commands.APP)]
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300,
                           env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert probe.returncode == 0, probe.stderr
    before, at_start = json.loads(probe.stdout.strip().splitlines()[-1])
    assert not any(before.values()), before  # Streamlit alone does not load them (plotly it does)
    assert all(at_start.values()), at_start
