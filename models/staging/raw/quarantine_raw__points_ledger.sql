with

checked as (
    select * from {{ ref('base_raw__points_ledger') }}
),

rejected as (
    select
        reject_reason,
        raw_entry_id as entry_id,
        raw_member_id as member_id,
        raw_occurred_at as occurred_at,
        raw_points as points,
        raw_entry_type as entry_type,
        raw_order_id as order_id
    from checked
    where reject_reason is not null
)

select * from rejected
