with

checked as (
    select * from {{ ref('base_raw__service_tickets') }}
),

rejected as (
    select
        reject_reason,
        raw_ticket_id as ticket_id,
        raw_member_id as member_id,
        raw_channel as channel,
        raw_order_id as order_id,
        raw_ticket_type as ticket_type,
        raw_created_at as created_at,
        raw_first_response_at as first_response_at,
        raw_resolved_at as resolved_at,
        raw_satisfaction_score as satisfaction_score
    from checked
    where reject_reason is not null
)

select * from rejected
