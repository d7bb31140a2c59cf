with

checked as (
    select * from {{ ref('base_raw__tier_changes') }}
),

rejected as (
    select
        reject_reason,
        raw_member_id as member_id,
        raw_changed_at as changed_at,
        raw_from_tier as from_tier,
        raw_to_tier as to_tier
    from checked
    where reject_reason is not null
)

select * from rejected
