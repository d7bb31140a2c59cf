{#- Tags of the members enrolled at the end of the latest report month.
    Channel and category preferences and the price band read every member
    order to date; members without one have null there. No PII: no mobile
    hash, no channel customer ids, no city text. -#}
with

months as (
    select * from {{ ref('dim_month') }}
),

members as (
    select * from {{ ref('dim_member') }}
),

member_monthly as (
    select * from {{ ref('fct_member_monthly') }}
),

rfm_members as (
    select * from {{ ref('rfm_members') }}
),

order_items as (
    select * from {{ ref('fct_order_items') }}
),

latest_report_month as (
    select max(report_month) as report_month
    from months
),

latest_month as (
    select
        months.report_month,
        months.is_complete_month
    from months
    inner join latest_report_month
        on months.report_month = latest_report_month.report_month
),

current_members as (
    select
        member_monthly.member_id,
        member_monthly.report_month,
        latest_month.is_complete_month,
        member_monthly.lifecycle_stage
    from member_monthly
    inner join latest_month
        on member_monthly.report_month = latest_month.report_month
    where member_monthly.is_enrolled_at_month_end
),

member_categories as (
    select
        member_id,
        category,
        count(distinct order_id) as count_member_orders
    from order_items
    where is_member_order and category is not null
    group by member_id, category
),

preferred_categories as (
    select
        member_id,
        category,
        row_number() over (
            partition by member_id
            order by count_member_orders desc, category asc
        ) as category_rank
    from member_categories
),

member_order_values as (
    select
        member_id,
        {{ safe_divide(
            'lifetime_member_net_sales', 'lifetime_member_orders'
        ) }} as avg_member_order_value
    from members
),

final as (
    select
        -- ids
        current_members.member_id,
        current_members.report_month as month,

        -- profile tags
        members.age_band,
        members.gender,
        members.city_tier,
        members.tier,

        -- behaviour tags
        members.preferred_channel,
        preferred_categories.category as preferred_category,
        case
            when member_order_values.avg_member_order_value is null then null
            when member_order_values.avg_member_order_value < 100
                then 'under_100'
            when member_order_values.avg_member_order_value < 200
                then '100_199'
            when member_order_values.avg_member_order_value < 500
                then '200_499'
            else '500_plus'
        end as price_band,

        -- segments
        current_members.lifecycle_stage,
        rfm_members.rfm_segment,

        -- flags
        current_members.is_complete_month
    from current_members
    inner join members
        on current_members.member_id = members.member_id
    inner join member_order_values
        on current_members.member_id = member_order_values.member_id
    left join preferred_categories
        on
            current_members.member_id = preferred_categories.member_id
            and preferred_categories.category_rank = 1
    left join rfm_members
        on
            current_members.member_id = rfm_members.member_id
            and current_members.report_month = rfm_members.month
)

select * from final
