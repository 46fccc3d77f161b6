"""The CLI run in-process, as a person types it.

    run(argv, capsys)          → (exit code, standard output, standard error)
    kpi_json(capsys, db, …)    the rows `taizhang kpi --format json --period all` prints
"""

from __future__ import annotations

import json

from taizhang.cli import main


def run(argv, capsys) -> tuple[int, str, str]:
    """`taizhang <argv>` (paths and numbers as text): its exit code, stdout and stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def kpi_json(capsys, db, *args) -> list[dict]:
    """`taizhang kpi` over all the data of db as JSON, exit code 0 asserted."""
    code, out, err = run(["kpi", "--db", db, "--format", "json", "--period", "all", *args], capsys)
    assert code == 0, err
    return json.loads(out)
