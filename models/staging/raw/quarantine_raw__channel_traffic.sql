with

checked as (
    select * from {{ ref('base_raw__channel_traffic') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_traffic_date as string) as traffic_date,
        cast(raw_channel as string) as channel,
        cast(raw_visitors as string) as visitors
    from checked
    where reject_reason is not null
)

select * from rejected
