with

checked as (
    select * from {{ ref('base_raw__surveys') }}
),

clean as (
    select
        -- ids
        response_id,
        member_id,

        -- scores
        nps_score,

        -- timestamps
        responded_at

    from checked
    where reject_reason is null
)

select * from clean
