"""The layering, checked on the real imports by import-linter: no import circle, and every
edge between the parts points one way.

    store (schema, migrations, facts, aggregate tables)   ← etl (the write side)
    store                                                 ← kpi (the read side)
    kpi (and store for a schema upgrade)                  ← report, dashboard, CLI

etl and kpi never import each other; nothing below imports the report or the dashboard;
the store imports neither etl nor kpi. Two deliberate edges from the dashboard to the write
side are allowed and named below (DELIBERATE): the upload page's import, which runs in a
child process, and `taizhang serve --demo`, which builds the demo database first.

import-linter reads the package as a wheel lays it out (taizhang/etl, taizhang/kpi …): the
test builds that layout from pyproject.toml's package-dir with links to the checkout's
folders, so it checks the very files in the checkout, function-level imports included.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The only imports from the dashboard into the write side.
DELIBERATE = (
    # The data page's upload imports the file in a child process (dashboard/loaders.py),
    # so the dashboard process never holds the writer's modules nor the database for writing.
    "taizhang.dashboard.loaders -> taizhang.etl.load",
    # `taizhang serve --demo` builds the demo database before the server starts.
    "taizhang.dashboard.commands -> taizhang.etl.commands",
)
# The modules of taizhang/ everyone may use: they import none of the parts.
SHARED = ("taizhang.settings", "taizhang.dates", "taizhang.filters", "taizhang.workdays",
          "taizhang.formatting", "taizhang.i18n", "taizhang.i18n_access", "taizhang.i18n_seeds",
          "taizhang.safetext", "taizhang.db", "taizhang.charts", "taizhang.statuses")
PARTS = ("taizhang.store", "taizhang.etl", "taizhang.kpi", "taizhang.report", "taizhang.dashboard")


def contracts(deliberate: tuple[str, ...] = DELIBERATE) -> str:
    """The import-linter contracts, as its INI configuration."""
    lines = "\n    ".join
    return f"""
[importlinter]
root_package = taizhang
include_external_packages = False

[importlinter:contract:layers]
name = layers: dashboard, report > kpi | etl > store
type = layers
layers =
    taizhang.dashboard
    taizhang.report
    taizhang.kpi | taizhang.etl
    taizhang.store

[importlinter:contract:write-side]
name = write side: from the dashboard only as deliberate
type = forbidden
source_modules =
    taizhang.dashboard
    taizhang.report
forbidden_modules =
    taizhang.etl
ignore_imports =
    {lines(deliberate)}

[importlinter:contract:shared]
name = shared modules import no part
type = forbidden
source_modules =
    {lines(SHARED)}
forbidden_modules =
    {lines(PARTS)}

[importlinter:contract:acyclic]
name = no import circle
type = acyclic_siblings
ancestors =
    taizhang
"""


def wheel_layout(tmp: Path, root: Path = ROOT) -> Path:
    """A folder holding `taizhang` as a wheel installs it, its files linked to the checkout's."""
    mapping = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir = mapping["tool"]["setuptools"]["package-dir"]
    site = tmp / "site"
    top = site / "taizhang"
    top.mkdir(parents=True)
    for source in (root / package_dir["taizhang"]).glob("*.py"):
        (top / source.name).symlink_to(source)
    for package, folder in package_dir.items():
        if package != "taizhang":
            (top / package.split(".", 1)[1]).symlink_to(root / folder, target_is_directory=True)
    return site


def lint(tmp: Path, config: str, root: Path = ROOT) -> subprocess.CompletedProcess:
    """lint-imports run on `root`'s files (the checkout) with these contracts."""
    site = wheel_layout(tmp, root)
    (tmp / "contracts.ini").write_text(config, encoding="utf-8")
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([str(lint_imports), str(tmp / "contracts.ini"), "--no-cache"],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=300)


def test_imports_follow_the_layers(tmp_path):
    result = lint(tmp_path, contracts())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout, result.stdout


@pytest.mark.parametrize("module, line, broken", [
    # kpi reading the write side: the layers (kpi | etl are independent).
    ("store/__init__.py", "from taizhang.kpi import runner", "layers: dashboard, report > kpi | etl > store"),
    ("kpi/fastpath.py", "from taizhang.etl import rejects", "layers: dashboard, report > kpi | etl > store"),
    # the report reaching the write side.
    ("report/model.py", "from taizhang.etl import load", "write side: from the dashboard only as deliberate"),
    # a circle between two modules of the store.
    ("store/sla.py", "from taizhang.store import facts", "no import circle"),
    # a shared module reaching up into a part.
    ("taizhang/formatting.py", "from taizhang.kpi import metrics", "shared modules import no part"),
])
def test_a_bad_import_breaks_a_contract(tmp_path, module, line, broken):
    """The contracts can fail: one bad import added to a copy of the checkout breaks the
    contract it should (a store importing kpi also closes a circle: two break then)."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for name in ("pyproject.toml", "taizhang", *(p.parent.name for p in ROOT.glob("*/__init__.py")
                                                if p.parent.name not in ("taizhang", "tests"))):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _bad():\n    {line}\n",
                      encoding="utf-8")
    result = lint(tmp_path, contracts(), root=copy)
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = dict(re.findall(r"^(.+?) (KEPT|BROKEN)\b", result.stdout, flags=re.MULTILINE))
    assert len(verdicts) == 4, result.stdout
    assert verdicts[broken] == "BROKEN", result.stdout
