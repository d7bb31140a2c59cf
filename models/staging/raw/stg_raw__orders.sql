with

checked as (
    select * from {{ ref('base_raw__orders') }}
),

clean as (
    select
        -- ids
        order_id,
        customer_id,
        store_id,

        -- codes
        channel,
        order_status,

        -- amounts
        gross_amount,
        discount_amount,
        paid_amount,
        refunded_amount,

        -- pii
        mobile_hash,

        -- timestamps
        ordered_at,
        paid_at

    from checked
    where reject_reason is null
)

select * from clean
