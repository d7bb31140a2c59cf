with

tickets as (
    select * from {{ ref('stg_raw__service_tickets') }}
),

final as (
    select
        ticket_id,
        member_id,
        order_id,
        channel,
        ticket_type,
        satisfaction_score,
        created_at,
        first_response_at,
        resolved_at,
        cast(created_at as date) as created_date,
        cast(resolved_at as date) as resolved_date,
        {{ epoch_seconds_between('created_at', 'first_response_at') }} / 60.0
            as first_response_minutes,
        coalesce(
            {{ epoch_seconds_between('created_at', 'resolved_at') }}
            <= 48 * 3600,
            false
        ) as is_resolved_within_48h
    from tickets
)

select * from final
