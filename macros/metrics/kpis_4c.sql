{#- The 4C KPIs (meta family 4c) per report month and group of grouping
    (kpi_grouping), long form: each KPI is one column expression of the kpis
    CTE. Member counts read fct_member_monthly; the engagement within the
    month reads the member activity, which a channel grouping splits. -#}
{% macro kpis_4c(grouping) %}
with

{{ kpi_imports(grouping, ['member_months', 'member_activity']) }}

member_counts as (
    {% call kpi_counts(grouping, 'member_months') %}
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(case when is_capital then 1 else 0 end) as capital,
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
    {% endcall %}
),

activity_counts as (
    {% call kpi_counts(grouping, 'member_activity') %}
        sum(case when is_capital and is_engaged then 1 else 0 end)
            as capital_engaged_in_month
    {% endcall %}
),

combined as (
    select
        {{ kpi_group_keys(grouping, 'grid') }}
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(member_counts.capital, 0) as capital,
        coalesce(activity_counts.capital_engaged_in_month, 0)
            as capital_engaged_in_month,
        coalesce(member_counts.capital_cross_field, 0) as capital_cross_field,
        coalesce(member_counts.capital_member_net_sales_w12, 0)
            as capital_member_net_sales_w12,
        coalesce(member_counts.conversion_base, 0) as conversion_base,
        coalesce(member_counts.conversion_deepened, 0) as conversion_deepened
    from grid
    {{ kpi_join(grouping, 'member_months', 'member_counts') }}
    {{ kpi_join(grouping, 'member_activity', 'activity_counts') }}
),

kpis as (
    select
        {{ kpi_group_keys(grouping) }}
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
    {{ kpi_rows('kpis', kpi_names(['4c'], grouping), grouping) }}
)

select * from final
{% endmacro %}
