with

checked as (
    select * from {{ ref('base_raw__interactions') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_interaction_id as string) as interaction_id,
        cast(raw_member_id as string) as member_id,
        cast(raw_channel as string) as channel,
        cast(raw_occurred_at as string) as occurred_at,
        cast(raw_interaction_type as string) as interaction_type
    from checked
    where reject_reason is not null
)

select * from rejected
