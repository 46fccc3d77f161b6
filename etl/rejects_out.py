"""`--rejects-out FILE.xlsx`: the rejected rows as they were, plus a 原因 (reason) column.

One worksheet per source sheet, named like it, under a title row that repeats the source
file's name and title rows: street, community and year taken from those when the ledger
was read are taken from them again when the fixed file is loaded.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from taizhang.safetext import XLSX_OPTIONS, mask_text

REASON_HEADER = "原因"


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:28] or "Sheet"
    base, n = title, 2
    while title in used:
        title = f"{base}_{n}"[:31]
        n += 1
    used.add(title)
    return title


def write_rejects(path: str | os.PathLike, summaries) -> int:
    """Write every summary's rejects, one worksheet per source sheet; returns the row count."""
    import xlsxwriter

    groups: dict[tuple[str, str], list[dict]] = {}
    for summary in summaries:
        for reject in summary.rejects:
            key = (summary.file, reject.get("sheet") or Path(summary.file).stem)
            groups.setdefault(key, []).append(reject)
    # Every text a string cell: a ledger's '=HYPERLINK(…)' stays inert text, shown as written.
    workbook = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    bold = workbook.add_format({"bold": True})
    used: set[str] = set()
    count = 0
    if not groups:
        workbook.add_worksheet("未导入行").write(0, 0, "没有未导入的行 / no rejected rows")
    for (_, sheet), rejects in groups.items():
        ws = workbook.add_worksheet(_sheet_title(sheet, used))
        headers: list[str] = []
        rows = []
        for reject in rejects:
            raw = json.loads(reject["raw"]) if isinstance(reject["raw"], str) else (reject["raw"] or {})
            for key in raw:
                if key not in headers:
                    headers.append(key)
            rows.append((raw, reject["reason"]))
        source = rejects[0]
        title = " ".join(t for t in (Path(source.get("file") or "").stem, source.get("title")) if t)
        ws.write(0, 0, mask_text(title))
        ws.write_row(1, 0, headers + [REASON_HEADER], bold)
        for r, (raw, reason) in enumerate(rows, start=2):
            ws.write_row(r, 0, [raw.get(h) if raw.get(h) is not None else "" for h in headers] + [reason])
            count += 1
    workbook.close()
    return count
