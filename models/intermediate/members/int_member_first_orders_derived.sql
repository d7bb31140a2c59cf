with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

member_orders as (
    select
        member_id,
        order_date,
        member_order_number
    from orders
    where is_member_order
),

first_orders as (
    select
        member_id,
        order_date as first_member_order_date
    from member_orders
    where member_order_number = 1
),

final as (
    select
        first_orders.member_id,
        first_orders.first_member_order_date,
        coalesce(
            max(
                member_orders.order_date > first_orders.first_member_order_date
                and member_orders.order_date <= cast(
                    {{ dbt.dateadd(
                        'day', 90, 'first_orders.first_member_order_date'
                    ) }} as date
                )
            ),
            false
        ) as has_second_member_order_90d
    from first_orders
    inner join member_orders
        on first_orders.member_id = member_orders.member_id
    group by first_orders.member_id, first_orders.first_member_order_date
)

select * from final
