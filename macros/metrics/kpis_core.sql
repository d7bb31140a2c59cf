{#- The core and related KPIs of their own (meta family core or related;
    core KPIs that are MBSC KPIs too live in their MBSC group's macro) per
    report month and group of grouping (kpi_grouping), long form: each KPI
    is one column expression of the kpis CTE. Reads fct_member_monthly,
    fct_orders and fct_channel_traffic. -#}
{% macro kpis_core(grouping) %}
with

{{ kpi_imports(grouping, ['member_months', 'orders', 'traffic']) }}

presence as (
    select {{ kpi_has_rows('traffic') }} as has_traffic
),

member_counts as (
    {% call kpi_counts(grouping, 'member_months') %}
        sum(case when count_member_orders_w12prev >= 1 then 1 else 0 end)
            as retention_base,
        sum(
            case
                when
                    count_member_orders_w12prev >= 1
                    and count_member_orders_w12 >= 1
                    then 1
                else 0
            end
        ) as retained_members
    {% endcall %}
),

order_counts as (
    {% call kpi_counts(
        grouping, 'orders', 'order_month', 'order_month is not null'
    ) %}
        count(distinct case when is_valid then person_key end) as total_buyers
    {% endcall %}
),

traffic_counts as (
    {{ kpi_traffic_counts(grouping) }}
),

combined as (
    select
        {{ kpi_group_keys(grouping, 'grid') }}
        coalesce(member_counts.retention_base, 0) as retention_base,
        coalesce(member_counts.retained_members, 0) as retained_members,
        coalesce(order_counts.total_buyers, 0) as total_buyers,
        case
            when presence.has_traffic then traffic_counts.visitors
        end as visitors
    from grid
    cross join presence
    {{ kpi_join(grouping, 'member_months', 'member_counts') }}
    {{ kpi_join(grouping, 'orders', 'order_counts') }}
    {{ kpi_join(grouping, 'traffic', 'traffic_counts') }}
),

kpis as (
    select
        {{ kpi_group_keys(grouping) }}
        {{ safe_divide('retained_members', 'retention_base') }}
            as retention_rate,
        {{ safe_divide('total_buyers', 'visitors') }}
            as purchase_conversion_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['core', 'related'], grouping), grouping) }}
)

select * from final
{% endmacro %}
