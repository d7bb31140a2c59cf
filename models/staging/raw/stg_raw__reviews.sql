with

checked as (
    select * from {{ ref('base_raw__reviews') }}
),

clean as (
    select
        -- ids
        review_id,
        order_id,

        -- codes
        channel,

        -- scores
        rating,

        -- timestamps
        created_at

    from checked
    where reject_reason is null
)

select * from clean
