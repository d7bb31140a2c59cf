with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

order_categories as (
    select * from {{ ref('int_order_categories_aggregated') }}
),

interactions as (
    select * from {{ ref('stg_raw__interactions') }}
),

known_members as (
    select member_id from {{ ref('stg_raw__members') }}
),

order_months as (
    select
        orders.member_id,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date)
            as activity_month,
        count(*) as count_member_orders,
        cast(sum(orders.net_amount) as decimal(38, 2)) as member_net_sales,
        max(orders.order_date) as last_member_order_date,
        min(orders.channel) as min_order_channel,
        max(orders.channel) as max_order_channel,
        min(order_categories.min_category) as min_category,
        max(order_categories.max_category) as max_category
    from orders
    left join order_categories
        on orders.order_id = order_categories.order_id
    where orders.is_member_order
    group by 1, 2
),

interaction_months as (
    select
        interactions.member_id,
        cast(
            {{ dbt.date_trunc('month', 'interactions.occurred_at') }} as date
        ) as activity_month,
        count(*) as count_interactions,
        min(interactions.channel) as min_interaction_channel,
        max(interactions.channel) as max_interaction_channel
    from interactions
    inner join known_members
        on interactions.member_id = known_members.member_id
    group by 1, 2
),

final as (
    select
        coalesce(order_months.member_id, interaction_months.member_id)
            as member_id,
        coalesce(
            order_months.activity_month, interaction_months.activity_month
        ) as activity_month,
        coalesce(order_months.count_member_orders, 0) as count_member_orders,
        coalesce(order_months.member_net_sales, 0) as member_net_sales,
        order_months.last_member_order_date,
        coalesce(interaction_months.count_interactions, 0)
            as count_interactions,
        least(
            order_months.min_order_channel,
            interaction_months.min_interaction_channel
        ) as min_engaged_channel,
        greatest(
            order_months.max_order_channel,
            interaction_months.max_interaction_channel
        ) as max_engaged_channel,
        order_months.min_category,
        order_months.max_category
    from order_months
    full outer join interaction_months
        on
            order_months.member_id = interaction_months.member_id
            and order_months.activity_month = interaction_months.activity_month
)

select * from final
