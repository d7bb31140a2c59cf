with

checked as (
    select * from {{ ref('base_raw__points_ledger') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_entry_id as string) as entry_id,
        cast(raw_member_id as string) as member_id,
        cast(raw_occurred_at as string) as occurred_at,
        cast(raw_points as string) as points,
        cast(raw_entry_type as string) as entry_type,
        cast(raw_order_id as string) as order_id
    from checked
    where reject_reason is not null
)

select * from rejected
