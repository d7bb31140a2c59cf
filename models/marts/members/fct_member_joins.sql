{#- Exits carry the member's join channel too, so exits can be split by
    the channel that brought the member in. -#}
with

members as (
    select * from {{ ref('stg_raw__members') }}
),

joins as (
    select
        member_id,
        'join' as event_type,
        joined_at as event_at,
        join_channel as channel
    from members
),

exits as (
    select
        member_id,
        'exit' as event_type,
        exited_at as event_at,
        join_channel as channel
    from members
    where exited_at is not null
),

events as (
    select * from joins
    union all
    select * from exits
),

final as (
    select
        member_id,
        event_type,
        channel,
        cast(event_at as date) as event_date,
        cast({{ dbt.date_trunc('month', 'event_at') }} as date)
            as event_month,
        event_at
    from events
)

select * from final
