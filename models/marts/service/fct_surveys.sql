with

surveys as (
    select * from {{ ref('stg_raw__surveys') }}
),

final as (
    select
        response_id,
        member_id,
        nps_score,
        case
            when nps_score >= 9 then 'promoter'
            when nps_score >= 7 then 'passive'
            when nps_score >= 0 then 'detractor'
        end as nps_category,
        responded_at,
        cast(responded_at as date) as responded_date
    from surveys
)

select * from final
