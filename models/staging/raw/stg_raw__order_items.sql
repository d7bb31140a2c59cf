with

checked as (
    select * from {{ ref('base_raw__order_items') }}
),

clean as (
    select
        -- ids
        order_id,
        line_number,
        sku_id,

        -- codes
        category,

        -- amounts
        quantity,
        unit_price,
        line_amount

    from checked
    where reject_reason is null
)

select * from clean
