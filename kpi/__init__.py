"""The KPI layer: the only place a Taizhang metric is defined (SPEC §4).

Every function takes a DuckDB connection and answers with ibis expressions over the
canonical tables; results are pandas DataFrames or dicts. The dashboard, the monthly
report and `taizhang kpi` call these and nothing else: their public names are gathered,
each imported from the module that defines it, in taizhang.kpi.api
(`from taizhang.kpi import api as kpi`). Definitions: docs/kpi.md.

This package imports nothing itself, so that `import taizhang.kpi.commands` (the command
line's parser) does not load pandas and ibis (~2 s): the monthly report starts its
browser while they load.
"""
