with

checked as (
    select * from {{ ref('base_raw__member_bindings') }}
),

clean as (
    select
        -- ids
        member_id,
        customer_id,

        -- codes
        channel,

        -- timestamps
        bound_at

    from checked
    where reject_reason is null
)

select * from clean
