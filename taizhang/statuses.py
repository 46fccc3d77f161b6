"""The statuses of a case, named once for every part: the store's rules, the ledger profiles,
the KPI counts, the charts.

    resolved      已解决: the district resolved it
    in_progress   正在解决 ┐ open: the district still owes an answer (overdue, stalled)
    pending       未启动   ┘
    deferred      暂缓: put off on purpose (a long-term plan, an explanation given)
    cancelled     撤单   ┐ ended without resolution: never the district's to resolve,
    referred      转办退回 ┘ rate or supervise; counted in received, kept out of the
                             resolution and on-time denominators (docs/kpi.md)

store/schema.sql's CHECK on cases.status lists the same names (a test compares them), and
the text catalogue (taizhang/i18n.py) names each in 中文 and English.
"""

from __future__ import annotations

# Every status, in the order counts are shown (the metrics' columns, a chart's stack).
STATUSES = ("resolved", "in_progress", "pending", "deferred", "cancelled", "referred")
OPEN_STATUSES = ("pending", "in_progress")
# Ended without resolution (撤单, 转办): not the district's to resolve, or to supervise.
ENDED_STATUSES = ("cancelled", "referred")
# Never come due: neither resolved nor open (a rate does not wait for them).
NEVER_DUE = tuple(s for s in STATUSES if s != "resolved" and s not in OPEN_STATUSES)
