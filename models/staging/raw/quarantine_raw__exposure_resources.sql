with

checked as (
    select * from {{ ref('base_raw__exposure_resources') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_snapshot_date as string) as snapshot_date,
        cast(raw_channel as string) as channel,
        cast(raw_resource_id as string) as resource_id,
        cast(raw_resource_type as string) as resource_type,
        cast(raw_shows_member_entry as string) as shows_member_entry
    from checked
    where reject_reason is not null
)

select * from rejected
