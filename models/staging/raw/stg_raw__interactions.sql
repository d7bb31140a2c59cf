with

checked as (
    select * from {{ ref('base_raw__interactions') }}
),

clean as (
    select
        -- ids
        interaction_id,
        member_id,

        -- codes
        channel,
        interaction_type,

        -- timestamps
        occurred_at

    from checked
    where reject_reason is null
)

select * from clean
