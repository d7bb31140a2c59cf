with

exposure as (
    select * from {{ ref('stg_raw__exposure_resources') }}
),

final as (
    select
        snapshot_date,
        channel,
        resource_id,
        resource_type,
        shows_member_entry
    from exposure
)

select * from final
