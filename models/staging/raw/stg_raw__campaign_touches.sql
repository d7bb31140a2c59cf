with

checked as (
    select * from {{ ref('base_raw__campaign_touches') }}
),

clean as (
    select
        -- ids
        touch_id,
        campaign_id,
        member_id,

        -- codes
        touch_channel,
        test_group,

        -- flags (a null flag reads as false)
        coalesce(delivered, false) as delivered,

        -- timestamps
        touched_at,
        opened_at,
        clicked_at

    from checked
    where reject_reason is null
)

select * from clean
