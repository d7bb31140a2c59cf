-- The generator's vocabulary, defined once per DuckDB session before the
-- tables are built. Time is counted from the first day of the window:
-- day 0, second 0 = midnight of $window_start.

-- A uniform draw in (0, 1) from a hash of the row's keys, a salt and the
-- seed: a value depends only on its keys and the seed, never on threads.
create or replace temp macro uniform_draw(row_key, sub_key, salt) as
    ((hash(row_key, sub_key, salt, $seed::bigint) >> 11)::double + 0.5)
    / 9007199254740992.0;

-- A standard normal draw (Box-Muller on two uniform draws).
create or replace temp macro normal_draw(row_key, sub_key, salt) as
    sqrt(-2.0 * ln(uniform_draw(row_key, sub_key, salt)))
    * cos(2.0 * pi() * uniform_draw(row_key, sub_key, salt + 7919));

-- A naive business-local timestamp from a second of the window.
create or replace temp macro window_timestamp(window_second) as
    make_timestamp(
        (($window_start_epoch_second)::bigint + window_second)
        * 1000000::bigint
    );

create or replace temp macro window_date(window_day) as
    ($window_start + (window_day)::integer);

-- A second of the day, opens_at plus a uniform share of open_seconds.
create or replace temp macro second_of_day(draw, opens_at, open_seconds) as
    opens_at + floor(draw * open_seconds)::integer;

-- A moment of a member's enrolment: a uniform day from its first to its
-- last day (drawn with salt), at a second of that day from opens_at for
-- open_seconds (drawn with salt + 1).
create or replace temp macro enrolled_moment(
    first_enrolled_day, last_enrolled_day,
    member_index, draw_number, salt, opens_at, open_seconds
) as
    window_timestamp(
        (
            first_enrolled_day
            + floor(
                uniform_draw(member_index, draw_number, salt)
                * (last_enrolled_day - first_enrolled_day + 1)
            )::integer
        ) * 86400
        + second_of_day(
            uniform_draw(member_index, draw_number, salt + 1),
            opens_at,
            open_seconds
        )
    );

-- The 618 and Double 11 festivals of the window (its last day when none),
-- and a year end of the window (its last day when none), picked by a draw.
create or replace temp macro festival_day(draw) as
    $festival_days[1 + floor(draw * $festival_count)::integer];

create or replace temp macro year_end_day(draw) as
    $year_end_days[1 + floor(draw * $year_end_count)::integer];

-- One 618 or one Double 11 of the window (its last day when none).
create or replace temp macro six_eighteen_day(draw) as
    $six_eighteen_days[1 + floor(draw * $six_eighteen_count)::integer];

create or replace temp macro double_eleven_day(draw) as
    $double_eleven_days[1 + floor(draw * $double_eleven_count)::integer];

-- The tier rank that a net spend over 365 days qualifies for.
create or replace temp macro tier_rank_from_spend(spend) as
    case
        when spend >= $platinum_spend then 4
        when spend >= $gold_spend then 3
        when spend >= $silver_spend then 2
        else 1
    end;

-- Codes by 0-based index (tiers by 1-based rank).
create or replace temp macro channel_code(channel_index) as
    ['tmall', 'jd', 'douyin', 'wechat_mall', 'app', 'offline_pos'][
        channel_index + 1
    ];

create or replace temp macro channel_prefix(channel_index) as
    ['tm', 'jd', 'dy', 'wx', 'ap', 'po'][channel_index + 1];

create or replace temp macro category_code(category_index) as
    [
        'formula', 'diapers', 'feeding', 'toys',
        'clothing', 'skincare', 'snacks', 'vitamins'
    ][category_index + 1];

create or replace temp macro tier_code(tier_rank) as
    ['normal', 'silver', 'gold', 'platinum'][tier_rank];

-- Ids. A bijection of [0, 2^32): the seed only permutes the id space.
create or replace temp macro scramble32(account_number) as
    xor(
        (account_number::ubigint * 2246822519::ubigint) % 4294967296::ubigint,
        $seed_mask::ubigint
    );

create or replace temp macro make_customer_id(channel_index, account_number) as
    channel_prefix(channel_index)
    || (10000000000 + scramble32(account_number))::varchar;

-- the order id from the order key: a bijection of [0, 2^42)
create or replace temp macro make_order_id(order_key) as
    'O' || (
        10000000000000
        + xor((order_key * 1400159) % 4398046511104, $order_id_mask)
    )::varchar;

-- fixed-width ids without padding functions: 1 followed by the number
create or replace temp macro make_member_id(member_index) as
    'M' || (1000000000 + member_index)::varchar;

create or replace temp macro make_fixed_id(prefix, id_number, digits) as
    prefix || (pow(10, digits)::bigint + id_number)::varchar;

create or replace temp macro make_mobile_hash(person_number, kind) as
    'h' || to_hex(hash(person_number, kind, $seed::bigint));

-- A channel index from a draw: 0 (tmall) below the first edge, 1 (jd)
-- below the second, and so on to 5 (offline_pos) above the fifth.
create or replace temp macro channel_index_from_draw(
    draw, tmall_edge, jd_edge, douyin_edge, wechat_mall_edge, app_edge
) as
    case
        when draw < tmall_edge then 0
        when draw < jd_edge then 1
        when draw < douyin_edge then 2
        when draw < wechat_mall_edge then 3
        when draw < app_edge then 4
        else 5
    end;

-- A score from 1 to 5 from a draw: 1 below the first edge, 2 below the
-- second, 3 below the third, 4 below the fourth, else 5.
create or replace temp macro score_from_draw(
    draw, edge_1, edge_2, edge_3, edge_4
) as
    case
        when draw < edge_1 then 1
        when draw < edge_2 then 2
        when draw < edge_3 then 3
        when draw < edge_4 then 4
        else 5
    end;

-- A category index from a draw: formula 22%, diapers 20%, feeding 12%,
-- toys 10%, clothing 12%, skincare 10%, snacks 8%, vitamins 6%.
create or replace temp macro draw_category(draw) as
    case
        when draw < 0.22 then 0
        when draw < 0.42 then 1
        when draw < 0.54 then 2
        when draw < 0.64 then 3
        when draw < 0.76 then 4
        when draw < 0.86 then 5
        when draw < 0.94 then 6
        else 7
    end;
