with

touches as (
    select * from {{ ref('stg_raw__campaign_touches') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

-- delivered treatment touches followed by a member order of the same
-- member whose paid_at is in (touched_at, touched_at + 7 days], comparing
-- timestamps (KPI_SPEC touch_conversion_rate_7d)
converted_touches as (
    select distinct touches.touch_id
    from touches
    inner join orders
        on
            touches.member_id = orders.member_id
            and orders.is_member_order
            and touches.touched_at < orders.paid_at
            and orders.paid_at <= {{ dbt.dateadd(
                'day', 7, 'touches.touched_at'
            ) }}
    where
        touches.test_group = 'treatment'
        and coalesce(touches.delivered, false)
),

final as (
    select
        -- ids
        touches.touch_id,
        touches.campaign_id,
        touches.member_id,

        -- codes
        touches.touch_channel,
        touches.test_group,

        -- flags
        coalesce(touches.delivered, false) as is_delivered,
        touches.opened_at is not null as is_opened,
        touches.clicked_at is not null as is_clicked,
        converted_touches.touch_id is not null as is_converted_7d,

        -- dates and timestamps
        cast(touches.touched_at as date) as touched_date,
        touches.touched_at,
        touches.opened_at,
        touches.clicked_at
    from touches
    left join converted_touches
        on touches.touch_id = converted_touches.touch_id
)

select * from final
