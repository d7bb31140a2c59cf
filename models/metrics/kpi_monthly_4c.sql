{#- The 4C KPIs (meta family 4c) for every report month, long form: one
    column expression per KPI in kpis, unpivoted by kpi_rows. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

member_counts as (
    select
        report_month,
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(case when is_capital then 1 else 0 end) as capital,
        sum(case when is_capital and is_engaged then 1 else 0 end)
            as capital_engaged_in_month,
        sum(
            case when is_capital and has_multiple_channels_w12 then 1 else 0 end
        ) as capital_cross_field,
        sum(
            case
                when
                    is_enrolled_at_previous_month_end
                    and is_enrolled_at_month_end
                    and previous_depth_level < 3
                    then 1
                else 0
            end
        ) as conversion_base,
        sum(
            case
                when
                    is_enrolled_at_previous_month_end
                    and is_enrolled_at_month_end
                    and depth_level > previous_depth_level
                    then 1
                else 0
            end
        ) as conversion_deepened,
        sum(case when is_capital then member_net_sales_w12 else 0 end)
            as capital_member_net_sales_w12
    from member_monthly
    group by report_month
),

combined as (
    select
        months.report_month,
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(member_counts.capital, 0) as capital,
        coalesce(member_counts.capital_engaged_in_month, 0)
            as capital_engaged_in_month,
        coalesce(member_counts.capital_cross_field, 0) as capital_cross_field,
        coalesce(member_counts.capital_member_net_sales_w12, 0)
            as capital_member_net_sales_w12,
        coalesce(member_counts.conversion_base, 0) as conversion_base,
        coalesce(member_counts.conversion_deepened, 0) as conversion_deepened
    from months
    left join member_counts
        on months.report_month = member_counts.report_month
),

kpis as (
    select
        report_month,
        cast(capital as double) as capital,
        {{ safe_divide('capital', 'members_total') }} as capital_rate,
        {{ safe_divide('conversion_deepened', 'conversion_base') }}
            as conversion,
        {{ safe_divide('capital_member_net_sales_w12', 'capital') }} as clv,
        {{ safe_divide('capital_engaged_in_month', 'capital') }}
            as connection,
        {{ safe_divide('capital_cross_field', 'capital') }}
            as cross_field_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['4c'])) }}
)

select * from final
