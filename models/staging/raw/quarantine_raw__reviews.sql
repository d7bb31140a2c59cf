with

checked as (
    select * from {{ ref('base_raw__reviews') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_review_id as string) as review_id,
        cast(raw_order_id as string) as order_id,
        cast(raw_channel as string) as channel,
        cast(raw_created_at as string) as created_at,
        cast(raw_rating as string) as rating
    from checked
    where reject_reason is not null
)

select * from rejected
