with

interactions as (
    select * from {{ ref('stg_raw__interactions') }}
),

members as (
    select * from {{ ref('stg_raw__members') }}
),

final as (
    select
        interactions.interaction_id,
        interactions.member_id,
        interactions.channel,
        interactions.interaction_type,
        interactions.occurred_at,
        cast(interactions.occurred_at as date) as occurred_date,
        members.member_id is not null as is_known_member
    from interactions
    left join members
        on interactions.member_id = members.member_id
)

select * from final
