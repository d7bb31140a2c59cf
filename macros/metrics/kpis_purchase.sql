{#- The MBSC purchase-penetration KPIs (meta mbsc_group purchase) per report
    month and group of grouping (kpi_grouping), long form: each KPI is one
    column expression of the kpis CTE. Member orders, buyers and net sales
    in the month read the member activity (member-level in the totals and
    in a channel split alike); W12 and cohort counts read
    fct_member_monthly; all-order sales and buyers read fct_orders; the
    member entry reads the month's latest fct_exposure snapshot (the
    latest of the group's rows when the grouping splits exposure). -#}
{% macro kpis_purchase(grouping) %}
with

{{ kpi_imports(
    grouping,
    ['member_months', 'member_activity', 'orders', 'order_items', 'exposure'],
) }}

presence as (
    select {{ kpi_has_rows('order_items') }} as has_order_items
),

member_counts as (
    {% call kpi_counts(grouping, 'member_months') %}
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(case when count_member_orders_w12 >= 1 then 1 else 0 end)
            as member_buyers_w12,
        sum(case when count_member_orders_w12 >= 2 then 1 else 0 end)
            as repeat_buyers_w12,
        sum(
            case
                when
                    count_member_orders_w12 >= 1
                    and has_multiple_categories_w12
                    then 1
                else 0
            end
        ) as cross_category_buyers_w12,
        sum(case when is_second_purchase_cohort then 1 else 0 end)
            as second_purchase_cohort,
        sum(
            case
                when is_second_purchase_cohort and has_second_member_order_90d
                    then 1
                else 0
            end
        ) as second_purchasers
    {% endcall %}
),

activity_counts as (
    {% call kpi_counts(grouping, 'member_activity') %}
        sum(case when is_member_buyer then 1 else 0 end) as member_buyers,
        sum(case when is_member_buyer and has_joined_in_month then 1 else 0 end)
            as new_member_buyers,
        sum(count_member_orders) as member_orders,
        sum(member_net_sales) as member_net_sales
    {% endcall %}
),

order_counts as (
    {% call kpi_counts(
        grouping, 'orders', 'order_month', 'order_month is not null'
    ) %}
        sum(case when is_valid then net_amount else 0 end) as total_net_sales,
        count(distinct case when is_valid then person_key end) as total_buyers
    {% endcall %}
),

-- the latest snapshot date within the month (of the group's rows when the
-- grouping splits exposure)
latest_snapshots as (
    {% call kpi_counts(
        grouping, 'exposure', first_day_of_month('snapshot_date')
    ) %}
        max(snapshot_date) as snapshot_date
    {% endcall %}
),

latest_exposure as (
    select
        latest_snapshots.report_month,
        exposure.*
    from latest_snapshots
    inner join exposure
        on
            latest_snapshots.snapshot_date = exposure.snapshot_date
            {%- if grouping.facts.get('exposure') is not none %}
            and latest_snapshots.{{ grouping.column }}
            = exposure.{{ grouping.facts.exposure }}
            {%- endif %}
),

exposure_counts as (
    {% call kpi_counts(grouping, 'latest_exposure') %}
        count(*) as resources,
        sum(case when shows_member_entry then 1 else 0 end)
            as resources_with_member_entry
    {% endcall %}
),

combined as (
    select
        {{ kpi_group_keys(grouping, 'grid') }}
        presence.has_order_items,
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(activity_counts.member_buyers, 0) as member_buyers,
        coalesce(activity_counts.new_member_buyers, 0) as new_member_buyers,
        coalesce(activity_counts.member_orders, 0) as member_orders,
        coalesce(activity_counts.member_net_sales, 0) as member_net_sales,
        coalesce(member_counts.member_buyers_w12, 0) as member_buyers_w12,
        coalesce(member_counts.repeat_buyers_w12, 0) as repeat_buyers_w12,
        coalesce(member_counts.cross_category_buyers_w12, 0)
            as cross_category_buyers_w12,
        coalesce(member_counts.second_purchase_cohort, 0)
            as second_purchase_cohort,
        coalesce(member_counts.second_purchasers, 0) as second_purchasers,
        coalesce(order_counts.total_net_sales, 0) as total_net_sales,
        coalesce(order_counts.total_buyers, 0) as total_buyers,
        exposure_counts.resources,
        exposure_counts.resources_with_member_entry
    from grid
    cross join presence
    {{ kpi_join(grouping, 'member_months', 'member_counts') }}
    {{ kpi_join(grouping, 'member_activity', 'activity_counts') }}
    {{ kpi_join(grouping, 'orders', 'order_counts') }}
    {{ kpi_join(grouping, 'latest_exposure', 'exposure_counts') }}
),

kpis as (
    select
        {{ kpi_group_keys(grouping) }}
        cast(total_net_sales as double) as total_net_sales,
        cast(member_net_sales as double) as member_net_sales,
        {{ safe_divide('member_net_sales', 'total_net_sales') }}
            as member_sales_share,
        cast(member_orders as double) as member_orders,
        cast(member_buyers as double) as member_buyers,
        cast(new_member_buyers as double) as new_member_buyers,
        cast(member_buyers - new_member_buyers as double)
            as returning_member_buyers,
        {{ safe_divide('member_buyers', 'total_buyers') }}
            as member_buyer_share,
        {{ safe_divide('member_buyers', 'members_total') }}
            as member_purchase_penetration,
        {{ safe_divide('member_net_sales', 'member_buyers') }} as member_aov,
        {{ safe_divide('member_net_sales', 'member_orders') }}
            as member_order_value,
        {{ safe_divide('member_orders', 'member_buyers') }}
            as member_purchase_frequency,
        {{ safe_divide('repeat_buyers_w12', 'member_buyers_w12') }}
            as repeat_purchase_rate,
        {{ safe_divide('second_purchasers', 'second_purchase_cohort') }}
            as second_purchase_rate_90d,
        case
            when has_order_items
                then {{ safe_divide(
                    'cross_category_buyers_w12', 'member_buyers_w12'
                ) }}
        end as cross_category_rate,
        {{ safe_divide('resources_with_member_entry', 'resources') }}
            as member_exposure_rate
    from combined
),

final as (
    {{ kpi_rows('kpis', kpi_names(['purchase'], grouping), grouping) }}
)

select * from final
{% endmacro %}
