with

checked as (
    select * from {{ ref('base_raw__surveys') }}
),

rejected as (
    select
        reject_reason,
        cast(raw_response_id as string) as response_id,
        cast(raw_member_id as string) as member_id,
        cast(raw_responded_at as string) as responded_at,
        cast(raw_nps_score as string) as nps_score
    from checked
    where reject_reason is not null
)

select * from rejected
