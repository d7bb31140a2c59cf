with

channel_months as (
    select * from {{ ref('int_member_channel_months_aggregated') }}
),

final as (
    select
        member_id,
        activity_month as report_month,
        channel,
        cast(count_member_orders as bigint) as count_member_orders,
        member_net_sales,
        cast(count_interactions as bigint) as count_interactions,
        count_member_orders > 0 as is_member_buyer,
        count_member_orders > 0 or count_interactions > 0 as is_engaged
    from channel_months
)

select * from final
