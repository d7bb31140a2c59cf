with

order_items as (
    select * from {{ ref('stg_raw__order_items') }}
),

final as (
    select
        order_id,
        count(distinct category) as count_categories,
        min(category) as min_category,
        max(category) as max_category
    from order_items
    where category is not null
    group by order_id
)

select * from final
