"""User docs stand alone: no pointers into the team's contract or issue tracker.

A reader of README.md, docs/ or a command's help has neither the contract nor the issues;
"SPEC §6" or "issue 5" would send them to something they cannot open.
"""
import re
from pathlib import Path

import pytest

from taizhang import i18n

ROOT = Path(__file__).resolve().parent.parent
INTERNAL = re.compile(r"SPEC\s*§|\bissue\s+#?\d+|\bissues?\s+\d+\s*(?:and|,)", re.IGNORECASE)


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))],
                         ids=lambda p: p.name)
def test_user_docs_name_no_contract_section_or_issue(path):
    hits = [f"{path.name}:{n}: {line.strip()}" for n, line in
            enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if INTERNAL.search(line)]
    assert not hits, "\n".join(hits)


def test_texts_a_user_reads_name_no_contract_section_or_issue():
    hits = [key for key, pair in i18n.TEXT.items() for text in pair if INTERNAL.search(text)]
    assert not hits
