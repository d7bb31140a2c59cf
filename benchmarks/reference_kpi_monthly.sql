-- Hand-written reference: the 49 monthly KPIs of KPI_SPEC.md straight from the
-- raw parquet files, with no dbt. It is the yardstick of the bench (benchmarks/bench.py)
-- (issue 8): the same values as metrics.kpi_monthly, computed the fastest way
-- we know how to write by hand.
--
-- Inputs, as DuckDB variables set before running the script:
--   raw_dir            text, the raw directory: <raw_dir>/<table>.parquet
--   as_of_date         date, rows dated after it are left out (as the
--                      quarantine's bad_timestamp rule does)
--   business_timezone  text, e.g. 'Asia/Shanghai'
-- Output: temp table reference_kpi_monthly(month date, kpi varchar, value double),
-- long format, one row per (month, kpi) for every month of the output range
-- (first to last month holding a member's joined_at or an order's paid_at,
-- incomplete last month included, like metrics.kpi_monthly); NULL where the
-- spec gives NULL.
--
-- ASSUMPTIONS (clean input):
--   * The raw files follow RAW_CONTRACT.md and hold no row the quarantine
--     would reject: no duplicate or missing keys, no unknown codes, no bad
--     amounts, no orphans. This is what `memberkpi generate` writes without
--     --dirty (checked: its keys are unique) and what the spec example holds.
--     Only the as-of rule is applied, row by row, without its orphan cascade.
--   * Every table the KPIs read is present as parquet: members,
--     member_bindings, orders, order_items, points_ledger, interactions,
--     channel_traffic, service_tickets, reviews, surveys, exposure_resources.
--     (The warehouse's NULL-for-an-absent-optional-table rule and CSV input
--     are not implemented here.)
--   * Timestamps: naive values are business-local; values with an offset are
--     converted through the session TimeZone, which this script sets to
--     business_timezone (the Python runner restores the caller's setting).
--
-- How it is fast: orders are read once, joined to the bindings on the way in,
-- into one lean table of paid orders (integer member key, month, net amount,
-- flags); order items are read once, joined to its member orders. Everything
-- else works on member-month aggregates. Every W12 / W24 measure becomes
-- per-member month INTERVALS ("this member counts from month a to month b"),
-- found with running sums and lead() over each member's sparse event months
-- (two window sorts in all, no range frames), and the intervals become +v / -v
-- deltas summed per month: no dense member x month grid is ever built.
-- Months are integers (year * 12 + month - 1) throughout.

set TimeZone = getvariable('business_timezone');

-- a raw table: <raw_dir>/<table_name>.parquet
create or replace temp macro ref_raw(table_name) as table
select * from read_parquet(getvariable('raw_dir') || '/' || table_name || '.parquet');

-- month number of a date or timestamp (year * 12 + month - 1)
create or replace temp macro ref_month(d) as cast(year(d) * 12 + month(d) - 1 as integer);

-- ------------------------------------------------------------------ members
create or replace temp table ref_members as
select
    cast(row_number() over () as integer) as mk,
    member_id,
    cast(joined_at as date) as join_date,
    cast(exited_at as date) as exit_date,
    ref_month(join_date) as join_mi,
    ref_month(exit_date) as exit_mi,
    coalesce(sms_opt_in, false)
    or coalesce(wechat_bound, false)
    or coalesce(app_push_opt_in, false) as reachable
from ref_raw('members')
where
    cast(joined_at as date) <= getvariable('as_of_date')
    and (exited_at is null or cast(exited_at as date) <= getvariable('as_of_date'));

-- (channel, customer_id) -> member, with what the member-order flag needs
create or replace temp table ref_bindings as
select b.channel, b.customer_id, m.mk, m.join_date, m.exit_date
from ref_raw('member_bindings') as b
inner join ref_members as m on b.member_id = m.member_id;

-- ------------------------------------------------------------------ orders: the one scan
-- Paid orders only (unpaid ones count nowhere). Cancelled ones are kept only
-- for the month range (a paid_at of a cancelled order still bounds it).
create or replace temp table ref_orders as
with paid as (
    select
        o.order_id,
        o.channel,
        o.customer_id,
        o.mobile_hash,
        o.status <> 'cancelled' as not_cancelled,
        cast(o.paid_at as date) as d,
        cast(o.paid_amount as decimal(18, 2))
        - coalesce(cast(o.refunded_amount as decimal(18, 2)), 0) as net,
        coalesce(o.refunded_amount, 0) > 0 as is_refunded
    from ref_raw('orders') as o
    where
        o.paid_at is not null
        and cast(o.paid_at as date) <= getvariable('as_of_date')
        and cast(o.ordered_at as date) <= getvariable('as_of_date')
)
select
    b.mk,
    -- person of an unbound buyer: mobile hash, else (channel, customer_id)
    case when b.mk is null then p.mobile_hash end as ph,
    case when b.mk is null and p.mobile_hash is null then p.customer_id end as pc,
    -- channel as its index in the contract's closed list (seed `channels`)
    list_position(
        ['tmall', 'jd', 'douyin', 'wechat_mall', 'app', 'offline_pos'], p.channel
    ) as ch,
    p.d,
    ref_month(p.d) as mi,
    p.net,
    p.not_cancelled,
    p.not_cancelled and p.net > 0 as is_valid,
    is_valid
    and b.mk is not null
    and b.join_date <= p.d
    and (b.exit_date is null or b.exit_date > p.d) as is_mo,
    p.is_refunded,
    case when is_mo then p.order_id end as mo_order_id
from paid as p
left join ref_bindings as b on p.channel = b.channel and p.customer_id = b.customer_id;

-- item categories (free text) as small integers
create or replace temp table ref_categories as
select category, row_number() over (order by category) as cid
from (
    select distinct category
    from ref_raw('order_items')
    where category is not null
);

-- month range of the output contract
create or replace temp table ref_range as
select min(mi) as first_mi, max(mi) as last_mi
from (
    select min(join_mi) as mi from ref_members
    union all select max(join_mi) from ref_members
    union all select min(mi) from ref_orders
    union all select max(mi) from ref_orders
);

-- all-order totals per month. Persons: a member (mk), else a mobile hash (ph),
-- else (channel, customer_id); exactly one of mk, ph, pc is set.
create or replace temp table ref_order_months as
select
    mi,
    sum(net) filter (where is_valid) as total_net_sales,
    count(*) filter (where is_valid) as valid_orders,
    count(distinct mk) filter (where is_valid)
    + count(distinct ph) filter (where is_valid)
    + count(distinct case when pc is not null then (ch, pc) end) filter (where is_valid)
        as total_buyers,
    count(*) filter (where not_cancelled) as refund_base,
    count(*) filter (where not_cancelled and is_refunded) as refunded_orders
from ref_orders
group by mi;

-- interactions of known members per member-month-channel (no enrolment test)
create or replace temp table ref_int as
select distinct
    m.mk,
    ref_month(x.d) as mi,
    list_position(['tmall', 'jd', 'douyin', 'wechat_mall', 'app', 'offline_pos'], x.channel)
        as ch
from (
    select member_id, channel, cast(occurred_at as date) as d
    from ref_raw('interactions')
    where cast(occurred_at as date) <= getvariable('as_of_date')
) as x
inner join ref_members as m on x.member_id = m.member_id;

-- member-month: member orders and interactions, with the member's attributes
create or replace temp table ref_mm as
select
    e.mk,
    e.mi,
    coalesce(e.n, 0) as n,
    e.net,
    e.min_d,
    e.max_d,
    e.has_interaction,
    m.join_mi,
    m.exit_mi,
    m.reachable,
    m.join_mi <= e.mi and (m.exit_mi is null or m.exit_mi > e.mi) as enrolled_at_end
from (
    select mk, mi, o.n, o.net, o.min_d, o.max_d, i.mk is not null as has_interaction
    from (
        select mk, mi, count(*) as n, sum(net) as net, min(d) as min_d, max(d) as max_d
        from ref_orders
        where is_mo
        group by mk, mi
    ) as o
    full outer join (select distinct mk, mi from ref_int) as i using (mk, mi)
) as e
inner join ref_members as m on e.mk = m.mk;

-- ------------------------------------------------------------------ per-member windows
-- Rolling W12 / W24 states as running sums of events over each member's event
-- months t (one sort by member, month; no range frames):
--   k12   member orders in W12(t):        +n at a purchase month p, -n at p + 12
--   e12   engaged months in W12(t):       +1 at an engaged month,   -1 twelve later
--   net12 member net sales in W12(t):     +net at p,                -net at p + 12
--   b24   purchase months in [t - 23, t]: +1 at p,                  -1 at p + 24
-- Each state holds from t to next_t - 1.
create or replace temp table ref_k as
select
    mk,
    t,
    lead(t) over w as next_t,
    sum(dk) over w as k12,
    sum(dk) over w - dk as k12_before,
    sum(de) over w as e12,
    sum(dnet) over w as net12,
    sum(db24) over w as b24,
    join_mi,
    exit_mi,
    reachable
from (
    select
        mk,
        t,
        sum(dk) as dk,
        sum(de) as de,
        sum(dnet) as dnet,
        sum(db24) as db24,
        any_value(join_mi) as join_mi,
        any_value(exit_mi) as exit_mi,
        any_value(reachable) as reachable
    from (
        -- double deltas: exact for these counts, and the fastest running sums
        select
            mk,
            mi as t,
            cast(n as double) as dk,
            1.0::double as de,
            cast(coalesce(net, 0) as double) as dnet,
            cast(n > 0 as double) as db24,
            join_mi,
            exit_mi,
            reachable
        from ref_mm
        union all
        select mk, mi + 12, -n, -1, -coalesce(net, 0), 0, join_mi, exit_mi, reachable
        from ref_mm
        union all
        select mk, mi + 24, 0, 0, 0, -1, join_mi, exit_mi, reachable
        from ref_mm
        where n > 0
    )
    group by mk, t
)
window w as (partition by mk order by t rows between unbounded preceding and current row);

-- >= 2 distinct channels (member orders and interactions, kind 1) or item
-- categories of member orders (kind 2, NULL categories left out) in W12:
-- a value seen in month mi counts over [mi, mi + 11]; per value these merge
-- into runs, which start at a month with no earlier one within 12 months and
-- end 12 months after a month with no later one within 12. A running sum of the
-- runs' +1/-1 per member counts the values. Rows sharing a month t: only the
-- last of them has next_t > t, and its running sum is the count at t.
create or replace temp table ref_two_values as
with member_values as (
    -- UNION (distinct): a hash pass that leaves the sort below fewer rows
    select mk, 1 as kind, ch as x, mi from ref_orders where is_mo
    union
    select mk, 1, ch, mi from ref_int
    union
    select o.mk, 2, c.cid, o.mi
    from ref_raw('order_items') as i
    inner join ref_orders as o on i.order_id = o.mo_order_id
    inner join ref_categories as c on i.category = c.category
),

neighbours as (
    select mk, kind, mi, lag(mi) over w as prev_mi, lead(mi) over w as next_mi
    from member_values
    window w as (partition by mk, kind, x order by mi)
),

counts as (
    select
        mk,
        kind,
        t,
        sum(dc) over w as c,
        lead(t) over w as next_t
    from (
        select mk, kind, mi as t, 1.0::double as dc
        from neighbours
        where prev_mi is null or prev_mi < mi - 12
        union all
        select mk, kind, mi + 12, -1.0::double
        from neighbours
        where next_mi is null or next_mi > mi + 12
    )
    window w as (partition by mk, kind order by t rows between unbounded preceding and current row)
)

select mk, kind, t, next_t from counts where c >= 2 and next_t > t;

-- first member order: its month and day f, the last member order day of that
-- month, and the first member order day of a later month
create or replace temp table ref_first_purchase as
select
    min(mi) as first_mi,
    min(min_d) as f,
    arg_min(max_d, mi) as first_month_last_d,
    min(min_d, 2) as first_two_days
from ref_mm
where n > 0
group by mk;

-- ------------------------------------------------------------------ month series
-- Every count is a sum of +v at the month an interval starts and -v at the
-- month after it ends; a running sum over months gives its value. A state of
-- ref_k / ref_two_values holds over [t, next_t - 1]; a point count at m is [m, m].
create or replace temp table ref_deltas as
with intervals as (
    -- members_total: enrolled at end(m) for m in [join_mi, exit_mi - 1]
    select 'members_total' as series, join_mi as s, exit_mi - 1 as e, 1.0 as v from ref_members
    union all
    select 'reachable_members', join_mi, exit_mi - 1, 1.0 from ref_members where reachable
    -- enrolled at end(m - 1) and end(m)
    union all
    select 'enrolled_both', join_mi + 1, exit_mi - 1, 1.0 from ref_members
    union all
    select 'members_new', join_mi, join_mi, 1.0 from ref_members
    union all
    select 'members_exited', exit_mi, exit_mi, 1.0 from ref_members where exit_mi is not null
    -- capital: enrolled at end(m), reachable, engaged in W12(m); clv adds
    -- their member net sales in W12(m)
    union all
    select 'capital', greatest(t, join_mi), least(next_t - 1, exit_mi - 1), 1.0
    from ref_k
    where reachable and e12 > 0
    union all
    select 'clv_net', greatest(t, join_mi), least(next_t - 1, exit_mi - 1), net12
    from ref_k
    where reachable and k12 > 0
    -- member buyers in W12 (k >= 1), repeat buyers (k >= 2)
    union all
    select 'buyers_w12', t, next_t - 1, 1.0 from ref_k where k12 >= 1
    union all
    select 'repeat_w12', t, next_t - 1, 1.0 from ref_k where k12 >= 2
    -- member buyers in [m - 23, m], for retention by inclusion-exclusion
    union all
    select 'buyers_w24', t, next_t - 1, 1.0 from ref_k where b24 >= 1
    -- conversion denominator, subtracted: level 3 at m - 1, enrolled both
    union all
    select 'level3_before', greatest(t + 1, join_mi + 1), least(next_t, exit_mi - 1), 1.0
    from ref_k
    where k12 >= 4
    -- conversion numerator: level up at m, enrolled at end(m - 1) and end(m)
    union all
    select 'level_up', t, t, 1.0
    from ref_k
    where
        join_mi <= t - 1
        and (exit_mi is null or exit_mi > t)
        and (case when k12 >= 4 then 3 when k12 >= 2 then 2 else k12 end)
        > (case when k12_before >= 4 then 3 when k12_before >= 2 then 2 else k12_before end)
    -- capital members with >= 2 channels in W12 (>= 2 channels implies engaged)
    union all
    select 'cross_field', greatest(c.t, m.join_mi), least(c.next_t - 1, m.exit_mi - 1), 1.0
    from ref_two_values as c
    inner join ref_members as m on c.mk = m.mk
    where c.kind = 1 and m.reachable
    -- member buyers in W12 with >= 2 categories
    union all
    select 'cross_category', t, next_t - 1, 1.0 from ref_two_values where kind = 2
    -- second purchase within 90 days, reported at cohort month + 4
    union all
    select 'second_cohort', first_mi + 4, first_mi + 4, 1.0 from ref_first_purchase
    union all
    select 'second_converted', first_mi + 4, first_mi + 4, 1.0
    from ref_first_purchase
    where first_month_last_d > f or first_two_days[2] <= f + 90
    -- point counts of member-months
    union all
    select 'active_members', mi, mi, 1.0 from ref_mm where enrolled_at_end
    union all
    select 'connection_engaged', mi, mi, 1.0 from ref_mm where enrolled_at_end and reachable
    union all
    select 'interacted', mi, mi, 1.0 from ref_mm where enrolled_at_end and has_interaction
    union all
    select 'member_buyers', mi, mi, 1.0 from ref_mm where n > 0
    union all
    select 'new_member_buyers', mi, mi, 1.0 from ref_mm where n > 0 and join_mi = mi
    union all
    select 'member_orders', mi, mi, n from ref_mm where n > 0
    union all
    select 'member_net_sales', mi, mi, net from ref_mm where n > 0
)

select series, mi, sum(v) as delta
from (
    select series, s as mi, v from intervals where e is null or s <= e
    union all
    select series, e + 1, -v from intervals where e is not null and s <= e
)
group by series, mi;

-- dense months, 24 before the range for the lags
create or replace temp table ref_series as
with months as (
    select mi
    from ref_range, range(ref_range.first_mi - 24, ref_range.last_mi + 1) as r(mi)
),

pivoted as (
    select
        mi,
        sum(delta) filter (where series = 'members_total') as members_total,
        sum(delta) filter (where series = 'reachable_members') as reachable_members,
        sum(delta) filter (where series = 'enrolled_both') as enrolled_both,
        sum(delta) filter (where series = 'members_new') as members_new,
        sum(delta) filter (where series = 'members_exited') as members_exited,
        sum(delta) filter (where series = 'capital') as capital,
        sum(delta) filter (where series = 'clv_net') as clv_net,
        sum(delta) filter (where series = 'buyers_w12') as buyers_w12,
        sum(delta) filter (where series = 'repeat_w12') as repeat_w12,
        sum(delta) filter (where series = 'level3_before') as level3_before,
        sum(delta) filter (where series = 'level_up') as level_up,
        sum(delta) filter (where series = 'buyers_w24') as buyers_w24,
        sum(delta) filter (where series = 'second_cohort') as second_cohort,
        sum(delta) filter (where series = 'second_converted') as second_converted,
        sum(delta) filter (where series = 'cross_field') as cross_field,
        sum(delta) filter (where series = 'cross_category') as cross_category,
        sum(delta) filter (where series = 'active_members') as active_members,
        sum(delta) filter (where series = 'connection_engaged') as connection_engaged,
        sum(delta) filter (where series = 'interacted') as interacted,
        sum(delta) filter (where series = 'member_buyers') as member_buyers,
        sum(delta) filter (where series = 'new_member_buyers') as new_member_buyers,
        sum(delta) filter (where series = 'member_orders') as member_orders,
        sum(delta) filter (where series = 'member_net_sales') as member_net_sales
    from ref_deltas
    group by mi
)

select
    months.mi,
    sum(coalesce(columns(pivoted.* exclude (mi)), 0)) over (order by months.mi)
from months
left join pivoted using (mi);

-- ------------------------------------------------------------------ small tables per month
create or replace temp table ref_small as
with points as (
    select
        ref_month(d) as mi,
        sum(points) filter (where entry_type = 'earn') as issued,
        -sum(points) filter (where entry_type = 'redeem') as redeemed
    from (
        select cast(occurred_at as date) as d, points, entry_type
        from ref_raw('points_ledger')
        where cast(occurred_at as date) <= getvariable('as_of_date')
    )
    group by all
),

traffic as (
    select ref_month(traffic_date) as mi, sum(visitors) as visitors
    from ref_raw('channel_traffic')
    where cast(traffic_date as date) <= getvariable('as_of_date')
    group by all
),

tickets as (
    select
        cast(created_at as timestamp) as created_at,
        cast(first_response_at as timestamp) as first_response_at,
        cast(resolved_at as timestamp) as resolved_at,
        ticket_type,
        satisfaction_score
    from ref_raw('service_tickets')
    where cast(created_at as date) <= getvariable('as_of_date')
),

tickets_created as (
    select
        ref_month(created_at) as mi,
        count(*) as created,
        count(*) filter (where ticket_type = 'complaint') as complaints,
        avg((epoch_us(first_response_at) - epoch_us(created_at)) / 60e6) as first_response_minutes,
        count(*) filter (where resolved_at <= created_at + interval 48 hour) as resolved_48h
    from tickets
    group by all
),

tickets_resolved as (
    select ref_month(resolved_at) as mi, avg(satisfaction_score) as csat
    from tickets
    where resolved_at is not null
    group by all
),

nps as (
    select
        ref_month(d) as mi,
        100.0 * (
            count(*) filter (where nps_score >= 9) / count(nps_score)
            - count(*) filter (where nps_score <= 6) / count(nps_score)
        ) as nps
    from (
        select cast(responded_at as date) as d, nps_score
        from ref_raw('surveys')
        where cast(responded_at as date) <= getvariable('as_of_date')
    )
    group by all
),

reviews as (
    select
        ref_month(d) as mi,
        count(*) filter (where rating <= 2) / count(*) as negative_review_rate
    from (
        select cast(created_at as date) as d, rating
        from ref_raw('reviews')
        where cast(created_at as date) <= getvariable('as_of_date')
    )
    group by all
),

exposure as (
    select
        ref_month(snapshot_date) as mi,
        count(*) filter (where coalesce(shows_member_entry, false)) / count(*)
            as member_exposure_rate
    from (
        select
            cast(snapshot_date as date) as snapshot_date,
            shows_member_entry,
            max(cast(snapshot_date as date)) over (
                partition by year(snapshot_date), month(snapshot_date)
            ) as latest
        from ref_raw('exposure_resources')
        where cast(snapshot_date as date) <= getvariable('as_of_date')
    )
    where snapshot_date = latest
    group by all
)

select
    s.mi,
    coalesce(p.issued, 0) as points_issued,
    coalesce(p.redeemed, 0) as points_redeemed,
    coalesce(tr.visitors, 0) as visitors,
    coalesce(tc.created, 0) as tickets_created,
    coalesce(tc.complaints, 0) as complaints,
    tc.first_response_minutes,
    coalesce(tc.resolved_48h, 0) as resolved_48h,
    rs.csat,
    n.nps,
    rv.negative_review_rate,
    e.member_exposure_rate
from ref_series as s
left join points as p on s.mi = p.mi
left join traffic as tr on s.mi = tr.mi
left join tickets_created as tc on s.mi = tc.mi
left join tickets_resolved as rs on s.mi = rs.mi
left join nps as n on s.mi = n.mi
left join reviews as rv on s.mi = rv.mi
left join exposure as e on s.mi = e.mi;

-- ------------------------------------------------------------------ the KPIs
create or replace temp table ref_wide as
with base as (
    select
        s.mi,
        s.members_total,
        lag(s.members_total) over w as members_total_before,
        s.reachable_members,
        s.members_new,
        s.members_exited,
        s.capital,
        s.clv_net,
        s.enrolled_both - s.level3_before as conversion_base,
        s.level_up,
        s.active_members,
        s.connection_engaged,
        s.interacted,
        s.member_buyers,
        s.new_member_buyers,
        s.member_orders,
        s.member_net_sales,
        s.buyers_w12,
        s.repeat_w12,
        -- retention: |W12 and W12prev| = |W12| + |W12prev| - |W24|
        s.buyers_w12 + lag(s.buyers_w12, 12) over w - s.buyers_w24 as retained,
        lag(s.buyers_w12, 12) over w as buyers_w12prev,
        s.second_cohort,
        s.second_converted,
        s.cross_field,
        s.cross_category,
        coalesce(o.total_net_sales, 0) as total_net_sales,
        coalesce(o.valid_orders, 0) as valid_orders,
        coalesce(o.total_buyers, 0) as total_buyers,
        coalesce(o.refund_base, 0) as refund_base,
        coalesce(o.refunded_orders, 0) as refunded_orders,
        x.* exclude (mi)
    from ref_series as s
    inner join ref_small as x on s.mi = x.mi
    left join ref_order_months as o on s.mi = o.mi
    window w as (order by s.mi)
),

kpis as (
    select
        mi,
        capital,
        capital / nullif(members_total, 0) as capital_rate,
        level_up / nullif(conversion_base, 0) as conversion,
        clv_net / nullif(capital, 0) as clv,
        connection_engaged / nullif(capital, 0) as connection,
        cross_field / nullif(capital, 0) as cross_field_rate,
        members_total,
        members_new,
        members_exited,
        (members_total - members_total_before) / nullif(members_total_before, 0)
            as member_growth_rate,
        reachable_members,
        members_new / nullif(visitors, 0) as join_conversion_rate,
        active_members,
        active_members / nullif(members_total, 0) as activity_rate,
        interacted / nullif(members_total, 0) as engagement_rate,
        points_issued,
        points_redeemed,
        points_redeemed / nullif(points_issued, 0) as points_redemption_rate,
        total_net_sales,
        member_net_sales,
        member_net_sales / nullif(total_net_sales, 0) as member_sales_share,
        member_orders,
        member_buyers,
        new_member_buyers,
        member_buyers - new_member_buyers as returning_member_buyers,
        member_buyers / nullif(total_buyers, 0) as member_buyer_share,
        member_buyers / nullif(members_total, 0) as member_purchase_penetration,
        member_net_sales / nullif(member_buyers, 0) as member_aov,
        member_net_sales / nullif(member_orders, 0) as member_order_value,
        member_orders / nullif(member_buyers, 0) as member_purchase_frequency,
        repeat_w12 / nullif(buyers_w12, 0) as repeat_purchase_rate,
        second_converted / nullif(second_cohort, 0) as second_purchase_rate_90d,
        cross_category / nullif(buyers_w12, 0) as cross_category_rate,
        member_exposure_rate,
        csat,
        complaints / nullif(valid_orders, 0) as complaint_rate,
        refunded_orders / nullif(refund_base, 0) as refund_rate,
        first_response_minutes,
        resolved_48h / nullif(tickets_created, 0) as resolution_rate_48h,
        nps,
        negative_review_rate,
        retained / nullif(buyers_w12prev, 0) as retention_rate,
        total_buyers / nullif(visitors, 0) as purchase_conversion_rate
    from base
)

select
    columns(* exclude (mi)),
    (member_purchase_frequency - lag(member_purchase_frequency) over w)
    / nullif(lag(member_purchase_frequency) over w, 0) as member_purchase_frequency_mom,
    (member_purchase_frequency - lag(member_purchase_frequency, 12) over w)
    / nullif(lag(member_purchase_frequency, 12) over w, 0) as member_purchase_frequency_yoy,
    (member_aov - lag(member_aov) over w) / nullif(lag(member_aov) over w, 0) as member_aov_mom,
    (member_aov - lag(member_aov, 12) over w)
    / nullif(lag(member_aov, 12) over w, 0) as member_aov_yoy,
    (retention_rate - lag(retention_rate) over w)
    / nullif(lag(retention_rate) over w, 0) as retention_rate_mom,
    (retention_rate - lag(retention_rate, 12) over w)
    / nullif(lag(retention_rate, 12) over w, 0) as retention_rate_yoy,
    make_date(cast(mi // 12 as integer), cast(mi % 12 + 1 as integer), 1) as month,
    mi
from kpis
window w as (order by mi);

create or replace temp table reference_kpi_monthly as
select month, kpi, cast(value as double) as value
from (
    select cast(columns(ref_wide.* exclude (mi, month)) as double), month
    from ref_wide, ref_range
    where ref_wide.mi between ref_range.first_mi and ref_range.last_mi
)
unpivot include nulls (value for kpi in (columns(* exclude (month))));

drop table ref_members;
drop table ref_bindings;
drop table ref_orders;
drop table ref_categories;
drop table ref_range;
drop table ref_order_months;
drop table ref_int;
drop table ref_mm;
drop table ref_k;
drop table ref_two_values;
drop table ref_first_purchase;
drop table ref_deltas;
drop table ref_series;
drop table ref_small;
drop table ref_wide;
drop macro ref_month;
