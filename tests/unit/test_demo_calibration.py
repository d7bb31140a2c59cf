"""The demo brand's planted problems, seasonality and loyalty mechanics.

`memberkpi generate` plants problems for a manager to find (listed in the
docstring of memberkpi.demo.generate). These tests read a generated data set
with DuckDB alone (no dbt) and check that each is there and stands out, with
the definitions of KPI_SPEC.md written here in SQL: a member order is a
valid order (paid, not cancelled, net amount > 0) of a buyer bound to a
member enrolled on its date.
"""

from __future__ import annotations

import statistics
from datetime import date

import duckdb
import pytest

from memberkpi.demo.generate import GenerateOptions, generate

END = date(2025, 12, 31)
TABLES = (
    "members",
    "member_bindings",
    "orders",
    "points_ledger",
    "tier_changes",
    "campaign_touches",
    "exposure_resources",
)
TIER_RANKS = {"normal": 1, "silver": 2, "gold": 3, "platinum": 4}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    out = tmp_path_factory.mktemp("calibration")
    generate(GenerateOptions(members=4000, seed=42, out=out, end_date=END))
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"create view {table} as select * from read_parquet('{out / table}.parquet')")
    con.execute(
        """
        create table member_orders as
        select
            orders.order_id,
            members.member_id,
            members.tier,
            members.joined_at::date as joined_date,
            members.exited_at,
            orders.paid_at,
            orders.paid_at::date as order_date,
            orders.paid_amount - orders.refunded_amount as net_amount
        from orders
        inner join member_bindings as bindings
            on orders.channel = bindings.channel
            and orders.customer_id = bindings.customer_id
        inner join members on bindings.member_id = members.member_id
        where orders.paid_at is not null
            and orders.status <> 'cancelled'
            and orders.paid_amount - orders.refunded_amount > 0
            and orders.paid_at::date >= members.joined_at::date
            -- not `exited_at is null or ...`: an or makes DuckDB join by nested loop
            and orders.paid_at::date < coalesce(members.exited_at::date, date '9999-12-31')
        """
    )
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


# -- planted problems -------------------------------------------------------------------


def test_one_channel_mostly_hides_the_member_entry(db: duckdb.DuckDBPyConnection) -> None:
    shares = dict(
        db.execute(
            "select channel, avg(shows_member_entry::int) from exposure_resources group by 1"
        ).fetchall()
    )
    assert len(shares) == 6
    assert shares["douyin"] < 0.3
    assert all(share > 0.6 for channel, share in shares.items() if channel != "douyin")


def test_one_join_cohort_hardly_buys_a_second_time(db: duckdb.DuckDBPyConnection) -> None:
    """Second member order within 90 days of the first, by join month."""
    cohorts = db.execute(
        f"""
        with firsts as (
            select member_id, any_value(joined_date) as joined_date,
                min(order_date) as first_order_date
            from member_orders group by 1
        )
        select
            date_trunc('month', firsts.joined_date)::date as join_month,
            count(*) as buyers,
            avg((exists (
                select 1 from member_orders as later
                where later.member_id = firsts.member_id
                    and later.order_date > firsts.first_order_date
                    and later.order_date <= firsts.first_order_date + 90
            ))::int) as second_rate
        from firsts
        where firsts.joined_date >= date '2024-01-01'
            and firsts.first_order_date <= date '{END}' - 90
        group by 1
        having count(*) >= 30
        order by 1
        """
    ).fetchall()
    rates = {month: rate for month, _, rate in cohorts}
    collapsed = date(2025, 4, 1)  # eight months before the end month
    others = [rate for month, rate in rates.items() if month != collapsed]
    assert min(rates, key=rates.__getitem__) == collapsed
    assert rates[collapsed] < 0.4 * statistics.median(others)
    assert 0.15 <= statistics.median(others) <= 0.4


def test_gold_members_lapse_more_than_silver_and_platinum(
    db: duckdb.DuckDBPyConnection,
) -> None:
    """Share of enrolled members who ever bought with no member order in 180 days."""
    lapse = dict(
        db.execute(
            f"""
            select tier, avg((last_order_date < date '{END}' - 180)::int)
            from (
                select member_id, any_value(tier) as tier,
                    max(order_date) as last_order_date
                from member_orders
                where exited_at is null
                group by 1
            )
            group by 1
            """
        ).fetchall()
    )
    assert set(lapse) == set(TIER_RANKS)
    assert lapse["gold"] > 1.3 * max(lapse["silver"], lapse["platinum"])


# -- seasonality ------------------------------------------------------------------------


def test_double_11_and_618_lift_their_months(db: duckdb.DuckDBPyConnection) -> None:
    per_month = dict(
        db.execute(
            """
            select month(paid_at), count(*) from orders
            where paid_at is not null and status <> 'cancelled' and year(paid_at) = 2025
            group by 1
            """
        ).fetchall()
    )
    median_month = statistics.median(per_month.values())
    assert 1.3 <= per_month[11] / median_month <= 2.5
    assert 1.15 <= per_month[6] / median_month < per_month[11] / median_month
    assert max(per_month[month] for month in per_month if month not in (6, 11)) < (
        1.25 * median_month
    )


# -- loyalty mechanics ------------------------------------------------------------------


def test_discounts_are_common_and_deeper_at_festivals(db: duckdb.DuckDBPyConnection) -> None:
    share, depth = db.execute(
        """
        select avg((discount_amount > 0)::int),
            sum(discount_amount) filter (where discount_amount > 0)
                / sum(gross_amount) filter (where discount_amount > 0)
        from orders
        where month(ordered_at) not in (6, 11)
        """
    ).fetchall()[0]
    assert 0.3 <= share <= 0.5
    assert 0.05 <= depth <= 0.15
    festival_share, festival_depth = db.execute(
        """
        select avg((discount_amount > 0)::int),
            sum(discount_amount) filter (where discount_amount > 0)
                / sum(gross_amount) filter (where discount_amount > 0)
        from orders
        where strftime(ordered_at, '%m-%d') in ('06-18', '11-11')
        """
    ).fetchall()[0]
    assert festival_share > share + 0.2
    assert festival_depth > depth + 0.05


def test_touch_funnel(db: duckdb.DuckDBPyConnection) -> None:
    delivered, opened, clicked = db.execute(
        """
        select avg(delivered::int),
            count(opened_at) / count(*) filter (where delivered),
            count(clicked_at) / count(*) filter (where delivered)
        from campaign_touches where test_group = 'treatment'
        """
    ).fetchall()[0]
    assert 0.85 <= delivered <= 0.95
    assert 0.28 <= opened <= 0.42
    assert 0.06 <= clicked <= 0.14


def test_tiers_follow_spending(db: duckdb.DuckDBPyConnection) -> None:
    db.execute(
        "create or replace macro tier_rank(tier) as "
        "map_extract(map {'normal': 1, 'silver': 2, 'gold': 3, 'platinum': 4}, tier)[1]"
    )
    upgrades, downgrades = db.execute(
        """
        select count(*) filter (where tier_rank(to_tier) > tier_rank(from_tier)),
            count(*) filter (where tier_rank(to_tier) < tier_rank(from_tier))
        from tier_changes
        """
    ).fetchall()[0]
    assert upgrades >= 200 and downgrades >= 100
    # an upgrade happens on a member order; a downgrade comes after months without one
    upgrades_on_an_order = scalar(
        db,
        """
        select avg((exists (
            select 1 from member_orders
            where member_orders.member_id = tier_changes.member_id
                and member_orders.paid_at = tier_changes.changed_at
        ))::int)
        from tier_changes where tier_rank(to_tier) > tier_rank(from_tier)
        """,
    )
    assert upgrades_on_an_order == 1
    downgrades_after_a_quiet_quarter = scalar(
        db,
        """
        select avg((not exists (
            select 1 from member_orders
            where member_orders.member_id = tier_changes.member_id
                and member_orders.paid_at < tier_changes.changed_at
                and member_orders.paid_at >= tier_changes.changed_at - interval 90 day
        ))::int)
        from tier_changes where tier_rank(to_tier) < tier_rank(from_tier)
        """,
    )
    assert downgrades_after_a_quiet_quarter > 0.7
    spend_by_tier = dict(
        db.execute(
            """
            select members.tier, median(coalesce(spend.net_amount, 0))
            from members
            left join (
                select member_id, sum(net_amount) as net_amount from member_orders
                where order_date > date '2024-12-31' group by 1
            ) as spend on members.member_id = spend.member_id
            where members.exited_at is null
            group by 1
            """
        ).fetchall()
    )
    ranked = sorted(spend_by_tier, key=TIER_RANKS.__getitem__)
    assert [spend_by_tier[tier] for tier in ranked] == sorted(spend_by_tier.values())


def test_points_expire_at_year_end(db: duckdb.DuckDBPyConnection) -> None:
    expired, earned, redeemed = db.execute(
        """
        select
            -sum(points) filter (where entry_type = 'expire'),
            sum(points) filter (where entry_type = 'earn'),
            -sum(points) filter (where entry_type = 'redeem')
        from points_ledger where year(occurred_at) = 2025
        """
    ).fetchall()[0]
    assert 0.1 <= expired / earned <= 0.5
    assert 0.2 <= redeemed / earned <= 0.5
    moments = {
        row[0]
        for row in db.execute(
            "select distinct strftime(occurred_at, '%m-%d %H:%M:%S') from points_ledger "
            "where entry_type = 'expire'"
        ).fetchall()
    }
    assert moments == {"12-31 23:59:59"}
    assert scalar(db, "select max(points) from points_ledger where entry_type = 'expire'") < 0
