"""What `pip install .` (no extras) installs: the wheel's files, and that its code imports
nothing but the standard library and [project.dependencies].

The wheel is built for real (`pip wheel --no-deps`, setuptools in pip's build isolation).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    # From a copy of the checkout: pip builds in the source tree, and setuptools' build/
    # folder would carry files deleted since into the next wheel.
    source, out = tmp_path_factory.mktemp("source") / "taizhang", tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "data", "__pycache__", "*.egg-info", "benchmarks", "tests"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                   check=True, capture_output=True)
    (built,) = out.glob("taizhang-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_wheel_holds_the_code_and_every_data_file_and_no_tests(wheel):
    names = set(wheel.namelist())
    # every file of every mapped folder (package-dir) that is not a cache is in the wheel
    for package, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        target = package.replace(".", "/")
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                assert f"{target}/{path.relative_to(ROOT / folder).as_posix()}" in names, path
    for needed in ("taizhang/cli.py", "taizhang/report/template.html", "taizhang/report/report.css",
                   "taizhang/etl/profiles/builtin.toml", "taizhang/dashboard/static/icon.png",
                   "taizhang/dashboard/app.py", "taizhang/etl/demo_data/nanpu.xls", "taizhang/etl/demo_data/taoyuan.ods"):
        assert needed in names, needed
    assert any(n.startswith("taizhang/") and n.endswith("/schema.sql") for n in names)  # the DDL
    assert any(n.startswith("taizhang/dashboard/app_pages/") and n.endswith(".py") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "taizhang/tests/", "data/"))]
    # only taizhang is installed at the top level (no generic `etl`, `kpi` … names)
    assert {n.split("/")[0] for n in names} == {"taizhang", next(n.split("/")[0] for n in names if ".dist-info/" in n)}
    entry_points = wheel.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "taizhang = taizhang.cli:run" in entry_points


def _imported_top_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _module_level_names(source: str) -> set[str]:
    """The top-level names imported when the module itself is imported (not inside a
    function or class body)."""
    names, pending = set(), list(ast.parse(source).body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= _imported_top_names(ast.unparse(node))
        else:
            pending.extend(ast.iter_child_nodes(node))
    return names


# A warehouse other than DuckDB (ClickHouse, chDB) is the one user-facing extra: its
# packages may be imported only inside the functions that connect to it.
WAREHOUSE_EXTRA = "clickhouse"


def test_installed_code_imports_only_declared_dependencies(wheel):
    """Every import in the wheel's modules (inside functions too) is the standard library,
    taizhang itself, or a distribution in [project.dependencies]: an extra (test, bench) is
    never needed by a user command. The warehouse extra's packages only inside functions,
    so that every command runs without them on DuckDB."""
    requirement = lambda r: _normalised(re.match(r"[A-Za-z0-9._-]+", r).group())  # noqa: E731
    declared = {requirement(r) for r in PYPROJECT["project"]["dependencies"]}
    warehouse = {requirement(r) for r in PYPROJECT["project"]["optional-dependencies"][WAREHOUSE_EXTRA]}
    to_distributions = packages_distributions()
    outside = {}
    modules = [n for n in wheel.namelist() if n.endswith(".py")]
    assert len(modules) > 50
    for module in modules:
        source = wheel.read(module).decode("utf-8")
        eager = _module_level_names(source)
        for top in _imported_top_names(source):
            if top in sys.stdlib_module_names or top == "taizhang":
                continue
            distributions = {_normalised(d) for d in to_distributions.get(top, [])}
            if distributions & warehouse and top not in eager:
                continue
            if not distributions & declared:
                outside.setdefault(top, []).append(module)
    assert outside == {}, f"imports of packages not in [project.dependencies]: {outside}"


def test_the_import_check_sees_an_undeclared_import():
    """The check above can fail: an import of a test-only package inside a function is found,
    and a warehouse package imported at module level is eager."""
    assert _module_level_names("import chdb\ndef f():\n    import clickhouse_connect\n") == {"chdb"}
    source = "def write():\n    import xlwt\n    from odf.table import Table\n    from . import x\n"
    assert _imported_top_names(source) == {"xlwt", "odf"}
    declared = {_normalised(re.match(r"[A-Za-z0-9._-]+", r).group()) for r in PYPROJECT["project"]["dependencies"]}
    assert not {_normalised(d) for d in packages_distributions().get("xlwt", ["xlwt"])} & declared
    assert "playwright" not in declared
