-- The points ledger: earned on paid orders while enrolled, redeemed,
-- expired at a year end and adjusted by hand, appended in that order.
-- $points_redeemer_share of members redeem: after most of their earnings
-- they spend half to all of them. A share of the points earned in a year
-- and not redeemed expire at the end of the following year; some
-- legacy members' points from before the window expire at the first year
-- end (at most half of what they earn in the window by then, so that no
-- balance goes below zero).
create or replace table clean_points_ledger as
select
    ('PE' || substr(orders.order_id, 2))::varchar as entry_id,
    make_member_id(orders.member_index)::varchar as member_id,
    orders.paid_at::timestamp as occurred_at,
    -- points per unit of currency by the tier the order leaves the member in
    floor(
        orders.paid_amount
        * [1.0, 1.2, 1.5, 2.0][coalesce(ranks.tier_rank_after_order, 1)]
    )::integer as points,
    'earn'::varchar as entry_type,
    orders.order_id::varchar as order_id
from clean_orders as orders
left join clean_order_tier_ranks as ranks
    on orders.order_key = ranks.order_key
where orders.member_index is not null
    and orders.is_paid
    and orders.status <> 'cancelled'
    and orders.paid_second // 86400 >= orders.join_day
    and (
        orders.exit_day is null
        or orders.paid_second // 86400 < orders.exit_day
    )
    and orders.paid_amount >= 1
order by orders.order_key;

create or replace table clean_points_habits as
select
    member_index,
    uniform_draw(member_index, 0, 134) < $points_redeemer_share as redeems,
    0.5 + 0.5 * uniform_draw(member_index, 0, 135) as redeemed_share
from clean_members;

-- 70% of a redeemer's earnings of 100 points or more are followed, 3 to
-- 90 days later while enrolled, by a redemption of its redeemed share
insert into clean_points_ledger
with earnings as (
    select
        earned.entry_id,
        earned.member_id,
        earned.points,
        earned.occurred_at,
        habits.redeemed_share,
        hash(earned.entry_id) as entry_key,
        members.exit_day
    from clean_points_ledger as earned
    inner join clean_members as members
        on earned.member_id = members.member_id
    inner join clean_points_habits as habits
        on members.member_index = habits.member_index
    where habits.redeems and earned.points >= 100
),

redeemed as (
    select
        *,
        occurred_at + to_seconds(
            259200 + floor(uniform_draw(entry_key, 0, 130) * 7516800)::bigint
        ) as redeemed_at
    from earnings
    where uniform_draw(entry_key, 0, 131) < 0.7
)

select
    ('PR' || substr(entry_id, 3))::varchar as entry_id,
    member_id::varchar as member_id,
    redeemed_at::timestamp as occurred_at,
    (-100 * greatest(1, floor(points * redeemed_share / 100)))::integer
        as points,
    'redeem'::varchar as entry_type,
    null::varchar as order_id
from redeemed
where redeemed_at <= window_timestamp($last_second)
    and (exit_day is null or redeemed_at < window_timestamp(exit_day * 86400))
order by entry_id;

insert into clean_points_ledger
with year_ends as (
    select
        unnest($year_end_days) as expire_day,
        unnest(range(1, $year_end_count + 1)) as year_end_number
),

unredeemed_by_year as (
    select
        members.member_index,
        year_ends.expire_day,
        year_ends.year_end_number,
        sum(earned.points + coalesce(redeemed.points, 0)) as points_unredeemed
    from clean_points_ledger as earned
    inner join clean_members as members
        on earned.member_id = members.member_id
    left join clean_points_ledger as redeemed
        on redeemed.entry_id = 'PR' || substr(earned.entry_id, 3)
    inner join year_ends
        on earned.occurred_at > window_timestamp(
            (year_ends.expire_day - 730) * 86400 + 86399
        )
        and earned.occurred_at <= window_timestamp(
            (year_ends.expire_day - 365) * 86400 + 86399
        )
    where earned.entry_type = 'earn'
    group by all
),

expiring as (
    -- the points of the year before the one ending
    select
        member_index,
        expire_day,
        year_end_number,
        floor(points_unredeemed * $unredeemed_expiring_share / 10) * 10
            as points_expiring
    from unredeemed_by_year

    union all

    -- points from before the window, at the first year end
    select
        members.member_index,
        $year_end_days[1] as expire_day,
        1 as year_end_number,
        least(
            10 * (5 + floor(uniform_draw(members.member_index, 0, 141) * 100)),
            floor(sum(earned.points) / 20) * 10
        ) as points_expiring
    from clean_members as members
    inner join clean_points_ledger as earned
        on members.member_id = earned.member_id
    where members.is_legacy_member
        and uniform_draw(members.member_index, 0, 142) < 0.3
        and earned.entry_type = 'earn'
        and earned.occurred_at
            <= window_timestamp($year_end_days[1] * 86400 + 86399)
    group by members.member_index
)

select
    make_fixed_id(
        'PX', expiring.member_index * 100 + expiring.year_end_number, 12
    )::varchar as entry_id,
    members.member_id::varchar as member_id,
    window_timestamp(expiring.expire_day * 86400 + 86399)::timestamp
        as occurred_at,
    (-sum(expiring.points_expiring))::integer as points,
    'expire'::varchar as entry_type,
    null::varchar as order_id
from expiring
inner join clean_members as members
    on expiring.member_index = members.member_index
where expiring.expire_day
    between members.first_enrolled_day and members.last_enrolled_day
group by all
having sum(expiring.points_expiring) > 0
order by entry_id;

insert into clean_points_ledger
select
    make_fixed_id('PA', member_index, 10)::varchar as entry_id,
    member_id::varchar,
    enrolled_moment(
        first_enrolled_day, last_enrolled_day,
        member_index, 0, 150, 36000, 28800
    )::timestamp as occurred_at,
    (
        (case when uniform_draw(member_index, 0, 152) < 0.7 then 1 else -1 end)
        * (10 + floor(uniform_draw(member_index, 0, 153) * 490))
    )::integer as points,
    'adjust'::varchar as entry_type,
    null::varchar as order_id
from clean_members
where last_enrolled_day >= first_enrolled_day
    and uniform_draw(member_index, 0, 154) < 0.015;

select * from clean_points_ledger
