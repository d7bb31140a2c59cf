with

checked as (
    select * from {{ ref('base_raw__reviews') }}
),

rejected as (
    select
        reject_reason,
        raw_review_id as review_id,
        raw_order_id as order_id,
        raw_channel as channel,
        raw_created_at as created_at,
        raw_rating as rating
    from checked
    where reject_reason is not null
)

select * from rejected
