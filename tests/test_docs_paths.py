"""Every file or folder of the project that README.md and docs/*.md name exists: a doc that
points a reader at etl/validate.py after it became etl/rejects.py fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A path inside the project: one of its folders, then names (a glob * allowed); not part of
# a longer path such as ~/.cache/taizhang/sql.
PROJECT_PATH = re.compile(r"(?<![\w./~-])((?:etl|kpi|report|dashboard|taizhang|tests|benchmarks|docs)/[\w./*-]*[\w*/])")
BARE_MODULE = re.compile(r"(?<![\w./-])(\w+\.py)\b")
# Written while the program runs, not shipped: named in docs as where output goes.
GENERATED = ("tests/output/", "benchmarks/work/", "benchmarks/results/")
SKIPPED_FOLDERS = {".git", ".venv", "build", "__pycache__", "data"}


def named_paths(text: str) -> set[str]:
    return {m.rstrip(".") for m in PROJECT_PATH.findall(text)}


def project_files() -> set[str]:
    return {p.name for p in ROOT.rglob("*.py") if not SKIPPED_FOLDERS & set(p.relative_to(ROOT).parts)}


def missing_in(text: str, files: set[str]) -> list[str]:
    missing = []
    for path in sorted(named_paths(text)):
        if path.startswith(GENERATED):
            continue
        if "*" in path and not list(ROOT.glob(path)) or "*" not in path and not (ROOT / path).exists():
            missing.append(path)
    missing += sorted(name for name in set(BARE_MODULE.findall(text)) if name not in files)
    return missing


def test_every_path_the_docs_name_exists():
    files = project_files()
    missing = {doc.name: found for doc in DOCS if (found := missing_in(doc.read_text(encoding="utf-8"), files))}
    assert missing == {}


def test_the_check_finds_a_missing_path():
    files = project_files()
    text = "see etl/validate.py and report/chart.py, `render.py`, etl/demo*.py, ~/.cache/taizhang/sql"
    assert missing_in(text, files) == ["etl/validate.py", "report/chart.py"]
    assert missing_in("`validate.py`", files) == ["validate.py"]
