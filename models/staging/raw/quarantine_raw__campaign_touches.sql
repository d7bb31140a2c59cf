with

checked as (
    select * from {{ ref('base_raw__campaign_touches') }}
),

rejected as (
    select
        reject_reason,
        raw_touch_id as touch_id,
        raw_campaign_id as campaign_id,
        raw_member_id as member_id,
        raw_touch_channel as touch_channel,
        raw_test_group as test_group,
        raw_touched_at as touched_at,
        raw_delivered as delivered,
        raw_opened_at as opened_at,
        raw_clicked_at as clicked_at
    from checked
    where reject_reason is not null
)

select * from rejected
