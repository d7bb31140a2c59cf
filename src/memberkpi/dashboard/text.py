"""The dashboard's own words in Chinese and English.

KPI labels are not here: they come from label_zh / label_en of the metric
tables (metrics.yml meta). These are panel titles, column heads and the
names of codes that the metric tables carry without a label.
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
    "status_good": {"zh": "良好", "en": "Good"},
    "status_watch": {"zh": "关注", "en": "Watch"},
    "status_bad": {"zh": "预警", "en": "Bad"},
    "status_none": {"zh": "无对比", "en": "n/a"},
    "group_scale": {"zh": "会员规模", "en": "Scale"},
    "group_activity": {"zh": "会员活跃", "en": "Activity"},
    "group_purchase": {"zh": "会员消费", "en": "Purchase"},
    "group_service": {"zh": "会员服务", "en": "Service"},
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
    "segment_type_lifecycle_stage": {"zh": "生命周期", "en": "Lifecycle"},
    "segment_type_rfm_segment": {"zh": "RFM", "en": "RFM"},
    "channel": {"zh": "渠道", "en": "Channel"},
    "aov_formula": {
        "zh": "会员次单价 × 会员购买频次 = 会员客单价",
        "en": "member order value × member purchase frequency = member spend per buyer",
    },
}

_STAGES: dict[str, dict[str, str]] = {
    "joined": {"zh": "入会", "en": "Joined"},
    "new": {"zh": "新会员", "en": "New"},
    "unconverted": {"zh": "未转化", "en": "Unconverted"},
    "first_time": {"zh": "首购", "en": "First-time"},
    "repeat": {"zh": "复购", "en": "Repeat"},
    "silent": {"zh": "沉默", "en": "Silent"},
    "lapsed": {"zh": "流失", "en": "Lapsed"},
    "exited": {"zh": "退会", "en": "Exited"},
}

_TAGS: dict[str, dict[str, str]] = {
    "age_band": {"zh": "年龄段", "en": "Age band"},
    "gender": {"zh": "性别", "en": "Gender"},
    "city_tier": {"zh": "城市级别", "en": "City tier"},
    "tier": {"zh": "会员等级", "en": "Loyalty tier"},
    "preferred_channel": {"zh": "偏好渠道", "en": "Preferred channel"},
    "preferred_category": {"zh": "偏好品类", "en": "Preferred category"},
    "price_band": {"zh": "价格带", "en": "Price band"},
}


def text(key: str, lang: str, **values: str) -> str:
    """A UI string (plain text, not yet escaped)."""
    words = _TEXT[key][lang]
    return words.format(**values) if values else words


def stage_label(stage: str, lang: str) -> str:
    """Name of a lifecycle stage code (or the code itself when unknown)."""
    return _STAGES.get(stage, {}).get(lang, stage)


def tag_label(tag_name: str, lang: str) -> str:
    """Name of a portrait tag (a member_portrait column)."""
    return _TAGS.get(tag_name, {}).get(lang, tag_name)
