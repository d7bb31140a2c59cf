{%- set raw_columns = raw_copy_columns('order_items') -%}
{%- set key_order -%}
    {{ text_desc(raw_columns) }}
{%- endset -%}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'order_items') }}
),

orders as (
    select order_id from {{ ref('stg_raw__orders') }}
),

typed as {{ not_materialized() }} (
    select
        -- raw values as read, for the quarantine (cast to text there)
        order_id as raw_order_id,
        line_number as raw_line_number,
        sku_id as raw_sku_id,
        category as raw_category,
        quantity as raw_quantity,
        unit_price as raw_unit_price,
        line_amount as raw_line_amount,

        -- ids (a line number that is not a whole number does not parse)
        {{ clean_text('order_id') }} as order_id,
        case
            when
                try_cast(line_number as double)
                = floor(try_cast(line_number as double))
                then try_cast(try_cast(line_number as double) as integer)
        end as line_number,
        {{ clean_text('sku_id') }} as sku_id,

        -- codes
        {{ clean_text('category') }} as category,

        -- amounts (a quantity that is not a whole number does not parse)
        case
            when
                try_cast(quantity as double)
                = floor(try_cast(quantity as double))
                then try_cast(try_cast(quantity as double) as integer)
        end as quantity,
        try_cast(unit_price as decimal(18, 2)) as unit_price,
        try_cast(line_amount as decimal(18, 2)) as line_amount

    from source
),

{{ rank_by_key('typed', ['order_id', 'line_number'], key_order) }},

checked as (
    select
        *,
        case
            when order_id is null or line_number is null then 'missing_key'
            when key_rank > 1 then 'duplicate_key'
            when
                quantity is null
                or unit_price is null
                or line_amount is null
                or quantity < 0
                or unit_price < 0
                or line_amount < 0
                then 'bad_amount'
            when
                not exists (
                    select 1 from orders
                    where orders.order_id = ranked.order_id
                )
                then 'orphan'
        end as reject_reason
    from ranked
),

final as (
    select
        {{ raw_values_if_rejected(raw_columns) }},
        order_id,
        line_number,
        sku_id,
        category,
        quantity,
        unit_price,
        line_amount,
        key_rank,
        reject_reason
    from checked
)

select * from final
