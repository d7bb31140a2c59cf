with

touches as (
    select * from {{ ref('stg_raw__campaign_touches') }}
),

final as (
    select
        -- ids
        touch_id,
        campaign_id,
        member_id,

        -- codes
        touch_channel,
        test_group,

        -- flags
        coalesce(delivered, false) as is_delivered,
        opened_at is not null as is_opened,
        clicked_at is not null as is_clicked,

        -- dates and timestamps
        cast(touched_at as date) as touched_date,
        touched_at,
        opened_at,
        clicked_at
    from touches
)

select * from final
