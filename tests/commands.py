"""The CLI run in-process, as a person types it.

    run(argv, capsys)          → (exit code, standard output, standard error)
    kpi_json(capsys, db, …)    the rows `taizhang kpi --format json --period all` prints
    RAW_JSON                   a case's ledger row as JSON text, in a SELECT … FROM cases
"""

from __future__ import annotations

import json

from taizhang.cli import main

# A case's ledger row as the JSON text header → cell: its cells (cases.raw) named by the
# headers of its layout (raw_layouts). Used in place of a column in a SELECT … FROM cases.
RAW_JSON = ("(SELECT to_json(map(l.keys, json_extract_string(cases.raw, '$[*]'))) FROM raw_layouts l "
            "WHERE l.layout_id = cases.raw_layout)::VARCHAR")


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
