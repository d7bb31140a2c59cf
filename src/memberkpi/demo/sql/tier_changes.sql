-- A member of tier rank r climbed r - 1 times, evenly spaced over the
-- enrolment; 8% of members above normal with 60 days or more went one
-- tier higher first and came down.
create or replace table clean_tier_changes as
with downgrades as (
    select
        *,
        (
            downgrade_draw < 0.08 and tier_rank < 4 and tenure_days >= 60
        )::integer as has_downgrade
    from clean_members
),

changes as (
    select
        member_id,
        join_day * 86400 + join_second_of_day as join_second,
        coalesce(exit_day * 86400 - 1, $last_second) as end_second,
        tier_rank + has_downgrade as top_rank,
        tier_rank - 1 + has_downgrade as upgrade_count,
        tier_rank - 1 + 2 * has_downgrade as change_count
    from downgrades
),

numbered as (
    select
        *,
        unnest(range(change_count)) as change_number
    from changes
)

select
    member_id::varchar as member_id,
    window_timestamp(
        join_second
        + ((change_number + 1) * (end_second - join_second))
        // (change_count + 1)
    )::timestamp as changed_at,
    tier_code(case
        when change_number < upgrade_count then change_number + 1
        else top_rank
    end)::varchar as from_tier,
    tier_code(case
        when change_number < upgrade_count then change_number + 2
        else top_rank - 1
    end)::varchar as to_tier
from numbered;

select * from clean_tier_changes
