with

checked as (
    select * from {{ ref('base_raw__order_items') }}
),

rejected as (
    select
        reject_reason,
        raw_order_id as order_id,
        raw_line_number as line_number,
        raw_sku_id as sku_id,
        raw_category as category,
        raw_quantity as quantity,
        raw_unit_price as unit_price,
        raw_line_amount as line_amount
    from checked
    where reject_reason is not null
)

select * from rejected
