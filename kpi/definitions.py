"""One name and one definition for every figure: the table the glossary page shows.

The screen, the monthly report, the Excel and `taizhang kpi` / `taizhang supervise` show
these figures under these names; each entry names the KPI-layer function that computes
it, and its text is filled with the settings in use (the SLA days, the stall threshold,
the weights …), so the glossary says what the code applies, not what it once did.

    for d in definitions(settings):  # [{name, label_zh, label_en, zh, en, computed_by}, …]
"""

from __future__ import annotations

from dataclasses import dataclass

from taizhang.i18n import label
from taizhang.settings import Settings


@dataclass(frozen=True)
class Definition:
    """A figure: its machine name (its 中文/English name is taizhang.i18n's label of it), its
    definitions, where it is computed."""

    name: str
    zh: str
    en: str
    computed_by: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition("period",
               "看板、月报、taizhang kpi 与 taizhang supervise 不指定期间时,统计数据中最近一个完整月"
               "(受理日期在该月内,截至该月最后一天);可选本月、上月、本季、本年、近12个月、全部或自定义,"
               "每处都写明所统计的期间与范围。",
               "Without a chosen period, the dashboard, the monthly report, taizhang kpi and taizhang "
               "supervise count the latest complete month of the data (cases received in it, as of its "
               "last day); this month, last month, this quarter, this year, the last 12 months, all data "
               "or custom dates can be chosen, and every surface names the period and area it counts.",
               "kpi.periods: DEFAULT_PERIOD, period_bounds"),
    Definition("received",
               "受理日期在所选期间内、属于所选区域等的案件数。",
               "Cases received in the chosen period (and areas, categories …).",
               "kpi.metrics: received"),
    Definition("resolved",
               "所选期间受理的案件中(当期受理已解决),截至统计日({as_of_rule})状态为已解决的件数;选一个月时即“当月受理当月办结”。"
               "办结日期在统计日之后的案件按正在解决计。",
               "Of the cases received in the period, those resolved as of the as-of date ({as_of_rule_en}); "
               "for one month, “received and resolved in the month”. A case resolved after the as-of "
               "date counts as in progress.",
               "kpi.metrics: resolved"),
    Definition("resolved_in_period",
               "办结日期在所选期间内的案件数,不论何时受理;即期末与期初累计已解决件数之差。",
               "Cases whose resolved_on falls in the period, whatever month they were received; "
               "the change of the cumulative resolved count over the period.",
               "kpi.resolved_in_period"),
    Definition("resolution_rate",
               "当期受理已解决 ÷(受理 − 撤单 − 转办退回),写作 1769/2078 (85.1%);撤单、转办退回的案件"
               "不由本区解决,不计入分母。",
               "Received-and-resolved ÷ (received − cancelled − referred), shown 1769/2078 (85.1%): "
               "cases cancelled or referred elsewhere were never the district's to resolve.",
               "kpi.formulas: resolution_base, derived"),
    Definition("median_days",
               "有办结日期的已解决案件:办结日期 − 受理日期(整天)的中位数与 90 分位数。",
               "Over resolved cases with a resolved_on: resolved_on − received_on in whole days, "
               "median and 90th percentile.",
               "kpi.metrics: median_days, p90_days"),
    Definition("on_time_rate",
               "有办结日期的已解决案件中,办结日期不晚于办理时限的比例;办理时限取台账所填,否则为受理后 {sla}。",
               "Of resolved cases with a resolved_on, the share resolved by their deadline: the "
               "ledger's, else {sla_en} after received.",
               "kpi.metrics: on_time_rate"),
    Definition("overdue_open",
               "截至统计日未办结(未启动或正在解决)且已过办理时限的案件。",
               "Cases not resolved at the as-of date (pending or in progress) past their deadline.",
               "kpi.metrics: overdue_open"),
    Definition("stalled",
               "截至统计日未办结,且最近进展日期(无则受理日期)早于统计日前 {stall} 天的案件。",
               "Cases not resolved at the as-of date whose last progress (else received) is more "
               "than {stall} days before it.",
               "kpi.metrics: stalled"),
    Definition("satisfaction_rate",
               "(满意 + {w} × 基本满意)÷ 已回访件数。",
               "(satisfied + {w} × basically satisfied) ÷ rated cases.",
               "kpi.metrics: satisfaction_rate"),
    Definition("score",
               "100 ×({w_res} × {res_zh} + {w_time} × {time_zh} + {w_sat} × {sat_zh})÷ 有值各率的权重之和;"
               "{basis_zh}回访少于 {min_rated} 件时满意率不计入。处处保留一位小数,如 76.0。",
               "100 × ({w_res} × {res_en} + {w_time} × {time_en} + {w_sat} × {sat_en}) ÷ the weights "
               "of the rates that are defined; {basis_en} satisfaction left out below {min_rated} "
               "ratings. Shown with one decimal everywhere, e.g. 76.0.",
               "kpi.metrics: score; taizhang.formatting.format_score"),
    Definition("due_cases",
               "考核口径：本期到期或办结。期间(截至期末与统计日中较早者)内办结的案件,加上办理时限在期间内、"
               "期末仍未办结(未启动、正在解决,或期末之后才办结,或已解决但无办结日期)的案件;不论何时受理。"
               "延期、撤单、转办退回的案件不计。按月分组时每月各为一个期间。",
               "The ranking cohort — cases due or closed in the period (ending on its last day or the "
               "as-of date, the earlier): those resolved on a day of the period, plus those whose "
               "deadline falls in it and that were not resolved by its end (pending, in progress, "
               "resolved later, or resolved with no date), whatever month they were received. Deferred, "
               "cancelled and referred cases are not in it. By month, each month is a period of its own.",
               "kpi.formulas: COHORT_COUNTS; store.rules.judged; store.facts.cohort_facts"),
    Definition("due_resolution_rate",
               "考核件数中截至期末已解决的件数 ÷ 考核件数;考核件数少于 {min_due} 件时无值(—)。",
               "Of the cases judged (due or closed in the period), those resolved by its end ÷ cases "
               "judged; undefined (—) below {min_due} cases judged.",
               "kpi.formulas: derived"),
    Definition("due_on_time_rate",
               "考核件数中在期间内办结且不晚于办理时限的件数 ÷(考核件数 − 已解决但无办结日期的件数);"
               "期末仍未办结的到期案件计为未按期;考核件数少于 {min_due} 件时无值(—)。",
               "Of the cases judged (due or closed in the period), those resolved in it by their "
               "deadline ÷ (cases judged − those resolved with no date); one still open at the "
               "period's end is late; undefined (—) below {min_due} cases judged.",
               "kpi.formulas: derived"),
    Definition("due_satisfaction_rate",
               "考核件数中在期间内办结的案件的回访:(满意 + {w} × 基本满意)÷ 其已回访件数(考核回访件数,"
               "即 n);期间内受理、之后才办结的案件的回访计入其办结的期间。{sat_rule_zh}",
               "The callbacks of the cases judged that were closed in the period: (satisfied + {w} × "
               "basically satisfied) ÷ those of them rated (Rated of judged, its n); a case received "
               "in the period but closed later is rated in the period it was closed in. {sat_rule_en}",
               "kpi.formulas: COHORT_COUNTS, derived; store.facts.cohort_facts"),
    Definition("rank",
               "同一期间内按综合得分从高到低排名(得分相同按受理数);考核件数(得分所考核的案件:{judged_zh})"
               "少于 {min_cases} 件{min_due_zh}不排名,得分无值时亦不排名。"
               "排名总注明其期间与考核口径,如“排名期间：2022-07-01 至 2022-07-31 · 考核口径：本期到期或办结”。",
               "Ranked by score within one period (ties by received); fewer than {min_cases} cases "
               "judged (the cases the score judges: {judged_en}){min_due_en}, or no score: no rank. "
               "A rank always says its period and what it judges, e.g. “Ranked over "
               "2022-07-01 to 2022-07-31 · Judged on: cases due or closed in the period”.",
               "kpi.ranking; kpi.inmemory.unranked"),
    Definition("supervision",
               "截至统计日仍未办结的超期或停滞案件(不论受理月份),加上所选期间受理的群众不满意或重新办理案件;"
               "一案一行,原因合并。看板“督办”页、月报、督办 Excel 与 taizhang supervise 为同一清单。",
               "Cases still open at the as-of date that are overdue or stalled (whatever month they "
               "came in), plus cases received in the period rated dissatisfied or reopened; one row a "
               "case, its reasons joined. The 督办 page, the report, the Excel and taizhang supervise "
               "list the same cases.",
               "kpi.supervision_cases"),
    Definition("tier",
               "超期天数超过的最大档位:{tiers}。",
               "The greatest threshold the days overdue exceed: {tiers_en}.",
               "kpi.supervision.escalation_tier"),
    Definition("officials",
               "列表中的“挂点领导”只列案件的挂点领导(对案件负责者);案件详情列出全部相关干部及其角色。",
               "Lists show a case's lead officials (who answer for it); the case page lists every "
               "official linked to it with their role.",
               "kpi.lists.lead_officials"),
    Definition("case_no",
               "台账所填编号;台账未填时由街道简称 + 受理年份 + 系统键前 8 位生成,如 南站2022-3DED733B,"
               "再次导入或重新匹配区域都不会改变。",
               "The ledger's own number; where it gives none, the street's short name + year received + "
               "the first 8 digits of the generated key, e.g. 南站2022-3DED733B, unchanged by later imports "
               "or a new area registry.",
               "kpi.lists.case_number"),
)


def definitions(settings: Settings) -> list[dict]:
    """DEFINITIONS with the settings' values filled in, as dicts (the glossary's rows)."""
    calendar = settings.sla_calendar == "calendar"
    values = {
        "sla": f"{settings.sla_days} {'天' if calendar else '个工作日'}",
        "sla_en": f"{settings.sla_days} {'days' if calendar else 'working days'}",
        "stall": settings.stall_days,
        "w": settings.basically_satisfied_weight,
        "w_res": settings.weight_resolution,
        "w_time": settings.weight_on_time,
        "w_sat": settings.weight_satisfaction,
        "min_cases": settings.min_cases_ranked,
        "min_due": settings.min_due_cases,
        "min_rated": settings.min_rated,
        **_score_basis(settings.ranking_basis == "due", settings.min_rated),
        **_due_minimum(settings),
        "tiers": "、".join(f"超期>{d}天" for d in settings.escalation_days),
        "tiers_en": ", ".join(f"overdue >{d} days" for d in settings.escalation_days),
        "as_of_rule": "默认为数据中最新日期",
        "as_of_rule_en": "by default the latest date in the data",
    }
    return [{"name": d.name, "label_zh": label(d.name, "zh"), "label_en": label(d.name, "en"),
             "zh": d.zh.format(**values), "en": d.en.format(**values), "computed_by": d.computed_by}
            for d in DEFINITIONS]


def _score_basis(on_due: bool, min_rated: int) -> dict[str, str]:
    """The score's resolution, on-time and satisfaction terms as ranking_basis chooses them."""
    if on_due:
        return {"res_zh": "到期解决率", "time_zh": "到期按期率", "sat_zh": "考核满意率",
                "sat_en": "satisfaction of judged",
                "sat_rule_zh": f"综合得分即用此满意率,其回访少于 {min_rated} 件时不计入。",
                "sat_rule_en": f"The score uses this satisfaction, left out below {min_rated} of these ratings.",
                "basis_zh": "考核口径为本期到期或办结(见“考核件数”);",
                "judged_zh": "本期到期或办结的案件", "judged_en": "the cases due or closed in the period",
                "res_en": "resolved of due", "time_en": "on time of due",
                "basis_en": "judged on cases due or closed in the period (see “Cases judged”);"}
    return {"res_zh": "解决率", "time_zh": "按期办结率", "sat_zh": "满意率", "sat_en": "satisfaction",
            "sat_rule_zh": "考核口径为本期受理时,综合得分用本期受理案件的满意率。",
            "sat_rule_en": "Judged on the cases received, the score uses their satisfaction instead.",
            "basis_zh": "考核口径为本期受理;",
            "res_en": "resolution", "time_en": "on-time", "basis_en": "judged on cases received in the period;",
            "judged_zh": "本期受理的案件", "judged_en": "the cases received in the period"}


def _due_minimum(settings: Settings) -> dict[str, str]:
    """The due rates' own minimum in the rank rule, where it is stricter than min_cases_ranked
    (kpi.inmemory.unranked: 'few_due')."""
    if settings.ranking_basis == "due" and settings.min_due_cases > settings.min_cases_ranked:
        return {"min_due_zh": f"(到期比率需至少 {settings.min_due_cases} 件)",
                "min_due_en": f" (the due rates need {settings.min_due_cases})"}
    return {"min_due_zh": "", "min_due_en": ""}
