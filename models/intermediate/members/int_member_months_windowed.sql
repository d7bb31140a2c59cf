{#- Rolling windows over each member's dense run of months (the spine has
    no gaps, so "the 11 months before" is "the 11 rows before"): W12 is the
    month and the 11 before it, W12prev the 12 months before that.

    The W12 and W12prev sums are differences of running totals
    (to_date(m) - to_date(m - 12)): one running sum per measure and a few
    lag() lookups cost about half of twelve-row frames. "At least two
    distinct channels (or categories) in a window" is read as "the smallest
    and the largest code in the window differ", over integer codes given in
    text order: a framed min/max over text took half the model's time. -#}
with

spined as (
    select * from {{ ref('int_member_months_spined') }}
),

activity as (
    select * from {{ ref('int_member_activity_months_aggregated') }}
),

engaged_channels as (
    select
        channel,
        cast(dense_rank() over (order by channel) as bigint) as channel_code
    from (
        select activity.min_engaged_channel as channel from activity
        union
        select activity.max_engaged_channel as channel from activity
    ) as month_channels
    where channel is not null
),

categories as (
    select
        category,
        cast(dense_rank() over (order by category) as bigint) as category_code
    from (
        select activity.min_category as category from activity
        union
        select activity.max_category as category from activity
    ) as month_categories
    where category is not null
),

coded_activity as (
    select
        activity.member_id,
        activity.activity_month,
        activity.count_member_orders,
        activity.member_net_sales,
        activity.count_interactions,
        activity.last_member_order_date,
        activity.min_engaged_channel,
        activity.max_engaged_channel,
        min_channels.channel_code as min_channel_code,
        max_channels.channel_code as max_channel_code,
        min_categories.category_code as min_category_code,
        max_categories.category_code as max_category_code
    from activity
    left join engaged_channels as min_channels
        on activity.min_engaged_channel = min_channels.channel
    left join engaged_channels as max_channels
        on activity.max_engaged_channel = max_channels.channel
    left join categories as min_categories
        on activity.min_category = min_categories.category
    left join categories as max_categories
        on activity.max_category = max_categories.category
),

monthly as (
    select
        spined.member_id,
        spined.report_month,
        coalesce(coded_activity.count_member_orders, 0) as count_member_orders,
        coalesce(coded_activity.member_net_sales, 0) as member_net_sales,
        coalesce(coded_activity.count_interactions, 0) as count_interactions,
        coded_activity.last_member_order_date,
        coded_activity.min_engaged_channel,
        coded_activity.max_engaged_channel,
        coded_activity.min_channel_code,
        coded_activity.max_channel_code,
        coded_activity.min_category_code,
        coded_activity.max_category_code
    from spined
    left join coded_activity
        on
            spined.member_id = coded_activity.member_id
            and spined.report_month = coded_activity.activity_month
),

running as (
    select
        member_id,
        report_month,
        count_member_orders,
        member_net_sales,
        count_interactions,
        min_engaged_channel,
        max_engaged_channel,
        sum(count_member_orders) over to_date as count_member_orders_to_date,
        sum(member_net_sales) over to_date as member_net_sales_to_date,
        sum(count_interactions) over to_date as count_interactions_to_date,
        max(last_member_order_date) over to_date as last_member_order_date,
        min(min_channel_code) over w12 as min_channel_code_w12,
        max(max_channel_code) over w12 as max_channel_code_w12,
        min(min_category_code) over w12 as min_category_code_w12,
        max(max_category_code) over w12 as max_category_code_w12
    from monthly
    window
        to_date as (
            partition by member_id
            order by report_month
            rows between unbounded preceding and current row
        ),
        w12 as (
            partition by member_id
            order by report_month
            rows between 11 preceding and current row
        )
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
        last_member_order_date,
        count_member_orders_to_date,
        count_member_orders_to_date
        - lag(count_member_orders_to_date, 12, 0) over months
            as count_member_orders_w12,
        member_net_sales_to_date
        - lag(member_net_sales_to_date, 12, 0) over months
            as member_net_sales_w12,
        count_interactions_to_date
        - lag(count_interactions_to_date, 12, 0) over months
            as count_interactions_w12,
        lag(count_member_orders_to_date, 12, 0) over months
        - lag(count_member_orders_to_date, 24, 0) over months
            as count_member_orders_w12prev,
        -- W12 of the month before (0 in the first month), for the previous
        -- depth level
        lag(count_member_orders_to_date, 1, 0) over months
        - lag(count_member_orders_to_date, 13, 0) over months
            as count_member_orders_previous_w12,
        coalesce(min_channel_code_w12 != max_channel_code_w12, false)
            as has_multiple_channels_w12,
        coalesce(min_category_code_w12 != max_category_code_w12, false)
            as has_multiple_categories_w12
    from running
    window months as (partition by member_id order by report_month)
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
        cast(count_member_orders_w12 as bigint) as count_member_orders_w12,
        cast(member_net_sales_w12 as decimal(38, 2)) as member_net_sales_w12,
        cast(count_interactions_w12 as bigint) as count_interactions_w12,
        cast(count_member_orders_w12prev as bigint)
            as count_member_orders_w12prev,
        has_multiple_channels_w12,
        has_multiple_categories_w12,
        last_member_order_date,
        cast(count_member_orders_to_date as bigint)
            as count_member_orders_to_date,
        {{ depth_level('count_member_orders_w12') }} as depth_level,
        {{ depth_level('count_member_orders_previous_w12') }}
            as previous_depth_level
    from windowed
)

select * from final
