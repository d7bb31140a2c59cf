with

order_items as (
    select * from {{ ref('stg_raw__order_items') }}
),

final as (
    select
        order_id,
        min(category) as min_category,
        max(category) as max_category
    from order_items
    where category is not null
    group by order_id
)

select * from final
