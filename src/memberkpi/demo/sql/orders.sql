-- Orders come from three skeletons (who ordered, where and when), priced
-- alike by priced_orders: members' regular orders, orders of buyers with
-- no binding (non-member accounts), and orders of treated members who
-- respond to a campaign within 6.5 days. An order key leaves 13 bits
-- (8192 orders) per buyer account. Then the ladder's qualifying tier of
-- each member order (clean_order_tier_ranks), and the planted lapse: most
-- members of tier rank $lapsing_tier_rank on day $lapse_start_day stop
-- buying within 45 days.

-- A Double 11 ($double_eleven_weight of draws) or 618 festival, or one of
-- the eleven days before it (its pre-sale; nearer days likelier).
create or replace temp macro near_festival_day(order_key, salt) as
    case
        when uniform_draw(order_key, 0, salt + 4) < $double_eleven_weight
            then double_eleven_day(uniform_draw(order_key, 0, salt))
        else six_eighteen_day(uniform_draw(order_key, 0, salt))
    end
    - floor(pow(uniform_draw(order_key, 0, salt + 1), 3) * 12)::integer;

-- An order day in [first_day, last_day]: near a festival for
-- $festival_order_share of draws (when that day is in range), else uniform.
create or replace temp macro order_day(order_key, first_day, last_day, salt) as
    case
        when uniform_draw(order_key, 0, salt + 3) < $festival_order_share
            and near_festival_day(order_key, salt)
                between first_day and last_day
            then near_festival_day(order_key, salt)
        else first_day + floor(
            uniform_draw(order_key, 0, salt + 2) * (last_day - first_day + 1)
        )::integer
    end;

create or replace temp view member_order_skeletons as
with member_orders as (
    select
        *,
        member_index * 8192 + order_number as order_key
    from (
        select
            *,
            unnest(range(order_count)) as order_number
        from clean_members
    )
),

-- the binding an order is placed through: the home channel, or with
-- two channels the second for 35%, with three 25% and 20%
bound as (
    select
        *,
        case
            when binding_count = 1 then 0
            when binding_count = 2
                then (uniform_draw(order_key, 0, 77) < 0.35)::integer
            when uniform_draw(order_key, 0, 77) < 0.55 then 0
            when uniform_draw(order_key, 0, 77) < 0.80 then 1
            else 2
        end as binding_number
    from member_orders
),

placed as (
    select
        *,
        [home_channel_index, second_channel_index, third_channel_index][
            binding_number + 1
        ] as channel_index,
        -- the first order on the joining day for members who buy as they
        -- join; a follow-up order 0-6 days after the day drawn for the
        -- order before (an item forgotten, a split delivery)
        case
            when order_number = 0
                and buys_at_join
                and join_day between greatest(0, first_buying_day)
                    and last_buying_day
                then join_day
            when order_number > 0
                and uniform_draw(order_key, 0, 71) < $follow_up_order_share
                then least(
                    last_buying_day,
                    order_day(
                        order_key - 1, first_buying_day, last_buying_day, 70
                    )
                    + floor(uniform_draw(order_key, 0, 72) * 7)::integer
                )
            else order_day(order_key, first_buying_day, last_buying_day, 70)
        end as order_day
    from bound
)

select
    order_key,
    member_index,
    channel_index,
    make_customer_id(channel_index, 4 * member_index + binding_number)
        as customer_id,
    home_store_number,
    order_day,
    second_of_day(pow(uniform_draw(order_key, 0, 75), 0.75), 21600, 64800)
        as order_second_of_day,
    case
        when mobile_hash is not null and uniform_draw(order_key, 0, 76) < 0.7
            then mobile_hash
    end as mobile_hash,
    preferred_category_index,
    spend_multiplier,
    join_day,
    exit_day
from placed;

create or replace temp view non_member_order_skeletons as
with person_numbers as (
    select range + 1 as person_number
    from range($non_member_person_count)
),

persons as (
    select
        person_number,
        -- 22% of persons buy through two accounts
        1 + (uniform_draw(person_number, 0, 80) < 0.22)::integer
            as account_count,
        -- first channel: tmall 32%, jd 22%, douyin 28%, wechat_mall 5%,
        -- app 3%, offline_pos 10%
        channel_index_from_draw(
            uniform_draw(person_number, 0, 81), 0.32, 0.54, 0.82, 0.87, 0.90
        ) as first_channel_index,
        -- 3% share a member's mobile number
        case
            when uniform_draw(person_number, 0, 86) < 0.03
                then make_mobile_hash(
                    1 + ((person_number - 1) * 7919) % $member_count, 77
                )
            else make_mobile_hash(person_number, 78)
        end as person_mobile_hash,
        draw_category(uniform_draw(person_number, 0, 87))
            as preferred_category_index,
        exp(0.6 * normal_draw(person_number, 0, 88) - 0.18) as spend_multiplier
    from person_numbers
),

accounts as (
    select
        *,
        unnest(range(account_count)) as account_number
    from persons
),

account_orders as (
    select
        *,
        case
            when account_number = 0 then first_channel_index
            else (
                first_channel_index + 1
                + floor(uniform_draw(person_number, 0, 82) * 5)::integer
            ) % 6
        end as channel_index,
        least($max_orders_per_account, floor(
            $non_member_orders_per_year * exp(
                0.9 * normal_draw(person_number, account_number, 83) - 0.405
            )
            * $years + uniform_draw(person_number, account_number, 85)
        )::integer) as order_count
    from accounts
),

keyed_orders as (
    select
        *,
        (
            $member_count + 1 + 2 * (person_number - 1) + account_number
        ) * 8192 + order_number as order_key
    from (
        select
            *,
            unnest(range(order_count)) as order_number
        from account_orders
    )
)

select
    order_key,
    null::bigint as member_index,
    channel_index,
    make_customer_id(
        channel_index,
        4 * ($member_count + 1) + 2 * (person_number - 1) + account_number
    ) as customer_id,
    1 + floor(uniform_draw(order_key, 0, 95) * $store_count)::integer
        as home_store_number,
    order_day(order_key, 0, $last_day, 90) as order_day,
    second_of_day(pow(uniform_draw(order_key, 0, 96), 0.75), 21600, 64800)
        as order_second_of_day,
    case
        when account_count = 2
            or uniform_draw(person_number, account_number, 97) < 0.6
            then person_mobile_hash
    end as mobile_hash,
    preferred_category_index,
    spend_multiplier,
    null::integer as join_day,
    null::integer as exit_day
from keyed_orders;

create or replace temp view response_order_skeletons as
with responses as (
    select
        member_index,
        campaign_index,
        is_clicked,
        touch_second + floor(
            uniform_draw(member_index, campaign_index, 100) * 561600
        )::integer as response_second,
        uniform_draw(member_index, campaign_index, 101) as response_draw
    from clean_campaign_touches
    where is_delivered
)

select
    responses.member_index * 8192 + 4096 + responses.campaign_index
        as order_key,
    responses.member_index,
    members.home_channel_index as channel_index,
    make_customer_id(members.home_channel_index, 4 * responses.member_index)
        as customer_id,
    members.home_store_number,
    responses.response_second // 86400 as order_day,
    responses.response_second % 86400 as order_second_of_day,
    members.mobile_hash,
    members.preferred_category_index,
    members.spend_multiplier,
    members.join_day,
    members.exit_day
from responses
inner join clean_members as members
    on responses.member_index = members.member_index
-- 40% of the clickers respond, 5% of the others
where responses.response_draw
    < case when responses.is_clicked then 0.4 else 0.05 end
    and responses.response_second <= $last_second
order by order_key;

-- Lines, price, discount and status for the orders of one skeleton view.
create or replace temp macro priced_orders(skeleton_view) as table
with skeleton as (
    select * from query_table(skeleton_view)
),

lined as (
    select
        *,
        list_transform(
            list_transform(
                -- one line, two (22%), three (8%) or four (4%)
                range(
                    1 + (uniform_draw(order_key, 0, 115) < 0.34)::integer
                    + (uniform_draw(order_key, 0, 115) < 0.12)::integer
                    + (uniform_draw(order_key, 0, 115) < 0.04)::integer
                ),
                lambda line_index: {
                    'category_index': case
                        when uniform_draw(order_key, line_index, 110) < 0.55
                            then preferred_category_index
                        else draw_category(
                            uniform_draw(order_key, line_index, 111)
                        )
                    end,
                    -- 60 skus per category
                    'sku_number': floor(
                        uniform_draw(order_key, line_index, 112) * 60
                    )::integer,
                    -- one piece, two (23%), three (8%) or four (4%),
                    -- scaled by the buyer's spend
                    'quantity': greatest(1, round((
                        1
                        + (uniform_draw(order_key, line_index, 113) < 0.35)
                            ::integer
                        + (uniform_draw(order_key, line_index, 113) < 0.12)
                            ::integer
                        + (uniform_draw(order_key, line_index, 113) < 0.04)
                            ::integer
                    ) * spend_multiplier))::integer
                }
            ),
            lambda line: {
                'category_index': line.category_index,
                'sku': 100000 + 1000 * line.category_index + line.sku_number,
                'quantity': line.quantity,
                -- list price of the category, a price level by channel
                'unit_price': round(
                    [268.0, 139.0, 59.0, 89.0, 119.0, 79.0, 35.0, 158.0][
                        line.category_index + 1
                    ]
                    * exp(0.35 * normal_draw(
                        line.category_index, line.sku_number, 114
                    ))
                    * [1.0, 1.02, 0.82, 1.08, 1.06, 1.18][channel_index + 1],
                    2
                )::decimal(18, 2)
            }
        ) as lines,
        -- a festival's pre-sale: the eleven days before it and the day itself
        list_max(list_transform(
            $festival_days,
            lambda festival:
                (order_day between festival - 11 and festival)::integer
        )) = 1 as is_festival,
        uniform_draw(order_key, 0, 116) as status_draw,
        -- refunds and cancellations by channel
        [1.0, 1.0, 1.8, 0.8, 0.8, 0.4][channel_index + 1] as refund_factor
    from skeleton
),

amounts as (
    select
        *,
        list_sum(list_transform(
            lines, lambda line: line.unit_price * line.quantity
        ))::decimal(18, 2) as gross,
        -- discount propensity by channel, 5-15% off; at festivals more
        -- orders are discounted, 12-28% off
        case
            when uniform_draw(order_key, 0, 117)
                < [0.40, 0.36, 0.50, 0.32, 0.28, 0.20][channel_index + 1]
                + case when is_festival then 0.40 else 0 end
                then case
                    when is_festival
                        then 0.12 + 0.16 * uniform_draw(order_key, 0, 118)
                    else 0.05 + 0.10 * uniform_draw(order_key, 0, 118)
                end
            else 0
        end as discount_rate,
        case
            when status_draw < 0.035 * refund_factor then 'cancelled_unpaid'
            when status_draw < 0.055 * refund_factor then 'cancelled'
            when status_draw < 0.085 * refund_factor then 'refunded'
            when status_draw < 0.125 * refund_factor then 'partially_refunded'
            else 'paid'
        end as drawn_status,
        order_day * 86400 + order_second_of_day as order_second
    from lined
),

paid as (
    select
        *,
        round(gross * discount_rate, 2)::decimal(18, 2) as discount,
        least(
            $last_second,
            order_second + 20
            + floor(pow(uniform_draw(order_key, 0, 119), 3) * 5400)::integer
        ) as paid_second
    from amounts
)

select
    order_key,
    member_index,
    join_day,
    exit_day,
    channel_index,
    order_second,
    paid_second,
    drawn_status <> 'cancelled_unpaid' as is_paid,
    uniform_draw(order_key, 0, 120) < 0.97 as has_items,
    lines,
    make_order_id(order_key)::varchar as order_id,
    channel_code(channel_index)::varchar as channel,
    customer_id::varchar as customer_id,
    case
        when channel_index = 5 then make_fixed_id(
            'S',
            case
                when uniform_draw(order_key, 0, 121) < 0.8
                    then home_store_number
                else 1 + floor(
                    uniform_draw(order_key, 0, 122) * $store_count
                )::integer
            end,
            6
        )
    end::varchar as store_id,
    window_timestamp(order_second)::timestamp as ordered_at,
    case
        when drawn_status <> 'cancelled_unpaid'
            then window_timestamp(paid_second)
    end::timestamp as paid_at,
    (case
        when drawn_status = 'cancelled_unpaid' then 'cancelled'
        else drawn_status
    end)::varchar as status,
    gross::decimal(18, 2) as gross_amount,
    discount::decimal(18, 2) as discount_amount,
    (case
        when drawn_status = 'cancelled_unpaid' then 0
        else gross - discount
    end)::decimal(18, 2) as paid_amount,
    (case
        when drawn_status in ('cancelled', 'refunded') then gross - discount
        when drawn_status = 'partially_refunded' then greatest(0.01, round(
            (gross - discount)
            * (0.1 + 0.6 * uniform_draw(order_key, 0, 123)),
            2
        ))
        else 0
    end)::decimal(18, 2) as refunded_amount,
    mobile_hash::varchar as mobile_hash
from paid;

create or replace table clean_orders as
select * from priced_orders('member_order_skeletons');

insert into clean_orders
select * from priced_orders('non_member_order_skeletons');

insert into clean_orders
select * from priced_orders('response_order_skeletons');

-- The tier ladder: a member order paid while enrolled qualifies for the
-- tier of the member's net spend over the 365 days up to it, and a member
-- holds for 365 days the best tier an order qualified for (a legacy
-- member the opening tier until its last day): upgrades follow spending,
-- downgrades a year without spending enough.
create or replace table clean_order_tier_ranks as
with qualifying_orders as (
    select
        order_key,
        member_index,
        paid_second,
        paid_amount - refunded_amount as net_amount
    from clean_orders
    where member_index is not null
        and is_paid
        and status <> 'cancelled'
        and paid_second // 86400 >= join_day
        and (exit_day is null or paid_second // 86400 < exit_day)
        and paid_amount > refunded_amount
),

qualified as (
    select
        *,
        tier_rank_from_spend(sum(net_amount) over (
            partition by member_index
            order by paid_second
            range between 31535999 preceding and current row
        )) as qualifying_tier_rank
    from qualifying_orders
)

select
    qualified.order_key,
    qualified.member_index,
    qualified.paid_second,
    qualified.qualifying_tier_rank,
    greatest(
        max(qualified.qualifying_tier_rank) over (
            partition by qualified.member_index
            order by qualified.paid_second
            range between 31535999 preceding and current row
        ),
        case
            when qualified.paid_second // 86400
                <= members.opening_tier_last_day
                then members.opening_tier_rank
            else 1
        end
    ) as tier_rank_after_order
from qualified
inner join clean_members as members
    on qualified.member_index = members.member_index
order by qualified.order_key;

-- Planted: members of the lapsing tier at the end of the lapse start day
-- stop buying ($lapsing_share of them), each on a day of the 45 after it.
create or replace table clean_lapsed_members as
with tiers_at_lapse_start as (
    select
        members.member_index,
        greatest(
            coalesce(max(ranks.qualifying_tier_rank), 1),
            case
                when $lapse_start_day <= members.opening_tier_last_day
                    then members.opening_tier_rank
                else 1
            end
        ) as tier_rank
    from clean_members as members
    left join clean_order_tier_ranks as ranks
        on members.member_index = ranks.member_index
        and ranks.paid_second < ($lapse_start_day + 1) * 86400
        and ranks.paid_second >= ($lapse_start_day + 1) * 86400 - 31536000
    group by members.member_index, members.opening_tier_last_day,
        members.opening_tier_rank
)

select
    member_index,
    $lapse_start_day
    + floor(uniform_draw(member_index, 0, 124) * 45)::integer as lapse_day
from tiers_at_lapse_start
where tier_rank = $lapsing_tier_rank
    and uniform_draw(member_index, 0, 125) < $lapsing_share;

delete from clean_orders
where member_index in (select member_index from clean_lapsed_members)
    and order_second // 86400 > (
        select lapsed.lapse_day
        from clean_lapsed_members as lapsed
        where lapsed.member_index = clean_orders.member_index
    );

delete from clean_order_tier_ranks
where member_index in (select member_index from clean_lapsed_members)
    and order_key not in (select order_key from clean_orders);

select * from clean_orders
