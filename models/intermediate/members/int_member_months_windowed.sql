{#- Rolling windows over each member's dense run of months: W12 is the
    month and the 11 before it, W12prev the 12 months before that. At least
    two distinct channels (or categories) in a window is read as "the
    smallest and the largest code in the window differ". -#}
with

spined as (
    select * from {{ ref('int_member_months_spined') }}
),

activity as (
    select * from {{ ref('int_member_activity_months_aggregated') }}
),

monthly as (
    select
        spined.member_id,
        spined.report_month,
        coalesce(activity.count_member_orders, 0) as count_member_orders,
        coalesce(activity.member_net_sales, 0) as member_net_sales,
        coalesce(activity.count_interactions, 0) as count_interactions,
        activity.last_member_order_date,
        activity.min_engaged_channel,
        activity.max_engaged_channel,
        activity.min_category,
        activity.max_category
    from spined
    left join activity
        on
            spined.member_id = activity.member_id
            and spined.report_month = activity.activity_month
),

windowed as (
    select
        member_id,
        report_month,
        count_member_orders,
        member_net_sales,
        count_interactions,
        min_engaged_channel,
        max_engaged_channel,
        cast(sum(count_member_orders) over w12 as bigint)
            as count_member_orders_w12,
        cast(sum(member_net_sales) over w12 as decimal(38, 2))
            as member_net_sales_w12,
        cast(sum(count_interactions) over w12 as bigint)
            as count_interactions_w12,
        cast(coalesce(
            sum(count_member_orders) over (
                partition by member_id
                order by report_month
                rows between 23 preceding and 12 preceding
            ),
            0
        ) as bigint) as count_member_orders_w12prev,
        min(min_engaged_channel) over w12 as min_engaged_channel_w12,
        max(max_engaged_channel) over w12 as max_engaged_channel_w12,
        min(min_category) over w12 as min_category_w12,
        max(max_category) over w12 as max_category_w12,
        -- W12 of the month before (empty frame in the first month: 0), for
        -- the previous depth level without a second window sort
        cast(coalesce(
            sum(count_member_orders) over (
                partition by member_id
                order by report_month
                rows between 12 preceding and 1 preceding
            ),
            0
        ) as bigint) as count_member_orders_previous_w12,
        max(last_member_order_date) over to_date as last_member_order_date,
        cast(sum(count_member_orders) over to_date as bigint)
            as count_member_orders_to_date
    from monthly
    window
        w12 as (
            partition by member_id
            order by report_month
            rows between 11 preceding and current row
        ),
        to_date as (
            partition by member_id
            order by report_month
            rows between unbounded preceding and current row
        )
),

final as (
    select
        member_id,
        report_month,
        count_member_orders,
        member_net_sales,
        count_interactions,
        min_engaged_channel,
        max_engaged_channel,
        count_member_orders_w12,
        member_net_sales_w12,
        count_interactions_w12,
        count_member_orders_w12prev,
        min_engaged_channel_w12,
        max_engaged_channel_w12,
        min_category_w12,
        max_category_w12,
        last_member_order_date,
        count_member_orders_to_date,
        {{ depth_level('count_member_orders_w12') }} as depth_level,
        {{ depth_level('count_member_orders_previous_w12') }}
            as previous_depth_level
    from windowed
)

select * from final
