with

checked as (
    select * from {{ ref('base_raw__channel_traffic') }}
),

rejected as (
    select
        reject_reason,
        raw_traffic_date as traffic_date,
        raw_channel as channel,
        raw_visitors as visitors
    from checked
    where reject_reason is not null
)

select * from rejected
