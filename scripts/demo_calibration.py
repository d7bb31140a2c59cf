"""How plausible the demo brand looks: read a built warehouse and print it.

Usage (a dev tool, not part of the installed CLI):

    .venv/bin/python scripts/demo_calibration.py WAREHOUSE.duckdb [--month YYYY-MM-DD]

Prints, for the latest complete month (or --month):
- every KPI with a row in seeds.kpi_benchmarks (industry mother_baby): value,
  P25-P75 band and whether it lies inside, and the share inside;
- the four 4C radar KPIs: value / P50 and the radar score;
- the lifecycle stage shares;
- the problems `memberkpi generate` plants (src/memberkpi/demo/generate.py):
  the channel hiding its member entry, the join cohort whose second purchase
  collapsed, the tier whose members lapse;
- a few loyalty mechanics (discounts, touch funnel, tier moves, expiries);
- valid orders per month against the median month of their year.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

INDUSTRY = "mother_baby"
RADAR_KPIS = ("capital_rate", "conversion", "clv", "connection")
OPS_KPIS = (
    "member_discount_rate",
    "discounted_member_order_share",
    "touch_delivery_rate",
    "touch_open_rate",
    "touch_click_rate",
    "touch_conversion_rate_7d",
    "tier_upgrade_rate",
    "tier_downgrade_rate",
    "upper_tier_share",
    "points_expiry_rate_w12",
    "new_member_purchase_rate_30d",
    "one_time_buyer_share",
)


def rows(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[object] = ()
) -> list[tuple]:
    return connection.execute(sql, list(parameters)).fetchall()


def table_exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = rows(
        connection,
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        (schema, table),
    )
    return found[0][0] > 0


def latest_complete_month(connection: duckdb.DuckDBPyConnection) -> date:
    return rows(connection, "select max(month) from metrics.kpi_monthly where is_complete_month")[
        0
    ][0]


def print_benchmarks(connection: duckdb.DuckDBPyConnection, month: date) -> None:
    benchmarked = rows(
        connection,
        """
        select
            kpi_monthly.kpi,
            kpi_monthly.value,
            benchmarks.benchmark_p25,
            benchmarks.benchmark_p50,
            benchmarks.benchmark_p75
        from metrics.kpi_monthly as kpi_monthly
        inner join seeds.kpi_benchmarks as benchmarks
            on kpi_monthly.kpi = benchmarks.kpi
        where kpi_monthly.month = ? and benchmarks.industry = ?
        order by kpi_monthly.kpi_order
        """,
        (month, INDUSTRY),
    )
    print(f"benchmarked KPIs, {month:%Y-%m} ({INDUSTRY})")
    print(f"  {'kpi':<30}{'value':>12}{'p25':>10}{'p50':>10}{'p75':>10}  band")
    inside_count = 0
    for kpi, value, p25, p50, p75 in benchmarked:
        if value is None:
            verdict = "null"
        elif value < p25:
            verdict = "below"
        elif value > p75:
            verdict = "above"
        else:
            verdict = "inside"
            inside_count += 1
        shown = "null" if value is None else f"{value:.4g}"
        print(f"  {kpi:<30}{shown:>12}{p25:>10.4g}{p50:>10.4g}{p75:>10.4g}  {verdict}")
    share = inside_count / len(benchmarked) if benchmarked else 0.0
    print(f"  inside P25-P75: {inside_count} of {len(benchmarked)} ({share:.0%})")


def print_radar(connection: duckdb.DuckDBPyConnection, month: date) -> None:
    radar = {
        kpi: (value, p50, score)
        for kpi, value, p50, score in rows(
            connection,
            "select kpi, value, benchmark_p50, score from metrics.four_c_radar where month = ?",
            (month,),
        )
    }
    print("4C radar (value / P50)")
    ratios = {}
    for kpi in RADAR_KPIS:
        value, p50, score = radar.get(kpi, (None, None, None))
        if value is None or not p50:
            print(f"  {kpi:<14} missing")
            continue
        ratios[kpi] = value / p50
        print(f"  {kpi:<14} value {value:>10.4g}  ratio {ratios[kpi]:.2f}  score {score:.1f}")
    gaps = [
        abs(ratios[first] - ratios[second])
        for index, first in enumerate(ratios)
        for second in list(ratios)[index + 1 :]
    ]
    if gaps:
        print(f"  smallest pairwise ratio gap: {min(gaps):.2f}")


def print_lifecycle(connection: duckdb.DuckDBPyConnection, month: date) -> None:
    stages = rows(
        connection,
        """
        select lifecycle_stage, count_members, share
        from metrics.lifecycle_stage_monthly
        where month = ?
        order by lifecycle_stage_order
        """,
        (month,),
    )
    print("lifecycle stages")
    for stage, count_members, share in stages:
        print(f"  {stage:<12}{count_members:>8}  {share:.1%}")


def print_hidden_member_entry(connection: duckdb.DuckDBPyConnection) -> None:
    shares = rows(
        connection,
        """
        select channel, avg(case when shows_member_entry then 1.0 else 0.0 end)
        from marts.fct_exposure
        group by channel
        order by 2
        """,
    )
    print("planted: member entry shown, share of exposure snapshots by channel")
    for channel, share in shares:
        print(f"  {channel:<12} {share:.2f}")


def print_cohort_second_purchase(connection: duckdb.DuckDBPyConnection) -> None:
    cohorts = rows(
        connection,
        """
        with first_orders as (
            select member_id, min(order_date) as first_order_date
            from marts.fct_orders
            where is_member_order
            group by member_id
        ),

        second_orders as (
            select
                first_orders.member_id,
                count(orders.order_id) > 0 as has_second_order_90d
            from first_orders
            left join marts.fct_orders as orders
                on first_orders.member_id = orders.member_id
                and orders.is_member_order
                and orders.order_date > first_orders.first_order_date
                and orders.order_date <= first_orders.first_order_date + 90
            group by first_orders.member_id
        )

        select
            members.join_month,
            count(*) as count_buyers,
            avg(case when second_orders.has_second_order_90d then 1.0 else 0.0 end)
        from marts.dim_member as members
        inner join first_orders on members.member_id = first_orders.member_id
        inner join second_orders on members.member_id = second_orders.member_id
        where members.join_month >= (select min(order_month) from marts.fct_orders)
            and members.join_month
                < (select max(order_month) from marts.fct_orders) - interval 4 month
        group by members.join_month
        having count(*) >= 20
        order by members.join_month
        """,
    )
    if not cohorts:
        print("planted: no join cohort with 90 days of follow-up")
        return
    worst_month, worst_buyers, worst_rate = min(cohorts, key=lambda cohort: cohort[2])
    others = [rate for month, _, rate in cohorts if month != worst_month]
    print("planted: 2nd member order within 90 days of the first, by join month")
    print(
        f"  lowest cohort {worst_month:%Y-%m}: {worst_rate:.3f} ({worst_buyers} buyers);"
        f" other cohorts median {statistics.median(others):.3f}"
        f" (min {min(others):.3f}, max {max(others):.3f})"
    )


def print_tier_lapse(connection: duckdb.DuckDBPyConnection, month: date) -> None:
    lapse = rows(
        connection,
        """
        select
            tiers.tier_at_month_end,
            count(*) as count_buyers,
            avg(case
                when member_months.lifecycle_stage in ('silent', 'lapsed') then 1.0
                else 0.0
            end) as lapse_share
        from marts.fct_member_monthly as member_months
        inner join marts.fct_member_tier_monthly as tiers
            on member_months.member_id = tiers.member_id
            and member_months.report_month = tiers.report_month
        where member_months.report_month = ?
            and member_months.is_enrolled_at_month_end
            and member_months.count_member_orders_to_date > 0
        group by tiers.tier_at_month_end, tiers.tier_rank_at_month_end
        order by tiers.tier_rank_at_month_end
        """,
        (month,),
    )
    print("planted: share silent or lapsed among members who ever bought, by tier")
    for tier, count_buyers, share in lapse:
        print(f"  {tier:<10}{count_buyers:>7} buyers  {share:.2f}")


def print_ops(connection: duckdb.DuckDBPyConnection, month: date) -> None:
    """Loyalty mechanics from the marts (the ops KPIs may not be built yet)."""
    discounts = rows(
        connection,
        """
        select
            avg(case when discount_amount > 0 then 1.0 else 0.0 end),
            sum(discount_amount) / sum(gross_amount),
            sum(case when discount_amount > 0 then discount_amount end)
                / sum(case when discount_amount > 0 then gross_amount end)
        from marts.fct_orders
        where is_member_order and order_month = ?
        """,
        (month,),
    )[0]
    funnel = rows(
        connection,
        """
        select
            avg(case when is_delivered then 1.0 else 0.0 end),
            avg(case when is_opened then 1.0 else 0.0 end)
                / avg(case when is_delivered then 1.0 else 0.0 end),
            avg(case when is_clicked then 1.0 else 0.0 end)
                / avg(case when is_delivered then 1.0 else 0.0 end)
        from marts.fct_campaign_touches
        where test_group = 'treatment'
        """,
    )[0]
    tier_moves = rows(
        connection,
        """
        select
            avg(case when has_tier_upgrade then 1.0 else 0.0 end),
            avg(case when has_tier_downgrade then 1.0 else 0.0 end)
        from marts.fct_member_tier_monthly
        where is_enrolled_at_month_end and is_enrolled_at_previous_month_end
        """,
    )[0]
    points = dict(
        rows(
            connection,
            """
            select entry_type, sum(points)
            from marts.fct_points
            where occurred_date > ?::date - 365 and occurred_date <= last_day(?::date)
            group by entry_type
            """,
            (month, month),
        )
    )
    print(f"loyalty mechanics ({month:%Y-%m} member orders; all treatment touches)")
    print(
        f"  discounted member orders {discounts[0]:.2f}, discount / gross {discounts[1]:.3f},"
        f" depth of discounted orders {discounts[2]:.3f}"
    )
    print(
        f"  touches: delivered {funnel[0]:.2f}, opened {funnel[1]:.2f}"
        f" and clicked {funnel[2]:.2f} of delivered"
    )
    print(f"  tier moves per member-month: up {tier_moves[0]:.4f}, down {tier_moves[1]:.4f}")
    issued = points.get("earn") or 0
    print(
        "  points over 12 months: "
        + ", ".join(f"{kind} {total:,}" for kind, total in sorted(points.items()))
        + (f"; expired / issued {-points.get('expire', 0) / issued:.3f}" if issued else "")
    )
    values = dict(
        rows(connection, "select kpi, value from metrics.kpi_monthly where month = ?", (month,))
    )
    built = [kpi for kpi in OPS_KPIS if kpi in values]
    for kpi in built:
        value = values[kpi]
        print(f"  {kpi:<30} {'null' if value is None else f'{value:.4f}'}")
    if table_exists(connection, "metrics", "member_clv_predicted"):
        top = rows(
            connection,
            "select max(expected_value_12m), quantile_cont(expected_value_12m, 0.99)"
            " from metrics.member_clv_predicted",
        )[0]
        if top[0] is not None:
            print(f"  predicted 12-month CLV: max {top[0]:,.0f}, p99 {top[1]:,.0f}")


def print_seasonality(connection: duckdb.DuckDBPyConnection) -> None:
    months = rows(
        connection,
        """
        select order_month, count(*)
        from marts.fct_orders
        where is_valid
        group by order_month
        order by order_month
        """,
    )
    medians = {
        year: statistics.median(count for month, count in months if month.year == year)
        for year in {month.year for month, _ in months}
    }
    print("valid orders per month (x median month of that year)")
    for month, count in months:
        ratio = count / medians[month.year]
        print(f"  {month:%Y-%m} {count:>8}  {ratio:4.2f} {'#' * round(ratio * 10)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--month", type=date.fromisoformat, default=None)
    arguments = parser.parse_args()
    connection = duckdb.connect(str(arguments.warehouse), read_only=True)
    month = arguments.month or latest_complete_month(connection)
    print_benchmarks(connection, month)
    print_radar(connection, month)
    print_lifecycle(connection, month)
    print_hidden_member_entry(connection)
    print_cohort_second_purchase(connection)
    print_tier_lapse(connection, month)
    print_ops(connection, month)
    print_seasonality(connection)


if __name__ == "__main__":
    main()
