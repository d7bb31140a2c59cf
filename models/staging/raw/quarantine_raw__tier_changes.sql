with

checked as (
    select * from {{ ref('base_raw__tier_changes') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_member_id as string) as member_id,
        cast(raw_changed_at as string) as changed_at,
        cast(raw_from_tier as string) as from_tier,
        cast(raw_to_tier as string) as to_tier
    from checked
    where reject_reason is not null
)

select * from rejected
