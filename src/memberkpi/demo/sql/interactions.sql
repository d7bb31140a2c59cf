-- Member interactions on a bound channel (mostly the home channel), on
-- days of the enrolment up to the member's last interacting day (members
-- drift away once they stop buying), between 07:00 and 24:00.
with numbered as (
    select
        *,
        unnest(range(interaction_count)) as interaction_number
    from clean_members
),

channelled as (
    select
        *,
        least(
            binding_count - 1,
            floor(
                uniform_draw(member_index, interaction_number, 183)
                * binding_count * 1.4
            )::integer
        ) as binding_number,
        uniform_draw(member_index, interaction_number, 182) as type_draw
    from numbered
)

select
    make_fixed_id('I', member_index * 1000 + interaction_number, 13)::varchar
        as interaction_id,
    member_id::varchar as member_id,
    channel_code(
        [home_channel_index, second_channel_index, third_channel_index][
            binding_number + 1
        ]
    )::varchar as channel,
    enrolled_moment(
        first_enrolled_day, last_interacting_day,
        member_index, interaction_number, 180, 25200, 61200
    )::timestamp as occurred_at,
    -- sign_in 34%, game 10%, content_view 20%, share 8%, live_view 13%,
    -- coupon_claim 10%, review 5%
    (case
        when type_draw < 0.34 then 'sign_in'
        when type_draw < 0.44 then 'game'
        when type_draw < 0.64 then 'content_view'
        when type_draw < 0.72 then 'share'
        when type_draw < 0.85 then 'live_view'
        when type_draw < 0.95 then 'coupon_claim'
        else 'review'
    end)::varchar as interaction_type
from channelled
