with

checked as (
    select * from {{ ref('base_raw__member_bindings') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_member_id as string) as member_id,
        cast(raw_channel as string) as channel,
        cast(raw_customer_id as string) as customer_id,
        cast(raw_bound_at as string) as bound_at
    from checked
    where reject_reason is not null
)

select * from rejected
