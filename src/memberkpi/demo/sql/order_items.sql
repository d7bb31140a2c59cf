-- The lines of the orders that have items (3% have none).
with order_lines as (
    select
        order_id,
        unnest(lines) as line,
        unnest(range(1, len(lines) + 1)) as line_number
    from clean_orders
    where has_items
)

select
    order_id::varchar as order_id,
    line_number::integer as line_number,
    ('SKU' || line.sku::varchar)::varchar as sku_id,
    category_code(line.category_index)::varchar as category,
    line.quantity::integer as quantity,
    line.unit_price::decimal(18, 2) as unit_price,
    (line.unit_price * line.quantity)::decimal(18, 2) as line_amount
from order_lines
