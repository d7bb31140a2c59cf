"""SQL for the demo generator's clean tables (see `memberkpi.demo.generate`).

Every value comes from `uf(a, b, salt)`: a uniform in (0, 1) from DuckDB's
`hash` of the arguments and the seed, so a row's values depend only on its
keys and the seed, never on thread scheduling. Tables are built from
`range()` and `unnest()` pipelines, which keep their insertion order; the
few built through a join are sorted on their key before they are written.

Time is counted in days and seconds from the first day of the window
(`day 0`); `ts(seconds)` turns such a count into a naive business-local
timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from memberkpi.core.sql_text import sql_string

CHANNELS = ("tmall", "jd", "douyin", "wechat_mall", "app", "offline_pos")
CHANNEL_PREFIX = ("tm", "jd", "dy", "wx", "ap", "po")
# where members enrol, and where non-members buy
JOIN_MIX = (0.30, 0.16, 0.20, 0.14, 0.08, 0.12)
NON_MEMBER_MIX = (0.32, 0.22, 0.28, 0.05, 0.03, 0.10)
# price level, discount propensity and refund propensity by channel
PRICE_FACTOR = (1.00, 1.02, 0.82, 1.08, 1.06, 1.18)
DISCOUNT_SHARE = (0.55, 0.50, 0.70, 0.45, 0.40, 0.30)
REFUND_FACTOR = (1.0, 1.0, 1.8, 0.8, 0.8, 0.4)
# daily store visitors per member of the program
VISITOR_SHARE = (0.30, 0.18, 0.40, 0.06, 0.05, 0.08)
RESOURCES_PER_CHANNEL = (8, 6, 7, 5, 6, 4)
MEMBER_ENTRY_SHARE = (0.30, 0.25, 0.20, 0.60, 0.70, 0.50)
RESOURCE_TYPES = (
    "banner",
    "live_room",
    "product_detail",
    "member_center",
    "store_page",
    "popup",
)

CATEGORIES = (
    "formula",
    "diapers",
    "feeding",
    "toys",
    "clothing",
    "skincare",
    "snacks",
    "vitamins",
)
CATEGORY_MIX = (0.22, 0.20, 0.12, 0.10, 0.12, 0.10, 0.08, 0.06)
CATEGORY_PRICE = (268.0, 139.0, 59.0, 89.0, 119.0, 79.0, 35.0, 158.0)
SKUS_PER_CATEGORY = 60

TIERS = ("normal", "silver", "gold", "platinum")
TIER_MULTIPLIER = (1.0, 1.2, 1.5, 2.0)
# standard-normal cut points: 55% normal, 25% silver, 14% gold, 6% platinum
TIER_CUTS = (0.1257, 0.8416, 1.5548)

CITIES = (
    ("Shanghai", 1),
    ("Beijing", 1),
    ("Shenzhen", 1),
    ("Guangzhou", 1),
    ("Chengdu", 2),
    ("Hangzhou", 2),
    ("Wuhan", 2),
    ("Nanjing", 2),
    ("Xi'an", 2),
    ("Suzhou", 2),
    ("Hefei", 3),
    ("Kunming", 3),
    ("Nanning", 3),
    ("Luoyang", 4),
    ("Yichang", 4),
    ("Ganzhou", 5),
)

INTERACTION_TYPES = (
    "sign_in",
    "game",
    "content_view",
    "share",
    "live_view",
    "coupon_claim",
    "review",
)
INTERACTION_MIX = (0.34, 0.10, 0.20, 0.08, 0.13, 0.10, 0.05)
NPS_MIX = (0.03, 0.02, 0.03, 0.04, 0.04, 0.06, 0.07, 0.13, 0.15, 0.20, 0.23)

# mean orders per buying member per year, and per non-member account per year
MEMBER_ORDER_RATE = 15.5
NON_MEMBER_ORDER_RATE = 1.9
NON_MEMBER_PERSONS_PER_MEMBER = 0.9
CAMPAIGNS_PER_CHANNEL_MONTH = 2
TOUCH_SHARE = 0.003  # members drawn per campaign, as a share of all members
MAX_ORDERS = 4000  # per buyer account; order keys leave 13 bits per account


@dataclass(frozen=True)
class Window:
    """The generated period: `years` years ending on `end` (inclusive)."""

    end: date
    years: int

    @property
    def start(self) -> date:
        try:
            anniversary = self.end.replace(year=self.end.year - self.years)
        except ValueError:  # 29 February
            anniversary = self.end.replace(year=self.end.year - self.years, day=28)
        return anniversary + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def offset(self, day: date) -> int:
        return (day - self.start).days

    def peaks(self) -> list[int]:
        """Day numbers of the 618 and Double 11 shopping festivals in the window."""
        found = []
        for year in range(self.start.year, self.end.year + 1):
            for month, dom in ((6, 18), (11, 11)):
                day = date(year, month, dom)
                if self.start <= day <= self.end:
                    found.append(self.offset(day))
        return found

    def year_ends(self) -> list[int]:
        found = []
        for year in range(self.start.year, self.end.year + 1):
            day = date(year, 12, 31)
            if self.start <= day <= self.end:
                found.append(self.offset(day))
        return found


def sql_list(values: tuple | list) -> str:
    """A DuckDB list literal of numbers or strings."""
    items = [sql_string(v) if isinstance(v, str) else repr(v) for v in values]
    return "[" + ", ".join(items) + "]"


def pick(u: str, weights: tuple[float, ...], values: tuple | None = None) -> str:
    """CASE choosing values[i] (default: i) with probability weights[i] from u."""
    chosen = values if values is not None else tuple(range(len(weights)))
    parts, edge = [], 0.0
    for value, weight in zip(chosen[:-1], weights[:-1], strict=True):
        edge += weight
        literal = f"'{value}'" if isinstance(value, str) else str(value)
        parts.append(f"when {u} < {edge:.6f} then {literal}")
    last = f"'{chosen[-1]}'" if isinstance(chosen[-1], str) else str(chosen[-1])
    return "case " + " ".join(parts) + f" else {last} end"


class CleanSql:
    """Statements that create the clean tables `g_<table>` in a DuckDB session."""

    def __init__(self, members: int, window: Window, seed: int) -> None:
        self.n = members
        self.w = window
        self.seed = seed
        self.days = window.days
        self.peaks = window.peaks() or [window.days - 1]
        self.persons = max(1, round(members * NON_MEMBER_PERSONS_PER_MEMBER))
        self.stores = max(20, members // 2000)
        self.last_second = self.days * 86400 - 1

    # -- session set-up ----------------------------------------------------
    def macros(self) -> list[str]:
        epoch = (self.w.start - date(1970, 1, 1)).days * 86400
        seed = self.seed
        mask = (seed * 2654435761) % 4294967296
        return [
            f"create or replace temp macro uf(a, b, c) as "
            f"((hash(a, b, c, {seed}::bigint) >> 11)::double + 0.5) / 9007199254740992.0",
            "create or replace temp macro zn(a, b, c) as "
            "sqrt(-2.0 * ln(uf(a, b, c))) * cos(2.0 * pi() * uf(a, b, c + 7919))",
            f"create or replace temp macro ts(x) as make_timestamp((({epoch})::bigint + x) "
            f"* 1000000::bigint)",
            f"create or replace temp macro dt(x) as (date '{self.w.start}' + (x)::integer)",
            # a bijection of [0, 2^32): the seed only permutes the id space
            "create or replace temp macro scramble32(x) as "
            f"xor((x::ubigint * 2246822519::ubigint) % 4294967296::ubigint, {mask}::ubigint)",
            # customer id of account x in channel c (0-based)
            f"create or replace temp macro cid(c, x) as "
            f"{sql_list(CHANNEL_PREFIX)}[c + 1] || (10000000000 + scramble32(x))::varchar",
            # order id from the order key: a bijection of [0, 2^42)
            "create or replace temp macro oid(k) as 'O' || (10000000000000 + xor("
            f"(k * 1400159) % 4398046511104, {(seed * 40503) % 4398046511104}))::varchar",
            # fixed-width ids without padding functions: 1 followed by the number
            "create or replace temp macro mid(i) as 'M' || (1000000000 + i)::varchar",
            "create or replace temp macro fixed(prefix, x, digits) as "
            "prefix || (pow(10, digits)::bigint + x)::varchar",
            f"create or replace temp macro mobile(i, kind) as "
            f"'h' || to_hex(hash(i, kind, {seed}::bigint))",
        ]

    # -- members -------------------------------------------------------------
    def members(self) -> str:
        """Members with their hidden traits (rates, spend, channels)."""
        w = self.days
        peaks = sql_list(self.peaks)
        city_names = sql_list([c for c, _ in CITIES])
        city_tiers = sql_list([t for _, t in CITIES])
        return f"""
create or replace table g_members as
with draws as (
    select
        range + 1 as idx,
        uf(range + 1, 0, 1) < 0.25 as is_legacy,
        case
            when uf(range + 1, 0, 1) < 0.25
                then -1 - floor(uf(range + 1, 0, 3) * 1095)::integer
            when uf(range + 1, 0, 2) < 0.18
                then greatest(0, {peaks}[1 + floor(uf(range + 1, 0, 4)
                    * {len(self.peaks)})::integer]
                    - floor(pow(uf(range + 1, 0, 5), 2) * 10)::integer)
            else floor(pow(uf(range + 1, 0, 3), 0.8) * {w})::integer
        end as join_day,
        25200 + floor(uf(range + 1, 0, 6) * 61200)::integer as join_tod,
        {pick("uf(range + 1, 0, 7)", JOIN_MIX)} as home,
        uf(range + 1, 0, 8) < 0.18 as draws_exit,
        30 + floor(uf(range + 1, 0, 9) * 700)::integer as exit_after,
        25200 + floor(uf(range + 1, 0, 10) * 61200)::integer as exit_tod,
        uf(range + 1, 0, 11) < 0.60 as buys_after_exit,
        uf(range + 1, 0, 12) < 0.25 as buys_before_join,
        5 + floor(uf(range + 1, 0, 13) * 180)::integer as pre_join_days,
        zn(range + 1, 0, 14) as z_rate,
        zn(range + 1, 0, 16) as z_spend,
        uf(range + 1, 0, 18) < 0.15 as never_buys,
        uf(range + 1, 0, 19) as u_round,
        {pick("uf(range + 1, 0, 20)", CATEGORY_MIX)} as pref_cat,
        1 + (uf(range + 1, 0, 21) < 0.38)::integer
            + (uf(range + 1, 0, 21) < 0.12)::integer as n_bind,
        1 + floor(uf(range + 1, 0, 22) * 5)::integer as off1,
        floor(uf(range + 1, 0, 23) * 4)::integer as off2_step,
        1 + floor(uf(range + 1, 0, 24) * {self.stores})::integer as home_store,
        uf(range + 1, 0, 25) as u_gender,
        uf(range + 1, 0, 26) as u_birth,
        uf(range + 1, 0, 27) as u_city,
        uf(range + 1, 0, 28) as u_sms,
        uf(range + 1, 0, 29) as u_wechat,
        uf(range + 1, 0, 30) as u_app,
        uf(range + 1, 0, 31) < 0.90 as has_mobile,
        uf(range + 1, 0, 32) < 0.35 as never_interacts,
        zn(range + 1, 0, 33) as z_interact,
        uf(range + 1, 0, 35) as u_int_round,
        uf(range + 1, 0, 36) as u_down
    from range({self.n})
),
spans as (
    select
        *,
        case
            when draws_exit and join_day + exit_after <= {w - 1}
                then join_day + exit_after
        end as exit_day
    from draws
),
buying as (
    select
        *,
        greatest(0, case
            when buys_before_join and not is_legacy then join_day - pre_join_days
            else join_day
        end) as buy_start,
        case
            when exit_day is null or buys_after_exit then {w - 1}
            else exit_day
        end as buy_end,
        greatest(0, join_day) as enrol_start,
        coalesce(exit_day - 1, {w - 1}) as enrol_end,
        coalesce(exit_day, {w - 1}) - join_day as tenure_days,
        (z_rate + z_spend) / sqrt(2.0) as z_value
    from spans
)
select
    *,
    case
        when never_buys or buy_end < buy_start then 0
        else least({MAX_ORDERS}, floor(
            {MEMBER_ORDER_RATE} * exp(1.0 * z_rate - 0.5)
            * (buy_end - buy_start + 1) / 365.25 + u_round
        )::integer)
    end as n_orders,
    case
        when never_interacts or enrol_end < enrol_start then 0
        else least(1000, floor(
            4.0 * exp(1.1 * z_interact - 0.605)
            * (enrol_end - enrol_start + 1) / 365.25 + u_int_round
        )::integer)
    end as n_interactions,
    exp(0.55 * z_spend - 0.151) as spend_mult,
    (home + off1) % 6 as ch1,
    (home + 1 + (off1 - 1 + 1 + off2_step) % 5) % 6 as ch2,
    case
        when tenure_days < 30 then 1
        when z_value < {TIER_CUTS[0]} then 1
        when z_value < {TIER_CUTS[1]} then 2
        when z_value < {TIER_CUTS[2]} then 3
        else 4
    end as tier_rank,
    mid(idx) as member_id,
    ts(join_day * 86400 + join_tod) as joined_at,
    {sql_list(CHANNELS)}[home + 1] as join_channel,
    ts(exit_day * 86400 + exit_tod) as exited_at,
    case when u_gender < 0.72 then 'F' when u_gender < 0.90 then 'M' end as gender,
    case when u_birth >= 0.08 then 1976 + floor(u_birth * 28)::integer end as birth_year,
    case when u_city >= 0.05
        then {city_names}[1 + floor(u_city * {len(CITIES)})::integer] end as city,
    case when u_city >= 0.05
        then {city_tiers}[1 + floor(u_city * {len(CITIES)})::integer] end as city_tier,
    u_sms < 0.55 as sms_opt_in,
    u_wechat < case when home = 3 then 0.90 else 0.40 end as wechat_bound,
    u_app < case when home = 4 then 0.85 else 0.20 end as app_push_opt_in,
    case when has_mobile then mobile(idx, 77) end as mobile_hash
from buying
"""

    def members_out(self) -> str:
        tiers = sql_list(TIERS)
        return f"""
select
    member_id::varchar as member_id,
    joined_at::timestamp as joined_at,
    join_channel::varchar as join_channel,
    exited_at::timestamp as exited_at,
    {tiers}[tier_rank]::varchar as tier,
    gender::varchar as gender,
    birth_year::integer as birth_year,
    city::varchar as city,
    city_tier::integer as city_tier,
    sms_opt_in::boolean as sms_opt_in,
    wechat_bound::boolean as wechat_bound,
    app_push_opt_in::boolean as app_push_opt_in,
    mobile_hash::varchar as mobile_hash
from g_members
"""

    # -- bindings --------------------------------------------------------------
    def bindings(self) -> str:
        return f"""
create or replace table g_member_bindings as
select
    mid(idx)::varchar as member_id,
    {sql_list(CHANNELS)}[channel_idx + 1]::varchar as channel,
    cid(channel_idx, 4 * idx + b)::varchar as customer_id,
    ts(least({self.last_second}, case
        when b = 0 then join_day * 86400 + join_tod
        else (greatest(join_day, 0) + floor(uf(idx, b, 40) * 300)::integer) * 86400
            + floor(uf(idx, b, 41) * 86400)::integer
    end))::timestamp as bound_at
from (
    select
        idx, join_day, join_tod, b,
        [home, ch1, ch2][b + 1] as channel_idx
    from (select *, unnest(range(n_bind)) as b from g_members)
)
"""

    # -- campaigns and touches -----------------------------------------------
    def campaigns(self) -> str:
        months = self.w.years * 12 + 1
        per_month = 6 * CAMPAIGNS_PER_CHANNEL_MONTH
        start_month = date(self.w.start.year, self.w.start.month, 1)
        names = sql_list(
            [
                "天猫",
                "京东",
                "抖音",
                "微信商城",
                "品牌App",
                "线下门店",
            ]
        )
        return f"""
create or replace table g_campaigns as
with slots as (
    select
        range as cidx,
        range // {per_month} as month_idx,
        (range % {per_month}) // {CAMPAIGNS_PER_CHANNEL_MONTH} as channel_idx,
        range % {CAMPAIGNS_PER_CHANNEL_MONTH} as kind
    from range({months * per_month})
),
timed as (
    select
        *,
        (date '{start_month}' + to_months(month_idx::integer))::date as month_start,
        case when kind = 0 then 1 + floor(uf(cidx, 0, 50) * 7)::integer
            else 11 + floor(uf(cidx, 0, 50) * 10)::integer end as start_dom,
        3 + floor(uf(cidx, 0, 51) * 12)::integer as length_days,
        floor(uf(cidx, 0, 52) * 86400)::integer as start_tod
    from slots
),
placed as (
    select
        *,
        (month_start + start_dom - date '{self.w.start}') as start_day
    from timed
)
select
    cidx,
    channel_idx,
    start_day * 86400 + start_tod as start_sec,
    printf('C%05d', cidx)::varchar as campaign_id,
    (strftime(month_start, '%Y-%m') || ' ' || {names}[channel_idx + 1] || ' '
        || case
            when month(month_start) = 6 and kind = 0 then '618 年中大促 & 会员加倍积分'
            when month(month_start) = 11 and kind = 0 then '双11 狂欢 & 会员专享'
            when kind = 0 then '会员日 & 积分加倍'
            else '新客礼 <首单立减>'
        end)::varchar as campaign_name,
    {sql_list(CHANNELS)}[channel_idx + 1]::varchar as channel,
    (case
        when kind = 0 and month(month_start) in (6, 11) then 'gmv'
        when kind = 0 then 'repurchase'
        when uf(cidx, 0, 53) < 0.5 then 'first_purchase'
        else 'reactivation'
    end)::varchar as objective,
    ts(start_day * 86400 + start_tod)::timestamp as starts_at,
    ts((start_day + length_days) * 86400 + start_tod)::timestamp as ends_at
from placed
where start_day >= 0 and start_day <= {self.days - 1}
order by cidx
"""

    def touches(self) -> str:
        draws = max(1, round(self.n * TOUCH_SHARE))
        prime = 2147483647  # coprime with any member count below it
        return f"""
create or replace table g_campaign_touches as
with drawn as (
    select
        cidx,
        start_sec,
        t,
        1 + ((floor(uf(cidx, 0, 60) * {self.n})::bigint + t * {prime}) % {self.n}) as idx
    from (
        select cidx, start_sec, unnest(range({draws})) as t
        from g_campaigns
    )
),
timed as (
    select
        drawn.*,
        start_sec + floor(uf(cidx, t, 61) * 172800)::integer as touch_sec,
        uf(cidx, t, 62) < 0.15 as is_control,
        g_members.join_day * 86400 + g_members.join_tod as join_sec,
        g_members.exit_day,
        g_members.sms_opt_in,
        g_members.wechat_bound,
        g_members.app_push_opt_in
    from drawn
    inner join g_members on drawn.idx = g_members.idx
),
eligible as (
    select *
    from timed
    where touch_sec >= join_sec
        and (exit_day is null or touch_sec < exit_day * 86400)
        and touch_sec <= {self.last_second}
),
responded as (
    select
        *,
        not is_control and uf(cidx, t, 63) < 0.93 as is_delivered,
        touch_sec + 60 + floor(-ln(uf(cidx, t, 64)) * 7200)::integer as open_sec,
        floor(-ln(uf(cidx, t, 66)) * 600)::integer as click_lag,
        uf(cidx, t, 65) < 0.45 as opens,
        uf(cidx, t, 67) < 0.35 as clicks
    from eligible
)
select
    cidx, t, idx, touch_sec, is_control, is_delivered,
    is_delivered and opens and open_sec <= {self.last_second} as is_opened,
    is_delivered and opens and clicks
        and open_sec + click_lag <= {self.last_second} as is_clicked,
    printf('X%05d%07d', cidx, t)::varchar as touch_id,
    printf('C%05d', cidx)::varchar as campaign_id,
    mid(idx)::varchar as member_id,
    (case
        when app_push_opt_in and uf(cidx, t, 68) < 0.4 then 'app_push'
        when wechat_bound and uf(cidx, t, 68) < 0.8 then 'wechat'
        when sms_opt_in then 'sms'
        else 'email'
    end)::varchar as touch_channel,
    (case when is_control then 'control' else 'treatment' end)::varchar as test_group,
    ts(touch_sec)::timestamp as touched_at,
    is_delivered::boolean as delivered,
    case when is_delivered and opens and open_sec <= {self.last_second}
        then ts(open_sec) end::timestamp as opened_at,
    case when is_delivered and opens and clicks
        and open_sec + click_lag <= {self.last_second}
        then ts(open_sec + click_lag) end::timestamp as clicked_at
from responded
order by cidx, t
"""

    # -- orders ------------------------------------------------------------------
    def _order_day(self, key: str, start: str, end: str, salt: int) -> str:
        """A day in [start, end]: near a festival peak for 20% of draws, else uniform."""
        peaks = sql_list(self.peaks)
        peak = (
            f"({peaks}[1 + floor(uf({key}, 0, {salt}) * {len(self.peaks)})::integer]"
            f" - floor(pow(uf({key}, 0, {salt + 1}), 2) * 12)::integer)"
        )
        uniform = f"({start} + floor(uf({key}, 0, {salt + 2}) * ({end} - {start} + 1))::integer)"
        return (
            f"case when uf({key}, 0, {salt + 3}) < 0.20 and {peak} between {start} and {end} "
            f"then {peak} else {uniform} end"
        )

    def member_order_skeleton(self) -> str:
        """One row per regular member order: who, where, when."""
        day = self._order_day("okey", "buy_start", "buy_end", 70)
        return f"""
select
    okey,
    idx as member_idx,
    channel_idx,
    cid(channel_idx, 4 * idx + b) as customer_id,
    home_store,
    day,
    21600 + floor(pow(uf(okey, 0, 75), 0.75) * 64800)::integer as tod,
    case when mobile_hash is not null and uf(okey, 0, 76) < 0.7 then mobile_hash end
        as mobile_hash,
    pref_cat,
    spend_mult,
    join_day,
    exit_day,
    tier_rank
from (
    select
        *,
        [home, ch1, ch2][b + 1] as channel_idx,
        {day} as day
    from (
        select
            *,
            case
                when n_bind = 1 then 0
                when n_bind = 2 then (uf(okey, 0, 77) < 0.35)::integer
                when uf(okey, 0, 77) < 0.55 then 0
                when uf(okey, 0, 77) < 0.80 then 1
                else 2
            end as b
        from (
            select *, idx * 8192 + k as okey
            from (select *, unnest(range(n_orders)) as k from g_members)
        )
    )
)
"""

    def non_member_order_skeleton(self) -> str:
        """One row per order of a buyer with no binding (a non-member account)."""
        n = self.n
        first = pick("uf(range + 1, 0, 81)", NON_MEMBER_MIX)
        day = self._order_day("okey", "0", str(self.days - 1), 90)
        return f"""
select
    okey,
    null::bigint as member_idx,
    channel_idx,
    cid(channel_idx, 4 * ({n} + 1) + 2 * (j - 1) + a) as customer_id,
    1 + floor(uf(okey, 0, 95) * {self.stores})::integer as home_store,
    {day} as day,
    21600 + floor(pow(uf(okey, 0, 96), 0.75) * 64800)::integer as tod,
    case when n_acct = 2 or uf(j, a, 97) < 0.6 then person_mobile end as mobile_hash,
    pref_cat,
    spend_mult,
    null::integer as join_day,
    null::integer as exit_day,
    null::integer as tier_rank
from (
    select
        *,
        ({n} + 1 + 2 * (j - 1) + a) * 8192 + k as okey
    from (
        select *, unnest(range(n_orders)) as k
        from (
            select
                *,
                case when a = 0 then first_channel
                    else (first_channel + 1 + floor(uf(j, 0, 82) * 5)::integer) % 6
                end as channel_idx,
                least({MAX_ORDERS}, floor(
                    {NON_MEMBER_ORDER_RATE} * exp(0.9 * zn(j, a, 83) - 0.405)
                    * {self.w.years} + uf(j, a, 85)
                )::integer) as n_orders
            from (
                select
                    *,
                    unnest(range(n_acct)) as a
                from (
                    select
                        range + 1 as j,
                        1 + (uf(range + 1, 0, 80) < 0.22)::integer as n_acct,
                        {first} as first_channel,
                        case when uf(range + 1, 0, 86) < 0.03
                            then mobile(1 + (range * 7919) % {n}, 77)
                            else mobile(range + 1, 78)
                        end as person_mobile,
                        {pick("uf(range + 1, 0, 87)", CATEGORY_MIX)} as pref_cat,
                        exp(0.6 * zn(range + 1, 0, 88) - 0.18) as spend_mult
                    from range({self.persons})
                )
            )
        )
    )
)
"""

    def response_order_skeleton(self) -> str:
        """Orders of treated members who respond to a campaign within 7 days."""
        return f"""
select
    touches.idx * 8192 + 4096 + touches.cidx as okey,
    touches.idx as member_idx,
    members.home as channel_idx,
    cid(members.home, 4 * touches.idx) as customer_id,
    members.home_store,
    (touches.touch_sec + floor(uf(touches.idx, touches.cidx, 100) * 561600)::integer)
        // 86400 as day,
    (touches.touch_sec + floor(uf(touches.idx, touches.cidx, 100) * 561600)::integer)
        % 86400 as tod,
    members.mobile_hash,
    members.pref_cat,
    members.spend_mult,
    members.join_day,
    members.exit_day,
    members.tier_rank
from g_campaign_touches as touches
inner join g_members as members on touches.idx = members.idx
where touches.is_delivered
    and uf(touches.idx, touches.cidx, 101) < case when touches.is_clicked then 0.5 else 0.15 end
    and touches.touch_sec + floor(uf(touches.idx, touches.cidx, 100) * 561600)::integer
        <= {self.last_second}
order by okey
"""

    def orders_insert(self, skeleton: str, create: bool) -> str:
        """Price, discount, status and lines for the orders of a skeleton."""
        cat_price = sql_list(CATEGORY_PRICE)
        factor = sql_list(PRICE_FACTOR)
        disc = sql_list(DISCOUNT_SHARE)
        refund = sql_list(REFUND_FACTOR)
        peaks = sql_list(self.peaks)
        line = f"""lambda l: {{
            'cat': case when uf(okey, l, 110) < 0.55 then pref_cat
                else {pick("uf(okey, l, 111)", CATEGORY_MIX)} end,
            'sku_no': floor(uf(okey, l, 112) * {SKUS_PER_CATEGORY})::integer,
            'qty': greatest(1, round((1 + (uf(okey, l, 113) < 0.35)::integer
                + (uf(okey, l, 113) < 0.12)::integer
                + (uf(okey, l, 113) < 0.04)::integer) * spend_mult))::integer
        }}"""
        priced = f"""lambda x: {{
            'cat': x.cat,
            'sku': 100000 + 1000 * x.cat + x.sku_no,
            'quantity': x.qty,
            'unit_price': round({cat_price}[x.cat + 1]
                * exp(0.35 * zn(x.cat, x.sku_no, 114))
                * {factor}[channel_idx + 1], 2)::decimal(18, 2)
        }}"""
        head = "create or replace table g_orders as" if create else "insert into g_orders"
        return f"""
{head}
with skeleton as ({skeleton}),
lined as (
    select
        *,
        list_transform(
            list_transform(
                range(1 + (uf(okey, 0, 115) < 0.42)::integer
                    + (uf(okey, 0, 115) < 0.16)::integer
                    + (uf(okey, 0, 115) < 0.05)::integer),
                {line}
            ),
            {priced}
        ) as lines,
        list_max(list_transform({peaks}, lambda p: (day between p - 3 and p)::integer)) = 1
            as is_peak,
        uf(okey, 0, 116) as u_status,
        {refund}[channel_idx + 1] as refund_factor
    from skeleton
),
amounts as (
    select
        *,
        list_sum(list_transform(lines, lambda x: x.unit_price * x.quantity))
            ::decimal(18, 2) as gross,
        case
            when uf(okey, 0, 117) < {disc}[channel_idx + 1] + case when is_peak then 0.25
                else 0 end
                then 0.03 + 0.22 * uf(okey, 0, 118)
            else 0
        end as discount_rate,
        case
            when u_status < 0.035 * refund_factor then 'cancelled_unpaid'
            when u_status < 0.055 * refund_factor then 'cancelled'
            when u_status < 0.085 * refund_factor then 'refunded'
            when u_status < 0.125 * refund_factor then 'partially_refunded'
            else 'paid'
        end as status_draw,
        day * 86400 + tod as order_sec
    from lined
),
paid as (
    select
        *,
        round(gross * discount_rate, 2)::decimal(18, 2) as discount,
        least({self.last_second},
            order_sec + 20 + floor(pow(uf(okey, 0, 119), 3) * 5400)::integer) as paid_sec
    from amounts
)
select
    okey,
    member_idx,
    join_day,
    exit_day,
    tier_rank,
    channel_idx,
    order_sec,
    paid_sec,
    status_draw <> 'cancelled_unpaid' as is_paid,
    uf(okey, 0, 120) < 0.97 as has_items,
    lines,
    oid(okey)::varchar as order_id,
    {sql_list(CHANNELS)}[channel_idx + 1]::varchar as channel,
    customer_id::varchar as customer_id,
    case when channel_idx = 5 then fixed('S', 
        case when uf(okey, 0, 121) < 0.8 then home_store
            else 1 + floor(uf(okey, 0, 122) * {self.stores})::integer end, 6)
    end::varchar as store_id,
    ts(order_sec)::timestamp as ordered_at,
    case when status_draw <> 'cancelled_unpaid' then ts(paid_sec) end::timestamp as paid_at,
    (case when status_draw = 'cancelled_unpaid' then 'cancelled'
        else status_draw end)::varchar as status,
    gross::decimal(18, 2) as gross_amount,
    discount::decimal(18, 2) as discount_amount,
    (case when status_draw = 'cancelled_unpaid' then 0
        else gross - discount end)::decimal(18, 2) as paid_amount,
    (case
        when status_draw in ('cancelled', 'refunded') then gross - discount
        when status_draw = 'partially_refunded' then greatest(0.01, round(
            (gross - discount) * (0.1 + 0.6 * uf(okey, 0, 123)), 2))
        else 0
    end)::decimal(18, 2) as refunded_amount,
    mobile_hash::varchar as mobile_hash
from paid
"""

    def order_items(self) -> str:
        return f"""
select
    order_id::varchar as order_id,
    line_number::integer as line_number,
    ('SKU' || line.sku::varchar)::varchar as sku_id,
    {sql_list(CATEGORIES)}[line.cat + 1]::varchar as category,
    line.quantity::integer as quantity,
    line.unit_price::decimal(18, 2) as unit_price,
    (line.unit_price * line.quantity)::decimal(18, 2) as line_amount
from (
    select
        order_id,
        unnest(lines) as line,
        unnest(range(1, len(lines) + 1)) as line_number
    from g_orders
    where has_items
)
"""

    # -- points ---------------------------------------------------------------------
    def points(self) -> list[str]:
        mult = sql_list(TIER_MULTIPLIER)
        year_ends = sql_list(self.w.year_ends() or [self.days - 1])
        n_year_ends = len(self.w.year_ends() or [self.days - 1])
        earn = f"""
create or replace table g_points_ledger as
select
    ('PE' || substr(order_id, 2))::varchar as entry_id,
    mid(member_idx)::varchar as member_id,
    paid_at::timestamp as occurred_at,
    floor(paid_amount * {mult}[tier_rank])::integer as points,
    'earn'::varchar as entry_type,
    order_id::varchar as order_id
from g_orders
where member_idx is not null
    and is_paid
    and status <> 'cancelled'
    and paid_sec // 86400 >= join_day
    and (exit_day is null or paid_sec // 86400 < exit_day)
    and paid_amount >= 1
"""
        span = "(enrol_end - enrol_start + 1)"
        redeem = f"""
insert into g_points_ledger
select
    fixed('PR', idx * 100 + k, 12)::varchar as entry_id,
    member_id::varchar,
    ts((enrol_start + floor(uf(idx, k, 130) * {span})::integer) * 86400
        + 28800 + floor(uf(idx, k, 131) * 50400)::integer)::timestamp as occurred_at,
    (-100 * (1 + floor(uf(idx, k, 132) * 15)))::integer as points,
    'redeem'::varchar as entry_type,
    null::varchar as order_id
from (
    select
        *,
        unnest(range(least(60, floor(n_orders * 0.06 + uf(idx, 0, 133))::integer))) as k
    from g_members
    where enrol_end >= enrol_start
)
"""
        expire = f"""
insert into g_points_ledger
select
    fixed('PX', idx, 10)::varchar as entry_id,
    member_id::varchar,
    ts(expire_day * 86400 + 86399)::timestamp as occurred_at,
    (-10 * (5 + floor(uf(idx, 0, 141) * 100)))::integer as points,
    'expire'::varchar as entry_type,
    null::varchar as order_id
from (
    select
        *,
        {year_ends}[1 + floor(uf(idx, 0, 140) * {n_year_ends})::integer] as expire_day
    from g_members
    where n_orders > 0 and uf(idx, 0, 142) < 0.12
)
where expire_day between enrol_start and enrol_end
"""
        adjust = f"""
insert into g_points_ledger
select
    fixed('PA', idx, 10)::varchar as entry_id,
    member_id::varchar,
    ts((enrol_start + floor(uf(idx, 0, 150) * {span})::integer) * 86400
        + 36000 + floor(uf(idx, 0, 151) * 28800)::integer)::timestamp as occurred_at,
    ((case when uf(idx, 0, 152) < 0.7 then 1 else -1 end)
        * (10 + floor(uf(idx, 0, 153) * 490)))::integer as points,
    'adjust'::varchar as entry_type,
    null::varchar as order_id
from g_members
where enrol_end >= enrol_start and uf(idx, 0, 154) < 0.015
"""
        return [earn, redeem, expire, adjust]

    # -- tier changes ---------------------------------------------------------------
    def tier_changes(self) -> str:
        tiers = sql_list(TIERS)
        return f"""
create or replace table g_tier_changes as
select
    member_id::varchar as member_id,
    ts(join_sec + ((k + 1) * (end_sec - join_sec)) // (n_changes + 1))::timestamp
        as changed_at,
    {tiers}[case when k < ups then k + 1 else top_rank end]::varchar as from_tier,
    {tiers}[case when k < ups then k + 2 else top_rank - 1 end]::varchar as to_tier
from (
    select
        *,
        unnest(range(n_changes)) as k
    from (
        select
            member_id,
            join_day * 86400 + join_tod as join_sec,
            coalesce(exit_day * 86400 - 1, {self.last_second}) as end_sec,
            tier_rank + has_down as top_rank,
            tier_rank - 1 + has_down as ups,
            tier_rank - 1 + 2 * has_down as n_changes
        from (
            select
                *,
                (u_down < 0.08 and tier_rank < 4 and tenure_days >= 60)::integer as has_down
            from g_members
        )
    )
)
"""

    # -- engagement -----------------------------------------------------------------
    def traffic(self) -> str:
        shares = sql_list(VISITOR_SHARE)
        peaks = sql_list(self.peaks)
        return f"""
select
    dt(d)::date as traffic_date,
    {sql_list(CHANNELS)}[c + 1]::varchar as channel,
    round({self.n} * {shares}[c + 1]
        * (0.7 + 0.6 * d / {self.days})
        * (1 + 3.5 * list_max(list_transform({peaks},
            lambda p: exp(-abs(d - p) / 2.5))))
        * case when dayofweek(dt(d)) in (0, 6) then 1.15 else 1.0 end
        * exp(0.15 * zn(d, c, 160)))::integer + 1 as visitors
from (select range // 6 as d, range % 6 as c from range({self.days * 6}))
"""

    def exposure(self) -> str:
        per = sql_list(RESOURCES_PER_CHANNEL)
        entry = sql_list(MEMBER_ENTRY_SHARE)
        types = sql_list(RESOURCE_TYPES)
        slots = max(RESOURCES_PER_CHANNEL)
        return f"""
select
    dt(d)::date as snapshot_date,
    {sql_list(CHANNELS)}[c + 1]::varchar as channel,
    printf('%s-r%02d', {sql_list(CHANNEL_PREFIX)}[c + 1], r)::varchar as resource_id,
    {types}[1 + (r + c) % 6]::varchar as resource_type,
    (uf(d * 64 + c, r, 170) < {entry}[c + 1] + 0.2 * d / {self.days})::boolean
        as shows_member_entry
from (
    select
        range // {6 * slots} as d,
        (range // {slots}) % 6 as c,
        range % {slots} as r
    from range({self.days * 6 * slots})
)
where r < {per}[c + 1]
"""

    def interactions(self) -> str:
        span = "(enrol_end - enrol_start + 1)"
        return f"""
select
    fixed('I', idx * 1000 + k, 13)::varchar as interaction_id,
    member_id::varchar as member_id,
    {sql_list(CHANNELS)}[[home, ch1, ch2][b + 1] + 1]::varchar as channel,
    ts((enrol_start + floor(uf(idx, k, 180) * {span})::integer) * 86400
        + 25200 + floor(uf(idx, k, 181) * 61200)::integer)::timestamp as occurred_at,
    {pick("uf(idx, k, 182)", INTERACTION_MIX, INTERACTION_TYPES)}::varchar
        as interaction_type
from (
    select
        *,
        least(n_bind - 1, floor(uf(idx, k, 183) * n_bind * 1.4)::integer) as b
    from (select *, unnest(range(n_interactions)) as k from g_members)
)
"""

    # -- service ------------------------------------------------------------------------
    def tickets(self) -> str:
        last = self.last_second
        return f"""
select
    ('T' || substr(order_id, 2))::varchar as ticket_id,
    case when member_idx is not null then mid(member_idx) end::varchar as member_id,
    channel::varchar as channel,
    case when ticket_type = 'inquiry' and uf(okey, 0, 190) < 0.3
        then null else order_id end::varchar as order_id,
    ticket_type::varchar as ticket_type,
    ts(created_sec)::timestamp as created_at,
    case when answered then ts(response_sec) end::timestamp as first_response_at,
    case when resolved then ts(resolve_sec) end::timestamp as resolved_at,
    case when resolved and uf(okey, 0, 191) < 0.55 then
        case when ticket_type = 'complaint'
            then {pick("uf(okey, 0, 192)", (0.2, 0.2, 0.25, 0.2, 0.15), (1, 2, 3, 4, 5))}
            else {pick("uf(okey, 0, 192)", (0.04, 0.05, 0.11, 0.3, 0.5), (1, 2, 3, 4, 5))}
        end
    end::integer as satisfaction_score
from (
    select
        *,
        answered_draw and response_sec <= {last} as answered,
        resolved_draw and resolve_sec <= {last} as resolved
    from (
        select
            *,
            created_sec + 30 + floor(-ln(uf(okey, 0, 193)) * case
                when channel_idx = 5 then 5400 else 1800 end)::integer as response_sec,
            created_sec + 600 + floor(-ln(uf(okey, 0, 194)) * 64800)::integer as resolve_sec,
            uf(okey, 0, 195) < 0.93 as answered_draw,
            uf(okey, 0, 196) < 0.88 as resolved_draw
        from (
            select
                *,
                least({last}, order_sec + floor(uf(okey, 0, 197) * 432000)::integer)
                    as created_sec,
                case
                    when status in ('refunded', 'partially_refunded')
                        then case when uf(okey, 0, 198) < 0.6 then 'return' else 'complaint' end
                    else {
            pick(
                "uf(okey, 0, 198)",
                (0.55, 0.25, 0.08, 0.12),
                ("inquiry", "complaint", "return", "exchange"),
            )
        }
                end as ticket_type
            from g_orders
            where uf(okey, 0, 199) < case
                when status in ('refunded', 'partially_refunded') then 0.25 else 0.012 end
        )
    )
)
"""

    def reviews(self) -> str:
        return f"""
select
    ('R' || substr(order_id, 2))::varchar as review_id,
    order_id::varchar as order_id,
    channel::varchar as channel,
    ts(review_sec)::timestamp as created_at,
    (case when status = 'partially_refunded'
        then {pick("uf(okey, 0, 200)", (0.25, 0.2, 0.2, 0.2, 0.15), (1, 2, 3, 4, 5))}
        else {pick("uf(okey, 0, 200)", (0.05, 0.03, 0.08, 0.22, 0.62), (1, 2, 3, 4, 5))}
    end)::integer as rating
from (
    select
        *,
        paid_sec + 86400 * (1 + floor(uf(okey, 0, 201) * 14)::integer)
            + floor(uf(okey, 0, 202) * 36000)::integer as review_sec
    from g_orders
    where is_paid and status in ('paid', 'partially_refunded') and uf(okey, 0, 203) < 0.09
)
where review_sec <= {self.last_second}
"""

    def surveys(self) -> str:
        span = "(enrol_end - enrol_start + 1)"
        return f"""
select
    fixed('N', idx * 10 + k, 11)::varchar as response_id,
    member_id::varchar as member_id,
    ts((enrol_start + floor(uf(idx, k, 210) * {span})::integer) * 86400
        + 28800 + floor(uf(idx, k, 211) * 50400)::integer)::timestamp as responded_at,
    {pick("uf(idx, k, 212)", NPS_MIX)}::integer as nps_score
from (
    select
        *,
        unnest(range((uf(idx, 0, 213) < 0.10)::integer
            + (uf(idx, 0, 213) < 0.025)::integer)) as k
    from g_members
    where enrol_end >= enrol_start
)
"""
