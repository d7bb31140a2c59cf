with

checked as (
    select * from {{ ref('base_raw__service_tickets') }}
),

clean as (
    select
        -- ids
        ticket_id,
        member_id,
        order_id,

        -- codes
        channel,
        ticket_type,

        -- scores
        satisfaction_score,

        -- timestamps
        created_at,
        first_response_at,
        resolved_at

    from checked
    where reject_reason is null
)

select * from clean
