-- Members with their hidden traits (order and interaction rates, buying
-- lifetime, spend, channels, opening tier), kept in clean_members for the
-- tables built after them. The export query at the end selects the
-- contract's columns; it is written after tier_changes, whose ladder gives
-- each member's tier (clean_member_tiers).
--
-- Buying: $never_buying_share of members never buy; of the others
-- $one_order_share buy once, the rest at a yearly rate drawn around
-- $orders_per_year until their buying lifetime (exponential, mean
-- $buying_lifetime_mean_days days from their first buying day) ends: the
-- baby grows out of the category, or the parent moves to another brand.
-- $first_order_at_join_share of the members who join in the window place
-- their first member order on their joining day.
-- Planted: the members who joined from day $collapsed_cohort_first_day to
-- $collapsed_cohort_last_day (a free-sample drive) buy once and rarely again.
create or replace table clean_members as
with member_numbers as (
    select range + 1 as member_index
    from range($member_count)
),

draws as (
    select
        member_index,
        -- a quarter joined before the window (legacy members)
        uniform_draw(member_index, 0, 1) < 0.25 as is_legacy_member,
        case
            when uniform_draw(member_index, 0, 1) < 0.25
                then -1 - floor(
                    uniform_draw(member_index, 0, 3) * 1095
                )::integer
            -- 18% join a few days before a festival
            when uniform_draw(member_index, 0, 2) < 0.18
                then greatest(
                    0,
                    festival_day(uniform_draw(member_index, 0, 4))
                    - floor(
                        pow(uniform_draw(member_index, 0, 5), 2) * 10
                    )::integer
                )
            else floor(
                pow(uniform_draw(member_index, 0, 3), 0.8) * $window_days
            )::integer
        end as join_day,
        second_of_day(uniform_draw(member_index, 0, 6), 25200, 61200)
            as join_second_of_day,
        -- home channel: tmall 30%, jd 16%, douyin 20%, wechat_mall 14%,
        -- app 8%, offline_pos 12%
        channel_index_from_draw(
            uniform_draw(member_index, 0, 7), 0.30, 0.46, 0.66, 0.80, 0.88
        ) as home_channel_index,
        uniform_draw(member_index, 0, 8) < 0.18 as will_exit,
        30 + floor(uniform_draw(member_index, 0, 9) * 700)::integer
            as exit_after_days,
        second_of_day(uniform_draw(member_index, 0, 10), 25200, 61200)
            as exit_second_of_day,
        uniform_draw(member_index, 0, 11) < 0.60 as buys_after_exit,
        uniform_draw(member_index, 0, 12) < 0.25 as buys_before_join,
        5 + floor(uniform_draw(member_index, 0, 13) * 180)::integer
            as pre_join_days,
        normal_draw(member_index, 0, 14) as z_rate,
        normal_draw(member_index, 0, 16) as z_spend,
        uniform_draw(member_index, 0, 18) < $never_buying_share as never_buys,
        uniform_draw(member_index, 0, 37) as one_order_draw,
        uniform_draw(member_index, 0, 38) < $first_order_at_join_share
            as buys_at_join,
        ceil(
            -ln(uniform_draw(member_index, 0, 39)) * $buying_lifetime_mean_days
        )::integer as buying_lifetime_days,
        uniform_draw(member_index, 0, 19) as order_rounding_draw,
        draw_category(uniform_draw(member_index, 0, 20))
            as preferred_category_index,
        -- one, two (26%) or three (12%) bound channels
        1 + (uniform_draw(member_index, 0, 21) < 0.38)::integer
        + (uniform_draw(member_index, 0, 21) < 0.12)::integer as binding_count,
        1 + floor(uniform_draw(member_index, 0, 22) * 5)::integer
            as second_channel_offset,
        floor(uniform_draw(member_index, 0, 23) * 4)::integer
            as third_channel_step,
        1 + floor(uniform_draw(member_index, 0, 24) * $store_count)::integer
            as home_store_number,
        uniform_draw(member_index, 0, 25) as gender_draw,
        uniform_draw(member_index, 0, 26) as birth_year_draw,
        uniform_draw(member_index, 0, 27) as city_draw,
        uniform_draw(member_index, 0, 28) as sms_draw,
        uniform_draw(member_index, 0, 29) as wechat_draw,
        uniform_draw(member_index, 0, 30) as app_draw,
        uniform_draw(member_index, 0, 31) < 0.90 as has_mobile,
        uniform_draw(member_index, 0, 32) < $never_interacting_share
            as never_interacts,
        normal_draw(member_index, 0, 33) as z_interact,
        uniform_draw(member_index, 0, 35) as interaction_rounding_draw,
        uniform_draw(member_index, 0, 34) as opening_spend_draw,
        uniform_draw(member_index, 0, 36) as opening_tier_draw
    from member_numbers
),

exits as (
    select
        *,
        case
            when will_exit and join_day + exit_after_days <= $last_day
                then join_day + exit_after_days
        end as exit_day
    from draws
),

spans as (
    select
        *,
        greatest(0, case
            when buys_before_join and not is_legacy_member
                then join_day - pre_join_days
            else join_day
        end) as first_buying_day,
        case
            when exit_day is null or buys_after_exit then $last_day
            else exit_day
        end as open_buying_day,
        greatest(0, join_day) as first_enrolled_day,
        coalesce(exit_day - 1, $last_day) as last_enrolled_day,
        join_day between $collapsed_cohort_first_day
            and $collapsed_cohort_last_day as is_collapsed_cohort
    from exits
),

lifetimes as (
    select
        *,
        least(open_buying_day, first_buying_day + buying_lifetime_days)
            as last_buying_day,
        one_order_draw < case
            when is_collapsed_cohort then $collapsed_cohort_one_order_share
            else $one_order_share
        end as buys_once
    from spans
),

counted as (
    select
        *,
        case
            when never_buys or last_buying_day < first_buying_day then 0
            when buys_once then 1
            else least($max_orders_per_account, greatest(1, floor(
                $orders_per_year * exp(
                    $order_rate_sigma * z_rate
                    - $order_rate_sigma * $order_rate_sigma / 2
                )
                * (last_buying_day - first_buying_day + 1) / 365.25
                + order_rounding_draw
            )::integer))
        end as order_count
    from lifetimes
),

engaged as (
    select
        *,
        -- members interact while they buy and for a while after; those
        -- who never buy, for a buying lifetime after they join
        least(last_enrolled_day, case
            when order_count > 0
                then last_buying_day + $interaction_tail_days
            else first_enrolled_day + buying_lifetime_days
        end) as last_interacting_day
    from counted
)

select
    *,
    case
        when never_interacts or last_interacting_day < first_enrolled_day
            then 0
        else least(1000, floor(
            $interactions_per_year * exp(1.1 * z_interact - 0.605)
            * (last_interacting_day - first_enrolled_day + 1) / 365.25
            + interaction_rounding_draw
        )::integer)
    end as interaction_count,
    exp(0.55 * z_spend - 0.151) as spend_multiplier,
    (home_channel_index + second_channel_offset) % 6 as second_channel_index,
    (
        home_channel_index + 1
        + (second_channel_offset + third_channel_step) % 5
    ) % 6 as third_channel_index,
    -- the tier a legacy member who buys more than once holds on day 0,
    -- earned by a year's spend before the window (its yearly order rate
    -- times its spend on a typical order, give or take half), and the day
    -- that spend runs out; members who join in the window start normal
    case
        when not is_legacy_member or buys_once or order_count = 0 then 1
        else tier_rank_from_spend(
            $orders_per_year * exp(
                $order_rate_sigma * z_rate
                - $order_rate_sigma * $order_rate_sigma / 2
            )
            * $typical_order_amount * exp(0.55 * z_spend - 0.151)
            * (0.5 + opening_spend_draw)
        )
    end as opening_tier_rank,
    floor(opening_tier_draw * 365)::integer as opening_tier_last_day,
    make_member_id(member_index) as member_id,
    window_timestamp(join_day * 86400 + join_second_of_day) as joined_at,
    channel_code(home_channel_index) as join_channel,
    window_timestamp(exit_day * 86400 + exit_second_of_day) as exited_at,
    case when gender_draw < 0.72 then 'F' when gender_draw < 0.90 then 'M' end
        as gender,
    case
        when birth_year_draw >= 0.08
            then 1976 + floor(birth_year_draw * 28)::integer
    end as birth_year,
    case
        when city_draw >= 0.05 then [
            'Shanghai', 'Beijing', 'Shenzhen', 'Guangzhou',
            'Chengdu', 'Hangzhou', 'Wuhan', 'Nanjing', 'Xi''an', 'Suzhou',
            'Hefei', 'Kunming', 'Nanning',
            'Luoyang', 'Yichang',
            'Ganzhou'
        ][1 + floor(city_draw * 16)::integer]
    end as city,
    case
        when city_draw >= 0.05
            then [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5][
                1 + floor(city_draw * 16)::integer
            ]
    end as city_tier,
    sms_draw < 0.50 as sms_opt_in,
    wechat_draw < case when home_channel_index = 3 then 0.90 else 0.36 end
        as wechat_bound,
    app_draw < case when home_channel_index = 4 then 0.85 else 0.15 end
        as app_push_opt_in,
    case when has_mobile then make_mobile_hash(member_index, 77) end
        as mobile_hash
from engaged;

select
    members.member_id::varchar as member_id,
    members.joined_at::timestamp as joined_at,
    members.join_channel::varchar as join_channel,
    members.exited_at::timestamp as exited_at,
    tier_code(tiers.tier_rank)::varchar as tier,
    members.gender::varchar as gender,
    members.birth_year::integer as birth_year,
    members.city::varchar as city,
    members.city_tier::integer as city_tier,
    members.sms_opt_in::boolean as sms_opt_in,
    members.wechat_bound::boolean as wechat_bound,
    members.app_push_opt_in::boolean as app_push_opt_in,
    members.mobile_hash::varchar as mobile_hash
from clean_members as members
inner join clean_member_tiers as tiers
    on members.member_index = tiers.member_index
order by members.member_index
