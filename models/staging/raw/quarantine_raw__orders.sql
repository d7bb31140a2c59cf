with

checked as (
    select * from {{ ref('base_raw__orders') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_order_id as string) as order_id,
        cast(raw_channel as string) as channel,
        cast(raw_customer_id as string) as customer_id,
        cast(raw_store_id as string) as store_id,
        cast(raw_ordered_at as string) as ordered_at,
        cast(raw_paid_at as string) as paid_at,
        cast(raw_status as string) as status,
        cast(raw_gross_amount as string) as gross_amount,
        cast(raw_discount_amount as string) as discount_amount,
        cast(raw_paid_amount as string) as paid_amount,
        cast(raw_refunded_amount as string) as refunded_amount,
        cast(raw_mobile_hash as string) as mobile_hash
    from checked
    where reject_reason is not null
)

select * from rejected
