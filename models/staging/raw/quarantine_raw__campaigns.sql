with

checked as (
    select * from {{ ref('base_raw__campaigns') }}
),

rejected as (
    select
        reject_reason,
        raw_campaign_id as campaign_id,
        raw_campaign_name as campaign_name,
        raw_channel as channel,
        raw_objective as objective,
        raw_starts_at as starts_at,
        raw_ends_at as ends_at
    from checked
    where reject_reason is not null
)

select * from rejected
