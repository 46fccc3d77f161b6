"""The text catalogue's part for the seed systems' measures and recurring problems
(kpi.seeds, kpi.recurring): merged into taizhang.i18n.TEXT, same rules."""

from __future__ import annotations

SEEDS_TEXT: dict[str, tuple[str, str]] = {
    # column names (keys of `taizhang kpi --view … --format json`)
    "proposals": ("提议", "Proposals"),
    "answered": ("已反馈", "Answered"),
    "feedback_rate": ("提议反馈率", "Proposal feedback rate"),
    "consultations": ("协商议事", "Consultations"),
    "suggestions": ("建议/问题", "Suggestions"),
    "solved": ("解决", "Solved"),
    "solved_rate": ("解决率(议事)", "Solved share"),
    "service_group": ("服务团", "Service group"),
    "count_大事": ("大事", "Major (大事)"),
    "count_小事": ("小事", "Minor (小事)"),
    "count_私事": ("私事", "Private (私事)"),
    "unclassified": ("未分类", "Unclassified"),
    "share_大事": ("大事占比", "Major share"),
    "share_小事": ("小事占比", "Minor share"),
    "share_私事": ("私事占比", "Private share"),
    "signed_off": ("已销号", "Signed off"),
    "awaiting_signoff": ("已解决未销号", "Resolved, not signed off"),
    "signoff_rate": ("销号率", "Sign-off rate"),
    "median_signoff_days": ("解决至销号天数(中位)", "Median days to sign-off"),
    "claimed": ("认领", "Claimed"),
    "deputy_resolution_rate": ("解决率", "Resolution rate"),
    "reopened": ("不满意重办", "Reopened after 不满意"),
    "group": ("序号", "No."),
    "label": ("问题", "Problem"),
    "communities": ("涉及社区", "Communities"),
    "streets": ("涉及街道", "Streets"),
    "recent": ("近3个月", "Last 3 months"),
    "earlier": ("前3个月", "3 months before"),
    "growth": ("增减", "Change"),
    "open": ("未解决", "Open"),
    # the 议事与服务 page
    "page.seeds": ("议事与服务", "Consultation & service"),
    "seeds.title": ("议事与服务", "Consultation and service"),
    "seeds.meetings": ("“2+4”议事会议与提议反馈", "The 2+4 meeting rule and proposal feedback"),
    "seeds.meetings_note": (
        "每个街道(镇)每年至少召开 2 次、每个社区(村)至少 4 次议事会议(按所选期间折算);提议反馈率 = 有反馈(答复)的提议 / 提议。",
        "Each street (town) holds at least 2 consultation meetings a year and each community (village) 4, "
        "prorated to the period; proposal feedback rate = proposals answered / proposals."),
    "seeds.no_registry": ("尚未导入区域名录:按街道、社区列出的表需要名录,请先运行 `taizhang areas 名录.csv`。",
                          "No area registry loaded: the tables by street and community list the registry's areas; "
                          "load it with `taizhang areas registry.csv`."),
    "seeds.streets_ok": ("达标街道", "Streets meeting the rule"),
    "seeds.communities_ok": ("达标社区", "Communities meeting the rule"),
    "seeds.funnel": ("协商议事 → 建议/问题 → 解决", "Consultation → suggestions → solved"),
    "seeds.funnel_note": (
        "协商议事:期间内召开的议事会议;建议/问题:期间内受理、关联到议事会议的事项;解决:其中已解决的。",
        "Consultations: meetings held in the period; suggestions: cases received in the period that are "
        "linked to a meeting; solved: those resolved."),
    "seeds.funnel_by": ("按", "By"),
    "seeds.groups": ("服务团覆盖", "Service group coverage"),
    "seeds.groups_note": ("每个社区(村)一个服务团;名录中未写服务团的社区、期间内没有受理事项的服务团列在下方。",
                          "One service group per community (village); communities without a group and groups "
                          "whose community received no case in the period are listed below."),
    "seeds.coverage": ("服务团覆盖率", "Coverage"),
    "seeds.without_group": ("无服务团的社区", "Communities without a group"),
    "seeds.idle_groups": ("期间内无事项的服务团", "Groups without cases"),
    "seeds.none": ("无", "None"),
    "seeds.matters": ("三事分流(按街道)", "大事 / 小事 / 私事 by street"),
    "seeds.matters_note": ("占比以已分类事项为分母;未分类事项单列。", "Shares are of the classified cases; unclassified cases are counted apart."),
    "seeds.signoff": ("销号(双签确认后)", "Sign-off (销号, after the double sign-off)"),
    "seeds.signoff_note": (
        "已解决未销号:截至统计日已解决但没有销号日期的事项;台账没有销号列的街道显示为 0 件已销号。",
        "Resolved, not signed off: resolved by the as-of date with no sign-off date; a street whose ledger "
        "has no 销号 column shows 0 signed off."),
    "seeds.deputies": ("认领代表", "Deputies' claimed cases"),
    "seeds.deputies_note": ("不满意重办:回访不满意后重新办理的事项。", "Reopened: cases handled again after a 不满意 rating."),
    # the 每月一题 page
    "page.recurring": ("每月一题", "Recurring problems"),
    "recurring.title": ("每月一题:多处反映的同类问题", "Recurring problems: the same problem in many places"),
    "recurring.note": (
        "按事项标题的字词相似度自动归类(不联网,不用外部模型),按涉及社区数、近3个月增减排序;供选定本月主题参考,归类可能有误。",
        "Case titles grouped by shared characters (on this machine, no outside model), ranked by communities "
        "affected, then the change of the last 3 months against the 3 before; a starting point for choosing "
        "the month's theme — groups can be wrong."),
    "recurring.groups": ("同类问题", "Problem groups"),
    "recurring.cases": ("第 {n} 组的事项", "Cases of group {n}"),
    "recurring.working": ("正在比对事项标题……", "Comparing case titles…"),
    "recurring.pick": ("查看第几组", "Show group"),
    "recurring.empty": ("所选范围内没有在两个以上社区反复出现的问题。", "No problem recurs in two or more communities in this slice."),
    # the monthly report
    "report.seeds": ("议事与服务", "Consultation and service"),
    "report.seeds_meetings": ("提议反馈率 {rate}({answered}/{proposals});协商议事 {consultations} → 建议/问题 {suggestions} → 解决 {solved}。",
                              "Proposal feedback {rate} ({answered}/{proposals}); consultations {consultations} → suggestions {suggestions} → solved {solved}."),
    "report.seeds_service": ("服务团覆盖 {with_group}/{communities};已解决未销号 {awaiting} 件。",
                             "Service groups {with_group}/{communities}; resolved, not signed off: {awaiting}."),
    "report.seeds_recurring": ("多处反映:{groups}。", "Recurring: {groups}."),
    "report.seeds_group": ("{label}({n} 个社区)", "{label} ({n} communities)"),
    "report.recurring": ("多处反映的同类问题(每月一题参考)", "Recurring problems (for the month's theme)"),
}
