with

checked as (
    select * from {{ ref('base_raw__interactions') }}
),

rejected as (
    select
        reject_reason,
        raw_interaction_id as interaction_id,
        raw_member_id as member_id,
        raw_channel as channel,
        raw_occurred_at as occurred_at,
        raw_interaction_type as interaction_type
    from checked
    where reject_reason is not null
)

select * from rejected
