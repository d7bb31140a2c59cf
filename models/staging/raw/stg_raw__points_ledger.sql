with

checked as (
    select * from {{ ref('base_raw__points_ledger') }}
),

clean as (
    select
        -- ids
        entry_id,
        member_id,
        order_id,

        -- codes
        entry_type,

        -- amounts
        points,

        -- timestamps
        occurred_at

    from checked
    where reject_reason is null
)

select * from clean
