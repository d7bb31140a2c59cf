"""The dashboard's own words in Chinese and English.

KPI labels are not here: they come from label_zh / label_en of the metric
tables (metrics.yml meta), and the names of codes (channels, tiers, stages,
segments, portrait tags and their values, MBSC groups and quadrants,
statuses, reference kinds) from metrics.code_labels. These are panel titles
and column heads; a key `<code_type>_<code>` names a code that
metrics.code_labels does not (yet) label.
"""

from __future__ import annotations

LANGS = ("zh", "en")

_TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "会员指标看板", "en": "Member KPI dashboard"},
    "month": {"zh": "报告月", "en": "Report month"},
    "incomplete": {
        "zh": "本月数据未覆盖到月末(不完整月)",
        "en": "the data do not cover this month to its end (incomplete month)",
    },
    "generated": {"zh": "生成时间", "en": "Generated"},
    "source": {"zh": "数据源", "en": "Source"},
    "no_data": {"zh": "暂无数据", "en": "No data"},
    "no_data_table": {
        "zh": "数据表 {table} 不存在或为空",
        "en": "table {table} is missing or empty",
    },
    "no_data_month": {
        "zh": "数据表 {table} 在 {month} 无数据",
        "en": "table {table} has no rows for {month}",
    },
    "panel_radar": {"zh": "4C 雷达", "en": "4C radar"},
    "panel_scorecard": {"zh": "会员平衡计分卡 (MBSC)", "en": "MBSC scorecard"},
    "panel_trends": {"zh": "核心指标趋势", "en": "Core indicator trends"},
    "panel_aov": {"zh": "客单价拆解", "en": "Spend per buyer decomposition"},
    "panel_lifecycle": {"zh": "生命周期", "en": "Lifecycle"},
    "panel_rfm": {"zh": "RFM 分群", "en": "RFM segments"},
    "panel_cohort": {"zh": "入会同期群留存", "en": "Join-cohort retention"},
    "panel_campaigns": {"zh": "营销活动效果", "en": "Campaign uplift"},
    "panel_portrait": {"zh": "会员画像", "en": "Member portrait"},
    "panel_channels": {"zh": "分渠道连接", "en": "Connection by channel"},
    "panel_alerts": {"zh": "未关闭的预警", "en": "Open alerts"},
    "panel_audiences": {"zh": "人群规模", "en": "Audience sizes"},
    "no_feature_table": {
        "zh": "数据表 {table} 不存在:该数仓构建于此功能上线之前,重新构建后即可显示",
        "en": "table {table} does not exist: the warehouse was built before this feature; "
        "rebuild it to see this panel",
    },
    "no_open_alerts": {"zh": "当前没有未关闭的预警。", "en": "No open alerts."},
    "severity": {"zh": "级别", "en": "Severity"},
    "alert_subject": {"zh": "指标 / 数据表", "en": "KPI / table"},
    "period": {"zh": "周期", "en": "Period"},
    "rule": {"zh": "规则", "en": "Rule"},
    "reference": {"zh": "参照值", "en": "Reference"},
    "message": {"zh": "说明", "en": "Message"},
    "audience": {"zh": "人群", "en": "Audience"},
    "audience_latest": {"zh": "人群规模,月份", "en": "Audience sizes, month"},
    "target_attainment": {"zh": "目标达成", "en": "Target attainment"},
    "attainment": {"zh": "达成率", "en": "Attainment"},
    "ytd_attainment": {"zh": "年累计达成率", "en": "YTD attainment"},
    "attainment_note": {
        "zh": "达成率按指标方向计算:越高越好的指标为 实际 ÷ 目标,越低越好的为 目标 ÷ 实际;"
        "100% 即达成目标。年累计:可加总指标(如新会员数、销售额)为年初至今实际合计 ÷ 目标合计,"
        "比率类指标为各月实际均值 ÷ 各月目标均值;只计已完整的月份。",
        "en": "Attainment follows the KPI's direction: actual / target when higher is better, "
        "target / actual when lower is better; 100% is on target. Year to date: for KPIs that "
        "add up over months (new members, sales) the year-to-date total over the year-to-date "
        "target, for ratios the average monthly value over the average monthly target; "
        "complete months only.",
    },
    "this_month": {"zh": "本月", "en": "This month"},
    "last_year": {"zh": "去年同月", "en": "Same month last year"},
    "benchmark_p50": {"zh": "行业基准 P50 (=50分)", "en": "Benchmark p50 (= score 50)"},
    "kpi": {"zh": "指标", "en": "KPI"},
    "value": {"zh": "数值", "en": "Value"},
    "score": {"zh": "得分", "en": "Score"},
    "bench_p25": {"zh": "基准 P25", "en": "Benchmark p25"},
    "bench_p50": {"zh": "基准 P50", "en": "Benchmark p50"},
    "bench_p75": {"zh": "基准 P75", "en": "Benchmark p75"},
    "illustrative": {
        "zh": "基准值为示意数据,非行业研究结果。",
        "en": "Benchmarks are illustrative placeholders, not a study.",
    },
    "mom": {"zh": "环比", "en": "MoM"},
    "yoy": {"zh": "同比", "en": "YoY"},
    "benchmark": {"zh": "基准", "en": "Benchmark"},
    "target": {"zh": "目标", "en": "Target"},
    "status": {"zh": "状态", "en": "Status"},
    "status_none": {"zh": "无对比", "en": "n/a"},
    "stage_counts": {"zh": "各阶段人数", "en": "Members by stage"},
    "transitions": {"zh": "阶段流转", "en": "Stage transitions"},
    "members": {"zh": "会员数", "en": "Members"},
    "share": {"zh": "占比", "en": "Share"},
    "avg_monetary": {"zh": "平均消费额", "en": "Average monetary"},
    "cohort_month": {"zh": "入会月", "en": "Join month"},
    "months_since_join": {"zh": "入会后月数", "en": "Months since joining"},
    "cohort_size": {"zh": "同期群人数", "en": "Cohort size"},
    "retained": {"zh": "有会员订单人数", "en": "Members with a member order"},
    "retention_share": {"zh": "留存占比", "en": "Retention share"},
    "campaign": {"zh": "活动", "en": "Campaign"},
    "treatment_size": {"zh": "实验组触达", "en": "Treatment touches"},
    "control_size": {"zh": "对照组", "en": "Control touches"},
    "treatment_rate": {"zh": "实验组响应率", "en": "Treatment response"},
    "control_rate": {"zh": "对照组响应率", "en": "Control response"},
    "uplift": {"zh": "提升", "en": "Uplift"},
    "incremental_sales": {"zh": "增量净销售额", "en": "Incremental net sales"},
    "p_value": {"zh": "p 值", "en": "p-value"},
    "significant": {"zh": "p < 0.05 加粗显示", "en": "p < 0.05 in bold"},
    "segment": {"zh": "分群", "en": "Segment"},
    "tag_value": {"zh": "标签值", "en": "Tag value"},
    "segment_share": {"zh": "分群占比", "en": "Share in segment"},
    "all_share": {"zh": "全体占比", "en": "Share of all members"},
    "portrait_as_of": {"zh": "画像日期", "en": "Portrait as of"},
    "channel": {"zh": "渠道", "en": "Channel"},
    "panel_loyalty": {"zh": "会员等级、积分与触达", "en": "Loyalty: tiers, points and touches"},
    "warm_up": {
        "zh": "预热月(12个月窗口未满)",
        "en": "warm-up month (12-month window not yet full)",
    },
    "warm_up_month": {
        "zh": "本月为预热月(12个月窗口未满):不评分、不判定状态",
        "en": "this is a warm-up month (12-month window not yet full): not scored, not judged",
    },
    "warm_up_kpis": {
        "zh": "部分指标处于预热期(12个月窗口未满),不评分、不判定状态",
        "en": "KPIs whose 12-month window is not yet full (warm-up) are not scored or judged",
    },
    "warm_up_left_out": {
        "zh": "预热月(12个月窗口未满)不在趋势图中显示。",
        "en": "Warm-up months (12-month window not yet full) are left out of the trends.",
    },
    "reference_kind_none": {"zh": "无参照", "en": "no reference"},
    "vs": {"zh": "对比", "en": "vs"},
    "definition_hint": {
        "zh": "将鼠标悬停在指标名称上查看定义。",
        "en": "Hover over a KPI name for its definition.",
    },
    "report_month_campaigns": {
        "zh": "{month} 开始的活动",
        "en": "Campaigns starting in {month}",
    },
    "no_campaigns": {"zh": "{month} 没有活动", "en": "no campaign in {month}"},
    "control_too_small": {"zh": "对照组过小", "en": "control too small"},
    "q_value": {"zh": "q 值 (BH)", "en": "q-value (BH)"},
    "significant_q": {
        "zh": "q 值为 Benjamini-Hochberg 校正后的 p 值;q < 0.05 为显著(加粗、着色);"
        "对照组过小的活动不判定、不着色。",
        "en": "q is the Benjamini-Hochberg adjusted p-value; q < 0.05 is significant (bold, "
        "coloured); campaigns whose control group is too small are not judged or coloured.",
    },
    "tier_mix": {"zh": "各等级会员数", "en": "Members by tier"},
    "tier_moves": {"zh": "等级升降", "en": "Tier upgrades and downgrades"},
    "points_flow": {
        "zh": "积分发放、兑换、过期与余额",
        "en": "Points issued, redeemed, expired, outstanding",
    },
    "touch_funnel": {"zh": "触达漏斗", "en": "Touch funnel"},
    "transition_from": {"zh": "{month} 月末", "en": "end of {month}"},
    "points": {"zh": "积分", "en": "Points"},
    "rate": {"zh": "比率", "en": "Rate"},
    "aov_formula": {
        "zh": "会员次单价 × 会员购买频次 = 会员客单价",
        "en": "member order value × member purchase frequency = member spend per buyer",
    },
}


def text(key: str, lang: str, **values: str) -> str:
    """A UI string (plain text, not yet escaped)."""
    words = _TEXT[key][lang]
    return words.format(**values) if values else words


def has_text(key: str) -> bool:
    """True when the dashboard has words of its own for key."""
    return key in _TEXT
