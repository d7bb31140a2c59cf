"""The operations KPIs (KPI_SPEC.md "Operations indicators": the rows of family ops
of metrics.kpi_monthly) against the plain-Python reference
(tests/reference_ops_kpis.py) on the spec's example and on generated data (the
session's shared full builds of tests/conftest.py), against hand counts on
tests/fixtures/handmade_ops/, and against MetricFlow (`mf query` computes every
ops metric from measures of the marts; test_kpis and test_reference_kpis compare
all KPIs, ops included, on the spec example and on generated data). Every build
is a full `dbt build` (tests included).

handmade_ops cast (tests/fixtures/handmade_ops/README.md has every row):
- A01 joined 2024-01-05: tier silver, -> gold 02-10, -> silver 04-15; orders
  01-06 (x2: O01 100.00, O02 200.00 with 20.00 discount), 02-20; points +100 (Jan),
  -30 redeem (Feb), +5 adjust (May).
- A02 joined 01-10, normal, no tier change; orders 01-12, 01-20 (80.00, 8.00
  discount), 04-19 (= 01-20 + 90 days), 06-10; points +50 (Jan), -20 expire at
  03-31 23:59; touch X1 04-15 delivered, opened, clicked, converted by 04-19.
- A03 joined 01-20, gold, no tier change; orders 01-21, 01-28, 04-28 12:30
  (= 01-28 + 91 days); points +65 (Apr); touch X2 04-20 12:00 delivered, opened,
  not clicked, next order > 7 days later.
- A04 joined 02-03, exited 05-20, normal; orders 02-05 (120.00, 30.00 discount),
  04-08 08:00 (90.00, 9.00 discount; = touch X5 04-01 08:00 + 7 days); points
  +40 (Feb), -40 expire 06-01 (after exit); touch X5 delivered, not opened.
- A05 joined 03-05, normal, no order.
- A06 joined 01-25; tier normal -> silver at 03-31 23:30; order 02-25 (= joined +
  31 days), a cancelled order in March; touch X3 04-10 not delivered.
- Non-member TN1: a discounted order in March. A01 has a control touch X4.
Build vars: as_of_date 2024-06-30, points_value_cny 0.02 (the var is honoured).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import (
    FIXTURES,
    NO_TESTS,
    SPEC_EXAMPLE,
    Build,
    metricflow_mismatches,
    query,
    run_dbt,
    values_agree,
)
from reference_ops_kpis import KPI_NAMES, NEEDS_TABLE, compute_ops_kpis

HANDMADE_OPS = FIXTURES / "handmade_ops"
REQUIRED_TABLES = ("members", "member_bindings", "orders")
BUILD_ARGS = ["build"]
HANDMADE_VARS = {"as_of_date": "2024-06-30", "points_value_cny": 0.02}

# the KPIs of tier_changes, points_ledger and campaign_touches (RAW_CONTRACT.md:
# NULL in every month when the table is absent)
ABSENT_TABLE_KPIS = {
    "tier_upgrade_rate", "tier_downgrade_rate", "upper_tier_share",
    "points_expired", "points_outstanding", "points_liability_cny", "points_expiry_rate_w12",
    "touch_delivery_rate", "touch_open_rate", "touch_click_rate", "touch_conversion_rate_7d",
}  # fmt: skip

Values = dict[tuple[str, str], float | None]

# month -> kpi -> value counted by hand from the CSVs (None = NULL). end(m) is
# the month's last day; "enrolled" lists the members enrolled at end(m).
HAND: dict[str, dict[str, float | None]] = {
    "2024-01-01": {
        # enrolled at 2023-12-31: nobody -> base 0 -> NULL
        "tier_upgrade_rate": None,
        # enrolled A01 A02 A03 A06; tiers: A01 silver (from_tier of its first
        # change, dated later), A02 normal, A03 gold (members.tier), A06 normal
        # (from_tier) -> not lowest: A01 A03 -> 2/4
        "upper_tier_share": 2 / 4,
        # no expire entry in Jan -> 0
        "points_expired": 0,
        # A01 +100, A02 +50 -> 150
        "points_outstanding": 150,
        # 150 x 0.02
        "points_liability_cny": 3.0,
        # W12 = 2023-02..2024-01: expired 0 / issued 150 -> 0
        "points_expiry_rate_w12": 0.0,
        # member orders O01..O06: discount 20 + 8 = 28 / gross
        # 100 + 200 + 50 + 80 + 60 + 40 = 530
        "member_discount_rate": 28 / 530,
        # discounted O02 O04 of 6 member orders
        "discounted_member_order_share": 2 / 6,
        # enrolled buyers to date: A01 (2 orders), A02 (2), A03 (2) -> none with 1
        "one_time_buyer_share": 0.0,
        # cohort 2023-11: nobody joined -> NULL
        "new_member_purchase_rate_30d": None,
        # no touch in Jan (the table has rows) -> 0 delivered -> NULL
        "touch_open_rate": None,
    },
    "2024-02-01": {
        # enrolled at 01-31 and 02-29: A01 A02 A03 A06 (A04 joined 02-03);
        # A01 silver -> gold (02-10): 1 up, 0 down
        "tier_upgrade_rate": 1 / 4,
        "tier_downgrade_rate": 0.0,
        # enrolled A01 gold, A02 normal, A03 gold, A04 normal, A06 normal -> 2/5
        "upper_tier_share": 2 / 5,
        # A01 100 - 30, A02 50, A04 40 -> 160
        "points_outstanding": 160,
        "points_liability_cny": 3.2,
        # O07 (30 of 120), O08 (0 of 100), O09 (0 of 70) -> 30 / 290
        "member_discount_rate": 30 / 290,
        "discounted_member_order_share": 1 / 3,
        # buyers A01 (3), A02 (2), A03 (2), A04 (1), A06 (1) -> 2/5
        "one_time_buyer_share": 2 / 5,
    },
    "2024-03-01": {
        # enrolled at 02-29 and 03-31: A01 A02 A03 A04 A06 (A05 joined 03-05);
        # A06 normal -> silver at 03-31 23:30, dated end(m) -> 1 up of 5
        "tier_upgrade_rate": 1 / 5,
        "tier_downgrade_rate": 0.0,
        # A01 gold, A03 gold, A06 silver of 6 enrolled -> 3/6
        "upper_tier_share": 3 / 6,
        # P5: A02's 20 points expire 03-31 23:59 -> 20
        "points_expired": 20,
        # A01 70, A02 50 - 20, A04 40 -> 140
        "points_outstanding": 140,
        "points_liability_cny": 2.8,
        # W12 = 2023-04..2024-03: expired 20 / issued 100 + 50 + 40 = 190
        "points_expiry_rate_w12": 20 / 190,
        # cohort 2024-01: A01 (j 01-05, order 01-06), A02 (01-10, 01-12), A03
        # (01-20, 01-21) buy within [j, j + 30]; A06 (j 01-25, first order 02-25 =
        # j + 31) does not -> 3/4
        "new_member_purchase_rate_30d": 3 / 4,
        # member orders in March: none (O13 is unbound, O14 cancelled) -> NULL
        "member_discount_rate": None,
        "discounted_member_order_share": None,
        # buyers A01 A02 A03 A04 A06 (A05 none): once A04, A06 -> 2/5
        "one_time_buyer_share": 2 / 5,
    },
    "2024-04-01": {
        # enrolled at 03-31 and 04-30: A01..A06 (6); A01 gold -> silver (04-15)
        "tier_upgrade_rate": 0.0,
        "tier_downgrade_rate": 1 / 6,
        # A01 silver, A03 gold, A06 silver of 6 -> 3/6
        "upper_tier_share": 3 / 6,
        # 140 + A03 65 -> 205
        "points_outstanding": 205,
        "points_liability_cny": 4.1,
        # cohort 2024-02: A04 (j 02-03, order 02-05) -> 1/1
        "new_member_purchase_rate_30d": 1.0,
        # O10 (9 of 90), O11 (0 of 55), O12 (0 of 65) -> 9 / 210
        "member_discount_rate": 9 / 210,
        "discounted_member_order_share": 1 / 3,
        # buyers A01 (3), A02 (3), A03 (3), A04 (2), A06 (1) -> 1/5
        "one_time_buyer_share": 1 / 5,
        # treatment touches X1 X2 X3 X5 (X4 is control): delivered X1 X2 X5 -> 3/4
        "touch_delivery_rate": 3 / 4,
        # opened X1 X2 of 3 delivered
        "touch_open_rate": 2 / 3,
        # clicked X1 of 3 delivered
        "touch_click_rate": 1 / 3,
        # X1 (order 4 days later), X5 (order at exactly touched_at + 7 days); X2's
        # next order is 8 days later -> 2/3
        "touch_conversion_rate_7d": 2 / 3,
    },
    "2024-05-01": {
        # enrolled at 04-30 and 05-31: A01 A02 A03 A05 A06 (A04 exited 05-20); no
        # change in May
        "tier_upgrade_rate": 0.0,
        "tier_downgrade_rate": 0.0,
        # A01 silver, A03 gold, A06 silver of 5 -> 3/5
        "upper_tier_share": 3 / 5,
        # A01 70 + 5 (adjust), A02 30, A03 65 (A04 not enrolled) -> 170
        "points_outstanding": 170,
        "points_liability_cny": 3.4,
        # cohort 2024-01 of s (second member-order date): A02 s = 01-20, A03 s =
        # 01-28 (A01's s is 02-20: its two 01-06 orders are one date); A02's 04-19
        # = s + 90 counts, A03's 04-28 = s + 91 does not -> 1/2
        "third_purchase_rate_90d": 1 / 2,
        # cohort 2024-03: A05, no order -> 0/1
        "new_member_purchase_rate_30d": 0.0,
        # no member order in May -> NULL
        "member_discount_rate": None,
        # buyers A01 A02 A03 A06 (A04 exited): once A06 -> 1/4
        "one_time_buyer_share": 1 / 4,
    },
    "2024-06-01": {
        # P8: A04's 40 points expire 06-01, after exit (no enrolment test) -> 40
        "points_expired": 40,
        # unchanged: P8 is A04's, who is not enrolled -> 170
        "points_outstanding": 170,
        # W12 = 2023-07..2024-06: expired 20 + 40 / issued 100 + 50 + 40 + 65
        "points_expiry_rate_w12": 60 / 255,
        # cohort 2024-02 of s: A01 (s 02-20), no later date -> 0/1
        "third_purchase_rate_90d": 0.0,
        # O15 (0 of 100) -> 0 / 100
        "member_discount_rate": 0.0,
        "discounted_member_order_share": 0.0,
        "one_time_buyer_share": 1 / 4,
        # no touch in June -> NULL
        "touch_delivery_rate": None,
    },
}


def built_ops_kpis(db_path: Path) -> Values:
    """The ops rows of kpi_monthly (family ops), which equal kpi_monthly_ops."""
    rows = query(
        db_path,
        "select cast(month as varchar), kpi, value from metrics.kpi_monthly where family = 'ops'",
    )
    family_model = query(
        db_path,
        "select count(*) from (select month, kpi, value from metrics.kpi_monthly"
        " where family = 'ops' except all select month, kpi, value"
        " from metrics.kpi_monthly_ops)",
    )
    assert family_model == [(0,)]
    return {(month, kpi): value for month, kpi, value in rows}


def mismatches(expected: Values, actual: Values) -> list[tuple[tuple[str, str], object, object]]:
    assert set(actual) == set(expected), sorted(set(actual) ^ set(expected))[:20]
    return [
        (key, expected[key], actual[key])
        for key in sorted(expected)
        if not values_agree(expected[key], actual[key])
    ]


def build(
    work_dir: Path, raw_dir: Path, dbt_vars: dict[str, object], args: list[str] = BUILD_ARGS
) -> Path:
    result = run_dbt(args, work_dir=work_dir, raw_dir=raw_dir, dbt_vars=dbt_vars)
    assert result.success, result.output[-4000:]
    built = result.with_status("success", "pass")
    assert "model.memberkpi.kpi_monthly_ops" in built
    assert "model.memberkpi.kpi_monthly" in built
    assert "model.memberkpi.fct_member_tier_monthly" in built
    return result.db_path


@pytest.fixture(scope="module")
def handmade_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ops_handmade")
    return build(root / "dbt", HANDMADE_OPS, HANDMADE_VARS)


@pytest.mark.slow
def test_spec_example_matches_reference(spec_example_build: Build) -> None:
    reference = compute_ops_kpis(SPEC_EXAMPLE / "raw")
    # 34 months (2022-03 .. 2024-12) x the ops KPIs, each non-null in some month
    assert len(reference) == 34 * len(KPI_NAMES)
    assert {kpi for (_, kpi), value in reference.items() if value} == set(KPI_NAMES)
    wrong = mismatches(reference, built_ops_kpis(spec_example_build.db_path))
    assert not wrong, wrong[:20]


@pytest.mark.slow
def test_generated_data_matches_reference(generated_build: Build) -> None:
    reference = compute_ops_kpis(generated_build.raw_dir)
    assert {kpi for (_, kpi), value in reference.items() if value} == set(KPI_NAMES)
    wrong = mismatches(reference, built_ops_kpis(generated_build.db_path))
    by_kpi: dict[str, int] = {}
    for (_, kpi), _, _ in wrong:
        by_kpi[kpi] = by_kpi.get(kpi, 0) + 1
    assert not wrong, (by_kpi, wrong[:20])


def test_hand_counts_cover_every_ops_kpi() -> None:
    """Each ops KPI has a hand-counted month where it is neither 0 nor NULL."""
    counted = {kpi for values in HAND.values() for kpi, value in values.items() if value}
    assert counted == set(KPI_NAMES)


@pytest.mark.slow
def test_handmade_ops_kpis_equal_hand_counts(handmade_build: Path) -> None:
    built = built_ops_kpis(handmade_build)
    reference = compute_ops_kpis(HANDMADE_OPS, points_value_cny=0.02)
    assert {month for month, _ in built} == set(HAND)
    hand = {(month, kpi): value for month, values in HAND.items() for kpi, value in values.items()}
    assert not [(key, value, built[key]) for key, value in hand.items()
                if not values_agree(value, built[key])]  # fmt: skip
    assert not [(key, value, reference[key]) for key, value in hand.items()
                if not values_agree(value, reference[key])]  # fmt: skip
    assert not mismatches(reference, built)


@pytest.mark.slow
def test_tier_fact_reads_tier_changes_by_hand(handmade_build: Path) -> None:
    rows = query(
        handmade_build,
        "select member_id, cast(report_month as varchar), tier_at_previous_month_end,"
        " tier_at_month_end, tier_rank_at_previous_month_end, tier_rank_at_month_end,"
        " is_enrolled_at_month_end, has_tier_upgrade, has_tier_downgrade, has_tier_changes"
        " from marts.fct_member_tier_monthly",
    )
    fact = {(row[0], row[1]): row[2:] for row in rows}
    # A01: silver (from_tier of the first change) -> gold 02-10 -> silver 04-15
    assert fact[("A01", "2024-01-01")] == ("silver", "silver", 2, 2, True, False, False, True)
    assert fact[("A01", "2024-02-01")] == ("silver", "gold", 2, 3, True, True, False, True)
    assert fact[("A01", "2024-03-01")] == ("gold", "gold", 3, 3, True, False, False, True)
    assert fact[("A01", "2024-04-01")] == ("gold", "silver", 3, 2, True, False, True, True)
    # A06: the change at 03-31 23:30 holds at end(March)
    assert fact[("A06", "2024-03-01")] == ("normal", "silver", 1, 2, True, True, False, True)
    # A03: no change, members.tier throughout
    assert fact[("A03", "2024-06-01")] == ("gold", "gold", 3, 3, True, False, False, False)
    # A04 exited 05-20: keeps the tier of the exit date, not enrolled, no move
    assert fact[("A04", "2024-06-01")] == ("normal", "normal", 1, 1, False, False, False, False)
    # one row per member and month from the join month to June: A01 A02 A03 A06
    # from January, A04 from February, A05 from March
    assert len(rows) == 4 * 6 + 5 + 4


@pytest.mark.slow
def test_campaign_roi_by_hand(handmade_build: Path) -> None:
    """campaign_effect of K1 (budget_amount 50.00 in campaigns.csv), counted by
    hand from the fixture's touches and orders."""
    rows = query(
        handmade_build,
        "select campaign_id, treatment_size, control_size, treatment_net_sales_per_member,"
        " control_net_sales_per_member, incremental_net_sales, budget_amount, roi"
        " from metrics.campaign_effect",
    )
    # treatment = delivered X1 (A02: O11 04-19 16:00, 55.00, in (04-15 09:00,
    # 04-22 09:00]), X2 (A03: O12 04-28 12:30 is after 04-27 12:00: 0) and X5
    # (A04: O10 81.00 at 04-08 08:00 = touch + 7 days exactly); X3 undelivered.
    # control = X4 (A01: no order in (04-10 09:00, 04-17 09:00]: 0).
    # incremental (136 / 3 - 0 / 1) x 3 = 136.00; ROI 136 / 50.00 = 2.72
    ((campaign_id, n_t, n_c, per_t, per_c, incremental, budget, roi),) = rows
    assert (campaign_id, n_t, n_c) == ("K1", 3, 1)
    assert per_t == pytest.approx(136 / 3, abs=1e-9)
    assert per_c == 0
    assert incremental == pytest.approx(136.0, abs=1e-9)
    assert budget == 50
    assert roi == pytest.approx(2.72, abs=1e-12)


@pytest.mark.slow
def test_absent_optional_tables_give_null_not_zero(tmp_path: Path) -> None:
    """Without tier_changes, points_ledger and campaign_touches the models build and
    their KPIs are NULL in every month (never 0), in kpi_monthly and in MetricFlow;
    the others keep their values."""
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    for table in REQUIRED_TABLES:
        shutil.copy(HANDMADE_OPS / f"{table}.csv", raw_dir / f"{table}.csv")
    # the models only: the shared build of the required tables runs the data
    # tests with every optional table absent (tests/conftest.py)
    db_path = build(tmp_path / "dbt", raw_dir, HANDMADE_VARS, [*BUILD_ARGS, *NO_TESTS])
    built = built_ops_kpis(db_path)
    assert {month for month, _ in built} == set(HAND)
    assert set(NEEDS_TABLE) == ABSENT_TABLE_KPIS  # the reference nulls the same KPIs
    assert all(built[(month, kpi)] is None for month in HAND for kpi in ABSENT_TABLE_KPIS)
    # counted by hand above, and read from the required tables only
    assert values_agree(built[("2024-05-01", "third_purchase_rate_90d")], 1 / 2)
    assert values_agree(built[("2024-03-01", "new_member_purchase_rate_30d")], 3 / 4)
    assert values_agree(built[("2024-02-01", "one_time_buyer_share")], 2 / 5)
    assert values_agree(built[("2024-01-01", "member_discount_rate")], 28 / 530)
    assert not mismatches(compute_ops_kpis(raw_dir, points_value_cny=0.02), built)
    # `mf query` gives the same NULLs (presence metrics, a null balance) in the
    # five complete months, January .. May
    compared, wrong = metricflow_mismatches(tmp_path / "dbt", raw_dir, KPI_NAMES)
    assert compared == len(KPI_NAMES) * 5
    assert not wrong, wrong


@pytest.mark.slow
def test_metricflow_agrees_on_every_ops_kpi_by_hand(handmade_build: Path) -> None:
    """`mf query` on metrics.yml: every ops KPI equals kpi_monthly (whose values
    the hand counts above check) in every complete month of handmade_ops."""
    complete = query(
        handmade_build,
        "select count(distinct month) from metrics.kpi_monthly where is_complete_month",
    )
    # January .. May: the last paid order (O15) is dated in June, before its end
    assert complete == [(5,)]
    compared, wrong = metricflow_mismatches(handmade_build.parent, HANDMADE_OPS, KPI_NAMES)
    assert compared == len(KPI_NAMES) * 5
    assert not wrong, wrong
