{#- One row per alert: the rules of this model's YAML (config.meta
    alert_rules, checked by macro alert_rules) judged on kpi_monthly and on
    the data checks. KPI rules judge only complete months whose KPI window
    is complete (warm-up months never alert); a seasonal or anomaly rule
    also needs the same month last year complete. Changes are in
    percentage points for ratio KPIs (100 x (value - base)) and in percent
    for the others (100 x (value - base) / base). The rows are unioned in
    a fixed order of kinds; each kind is one CTE. -#}
{%- set rules = alert_rules(model.config.meta.get('alert_rules')) -%}

with

kpi_monthly as (
    select * from {{ ref('kpi_monthly') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

quarantine_shares as (
    select * from {{ ref('fct_quarantine_shares') }}
),

rules as (
    {{ alert_rule_rows(rules) }}
),

latest_complete_month as (
    select max(month) as month
    from kpi_monthly
    where is_complete_month
),

-- each KPI's months in order, with the same month last year (kpi_monthly
-- holds every report month, so 12 rows back is 12 months back)
kpi_months as (
    select
        month,
        kpi,
        label_zh,
        label_en,
        unit,
        higher_is_better,
        value,
        is_complete_month and is_window_complete as is_judged,
        lag(value, 12) over kpi_history as last_year_value,
        coalesce(lag(is_window_complete, 12) over kpi_history, false)
            as is_last_year_judged,
        row_number() over kpi_history as month_index
    from kpi_monthly
    window kpi_history as (
        partition by kpi
        order by month
    )
),

-- the change on the same month last year, judged months only; sign
-- +1 when higher is better, so sign x change < 0 is a worsening
yoy_changes as (
    select
        *,
        case
            when unit = 'ratio' then 100.0 * (value - last_year_value)
            else 100.0 * {{ relative_change('value', 'last_year_value') }}
        end as yoy_change,
        case when unit = 'ratio' then 'pp' else '%' end as change_unit,
        case when higher_is_better then 1 else -1 end as better_sign
    from kpi_months
    where
        is_judged
        and is_last_year_judged
        and value is not null
        and last_year_value is not null
),

threshold_alerts as (
    select
        rules.rule,
        rules.rule_kind,
        rules.severity,
        kpi_months.month as period_start,
        kpi_months.kpi,
        kpi_months.value,
        rules.limit_value as reference_value,
        {{ alert_value_text('kpi_months.value', 'kpi_months.unit') }}
            as value_text,
        {{ alert_value_text('rules.limit_value', 'kpi_months.unit') }}
            as limit_text,
        kpi_months.label_zh,
        kpi_months.label_en,
        rules.comparison
    from rules
    inner join kpi_months
        on rules.kpi = kpi_months.kpi
    where
        rules.rule_kind = 'threshold'
        and kpi_months.is_judged
        and (
            (
                rules.comparison = 'below'
                and kpi_months.value < rules.limit_value
            )
            or (
                rules.comparison = 'above'
                and kpi_months.value > rules.limit_value
            )
        )
),

seasonal_alerts as (
    select
        rules.rule,
        rules.rule_kind,
        rules.severity,
        yoy_changes.month as period_start,
        yoy_changes.kpi,
        yoy_changes.value,
        yoy_changes.last_year_value as reference_value,
        {{ alert_value_text('yoy_changes.value', 'yoy_changes.unit') }}
            as value_text,
        {{ alert_value_text(
            'yoy_changes.last_year_value', 'yoy_changes.unit'
        ) }} as reference_text,
        cast(round(yoy_changes.yoy_change, 1) as string)
        || yoy_changes.change_unit as change_text,
        cast(rules.limit_value as string)
        || yoy_changes.change_unit as limit_text,
        yoy_changes.label_zh,
        yoy_changes.label_en
    from rules
    inner join yoy_changes
        on rules.kpi = yoy_changes.kpi
    where
        rules.rule_kind = 'seasonal_change'
        and (
            (
                rules.direction = 'worse'
                and -yoy_changes.better_sign * yoy_changes.yoy_change
                > rules.limit_value
            )
            or (
                rules.direction = 'either'
                and abs(yoy_changes.yoy_change) > rules.limit_value
            )
        )
),

-- for each judged month of an anomaly rule's KPI, the YoY changes of the
-- history_months judged months before it
anomaly_history as (
    select
        rules.rule,
        judged.kpi,
        judged.month,
        history.yoy_change as history_change
    from rules
    inner join yoy_changes as judged
        on rules.kpi = judged.kpi
    inner join yoy_changes as history
        on
            judged.kpi = history.kpi
            and judged.month_index - rules.history_months
            <= history.month_index
            and judged.month_index > history.month_index
    where rules.rule_kind = 'robust_anomaly'
),

anomaly_medians as (
    select
        rule,
        kpi,
        month,
        {{ median('history_change') }} as history_median,
        count(*) as count_history
    from anomaly_history
    group by rule, kpi, month
),

anomaly_mads as (
    select
        anomaly_history.rule,
        anomaly_history.kpi,
        anomaly_history.month,
        {{ median(
            'abs(anomaly_history.history_change'
            ~ ' - anomaly_medians.history_median)'
        ) }} as history_mad
    from anomaly_history
    inner join anomaly_medians
        on
            anomaly_history.rule = anomaly_medians.rule
            and anomaly_history.kpi = anomaly_medians.kpi
            and anomaly_history.month = anomaly_medians.month
    group by anomaly_history.rule, anomaly_history.kpi, anomaly_history.month
),

-- robust z: (change - median) / (1.4826 x MAD), 1.4826 making the MAD
-- estimate a normal standard deviation; null when the MAD is 0
anomaly_scores as (
    select
        rules.rule,
        rules.rule_kind,
        rules.severity,
        rules.direction,
        rules.limit_value,
        yoy_changes.month,
        yoy_changes.kpi,
        yoy_changes.yoy_change,
        yoy_changes.change_unit,
        yoy_changes.better_sign,
        yoy_changes.label_zh,
        yoy_changes.label_en,
        anomaly_medians.history_median,
        anomaly_medians.count_history,
        (yoy_changes.yoy_change - anomaly_medians.history_median)
        / nullif(1.4826 * anomaly_mads.history_mad, 0) as robust_z
    from rules
    inner join yoy_changes
        on rules.kpi = yoy_changes.kpi
    inner join anomaly_medians
        on
            rules.rule = anomaly_medians.rule
            and yoy_changes.month = anomaly_medians.month
    inner join anomaly_mads
        on
            rules.rule = anomaly_mads.rule
            and yoy_changes.month = anomaly_mads.month
    where
        rules.rule_kind = 'robust_anomaly'
        and anomaly_medians.count_history >= rules.min_history
),

anomaly_alerts as (
    select
        rule,
        rule_kind,
        severity,
        month as period_start,
        kpi,
        yoy_change as value,
        history_median as reference_value,
        cast(round(yoy_change, 1) as string) || change_unit as change_text,
        cast(round(history_median, 1) as string)
        || change_unit as median_text,
        cast(round(robust_z, 1) as string) as z_text,
        cast(limit_value as string) as limit_text,
        cast(count_history as string) as history_text,
        label_zh,
        label_en
    from anomaly_scores
    where
        (direction = 'worse' and -better_sign * robust_z > limit_value)
        or (direction = 'either' and abs(robust_z) > limit_value)
),

latest_order as (
    select max(order_date) as latest_order_date
    from orders
),

freshness_alerts as (
    select
        rules.rule,
        rules.rule_kind,
        rules.severity,
        rules.source_table,
        rules.limit_value,
        latest_order.latest_order_date,
        cast({{ dbt.datediff(
            'latest_order.latest_order_date', as_of_date(), 'day'
        ) }} as double) as days_behind
    from rules
    cross join latest_order
    where rules.rule_kind = 'freshness'
),

stale_alerts as (
    select
        *,
        coalesce(cast(latest_order_date as string), 'none') as latest_text,
        coalesce(cast(days_behind as integer), -1) as days_text
    from freshness_alerts
    where latest_order_date is null or days_behind > limit_value
),

quarantine_alerts as (
    select
        rules.rule,
        rules.rule_kind,
        rules.severity,
        quarantine_shares.source_table,
        quarantine_shares.quarantine_share as value,
        rules.limit_value as reference_value,
        {{ alert_value_text('quarantine_shares.quarantine_share', "'ratio'") }}
            as share_text,
        {{ alert_value_text('rules.limit_value', "'ratio'") }} as limit_text,
        cast(quarantine_shares.count_quarantined_rows as string)
            as quarantined_text,
        cast(quarantine_shares.count_raw_rows as string) as raw_text,
        rules.limit_name
    from rules
    inner join quarantine_shares
        on
            rules.source_table is null
            or rules.source_table = quarantine_shares.source_table
    where
        rules.rule_kind = 'quarantine_share'
        and quarantine_shares.quarantine_share > rules.limit_value
),

kpi_alerts as (
    select
        period_start,
        rule,
        rule_kind,
        kpi,
        value,
        reference_value,
        severity,
        substring(cast(period_start as string), 1, 7) || ' ' || label_zh
        || '（' || kpi || '）为 ' || value_text
        || case when comparison = 'below' then '，低于下限 ' else '，高于上限 ' end
        || limit_text || '（规则 ' || rule || '）' as message_zh,
        label_en || ' (' || kpi || ') in '
        || substring(cast(period_start as string), 1, 7) || ' is '
        || value_text
        || case
            when comparison = 'below' then ', below the floor '
            else ', above the ceiling '
        end
        || limit_text || ' (rule ' || rule || ')' as message_en
    from threshold_alerts
    union all
    select
        period_start,
        rule,
        rule_kind,
        kpi,
        value,
        reference_value,
        severity,
        substring(cast(period_start as string), 1, 7) || ' ' || label_zh
        || '（' || kpi || '）为 ' || value_text || '，去年同月为 '
        || reference_text || '，同比变化 ' || change_text || '，超过限度 '
        || limit_text || '（规则 ' || rule || '）' as message_zh,
        label_en || ' (' || kpi || ') in '
        || substring(cast(period_start as string), 1, 7) || ' is '
        || value_text || ' against ' || reference_text
        || ' in the same month last year: ' || change_text
        || ', beyond the limit of ' || limit_text || ' (rule ' || rule || ')'
            as message_en
    from seasonal_alerts
    union all
    select
        period_start,
        rule,
        rule_kind,
        kpi,
        value,
        reference_value,
        severity,
        substring(cast(period_start as string), 1, 7) || ' ' || label_zh
        || '（' || kpi || '）同比变化 ' || change_text || '，此前 '
        || history_text || ' 个月同比变化的中位数为 ' || median_text
        || '，稳健 z 值 ' || z_text || '，超过限度 ' || limit_text
        || '（规则 ' || rule || '）' as message_zh,
        label_en || ' (' || kpi || ') in '
        || substring(cast(period_start as string), 1, 7)
        || ' changed ' || change_text || ' on the same month last year'
        || ' against a median of ' || median_text || ' over the '
        || history_text || ' months before: robust z ' || z_text
        || ', beyond the limit of ' || limit_text || ' (rule ' || rule || ')'
            as message_en
    from anomaly_alerts
),

data_alerts as (
    select
        rule,
        rule_kind,
        source_table,
        days_behind as value,
        limit_value as reference_value,
        severity,
        '最新订单日期 ' || latest_text || ' 比截至日期 '
        || cast({{ as_of_date() }} as string) || ' 早 '
        || cast(days_text as string) || ' 天，超过允许的 '
        || cast(cast(limit_value as integer) as string) || ' 天（规则 '
        || rule || '）' as message_zh,
        'Latest order date ' || latest_text || ' is '
        || cast(days_text as string) || ' days before the as-of date '
        || cast({{ as_of_date() }} as string) || ', more than the '
        || cast(cast(limit_value as integer) as string) || ' allowed (rule '
        || rule || ')' as message_en
    from stale_alerts
    union all
    select
        rule,
        rule_kind,
        source_table,
        value,
        reference_value,
        severity,
        '原始表 ' || source_table || ' 的 ' || raw_text || ' 行中隔离了 '
        || quarantined_text || ' 行（' || share_text || '），高于 '
        || limit_name || ' = ' || limit_text || '（规则 ' || rule || '）'
            as message_zh,
        'Raw table ' || source_table || ' quarantines ' || quarantined_text
        || ' of its ' || raw_text || ' rows (' || share_text || '), above '
        || limit_name || ' = ' || limit_text || ' (rule ' || rule || ')'
            as message_en
    from quarantine_alerts
),

final as (
    select
        'month' as grain,
        kpi_alerts.period_start,
        kpi_alerts.rule,
        kpi_alerts.rule_kind,
        kpi_alerts.kpi,
        cast(null as string) as source_table,
        cast(kpi_alerts.value as double) as value,
        cast(kpi_alerts.reference_value as double) as reference_value,
        kpi_alerts.severity,
        kpi_alerts.message_zh,
        kpi_alerts.message_en,
        coalesce(
            kpi_alerts.period_start = latest_complete_month.month, false
        ) as is_open
    from kpi_alerts
    cross join latest_complete_month
    union all
    select
        'month' as grain,
        {{ as_of_date() }} as period_start,
        rule,
        rule_kind,
        cast(null as string) as kpi,
        source_table,
        cast(value as double) as value,
        cast(reference_value as double) as reference_value,
        severity,
        message_zh,
        message_en,
        true as is_open
    from data_alerts
)

select * from final
