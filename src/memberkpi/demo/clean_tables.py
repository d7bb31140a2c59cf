"""The clean tables of `memberkpi generate`: which template builds each, in
what order, with which parameters.

The SQL lives in `sql/<raw table>.sql`, after `sql/session_macros.sql`
defines the vocabulary they share. Every value comes from
`uniform_draw(row_key, sub_key, salt)`: a uniform in (0, 1) from DuckDB's
`hash` of the keys and the seed, so a row's values depend only on its keys
and the seed, never on thread scheduling. Tables are built from `range()`
and `unnest()` pipelines, which keep their insertion order; the few built
through a join are sorted on their key before they are written. Time is
counted in days and seconds from the first day of the window (day 0).

The constants below calibrate the demo brand against the illustrative
mother-and-baby benchmarks (seeds/kpi_benchmarks.csv) and plant the
problems listed in generate.py's docstring; scripts/demo_calibration.py
prints where a built warehouse lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from memberkpi.demo.sql_templates import SqlValue, render
from memberkpi.demo.window import Window

# tables that later ones read come first: members, campaigns, orders
# (members.sql keeps its export query until tier_changes.sql has laddered
# the tiers: see WRITTEN_AFTER)
BUILD_ORDER = (
    "members",
    "member_bindings",
    "campaigns",
    "campaign_touches",
    "orders",
    "order_items",
    "service_tickets",
    "reviews",
    "points_ledger",
    "tier_changes",
    "interactions",
    "surveys",
    "channel_traffic",
    "exposure_resources",
)
# tables whose export query reads a work table of a later template
# (campaigns: the budget is the cost of the campaign's touches)
WRITTEN_AFTER = {"members": "tier_changes", "campaigns": "campaign_touches"}
# work tables that no later table reads, dropped once this table is written
RELEASED_AFTER = {
    "points_ledger": ("clean_orders", "clean_points_ledger", "clean_points_habits"),
    "tier_changes": (
        "clean_order_tier_ranks",
        "clean_lapsed_members",
        "clean_tier_events",
        "clean_member_tiers",
    ),
}

NON_MEMBER_PERSONS_PER_MEMBER = 0.9
TOUCH_SHARE = 0.003  # members drawn per campaign, as a share of all members
MAX_ORDERS_PER_ACCOUNT = 4000  # order keys leave 13 bits per buyer account
MEMBERS_PER_STORE = 2000
CAMPAIGNS_PER_MONTH = 12  # two per channel
# Campaign budget (campaigns.budget_amount): CNY per treatment touch by touch
# channel, the message and the coupon set aside for the contacted member
TOUCH_COST_CNY = {"sms": 5.5, "wechat": 4.5, "app_push": 3.0, "email": 2.5}

# Buying: who buys, how often, for how long (members.sql)
NEVER_BUYING_SHARE = 0.36
ONE_ORDER_SHARE = 0.22  # of the buyers: one order, never a second
ORDERS_PER_YEAR = 5.0  # mean yearly order rate of the other buyers
ORDER_RATE_SIGMA = 1.25  # log-normal spread of that rate
BUYING_LIFETIME_MEAN_DAYS = 1100  # exponential: how long a buyer keeps buying
FIRST_ORDER_AT_JOIN_SHARE = 0.55  # of members joining in the window
FOLLOW_UP_ORDER_SHARE = 0.20  # orders placed within days of the one before
NON_MEMBER_ORDERS_PER_YEAR = 1.1  # per non-member buyer account
# Interactions: sign-ins, games, content, for a while after the last order
NEVER_INTERACTING_SHARE = 0.79
INTERACTIONS_PER_YEAR = 36.0
INTERACTION_TAIL_DAYS = 120
# Seasonality: a share of orders moves into a festival's pre-sale (the
# festival and the 11 days before it), Double 11 weighing more than 618
FESTIVAL_ORDER_SHARE = 0.10
DOUBLE_ELEVEN_WEIGHT = 0.62
# Tier ladder: net spend over 365 days for silver, gold, platinum; a typical
# order's net amount, for the tier legacy members earned before the window
TIER_SPEND_THRESHOLDS = (600, 1800, 4500)
TYPICAL_ORDER_AMOUNT = 290
# Points: share of members who redeem; share of a year's unredeemed points
# that expire at the end of the following year
POINTS_REDEEMER_SHARE = 0.55
UNREDEEMED_EXPIRING_SHARE = 0.5
# Planted problems (generate.py's docstring)
COLLAPSED_COHORT_MONTHS_BEFORE_END = 8  # the join month whose repeat collapses
COLLAPSED_COHORT_ONE_ORDER_SHARE = 0.92  # its buyers who buy once (else 0.22)
LAPSING_TIER_RANK = 3  # gold
LAPSE_START_DAYS_BEFORE_END = 240
LAPSING_SHARE = 0.85  # of the lapsing tier's members on the lapse start day


@dataclass(frozen=True)
class Step:
    """One raw table: statements that prepare it, then the query that is written
    once the step `written_after` (its own, unless WRITTEN_AFTER says) is done."""

    table: str
    prepare: tuple[str, ...]
    query: str
    release: tuple[str, ...] = ()
    written_after: str = ""


def template_parameters(members: int, window: Window, seed: int) -> dict[str, SqlValue]:
    """The named parameters of the templates."""
    festival_days = window.festival_days() or [window.days - 1]
    six_eighteen_days = window.six_eighteen_days() or [window.days - 1]
    double_eleven_days = window.double_eleven_days() or [window.days - 1]
    year_end_days = window.year_end_days() or [window.days - 1]
    collapsed_first_day, collapsed_last_day = window.month_day_numbers(
        COLLAPSED_COHORT_MONTHS_BEFORE_END
    )
    silver_spend, gold_spend, platinum_spend = TIER_SPEND_THRESHOLDS
    return {
        "seed": seed,
        # the seed permutes the customer and order id spaces
        "seed_mask": (seed * 2654435761) % 2**32,
        "order_id_mask": (seed * 40503) % 2**42,
        "member_count": members,
        "non_member_person_count": max(1, round(members * NON_MEMBER_PERSONS_PER_MEMBER)),
        "store_count": max(20, members // MEMBERS_PER_STORE),
        "touches_per_campaign": max(1, round(members * TOUCH_SHARE)),
        **{f"{channel}_touch_cost": cost for channel, cost in TOUCH_COST_CNY.items()},
        "max_orders_per_account": MAX_ORDERS_PER_ACCOUNT,
        "years": window.years,
        "window_start": window.start,
        "window_start_epoch_second": (window.start - date(1970, 1, 1)).days * 86400,
        "window_days": window.days,
        "last_day": window.days - 1,
        "last_second": window.days * 86400 - 1,
        "first_campaign_month": window.start.replace(day=1),
        "campaign_slot_count": (window.years * 12 + 1) * CAMPAIGNS_PER_MONTH,
        "festival_days": festival_days,
        "festival_count": len(festival_days),
        "year_end_days": year_end_days,
        "year_end_count": len(year_end_days),
        "six_eighteen_days": six_eighteen_days,
        "six_eighteen_count": len(six_eighteen_days),
        "double_eleven_days": double_eleven_days,
        "double_eleven_count": len(double_eleven_days),
        "never_buying_share": NEVER_BUYING_SHARE,
        "one_order_share": ONE_ORDER_SHARE,
        "orders_per_year": ORDERS_PER_YEAR,
        "order_rate_sigma": ORDER_RATE_SIGMA,
        "buying_lifetime_mean_days": BUYING_LIFETIME_MEAN_DAYS,
        "first_order_at_join_share": FIRST_ORDER_AT_JOIN_SHARE,
        "follow_up_order_share": FOLLOW_UP_ORDER_SHARE,
        "non_member_orders_per_year": NON_MEMBER_ORDERS_PER_YEAR,
        "never_interacting_share": NEVER_INTERACTING_SHARE,
        "interactions_per_year": INTERACTIONS_PER_YEAR,
        "interaction_tail_days": INTERACTION_TAIL_DAYS,
        "festival_order_share": FESTIVAL_ORDER_SHARE,
        "double_eleven_weight": DOUBLE_ELEVEN_WEIGHT,
        "silver_spend": silver_spend,
        "gold_spend": gold_spend,
        "platinum_spend": platinum_spend,
        "typical_order_amount": TYPICAL_ORDER_AMOUNT,
        "points_redeemer_share": POINTS_REDEEMER_SHARE,
        "unredeemed_expiring_share": UNREDEEMED_EXPIRING_SHARE,
        "collapsed_cohort_first_day": collapsed_first_day,
        "collapsed_cohort_last_day": collapsed_last_day,
        "collapsed_cohort_one_order_share": COLLAPSED_COHORT_ONE_ORDER_SHARE,
        "lapsing_tier_rank": LAPSING_TIER_RANK,
        "lapse_start_day": max(0, window.days - 1 - LAPSE_START_DAYS_BEFORE_END),
        "lapsing_share": LAPSING_SHARE,
    }


def session_macros(parameters: dict[str, SqlValue]) -> list[str]:
    """The statements that define the macros every table template uses."""
    return render("session_macros", parameters)


def plan(parameters: dict[str, SqlValue]) -> list[Step]:
    """The raw tables in build order, each from its template."""
    steps = []
    for table in BUILD_ORDER:
        *prepare, query = render(table, parameters)
        steps.append(
            Step(
                table,
                tuple(prepare),
                query,
                RELEASED_AFTER.get(table, ()),
                WRITTEN_AFTER.get(table, table),
            )
        )
    return steps
