with

reviews as (
    select * from {{ ref('stg_raw__reviews') }}
),

final as (
    select
        review_id,
        order_id,
        channel,
        rating,
        rating <= 2 as is_negative,
        created_at,
        cast(created_at as date) as created_date
    from reviews
)

select * from final
