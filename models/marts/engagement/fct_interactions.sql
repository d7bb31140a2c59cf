with

interactions as (
    select * from {{ ref('stg_raw__interactions') }}
),

known_members as (
    select member_id from {{ ref('stg_raw__members') }}
),

final as (
    select
        interactions.interaction_id,
        interactions.member_id,
        interactions.channel,
        interactions.interaction_type,
        interactions.occurred_at,
        cast(interactions.occurred_at as date) as occurred_date,
        known_members.member_id is not null as is_known_member
    from interactions
    left join known_members
        on interactions.member_id = known_members.member_id
)

select * from final
