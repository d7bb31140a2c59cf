with

checked as (
    select * from {{ ref('base_raw__campaign_touches') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_touch_id as string) as touch_id,
        cast(raw_campaign_id as string) as campaign_id,
        cast(raw_member_id as string) as member_id,
        cast(raw_touch_channel as string) as touch_channel,
        cast(raw_test_group as string) as test_group,
        cast(raw_touched_at as string) as touched_at,
        cast(raw_delivered as string) as delivered,
        cast(raw_opened_at as string) as opened_at,
        cast(raw_clicked_at as string) as clicked_at
    from checked
    where reject_reason is not null
)

select * from rejected
