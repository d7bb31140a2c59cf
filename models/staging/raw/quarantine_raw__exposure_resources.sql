with

checked as (
    select * from {{ ref('base_raw__exposure_resources') }}
),

rejected as (
    select
        reject_reason,
        raw_snapshot_date as snapshot_date,
        raw_channel as channel,
        raw_resource_id as resource_id,
        raw_resource_type as resource_type,
        raw_shows_member_entry as shows_member_entry
    from checked
    where reject_reason is not null
)

select * from rejected
