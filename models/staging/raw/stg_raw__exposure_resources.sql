with

checked as (
    select * from {{ ref('base_raw__exposure_resources') }}
),

clean as (
    select
        -- ids
        resource_id,

        -- codes
        channel,
        resource_type,

        -- flags (a null flag reads as false)
        coalesce(shows_member_entry, false) as shows_member_entry,

        -- dates
        snapshot_date

    from checked
    where reject_reason is null
)

select * from clean
