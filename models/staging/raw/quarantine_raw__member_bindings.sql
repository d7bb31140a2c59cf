with

checked as (
    select * from {{ ref('base_raw__member_bindings') }}
),

rejected as (
    select
        reject_reason,
        raw_member_id as member_id,
        raw_channel as channel,
        raw_customer_id as customer_id,
        raw_bound_at as bound_at
    from checked
    where reject_reason is not null
)

select * from rejected
