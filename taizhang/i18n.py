"""The text catalogue: every label, unit and message a user reads, in 中文 and English.

Pages, the report and the CLI never hold user-facing string literals; they call
`t(key, lang)` (with `str.format` fields) or one of the label helpers below. Chinese is
the default language; a missing English text falls back to the Chinese one, a missing
key raises KeyError so a typo is caught by the tests rather than shown to a leader.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# key → (中文, English). Grouped by where the words appear; SPEC §9's words first.
TEXT: dict[str, tuple[str, str]] = {
    # --- SPEC §9: metrics and domain words -------------------------------------------
    "received": ("受理", "Received"),
    "resolved": ("已解决", "Resolved"),
    "in_progress": ("正在解决", "In progress"),
    "pending": ("未启动", "Not started"),
    "deferred": ("暂缓", "Deferred"),
    "cancelled": ("撤单", "Cancelled"),
    "referred": ("转办退回", "Referred out"),
    "resolution_rate": ("解决率", "Resolution rate"),
    "closure_days": ("办结天数(中位/90分位)", "Days to resolve (median / p90)"),
    "median_days": ("中位办结天数", "Median days to resolve"),
    "p90_days": ("90分位办结天数", "Days to resolve (p90)"),
    "mean_days": ("平均办结天数", "Mean days to resolve"),
    "median_hours": ("中位办结时长(小时)", "Median hours to resolve"),
    "p90_hours": ("90分位办结时长(小时)", "Hours to resolve (p90)"),
    "response_rate": ("响应率", "Response rate"),
    "reopened_rate": ("重办率", "Reopened rate"),
    "return_rate": ("回退率", "Return rate"),
    "feedback_on_time_rate": ("按时反馈率", "Feedback on time"),
    "on_time_rate": ("按期办结率", "On-time rate"),
    "overdue_open": ("超期未办结", "Overdue"),
    "stalled": ("进展停滞", "Stalled"),
    "rated": ("已回访", "Rated"),
    "satisfaction_rate": ("满意率", "Satisfaction"),
    "dissatisfied": ("不满意", "Dissatisfied"),
    "rated_share": ("回访率", "Callback coverage"),
    "due_cases": ("考核件数", "Cases judged"),
    "due_resolution_rate": ("到期解决率", "Resolved of due"),
    "due_on_time_rate": ("到期按期率", "On time of due"),
    "due_rated": ("考核回访件数", "Rated of judged"),
    "due_satisfaction_rate": ("考核满意率", "Satisfaction of judged"),
    "unranked_reason": ("未排名原因", "Why unranked"),
    "unranked.few_cases": ("考核件数不足", "too few cases judged"),
    "unranked.few_due": ("考核件数不足以计算到期比率", "too few cases judged for the due rates"),
    "unranked.no_score": ("无可计算的比率", "no rate to judge"),
    "score": ("综合得分", "Score"),
    "rank": ("排名", "Rank"),
    "rank_change": ("排名变化", "Rank change"),
    "supervision": ("督办", "Supervision"),
    "ledger": ("台账", "Ledger"),
    "lead": ("挂点领导", "Lead official"),
    "deputy": ("认领代表", "Deputy"),
    "handler": ("承办负责人", "Handler"),
    "supervisor": ("督办人", "Supervisor"),
    "responsible_unit": ("承办单位", "Responsible unit"),
    "district": ("区", "District"),
    "street": ("街道(镇)", "Street (town)"),
    "community": ("社区(村)", "Community (village)"),
    "demo_data": ("示例数据", "Demo data"),
    "reopened_count": ("重办次数", "Times reopened"),
    "meetings_held": ("召开会议", "Meetings held"),
    "meetings_attended": ("参会次数", "Meetings attended"),
    "attendance": ("参会率", "Attendance"),
    "compliance_2_4": ("“2+4”达标", "“2+4” rule met"),
    "cases": ("案件数", "Cases"),
    "month": ("月份", "Month"),
    "channel": ("来源渠道", "Channel"),
    "category": ("问题类别", "Category"),
    "matter_class": ("事项分类", "Matter class"),
    "official": ("干部", "Official"),
    "name": ("姓名", "Name"),
    "title_job": ("职务", "Title"),
    "unit": ("单位", "Unit"),
    "roles": ("角色", "Roles"),
    # Lists show a case's lead officials (挂点领导, who answers for it); the case page all roles.
    "officials": ("挂点领导", "Lead officials"),
    # --- case fields -----------------------------------------------------------------
    "case_id": ("内部编号", "Internal key"),
    "case_no": ("案件编号", "Case no."),
    "resolved_in_period": ("本月办结(期间内办结)", "Resolved in the period"),
    "reasons": ("督办原因", "Why listed"),
    "tier": ("升级档", "Escalation"),
    "tier.value": ("超期>{days}天", "overdue >{days} days"),
    "tier.band": ("超期{low}–{high}天", "overdue {low}–{high} days"),
    "title": ("问题", "Issue"),
    "reporter": ("反映人", "Raised by"),
    "note": ("进展情况", "Progress note"),
    "received_on": ("受理日期", "Received on"),
    "due_on": ("办理时限", "Due on"),
    "resolved_on": ("办结日期", "Resolved on"),
    "closed_on": ("销号日期", "Closed on"),
    "last_progress_on": ("最近进展", "Last progress"),
    "status": ("办理状态", "Status"),
    "satisfaction": ("满意度", "Satisfaction"),
    "days_overdue": ("超期天数", "Days overdue"),
    "days_open": ("已办天数", "Days open"),
    "days_stalled": ("停滞天数", "Days without progress"),
    "reason": ("原因", "Reason"),
    "source": ("来源台账", "Source ledger"),
    "source_file": ("文件", "File"),
    "source_sheet": ("工作表", "Sheet"),
    "source_row": ("行号", "Row"),
    "event_on": ("日期", "Date"),
    "finished_at": ("结束时间", "Finished"),
    "profile": ("格式配置", "Profile"),
    "count": ("数量", "Count"),
    "flag": ("问题", "Issue"),
    "kind": ("类型", "Type"),
    "official_id": ("干部编号", "Official no."),
    "months_attended": ("参会月数", "Months attended"),
    "months_in_period": ("统计月数", "Months in period"),
    "required": ("应召开", "Required"),
    "compliant": ("达标", "Met"),
    "level": ("层级", "Level"),
    "timeline": ("办理过程", "Timeline"),
    "event": ("事项", "Event"),
    "event.received": ("受理", "Received"),
    "event.first_seen": ("首次导入时状态", "Status when first imported"),
    "event.status_change": ("状态变化(再次导入)", "Status changed (later import)"),
    "event.progress": ("最近进展", "Last progress"),
    "event.resolved": ("办结", "Resolved"),
    "event.closed": ("销号", "Closed"),
    "cases.generated_no": (
        "台账未填编号,案件编号由系统生成(内部编号 {internal})。",
        "The ledger gives no number: the case number is derived (internal key {internal}).",
    ),
    # --- status and satisfaction values ----------------------------------------------
    "status.pending": ("未启动", "Not started"),
    "status.in_progress": ("正在解决", "In progress"),
    "status.resolved": ("已解决", "Resolved"),
    "status.deferred": ("暂缓", "Deferred"),
    "status.cancelled": ("撤单", "Cancelled"),
    "status.referred": ("转办退回", "Referred out"),
    "satisfaction.satisfied": ("满意", "Satisfied"),
    "satisfaction.basically_satisfied": ("基本满意", "Basically satisfied"),
    "satisfaction.dissatisfied": ("不满意", "Dissatisfied"),
    "satisfaction.none": ("未回访", "Not rated"),
    "kind.社区": ("社区", "Community"),
    "kind.村": ("村", "Village"),
    "role.lead": ("挂点领导", "Lead official"),
    "role.deputy": ("认领代表", "Deputy"),
    "role.handler": ("承办负责人", "Handler"),
    "role.supervisor": ("督办人", "Supervisor"),
    "reason.overdue": ("超期未办结", "Overdue"),
    "reason.stalled": ("进展停滞", "Stalled"),
    "reason.dissatisfied": ("群众不满意", "Resident dissatisfied"),
    "reason.reopened": ("重新办理", "Reopened"),
    # --- units and formats -----------------------------------------------------------
    "unit.days": ("{n} 天", "{n} days"),
    "unit.cases": ("{n} 件", "{n} cases"),
    "unit.pp": ("{n} 个百分点", "{n} pp"),
    "undefined": ("—", "—"),
    "delta.mom": ("环比", "vs previous period"),
    "delta.yoy": ("同比", "vs last year"),
    "delta.none": ("上月无数据", "no data last month"),
    # A card's change names what it is compared with (the like period before).
    "delta.change": ("{against} {change}", "{change} {against}"),
    "delta.step1": ("较上月", "vs last month"),
    "delta.step3": ("较上季", "vs last quarter"),
    "delta.step12": ("较上年同期", "vs a year earlier"),
    # All the data: a running total against itself at the end of last month ("+146" under
    # 2090 is what was added since then, not a month compared with a month).
    "delta.step0": ("较上月末", "since the end of last month"),
    "delta.steps": ("较前{n}个月", "vs {n} months earlier"),
    "rank.new": ("新上榜", "new"),
    # --- app chrome ------------------------------------------------------------------
    "app.title": ("台账看板", "Taizhang"),
    "app.subtitle": ("民生问题办理台账看板", "Residents' issues ledger dashboard"),
    "page.overview": ("总览", "Overview"),
    "page.areas": ("街道社区", "Areas"),
    "page.officials": ("干部", "Officials"),
    "page.supervision": ("督办", "Supervision"),
    "rank.period": ("排名期间:{first} 至 {last}(截至 {as_of})", "Ranked over {first} to {last} (as of {as_of})"),
    # Which cases a ranking's score and its rates judge (settings.ranking_basis).
    "ranking.cohort.due": ("考核口径：本期到期或办结", "Judged on: cases due or closed in the period"),
    "ranking.cohort.received": ("考核口径：本期受理", "Judged on: cases received in the period"),
    "page.glossary": ("口径", "Glossary"),
    "glossary.title": ("指标口径", "What each figure means"),
    "glossary.caption": (
        "看板、月报、Excel 与命令行中每个数字的名称与定义,按当前设置(taizhang.toml)计算时的实际口径。",
        "The name and definition of every figure on screen, in the report, the Excel and the command line, "
        "as computed with the settings in use (taizhang.toml).",
    ),
    "glossary.computed_by": ("计算:{where}", "Computed by {where}"),
    "page.cases": ("案件", "Cases"),
    "page.report": ("月报", "Monthly report"),
    "page.data": ("数据", "Data"),
    "lang.label": ("语言 Language", "语言 Language"),
    "lang.zh": ("中文", "中文"),
    "lang.en": ("English", "English"),
    "filters.header": ("筛选", "Filters"),
    "filters.period": ("受理日期范围", "Received between"),
    "filters.as_of": ("统计截至", "As of"),
    "filters.all": ("全部", "All"),
    "filters.reset": ("清除筛选", "Clear filters"),
    "filters.search": ("搜索(编号、问题、单位、进展)", "Search (no., issue, unit, note)"),
    "filters.reasons": ("督办类型", "Supervision type"),
    "filters.active": ("当前筛选:{text}", "Filtered: {text}"),
    "demo.banner": (
        "示例数据:本看板展示的是虚构的演示台账,人名均为虚构。",
        "Demo data (示例数据): this dashboard shows invented demo ledgers; all names are invented.",
    ),
    "banner.rejects": (
        "有 {n} 行台账未能导入(见“数据”页),统计不含这些行。",
        "{n} ledger rows could not be imported (see the Data page); the figures leave them out.",
    ),
    "banner.unknown_areas": (
        "有 {n} 件案件的街道/社区不在区划名册中,请核对。",
        "{n} cases name a street/community missing from the area registry; please check.",
    ),
    "banner.data_quality": ("数据质量:{text}", "Data quality: {text}"),
    "as_of.caption": ("统计截至 {date}", "As of {date}"),
    # --- empty states and errors -----------------------------------------------------
    "empty.db": (
        "数据库中还没有台账数据。可在“数据”页上传台账(Excel/CSV),或运行 `taizhang load 台账.xlsx`;"
        "想先看示例数据,运行 `make run` 或 `taizhang serve --demo`(示例另存一个数据库,不影响你的数据)。",
        "The database holds no ledger data yet. Upload a ledger (Excel/CSV) on the Data page or "
        "run `taizhang load ledger.xlsx`; to see demo data first, run `make run` or `taizhang serve "
        "--demo` (the demo has its own database and leaves yours alone).",
    ),
    "empty.no_file": (
        "找不到数据库文件 {path}。在“数据”页上传台账或运行 `taizhang load` 即会创建;想先看示例数据,"
        "运行 `make run` 或 `taizhang serve --demo`。",
        "No database file at {path}. Uploading a ledger on the Data page or `taizhang load` creates "
        "it; to see demo data first, run `make run` or `taizhang serve --demo`.",
    ),
    "empty.warehouse": (
        "数据仓库 {url} 中还没有数据。请用命令「taizhang --warehouse {url} load 台账/」导入;想先看示例数据,"
        "运行「taizhang --warehouse {url} demo」。",
        "The warehouse {url} holds no data yet. Import ledgers with: taizhang --warehouse {url} load "
        "ledgers/ — for demo data, run: taizhang --warehouse {url} demo",
    ),
    "empty.slice": (
        "当前筛选条件下没有案件。请放宽日期范围或清除筛选。",
        "No cases match the current filters. Widen the period or clear the filters.",
    ),
    "empty.list": ("没有符合条件的记录。", "Nothing to list."),
    "empty.supervision": ("当前筛选条件下没有需要督办的案件。", "No case needs supervision under the current filters."),
    "empty.meetings": ("台账中没有会议记录。", "The ledgers record no meetings."),
    "error.busy": (
        "数据库正在导入新台账,请稍候几秒再操作。",
        "The database is busy with an import; try again in a few seconds.",
    ),
    "error.case_missing": ("找不到编号为 {case_id} 的案件。", "No case with number {case_id}."),
    "error.query": (
        "查询失败:{error}。请检查数据库文件,或重新导入台账。",
        "The query failed: {error}. Check the database file or import the ledgers again.",
    ),
    # --- overview --------------------------------------------------------------------
    "overview.title": ("总览", "Overview"),
    "overview.trend": ("月度受理与解决", "Received and resolved by month"),
    "overview.ranking": ("街道综合排名", "Street ranking by score"),
    "overview.ranking_hint": ("点击街道查看其社区", "Click a street to open its communities"),
    "overview.categories": ("问题类别构成", "Issues by category"),
    "overview.communities": ("{street} 各社区(村)综合排名", "Communities of {street} by score"),
    "overview.communities_table": ("{street} 社区明细表 ›", "Table of {street}'s communities ›"),
    "overview.community_cases": ("{community} 案件明细 ›", "Cases of {community} ›"),
    "overview.status_mix": ("办理状态", "Status"),
    "chart.count": ("件数", "Cases"),
    "chart.immature": ("尚有未到期案件,解决率仍会上升", "cases not yet due: the rate will still rise"),
    "chart.rank_change": ("较上月 {change}", "{change} vs last month"),
    "target.resolution_rate": ("目标 {value}", "target {value}"),
    "target.average": ("全区 {value}", "district {value}"),
    "target.area_average": ("{area} {value}", "{area} {value}"),
    "target.score": ("目标 {value}", "target {value}"),
    "filters.preset": ("统计期间", "Period"),
    "period": ("统计期间", "Period"),
    "period.month": ("本月", "This month"),
    "period.last_month": ("上月", "Last month"),
    "period.quarter": ("本季", "This quarter"),
    "period.year": ("本年", "This year"),
    "period.12m": ("近12个月", "Last 12 months"),
    "period.all": ("全部", "All data"),
    "period.custom": ("自定义", "Custom"),
    "period.span": ("{first} 至 {last}", "{first} to {last}"),  # a file's or a list's dates
    "period.note": ("统计期间:{period},受理于 {first} 至 {last},截至 {as_of}",
                    "Period: {period}, cases received {first} to {last}, as of {as_of}"),
    "cards.scope": ("{period}({dates})· {place}", "{period} ({dates}) · {place}"),
    "cards.year": ("本年累计({dates}):{figures}", "Year to date ({dates}): {figures}"),
    "chart.rank_history": ("近12个月排名", "Rank over the last 12 months"),
    "areas.leaders": ("先进(前 {n} 名)", "Best {n}"),
    "areas.laggards": ("后进(后 {n} 名)", "Last {n}"),
    "areas.compare": ("两个街道对比", "Two streets side by side"),
    "areas.compare_pick": ("选择街道", "Choose a street"),
    "chart.no_area": ("未明确区域", "No area given"),
    "chart.rate": ("解决率", "Resolution rate"),
    # --- areas -----------------------------------------------------------------------
    "areas.title": ("街道社区", "Streets and communities"),
    "areas.district": ("全区", "Whole district"),
    "areas.streets": ("街道排名(选中一行查看社区)", "Street ranking (select a row to open its communities)"),
    "areas.communities": ("{street} 各社区(村)(选中一行查看案件)", "Communities of {street} (select a row to see its cases)"),
    "areas.cases": ("{community} 的案件(选中一行查看详情)", "Cases of {community} (select a row for details)"),
    "areas.back": ("返回上一级", "Back up one level"),
    "areas.breadcrumb": ("当前位置", "You are here"),
    # --- officials -------------------------------------------------------------------
    "officials.title": ("干部", "Officials"),
    "officials.note": (
        "一件案件关联多名干部时,计入每名干部,因此各干部合计可能超过全区总数。",
        "A case counts for every official linked to it, so officials' totals may exceed the district's.",
    ),
    "officials.role": ("角色", "Role"),
    "officials.attendance_note": ("参会率只对挂点领导及参加过会议的干部计算;其他干部显示“—”。",
                                  "Attendance is computed for lead officials and for those who "
                                  "attended a meeting; others show “—”."),
    "officials.table": ("干部办理情况(选中一行查看其案件)", "Officials (select a row to see their cases)"),
    "officials.cases": ("{name} 的案件", "Cases of {name}"),
    # --- supervision -----------------------------------------------------------------
    "supervision.title": ("督办清单", "Supervision list"),
    "supervision.caption": (
        "超期未办结、进展停滞、群众不满意或重新办理的案件。",
        "Cases that are overdue, stalled, rated dissatisfied or reopened.",
    ),
    "supervision.download": ("下载督办清单(Excel)", "Download the list (Excel)"),
    "supervision.count": ("共 {n} 件需督办。", "{n} cases need supervision."),
    "supervision.shown": (
        "共 {n} 件需督办,此处列出前 {shown} 件(最紧迫的在前);请用筛选缩小范围。",
        "{n} cases need supervision; the {shown} most urgent are listed here — "
        "narrow the filters to see the others.",
    ),
    "supervision.download_capped": (
        "下载包含前 {shown} 件(共 {n} 件);请缩小筛选范围以下载全部。",
        "The download holds the first {shown} of {n} cases; narrow the filters to download them all.",
    ),
    "supervision.file": ("督办清单", "supervision"),
    "supervision.sheet_title": ("督办清单 · {scope} · 数据截至 {as_of}", "Supervision list · {scope} · data as of {as_of}"),
    "supervision.sheet_note": (
        "截至 {as_of} 仍未办结的超期、停滞案件(不论受理月份),及受理于 {period} 的群众不满意、重新办理案件;共 {n} 件。",
        "Cases still open at {as_of} that are overdue or stalled (whatever month they came in), and "
        "cases received {period} rated dissatisfied or reopened; {n} cases.",
    ),
    "supervision.all_periods": ("全部时间", "at any time"),
    "supervision.by_unit": ("按承办单位", "By responsible unit"),
    "supervision.by_official": ("按挂点领导", "By lead official"),
    "supervision.by_tier": ("超期升级档", "Escalation tiers"),
    "supervision.tier_none": ("超期≤{days}天或未超期", "overdue ≤{days} days or not overdue"),
    "data.quality_open": ("选中一行,列出该项的案件;再选中案件查看详情。", "Select a row to list its cases; select a case to open it."),
    "supervision.more_rows": ("… 另有 {n} 项", "… and {n} more"),
    "supervision.none_named": ("(未填写)", "(not given)"),
    "supervision.why": ("列入督办的原因", "Why this case is on the supervision list"),
    "supervision.why_none": ("截至 {as_of},此案件不在督办清单上。", "As of {as_of}, this case is not on the supervision list."),
    "supervision.why_overdue": ("超期未办结:办理时限 {due},已超期 {days} 天", "Overdue: due {due}, {days} days overdue"),
    "supervision.why_stalled": ("进展停滞:{days} 天无进展(阈值 {stall} 天)", "Stalled: no progress for {days} days (threshold {stall})"),
    "supervision.why_dissatisfied": ("群众不满意:回访结果为不满意", "Resident dissatisfied at the callback"),
    "supervision.why_reopened": ("重新办理:已重办 {n} 次", "Reopened {n} times"),
    # --- cases -----------------------------------------------------------------------
    "cases.title": ("案件查询", "Cases"),
    "cases.count": ("共 {n} 件", "{n} cases"),
    "cases.detail": ("案件详情", "Case details"),
    "cases.open": ("选中一行查看案件详情", "Select a row to see the case"),
    "cases.masked": ("反映人姓名与电话已脱敏。", "Residents' names and numbers are masked."),
    "cases.source_text": (
        "来源:{file} · 工作表 {sheet} · 第 {row} 行",
        "Source: {file} · sheet {sheet} · row {row}",
    ),
    "cases.more": ("仅显示前 {shown} 件,共 {n} 件;请缩小筛选范围。", "Showing the first {shown} of {n}; narrow the filters."),
    "cases.close": ("关闭详情", "Close"),
    # --- report ----------------------------------------------------------------------
    "report.title": ("月报", "Monthly report"),
    "report.hotline": ("12345 三率及相关:{items}", "12345 measures: {items}"),
    # one term of the score's formula in the report's footer: 解决率×0.4 / resolution × 0.4
    "report.score_term": ("{rate}×{weight}", "{rate} × {weight}"),
    "score_term.resolution_rate": ("解决率", "resolution"),
    "score_term.on_time_rate": ("按期办结率", "on-time"),
    "score_term.satisfaction_rate": ("满意率", "satisfaction"),
    "score_term.response_rate": ("响应率", "response"),
    "score_term.due_resolution_rate": ("到期解决率", "resolved of due"),
    "score_term.due_on_time_rate": ("到期按期率", "on time of due"),
    "score_term.due_satisfaction_rate": ("考核满意率", "satisfaction of judged"),
    "report.heading": ("{scope}{month}民生问题办理月报", "{scope} residents' issues report, {month}"),
    "report.month": ("月份", "Month"),
    "report.pdf": ("下载 PDF", "Download PDF"),
    "report.png": ("下载 PNG(发群用)", "Download PNG (for chat groups)"),
    "report.longpng": ("下载长图(手机看)", "Download long image (for phones)"),
    "report.phone_note": ("手机上月报按长图版式显示;打印用的 A4 版请点上方“{pdf}”。",
                          "On a phone the report is laid out as the long image; for the A4 page "
                          "to print, press “{pdf}” above."),
    "report.longpng_file": ("长图", "long"),
    "report.unavailable": (
        "月报模块尚未就绪:{error}",
        "The report module is not ready: {error}",
    ),
    "report.render_failed": (
        "生成文件失败:{error}。请确认已安装 chromium 与 fonts-noto-cjk。",
        "Could not render the file: {error}. Check that chromium and fonts-noto-cjk are installed.",
    ),
    "report.headline": ("核心指标", "Headline figures"),
    "report.trend": ("近12个月趋势", "12-month trend"),
    "report.top_categories": ("主要问题类别", "Top categories"),
    "report.supervision": ("督办清单", "Supervision list"),
    "report.attendance": ("干部参会情况", "Officials' attendance"),
    "report.more": ("… 另有 {n} 件", "… and {n} more"),
    "report.sources": ("数据来源:{files} 个台账文件,{rejected} 行未导入", "Sources: {files} ledger files, {rejected} rows not imported"),
    "report.definitions": (
        "口径:办理时限默认受理后 {sla} 天;综合得分 = {score}",
        "Definitions: due {sla} days after receipt unless the ledger says; score = {score}",
    ),
    "report.generated": ("生成于 {date}", "Generated {date}"),
    # --- data ------------------------------------------------------------------------
    "data.title": ("数据", "Data"),
    "data.upload": ("上传台账(Excel / CSV / ODS)", "Upload ledgers (Excel / CSV / ODS)"),
    "data.uploader_label": ("选择台账文件(可多选;可拖入下方框内,或点“{button}”)",
                            "Choose ledger files (several at once; drop them on the box below "
                            "or press {button})"),
    "data.uploader_help": ("支持 .xlsx、.xls、.ods、.csv,每个文件不超过 {size}MB。选好后点“导入”。",
                           "Accepted: .xlsx, .xls, .ods, .csv, up to {size}MB a file. Then press Import."),
    # The uploader's own words, which Streamlit draws in English (dashboard/ui.py
    # uploader_words): its button, its limits line, and what it says while a file is dragged.
    "data.uploader_button": ("选择文件", "Upload"),
    "data.uploader_limits": ("每个文件不超过 {size}MB · {types}", "{size}MB per file • {types}"),
    "data.uploader_drop": ("松开鼠标,放入文件", "Drag and drop files here"),
    "data.upload_help": (
        "与命令行 `taizhang load` 使用同一导入流程:重复导入不会重复计数,无法识别的行进入“未导入行”。"
        "上传的文件导入后即从服务器删除,数据库只保存脱敏后的内容。",
        "Uses the same import as `taizhang load`: importing twice counts nothing twice; rows it cannot "
        "read go to the rejected rows. An uploaded file is deleted from the server once imported; the "
        "database keeps its content masked.",
    ),
    "data.import_button": ("导入", "Import"),
    "data.upload_warehouse": (
        "此看板读取数据仓库 {url}。台账请用命令「taizhang --warehouse {url} load 台账/」导入:每个文件整体发布,"
        "看板在下一次操作时显示新数据。",
        "This dashboard reads the warehouse {url}. Import ledgers with the command taizhang --warehouse "
        "{url} load ledgers/ — each file is published whole, and the dashboard shows the new data at the "
        "next click.",
    ),
    "data.warehouse": ("数据仓库:{url}", "Warehouse: {url}"),
    "download.table": ("下载本表(Excel)", "Download this table (Excel)"),
    # the tooltips of a grid's toolbar (dashboard/ui.py toolbar_words)
    "grid.search": ("搜索", "Search"),
    "grid.fullscreen": ("全屏", "Fullscreen"),
    "grid.close_fullscreen": ("退出全屏", "Close fullscreen"),
    "grid.columns": ("显示/隐藏列", "Show/hide columns"),
    "grid.download": ("下载 CSV", "Download as CSV"),
    "download.sheet_title": ("{table} · {scope} · 数据截至 {as_of}", "{table} · {scope} · data as of {as_of}"),
    "download.sheet_note": ("期间:{period};共 {n} 行。", "Period: {period}; {n} rows."),
    "data.already_imported": (
        "{file} 与 {date} 导入的 {earlier}(导入记录 {id})内容完全相同,未重复导入。",
        "{file} has the same content as {earlier}, imported {date} (import {id}): not imported again.",
    ),
    "data.same_upload": (
        "{file} 与本次上传的 {earlier} 内容完全相同,只导入一次。",
        "{file} has the same content as {earlier} in this upload: imported once.",
    ),
    "data.importing": ("正在导入……", "Importing…"),
    "data.import_done": ("导入完成。", "Import finished."),
    "data.import_failed": ("导入失败:{error}", "The import failed: {error}"),
    "data.history": ("导入记录", "Import history"),
    "data.rejects": ("未导入行及原因", "Rejected rows and reasons"),
    "table.more_rows": ("… 另有 {n} 行未列出,见下载的 Excel", "… {n} more rows not listed: see the Excel download"),
    "data.rejects_download": ("下载未导入行(Excel)", "Download rejected rows (Excel)"),
    "data.rejects_file": ("未导入行", "rejected_rows"),
    "data.no_rejects": ("没有未导入的行。", "No rejected rows."),
    "data.no_imports": ("还没有导入记录。", "No imports yet."),
    "data.quality": ("数据质量", "Data quality"),
    "data.dataset": ("数据概况", "Dataset"),
    "data.fastpath": ("汇总表(快速计算)", "Aggregate tables (fast path)"),
    "data.fastpath_current": ("汇总表为最新({cases} 件案件,{built} 建成):常用指标直接由汇总表算出。",
                              "The aggregate tables are current ({cases} cases, built {built}): most "
                              "figures are answered from them."),
    "data.fastpath_stale": ("汇总表已过期:{reason}。指标仍然正确,但改为逐件计算,较慢;运行 taizhang rebuild "
                            "或再导入一次即可恢复。",
                            "The aggregate tables are stale: {reason}. Figures stay right but are "
                            "computed from every case, slower; run taizhang rebuild or import again."),
    "data.fastpath_absent": ("没有可用的汇总表:{reason}。指标改为逐件计算;运行 taizhang rebuild 可建立。",
                             "No aggregate tables to use: {reason}. Figures are computed from every "
                             "case; taizhang rebuild builds them."),
    "data.fastpath_scoped": ("你按街道授权查看:指标逐件计算(汇总表含全部街道,不能只答你的街道)。",
                             "You see some streets only: figures are computed from the cases (the "
                             "aggregate tables hold every street at once)."),
    "data.fastpath_last": ("最近一次逐件计算({at}):{reason}", "Latest question computed from the cases ({at}): {reason}"),
    "data.fastpath_none": ("看板启动以来,没有问题需要逐件计算。",
                           "Since the dashboard started, no question had to be computed from the cases."),
    "fastpath.current": ("最新", "current"),
    "fastpath.unreadable": ("读不到汇总表的记录(旧版或其他程序的数据库)",
                            "the aggregate tables' record cannot be read (an older or foreign database)"),
    "fastpath.absent": ("尚未建立", "not built yet"),
    "fastpath.definition": ("由另一版本的指标规则生成", "built by other rules than this version's"),
    "fastpath.settings": ("按另一套设置(时限、停滞天数等)生成", "built under other settings (deadline, stall days …)"),
    "fastpath.cases": ("未涵盖现有的全部案件", "not holding every case there is now"),
    "fastpath.workdays": ("按工作日计算时限时不使用汇总表", "with working-day limits the tables cannot answer"),
    "fastpath.scope": ("按街道授权查看,而汇总表含全部街道", "a street-scoped view, while the tables hold every street at once"),
    "fastpath.official": ("按干部统计:每件案件按每位干部各计一次", "by official: a case counts once per official"),
    "fastpath.grain": ("所选维度组合没有对应的汇总表", "no aggregate table holds these dimensions together"),
    "fastpath.as_of": ("截至日期在月中且早于最新数据", "an as-of date mid-month, before the latest data"),
    "fastpath.period": ("时段不是整月", "a period that does not start or end on a month's bounds"),
    "rebuild.no_file": ("数据库 {path} 不存在:请先用 taizhang load 导入台账",
                        "the database {path} does not exist: import ledgers first (taizhang load)"),
    "rebuild.no_schema": ("{path} 中还没有台账数据:请先用 taizhang load 导入",
                          "{path} holds no ledger data yet: import ledgers first (taizhang load)"),
    "rebuild.before": ("重建前汇总表状态:{state}", "the aggregate tables before: {state}"),
    "rebuild.done": ("已重建汇总表:{months} 个月、{cases} 件案件,用时 {seconds} 秒",
                     "rebuilt the aggregate tables: {months} months, {cases} cases in {seconds} s"),
    "data.db_path": ("数据库文件:{path}", "Database file: {path}"),
    "calendar.assumed": (
        "{years} 年的工作日按周一至周五计算(chinese-calendar 只收录到 {last} 年的法定节假日与调休);"
        "国务院公布安排后,可在 taizhang.toml 的 [calendar] 中填写",
        "Working days in {years} are assumed Monday–Friday (chinese-calendar has the holidays and "
        "make-up days up to {last}); enter the State Council's schedule in the [calendar] section "
        "of taizhang.toml once it is published",
    ),
    "file": ("文件", "File"),
        "started_at": ("开始时间", "Started"),
    "rows_read": ("读取", "Read"),
    "rows_new": ("新增", "New"),
    "rows_updated": ("更新", "Updated"),
    "rows_unchanged": ("未变", "Unchanged"),
    "rows_skipped": ("跳过", "Skipped"),
    "rows_rejected": ("未导入", "Rejected"),
    "error": ("错误", "Error"),
    "import_id": ("导入批次", "Import no."),
    "result": ("结果", "Result"),
    "import.ok": ("成功", "OK"),
    "import.unchanged": ("无变化", "Unchanged"),
    "import.failed": ("失败", "Failed"),
    "import.running": ("进行中", "Running"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行号", "Row"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    # Monthly report (report/): headings, notes and short forms that fit its narrow columns.
    "report.subtitle": ("数据截至 {as_of} · 受理日期在 {first} 至 {last}", "As of {as_of} · received {first} to {last}"),
    "report.street_ranking": ("街道综合排名(本月)", "Street ranking (this month)"),
    "report.community_ranking": ("社区(村)综合排名(近12个月)", "Community ranking (last 12 months)"),
    "report.ranking_window": ("统计区间 {first} 至 {last},排名变化与上一个月同口径比较。", "Period {first} to {last}; rank change against the same window one month earlier."),
    "report.unranked": ("考核件数不足 {n} 件的不排名(得分仍列出)。", "Fewer than {n} cases judged: not ranked (score still shown)."),
    "report.ranking_more": ("… 另有 {n} 个未列出", "… and {n} more not listed"),
    "report.empty_month": ("本月没有受理案件,指标为“—”或 0。", "No case was received this month; figures read — or 0."),
    "report.no_cases_month": ("本月没有受理案件。", "No case was received this month."),
    "report.no_cases_period": ("近12个月没有受理案件", "No case in these 12 months"),
    "report.no_supervision": ("没有需要督办的案件。", "No case needs supervision."),
    "report.categories_note": ("按本月受理件数排列,列出前 {n} 类。", "Top {n} by cases received this month."),
    "report.supervision_note": (
        "截至 {as_of} 超期未办结、进展停滞(超过 {stall} 天无进展)的全部案件,及本月受理中群众不满意或重新办理的案件;按天数排列。",
        "As of {as_of}: every overdue or stalled case (no progress for over {stall} days), and this month's cases rated dissatisfied or reopened; longest first.",
    ),
    "report.supervision_more": (
        "… 共 {total} 件,另有 {n} 件未列出:看板“督办”页期间选 {first} 至 {last} 即为同一清单(或 {command})",
        "… {total} cases, {n} more not shown: the dashboard's Supervision page with the period {first} to {last} lists the same cases (or {command})",
    ),
    "report.days": ("天数", "Days"),
    "report.overdue_detail": ("在办案件,不限受理月份", "open cases, any month"),
    "report.place": ("社区(村)", "Community"),
    "report.kind": ("类型", "Type"),
    # Short forms of the 督办 reasons, to fit a narrow column.
    "report.kind.overdue": ("超期", "Late"),
    "report.kind.stalled": ("停滞", "Stalled"),
    "report.kind.dissatisfied": ("不满意", "Dissatisfied"),
    "report.kind.reopened": ("重办", "Reopened"),
    # English: a zero-width space after the slash, where the 长图's narrow column may wrap
    # ("Late/Stalled", not "Late/St" and "alled").
    "report.kind_separator": ("·", "/\u200b"),
    "report.list_separator": ("、", "; "),
    "report.attendance_note": (
        "{first} 至 {last} 参会情况;参会率 = 有参会的月数 / 期间月数。",
        "Attendance {first} to {last}; attendance = months with a meeting attended / months in the period.",
    ),
    "report.attendance_more": ("… 另有 {n} 名干部", "… and {n} more officials"),
    "report.no_meetings": ("本期台账没有会议记录。", "The ledgers record no meetings in this period."),
    "report.definitions_workdays": (
        "口径:办理时限默认受理后 {sla} 个工作日(按法定节假日与调休);综合得分 = {score}",
        "Definitions: due {sla} working days after receipt (Chinese calendar) unless the ledger says; score = {score}",
    ),
    "report.definitions_more": (
        "停滞:超过 {stall} 天无进展;满意率 = (满意 + {w} × 基本满意) / 已回访;考核件数不足 {min_cases} 件不排名;空值“—”表示无法计算(分母为 0)。",
        "Stalled: no progress for over {stall} days; satisfaction = (satisfied + {w} × basically) / rated; under {min_cases} cases judged not ranked; “—” = undefined (zero denominator).",
    ),
    "report.sources_detail": (
        "数据来源:{files} 个台账文件,最近导入 {last_import};{rejected} 行未导入(原因见看板“数据”页)。",
        "Sources: {files} ledger files, last imported {last_import}; {rejected} rows not imported (reasons on the dashboard's Data page).",
    ),
    "report.generated_by": ("由台账看板生成于 {date}", "Generated by Taizhang on {date}"),
    "report.mom_short": ("环比", "MoM"),
    "report.yoy_short": ("同比", "YoY"),
    "report.trend_note": ("柱:受理与已解决件数(左轴);线:解决率(右轴)。", "Bars: received and resolved (left axis); line: resolution rate (right axis)."),
    "report.whole_district": ("全区", "All districts"),
}

# Login, grants and the audit log (dashboard/access.py), and the seed systems' and
# recurring problems' texts, live beside this file. They add keys, never change one: a
# key defined twice would give one figure two names (tests/test_i18n.py).
from taizhang.i18n_access import ACCESS_TEXT  # noqa: E402
from taizhang.i18n_seeds import SEEDS_TEXT  # noqa: E402

BASE_KEYS = frozenset(TEXT)
TEXT.update(ACCESS_TEXT)
TEXT.update(SEEDS_TEXT)


def t(key: str, lang: str = DEFAULT_LANG, **fields) -> str:
    """The text for `key` in `lang` ('zh' or 'en'), with `fields` filled in."""
    zh, en = TEXT[key]
    text = en if lang == "en" and en else zh
    return text.format(**fields) if fields else text


def other_lang(lang: str) -> str:
    """The second language of a bilingual heading."""
    return "en" if lang == "zh" else "zh"


def label(key: str, lang: str = DEFAULT_LANG) -> str:
    """The label of a metric, field or column name; an unknown name is shown as is."""
    return t(key, lang) if key in TEXT else key


def status_label(status: str | None, lang: str = DEFAULT_LANG) -> str:
    """中文/English name of a canonical status (pending, in_progress, resolved, deferred,
    cancelled, referred)."""
    return t(f"status.{status}", lang) if f"status.{status}" in TEXT else (status or "")


def satisfaction_label(value: str | None, lang: str = DEFAULT_LANG) -> str:
    """中文/English name of a satisfaction value; None reads as 未回访 (not rated)."""
    key = f"satisfaction.{value or 'none'}"
    return t(key, lang) if key in TEXT else str(value)


def role_label(role: str | None, lang: str = DEFAULT_LANG) -> str:
    """中文/English name of an official's role on a case (lead, deputy, handler, supervisor)."""
    key = f"role.{role}"
    return t(key, lang) if key in TEXT else (role or "")


def column_labels(columns, lang: str = DEFAULT_LANG) -> dict[str, str]:
    """{column name: label} for renaming a table's columns before it is shown."""
    return {c: label(c, lang) for c in columns}
