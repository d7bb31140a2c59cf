with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

interactions as (
    select * from {{ ref('stg_raw__interactions') }}
),

known_members as (
    select member_id from {{ ref('stg_raw__members') }}
),

member_order_events as (
    select
        member_id,
        channel,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date)
            as activity_month,
        1 as is_member_order,
        net_amount
    from orders
    where is_member_order
),

interaction_events as (
    select
        interactions.member_id,
        interactions.channel,
        cast(
            {{ dbt.date_trunc('month', 'interactions.occurred_at') }} as date
        ) as activity_month,
        0 as is_member_order,
        cast(0 as decimal(18, 2)) as net_amount
    from interactions
    inner join known_members
        on interactions.member_id = known_members.member_id
),

events as (
    select * from member_order_events
    union all
    select * from interaction_events
),

final as (
    select
        member_id,
        activity_month,
        channel,
        sum(is_member_order) as count_member_orders,
        cast(sum(net_amount) as decimal(38, 2)) as member_net_sales,
        sum(1 - is_member_order) as count_interactions
    from events
    group by member_id, activity_month, channel
)

select * from final
