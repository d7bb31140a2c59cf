{#- The MBSC purchase-penetration KPIs (meta mbsc_group purchase) for every
    report month, long form: one column expression per KPI in kpis. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
),

exposure as (
    select * from {{ ref('fct_exposure') }}
),

-- a KPI that needs an absent optional table (no rows) is null
presence as (
    select (select count(*) from order_items) > 0 as has_order_items
),

member_counts as (
    select
        report_month,
        sum(case when is_enrolled_at_month_end then 1 else 0 end)
            as members_total,
        sum(case when is_member_buyer then 1 else 0 end) as member_buyers,
        sum(case when is_member_buyer and has_joined_in_month then 1 else 0 end)
            as new_member_buyers,
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
        ) as second_purchasers,
        sum(count_member_orders) as member_orders,
        sum(member_net_sales) as member_net_sales
    from member_monthly
    group by report_month
),

order_counts as (
    select
        order_month as report_month,
        sum(case when is_valid then net_amount else 0 end) as total_net_sales,
        count(distinct case when is_valid then person_key end) as total_buyers
    from orders
    where order_month is not null
    group by order_month
),

latest_snapshots as (
    select
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)
            as report_month,
        max(snapshot_date) as snapshot_date
    from exposure
    group by 1
),

exposure_counts as (
    select
        latest_snapshots.report_month,
        count(*) as resources,
        sum(case when exposure.shows_member_entry then 1 else 0 end)
            as resources_with_member_entry
    from latest_snapshots
    inner join exposure
        on latest_snapshots.snapshot_date = exposure.snapshot_date
    group by 1
),

combined as (
    select
        months.report_month,
        presence.has_order_items,
        coalesce(member_counts.members_total, 0) as members_total,
        coalesce(member_counts.member_buyers, 0) as member_buyers,
        coalesce(member_counts.new_member_buyers, 0) as new_member_buyers,
        coalesce(member_counts.member_orders, 0) as member_orders,
        coalesce(member_counts.member_net_sales, 0) as member_net_sales,
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
    from months
    cross join presence
    left join member_counts
        on months.report_month = member_counts.report_month
    left join order_counts
        on months.report_month = order_counts.report_month
    left join exposure_counts
        on months.report_month = exposure_counts.report_month
),

kpis as (
    select
        report_month,
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
    {{ kpi_rows('kpis', kpi_names(['purchase'])) }}
)

select * from final
