with

checked as (
    select * from {{ ref('base_raw__orders') }}
),

rejected as (
    select
        reject_reason,
        raw_order_id as order_id,
        raw_channel as channel,
        raw_customer_id as customer_id,
        raw_store_id as store_id,
        raw_ordered_at as ordered_at,
        raw_paid_at as paid_at,
        raw_status as status,
        raw_gross_amount as gross_amount,
        raw_discount_amount as discount_amount,
        raw_paid_amount as paid_amount,
        raw_refunded_amount as refunded_amount,
        raw_mobile_hash as mobile_hash
    from checked
    where reject_reason is not null
)

select * from rejected
