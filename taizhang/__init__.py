"""Taizhang 台账看板: shared plumbing (database location, connections, settings, CLI).

One import namespace for the whole program: ``taizhang.etl``, ``taizhang.kpi``,
``taizhang.report`` and ``taizhang.dashboard``. In the repository those packages keep the
top-level folders the users asked for (etl/, kpi/, report/, dashboard/); an installed wheel
holds them inside this package (pyproject.toml's package-dir). In a checkout, this package's
search path also covers the checkout's root so the same names resolve to those folders.
"""
from pathlib import Path as _Path

_here = _Path(__file__).resolve().parent
_checkout = _here.parent
if not (_here / "etl").is_dir() and (_checkout / "etl" / "__init__.py").is_file() \
        and (_checkout / "pyproject.toml").is_file():
    __path__.append(str(_checkout))  # noqa: F821 - a package's module-level __path__
