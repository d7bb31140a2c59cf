with

checked as (
    select * from {{ ref('base_raw__order_items') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_order_id as string) as order_id,
        cast(raw_line_number as string) as line_number,
        cast(raw_sku_id as string) as sku_id,
        cast(raw_category as string) as category,
        cast(raw_quantity as string) as quantity,
        cast(raw_unit_price as string) as unit_price,
        cast(raw_line_amount as string) as line_amount
    from checked
    where reject_reason is not null
)

select * from rejected
