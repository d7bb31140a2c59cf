with

checked as (
    select * from {{ ref('base_raw__tier_changes') }}
),

clean as (
    select
        -- ids
        member_id,

        -- codes
        from_tier,
        to_tier,

        -- timestamps
        changed_at

    from checked
    where reject_reason is null
)

select * from clean
