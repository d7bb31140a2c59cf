with

checked as (
    select * from {{ ref('base_raw__campaigns') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_campaign_id as string) as campaign_id,
        cast(raw_campaign_name as string) as campaign_name,
        cast(raw_channel as string) as channel,
        cast(raw_objective as string) as objective,
        cast(raw_starts_at as string) as starts_at,
        cast(raw_ends_at as string) as ends_at
    from checked
    where reject_reason is not null
)

select * from rejected
