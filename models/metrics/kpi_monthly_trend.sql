{#- The trend KPIs (meta family trend) for every report month, long form:
    month-over-month and year-over-year relative changes of KPIs of the
    purchase and core models, one column expression per KPI in kpis. -#}
with

purchase as (
    select * from {{ ref('kpi_monthly_purchase') }}
),

core as (
    select * from {{ ref('kpi_monthly_core') }}
),

bases as (
    select * from purchase
    union all
    select * from core
),

pivoted as (
    select
        month as report_month,
        max(case when kpi = 'member_purchase_frequency' then value end)
            as member_purchase_frequency,
        max(case when kpi = 'member_aov' then value end) as member_aov,
        max(case when kpi = 'retention_rate' then value end) as retention_rate
    from bases
    group by month
),

kpis as (
    select
        report_month,
        {%- for base in [
            'member_purchase_frequency', 'member_aov', 'retention_rate'
        ] %}
        {{ relative_change(
            base,
            'lag(' ~ base ~ ') over (order by report_month)'
        ) }} as {{ base }}_mom,
        {{ relative_change(
            base,
            'lag(' ~ base ~ ', 12) over (order by report_month)'
        ) }} as {{ base }}_yoy
        {{- "," if not loop.last }}
    {%- endfor %}
    from pivoted
),

final as (
    {{ kpi_rows('kpis', kpi_names(['trend'])) }}
)

select * from final
