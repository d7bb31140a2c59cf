with

checked as (
    select * from {{ ref('base_raw__service_tickets') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_ticket_id as string) as ticket_id,
        cast(raw_member_id as string) as member_id,
        cast(raw_channel as string) as channel,
        cast(raw_order_id as string) as order_id,
        cast(raw_ticket_type as string) as ticket_type,
        cast(raw_created_at as string) as created_at,
        cast(raw_first_response_at as string) as first_response_at,
        cast(raw_resolved_at as string) as resolved_at,
        cast(raw_satisfaction_score as string) as satisfaction_score
    from checked
    where reject_reason is not null
)

select * from rejected
