with

checked as (
    select * from {{ ref('base_raw__campaigns') }}
),

clean as (
    select
        -- ids
        campaign_id,

        -- texts
        campaign_name,

        -- codes
        channel,
        objective,

        -- timestamps
        starts_at,
        ends_at

    from checked
    where reject_reason is null
)

select * from clean
