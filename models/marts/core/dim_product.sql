{#- A SKU's category is the one its order lines name most often (ties go
    to the alphabetically first); lines without a category are left out. -#}
with

order_items as (
    select * from {{ ref('stg_raw__order_items') }}
),

sku_categories as (
    select
        sku_id,
        category,
        count(*) as count_order_lines
    from order_items
    where sku_id is not null and category is not null
    group by sku_id, category
),

ranked as (
    select
        sku_id,
        category,
        row_number() over (
            partition by sku_id
            order by count_order_lines desc, category asc
        ) as category_rank
    from sku_categories
),

skus as (
    select
        sku_id,
        count(*) as count_order_lines,
        count(distinct category) as count_categories,
        cast(sum(quantity) as bigint) as lifetime_quantity
    from order_items
    where sku_id is not null
    group by sku_id
),

final as (
    select
        skus.sku_id,
        ranked.category,
        skus.count_categories,
        skus.count_order_lines,
        skus.lifetime_quantity
    from skus
    left join ranked
        on
            skus.sku_id = ranked.sku_id
            and ranked.category_rank = 1
)

select * from final
