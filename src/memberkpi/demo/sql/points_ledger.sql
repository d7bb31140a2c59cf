-- The points ledger: earned on paid orders while enrolled, redeemed,
-- expired at a year end and adjusted by hand, appended in that order.
create or replace table clean_points_ledger as
select
    ('PE' || substr(order_id, 2))::varchar as entry_id,
    make_member_id(member_index)::varchar as member_id,
    paid_at::timestamp as occurred_at,
    -- points per unit of currency by tier
    floor(paid_amount * [1.0, 1.2, 1.5, 2.0][tier_rank])::integer as points,
    'earn'::varchar as entry_type,
    order_id::varchar as order_id
from clean_orders
where member_index is not null
    and is_paid
    and status <> 'cancelled'
    and paid_second // 86400 >= join_day
    and (exit_day is null or paid_second // 86400 < exit_day)
    and paid_amount >= 1;

insert into clean_points_ledger
select
    make_fixed_id('PR', member_index * 100 + redemption_number, 12)::varchar
        as entry_id,
    member_id::varchar,
    enrolled_moment(
        first_enrolled_day, last_enrolled_day,
        member_index, redemption_number, 130, 28800, 50400
    )::timestamp as occurred_at,
    (-100 * (
        1 + floor(uniform_draw(member_index, redemption_number, 132) * 15)
    ))::integer as points,
    'redeem'::varchar as entry_type,
    null::varchar as order_id
from (
    select
        *,
        -- about one redemption per 17 orders, at most 60
        unnest(range(least(
            60,
            floor(
                order_count * 0.06 + uniform_draw(member_index, 0, 133)
            )::integer
        ))) as redemption_number
    from clean_members
    where last_enrolled_day >= first_enrolled_day
);

insert into clean_points_ledger
select
    make_fixed_id('PX', member_index, 10)::varchar as entry_id,
    member_id::varchar,
    window_timestamp(expire_day * 86400 + 86399)::timestamp as occurred_at,
    (-10 * (5 + floor(uniform_draw(member_index, 0, 141) * 100)))::integer
        as points,
    'expire'::varchar as entry_type,
    null::varchar as order_id
from (
    select
        *,
        year_end_day(uniform_draw(member_index, 0, 140)) as expire_day
    from clean_members
    where order_count > 0 and uniform_draw(member_index, 0, 142) < 0.12
)
where expire_day between first_enrolled_day and last_enrolled_day;

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
