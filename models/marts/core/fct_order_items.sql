with

order_items as (
    select * from {{ ref('stg_raw__order_items') }}
),

orders as (
    select
        order_id,
        member_id,
        channel,
        order_date,
        is_valid,
        is_member_order
    from {{ ref('int_orders_enriched') }}
),

final as (
    select
        order_items.order_id,
        order_items.line_number,
        order_items.sku_id,
        order_items.category,
        order_items.quantity,
        order_items.unit_price,
        order_items.line_amount,
        orders.member_id,
        orders.channel,
        orders.order_date,
        cast(
            {{ dbt.date_trunc('month', 'orders.order_date') }} as date
        ) as order_month,
        orders.is_valid,
        orders.is_member_order
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
)

select * from final
