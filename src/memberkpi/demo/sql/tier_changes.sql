-- Tier changes from the ladder of clean_order_tier_ranks (orders.sql): a
-- member holds the best tier that an order of the last 365 days qualified
-- for, so a tier rises on the order that lifts the 365-day spend over a
-- threshold and falls 365 days after the last order that qualified for it.
-- A legacy member's opening tier counts as qualified by a purchase 365 days
-- before the day after its last day. Changes after exit are not recorded;
-- clean_member_tiers keeps each member's tier at the end (or at exit).
create or replace table clean_tier_events as
with qualifications as (
    select
        member_index,
        paid_second as event_second,
        qualifying_tier_rank
    from clean_order_tier_ranks

    union all

    select
        member_index,
        (opening_tier_last_day + 1 - 365) * 86400 as event_second,
        opening_tier_rank as qualifying_tier_rank
    from clean_members
    where opening_tier_rank > 1
),

events as (
    select * from qualifications

    union all

    -- the moment a qualification runs out
    select
        member_index,
        event_second + 31536000 as event_second,
        0 as qualifying_tier_rank
    from qualifications
),

held as (
    select distinct
        member_index,
        event_second,
        greatest(1, max(qualifying_tier_rank) over (
            partition by member_index
            order by event_second
            range between 31535999 preceding and current row
        )) as tier_rank
    from events
),

recorded as (
    select held.*
    from held
    inner join clean_members as members
        on held.member_index = members.member_index
    where held.event_second <= $last_second
        and (
            members.exit_day is null
            or held.event_second < members.exit_day * 86400
        )
)

select
    member_index,
    event_second,
    lag(tier_rank, 1, 1) over (
        partition by member_index order by event_second
    ) as from_tier_rank,
    tier_rank as to_tier_rank
from recorded;

create or replace table clean_member_tiers as
select
    members.member_index,
    coalesce(last_events.to_tier_rank, 1) as tier_rank
from clean_members as members
left join (
    select
        member_index,
        arg_max(to_tier_rank, event_second) as to_tier_rank
    from clean_tier_events
    group by member_index
) as last_events
    on members.member_index = last_events.member_index
order by members.member_index;

select
    make_member_id(member_index)::varchar as member_id,
    window_timestamp(event_second)::timestamp as changed_at,
    tier_code(from_tier_rank)::varchar as from_tier,
    tier_code(to_tier_rank)::varchar as to_tier
from clean_tier_events
where event_second >= 0
    and from_tier_rank <> to_tier_rank
order by member_index, event_second
