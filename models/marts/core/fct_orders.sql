with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

final as (
    select
        -- ids
        order_id,
        member_id,
        person_key,
        store_id,

        -- codes
        channel,
        order_status,

        -- amounts
        gross_amount,
        discount_amount,
        paid_amount,
        refunded_amount,
        net_amount,

        -- flags
        is_paid_not_cancelled,
        is_valid,
        has_refund,
        is_member_order,
        is_first_member_order,
        member_order_number,

        -- dates and timestamps
        order_date,
        cast(
            {{ dbt.date_trunc('month', 'order_date') }} as date
        ) as order_month,
        ordered_at,
        paid_at
    from orders
)

select * from final
