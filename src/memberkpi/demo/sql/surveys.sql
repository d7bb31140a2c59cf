-- NPS answers: 10% of enrolled members answer once, 2.5% twice.
with answers as (
    select
        *,
        unnest(range(
            (uniform_draw(member_index, 0, 213) < 0.10)::integer
            + (uniform_draw(member_index, 0, 213) < 0.025)::integer
        )) as answer_number
    from clean_members
    where last_enrolled_day >= first_enrolled_day
)

select
    make_fixed_id('N', member_index * 10 + answer_number, 11)::varchar
        as response_id,
    member_id::varchar as member_id,
    enrolled_moment(
        first_enrolled_day, last_enrolled_day,
        member_index, answer_number, 210, 28800, 50400
    )::timestamp as responded_at,
    -- scores 0 to 10: 3, 2, 3, 4, 4, 6, 7, 13, 15, 20 and 23%
    case
        when uniform_draw(member_index, answer_number, 212) < 0.03 then 0
        when uniform_draw(member_index, answer_number, 212) < 0.05 then 1
        when uniform_draw(member_index, answer_number, 212) < 0.08 then 2
        when uniform_draw(member_index, answer_number, 212) < 0.12 then 3
        when uniform_draw(member_index, answer_number, 212) < 0.16 then 4
        when uniform_draw(member_index, answer_number, 212) < 0.22 then 5
        when uniform_draw(member_index, answer_number, 212) < 0.29 then 6
        when uniform_draw(member_index, answer_number, 212) < 0.42 then 7
        when uniform_draw(member_index, answer_number, 212) < 0.57 then 8
        when uniform_draw(member_index, answer_number, 212) < 0.77 then 9
        else 10
    end::integer as nps_score
from answers
