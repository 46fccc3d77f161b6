"""The command line's parser and the KPI layer's light modules load no heavy library: the
command modules are imported by name in taizhang/cli.py, and what a command runs on is
imported when it runs (`taizhang --help` and the report's early browser start rely on it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "ibis", "sqlglot", "pyarrow", "streamlit", "plotly", "sklearn", "scipy", "jinja2",
         "openpyxl")


def loaded_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_building_the_parser_loads_no_heavy_library():
    assert loaded_after("from taizhang.cli import build_parser\nbuild_parser().format_help()") == []


def test_the_kpi_package_and_its_filters_are_light():
    assert loaded_after("import taizhang.filters, taizhang.kpi.commands") == []


def test_an_import_whose_statements_are_kept_loads_neither_ibis_nor_sqlglot(tmp_path):
    """The aggregate refresh's SQL is generated once per version of the code and kept
    (store.sqlstore): a later import into a new database runs it without loading the
    libraries that generate it."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("工单编号,受理时间,社区,诉求内容,办理状态\n"
                      + "".join(f"W-{i},2023-01-{i:02d},桃源社区,路灯不亮,办理中\n" for i in range(1, 6)),
                      encoding="utf-8")
    env = {"TAIZHANG_SQL_CACHE": str(tmp_path / "sql"), "HOME": str(tmp_path)}
    load = "from taizhang.cli import main\nassert main(['--db', {db!r}, 'load', {ledger!r}]) == 0"
    first = loaded_after(load.format(db=str(tmp_path / "first.duckdb"), ledger=str(ledger)), env)
    assert "ibis" in first  # the first generates the statements …
    again = loaded_after(load.format(db=str(tmp_path / "again.duckdb"), ledger=str(ledger)), env)
    assert not {"ibis", "sqlglot"} & set(again)  # … the next reads them


def test_the_probe_sees_a_heavy_import():
    """The check above can fail: the KPI layer's public functions do load pandas and ibis."""
    assert {"pandas", "ibis"} <= set(loaded_after("from taizhang.kpi import api"))


def test_every_public_kpi_name_comes_from_where_it_is_defined():
    """taizhang.kpi.api names each function's module: a tool follows kpi.headline to it."""
    from taizhang.kpi import api

    for name in api.__all__:
        value = getattr(api, name)
        module = getattr(value, "__module__", None)
        if callable(value) and module:
            assert module.startswith(("taizhang.kpi.", "taizhang.formatting", "taizhang.filters")), (name, module)
            assert getattr(sys.modules[module], name) is value, name
