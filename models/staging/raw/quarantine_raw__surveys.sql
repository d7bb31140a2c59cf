with

checked as (
    select * from {{ ref('base_raw__surveys') }}
),

rejected as (
    select
        reject_reason,
        raw_response_id as response_id,
        raw_member_id as member_id,
        raw_responded_at as responded_at,
        raw_nps_score as nps_score
    from checked
    where reject_reason is not null
)

select * from rejected
