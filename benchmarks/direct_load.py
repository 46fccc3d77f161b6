"""A stand-in for `taizhang load` that only the benchmark uses, for the read side at scale.

When the ETL cannot load a ledger of 10 million rows in the time a benchmark run has, the
read side (overview, drill-down, browser, report) can still be measured on a database of
the same content: this maps the generated CSV's known columns straight into the canonical
schema in one INSERT … SELECT, adds the registry, officials and their links, and builds the
aggregate tables. Results measured this way say so (`checks.database_built_by`).
It is no ETL: no header detection, no rejects, no raw JSON, only this generator's values.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = """
INSERT INTO cases (case_id, district, street, community, channel, title, category, matter_class,
                   responsible_unit, received_on, due_on, resolved_on, status, satisfaction,
                   last_progress_on, reopened_count, import_id, source_file, source_sheet, source_row)
SELECT 工单编号, 区县, 街道, 社区, 反映渠道, 诉求内容, 诉求类型, 事项分类, 承办单位,
       受理时间, 办理时限, 办结时间,
       CASE 办理状态 WHEN '已办结' THEN 'resolved' WHEN '办理中' THEN 'in_progress'
                     WHEN '待处理' THEN 'pending' ELSE 'deferred' END,
       CASE WHEN 满意度 >= 4 THEN 'satisfied' WHEN 满意度 = 3 THEN 'basically_satisfied'
            WHEN 满意度 <= 2 THEN 'dissatisfied' END,
       进展更新时间, 0, 1, ?, 'csv', row_number() OVER () + 1
FROM read_csv(?)
ORDER BY 受理时间, 工单编号
"""
OFFICIALS = """
INSERT INTO officials (official_id, name)
SELECT 'bench-' || md5(name)[:10], name FROM (SELECT DISTINCT 挂点领导 AS name FROM read_csv(?))
"""
LINKS = """
INSERT INTO case_officials (case_id, official_id, role)
SELECT 工单编号, 'bench-' || md5(挂点领导)[:10], 'lead' FROM read_csv(?)
"""


def direct_load(db: Path, csv: Path, areas: Path) -> None:
    """Build a database of the generated ledger without the ETL (see the module docstring)."""
    from taizhang.store import aggregates
    from taizhang.store.schema import ensure_schema
    from taizhang.db import connect

    con = connect(db)
    try:
        con.execute("BEGIN")
        ensure_schema(con)
        con.execute("INSERT INTO areas SELECT * FROM read_csv(?)", [str(areas)])
        con.execute(
            "INSERT INTO imports (import_id, file, sha256, profile, as_of, started_at, finished_at, "
            "rows_read, rows_new, status) VALUES (1, ?, '', 'benchmark direct load', "
            "(SELECT greatest(max(受理时间), max(办结时间), max(进展更新时间)) FROM read_csv(?)), "
            "now(), now(), 0, 0, 'ok')",
            [str(csv), str(csv)],
        )
        con.execute(CASES, [str(csv), str(csv)])
        con.execute(OFFICIALS, [str(csv)])
        con.execute(LINKS, [str(csv)])
        aggregates.rebuild(con)
        con.execute("COMMIT")
    finally:
        con.close()


if __name__ == "__main__":
    direct_load(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
