"""KPIs counted on paper for the tiny raw set in tests/fixtures/handmade/.

The fixture (13 members, 42 orders, 2023-01 .. 2025-02; dense from 2024-01) is small
enough to count by hand. Every expected value below was worked out by hand from the
CSV files, BEFORE running any code on them, and is asserted against both the
warehouse (metrics.kpi_monthly built by dbt) and the pandas reference
(tests/reference_kpis.py).

Cast (who is who in the CSVs):
- M01 joined 2023-01-10, sms, tmall T01; member orders 2023-01-20, 2023-06-15,
  2024-03-10, 2024-12-05, 2025-01-15, 2025-01-28 (20.00, no items), 2025-02-03.
- M02 joined 2023-01-15, wechat, jd J02; member orders 2023-01-25, 2024-03-05.
- M03 joined 2024-01-05, app push, TWO bindings tmall T03 + app A03; member orders
  2024-01-10, 2024-06-01, 2025-01-03 (210 paid - 60 refunded = 150, mobile hash hx);
  2025-01-20 fully refunded (net 0: not valid).
- M04 joined 2024-02-20, flags NULL/false/NULL -> not reachable; one order 2024-04-02.
- M05 joined 2024-03-15 23:30, exited 2025-01-12 10:00; orders 2024-03-15 23:50
  (joining day -> member order), 2024-10-01, 2025-01-12 (exit day -> not a member
  order), 2025-01-25 (after exit -> not a member order).
- M06 joined 2024-05-01; app orders 2024-05-03, 2024-09-10, 2025-02-05; an unpaid
  cancelled order 2025-01-30; wechat_mall interaction 2024-11-02.
- M07 joined 2024-06-10, sms/wechat NULL, app push true -> reachable; tmall orders
  2024-09-25 10:00 and 15:00 (same day), 2025-01-05.
- M08 joined 2024-08-01; jd orders 2024-09-12 and 2024-12-11 (= f + 90 exactly);
  tmall interaction 2024-12-20.
- M09 joined 2024-09-05 18:00; offline order 2024-07-20 (pre-join: non-member order,
  but M09's person), 2024-09-05 07:00 (joining day, earlier hour -> member order),
  2024-10-20, 2025-01-26.
- M10 joined 2024-12-10; order 2024-12-15; 2025-01-18 paid then cancelled (invalid).
- M11 joined 2025-01-08; app orders 2025-01-09 and 2025-01-22.
- M12 joined 2025-01-20, all flags false; order 2025-01-21.
- M13 joined 2023-03-01, sms; one order 2023-08-01; interaction 2024-01-20.
- Non-members: hx = tmall TN1 + jd JN1 with mobile hash hx (one person; also on
  M03's bound order, which stays M03's); JN3 with mobile hash h03 (= M03's own
  hash, still a separate person); douyin DN2 without a hash.
- Interaction I4 is from unknown member M99 (ignored).
"""

from __future__ import annotations

import math

import pytest

from helpers import HANDMADE, Build, query
from reference_kpis import KPI_NAMES, compute_kpis

RELATIVE_TOLERANCE = 1e-9

Key = tuple[str, str]

# month -> kpi -> value counted by hand. F = 2025-01 unless said otherwise:
# W12(F) = 2024-02-01..2025-01-31, W12prev(F) = 2023-02-01..2024-01-31,
# end(F) = 2025-01-31.
HAND: dict[str, dict[str, float]] = {
    "2025-01-01": {
        # ---- scale
        # enrolled at 2025-01-31: M01 M02 M03 M04 M06 M07 M08 M09 M10 M11 M12 M13
        # (M05 exited 2025-01-12) -> 12
        "members_total": 12,
        # joined in Jan: M11 (01-08), M12 (01-20) -> 2
        "members_new": 2,
        # exited in Jan: M05 -> 1
        "members_exited": 1,
        # (12 - 11) / 11; end(2024-12): M01..M10 + M13 = 11
        "member_growth_rate": 1 / 11,
        # 12 enrolled minus M04 (NULL/false/NULL) and M12 (all false) -> 10
        "reachable_members": 10,
        # 2 new / visitors 400 + 300 + 300 (2024-12-31's 999 is December) -> 2/1000
        "join_conversion_rate": 2 / 1000,
        # ---- 4C
        # reachable enrolled 10, engaged in W12: all but M13 (its only interaction
        # 2024-01-20 and order 2023-08-01 are before W12) -> M01 M02 M03 M06 M07 M08
        # M09 M10 M11 -> 9
        "capital": 9,
        # 9 / 12
        "capital_rate": 9 / 12,
        # enrolled at end(Dec) and end(Jan): M01 M02 M03 M04 M06 M07 M08 M09 M10 M13
        # -> 10, all below L3 in Dec. Levels Dec->Jan: M01 2->4 orders (L2->L3) up;
        # M02 1->1, M03 2->2, M04 1->1, M06 2->2, M07 2->3 (L2->L2), M08 2->2,
        # M09 2->3 (L2->L2), M10 1->1, M13 0->0 -> 1/10
        "conversion": 1 / 10,
        # W12 member net of capital: M01 150+140+130+20=440, M02 90, M03 40+150=190,
        # M06 110+85=195, M07 95+30+88=213, M08 65+65=130, M09 180+120+150=450,
        # M10 77, M11 66+44=110 -> 1895 / 9
        "clv": 1895 / 9,
        # capital engaged within Jan (Jan member orders M01 M03 M07 M09 M11 M12;
        # Jan interactions M01 M02 M04 M05 M10 M12): M01 M02 M03 M07 M09 M10 M11
        # -> 7 / 9 (M06, M08 idle in Jan)
        "connection": 7 / 9,
        # capital with >= 2 channels in W12 (orders + interactions): M01 tmall+app,
        # M03 tmall+app, M06 app+wechat_mall, M08 jd+tmall -> 4 / 9 (M02 jd only,
        # M10 wechat_mall only, M07 tmall, M09 offline_pos, M11 app)
        "cross_field_rate": 4 / 9,
        # ---- activity
        # enrolled and engaged in Jan: M01 M02 M03 M04 M07 M09 M10 M11 M12 -> 9
        # (M05 engaged but exited)
        "active_members": 9,
        "activity_rate": 9 / 12,
        # enrolled with a Jan interaction: M04 M02 M01 M10 M12 -> 5 (M05 exited,
        # M99 unknown)
        "engagement_rate": 5 / 12,
        # earn in Jan: 130 + 150 + 110 = 390 (expire/adjust ignored)
        "points_issued": 390,
        # redeem in Jan: -(-50 - 100) = 150
        "points_redeemed": 150,
        "points_redemption_rate": 150 / 390,
        # ---- purchase
        # valid Jan orders (14): O23 150, O24 88, O25 50, O26 66, O27 40, O28 55,
        # O29 130, O30 70, O33 58, O34 44, O35 35, O36 150, O37 25, O41 20 -> 981
        # (O31 cancelled, O32 net 0, O38 unpaid)
        "total_net_sales": 981,
        # member orders in Jan (8): O23 M03 150, O24 M07 88, O26 M11 66, O29 M01 130,
        # O33 M12 58, O34 M11 44, O36 M09 150, O41 M01 20 -> 706
        "member_net_sales": 706,
        "member_sales_share": 706 / 981,
        "member_orders": 8,
        # M01 M03 M07 M09 M11 M12 -> 6
        "member_buyers": 6,
        # joined in Jan: M11 M12 -> 2
        "new_member_buyers": 2,
        # 6 - 2
        "returning_member_buyers": 4,
        # persons with a valid Jan order: M01 M03 M05 M07 M09 M11 M12, hx (TN1+JN1),
        # h03 (JN3, not merged into M03), douyin:DN2 -> 10
        "member_buyer_share": 6 / 10,
        "member_purchase_penetration": 6 / 12,
        "member_aov": 706 / 6,
        "member_order_value": 706 / 8,
        "member_purchase_frequency": 8 / 6,
        # W12 member-order counts: M01 4, M02 1, M03 2, M04 1, M05 2, M06 2, M07 3,
        # M08 2, M09 3, M10 1, M11 2, M12 1 -> 8 with >= 2 of 12
        "repeat_purchase_rate": 8 / 12,
        # cohort 2024-09: M07 (f 09-25; same-day order no, 2025-01-05 > f+90=12-24),
        # M08 (f 09-12; 12-11 = f+90 counts), M09 (f 09-05; 10-20) -> 2 / 3
        "second_purchase_rate_90d": 2 / 3,
        # W12 member buyers 12; >= 2 categories: M01 formula+diapers, M02 formula+toys
        # (one order), M05 formula+diapers, M09 formula+diapers, M11 toys+formula -> 5
        # (M03 toys + NULL; its 2024-01 formula is outside W12; M04 no items)
        "cross_category_rate": 5 / 12,
        # latest Jan snapshot 2025-01-31: true, true, true, false, NULL -> 3 / 5
        "member_exposure_rate": 3 / 5,
        # ---- service
        # resolved in Jan: T1 4, T2 NULL, T4 2 (created in Dec), T5 5 -> 11 / 3
        "csat": 11 / 3,
        # complaints created in Jan: T1, T3 -> 2 / 14 valid orders
        "complaint_rate": 2 / 14,
        # paid in Jan, not cancelled: 15 (the 14 valid + O32); refunded > 0: O23, O32
        "refund_rate": 2 / 15,
        # answered tickets created in Jan: T1 30, T2 12.5, T5 45 (T3 unanswered)
        "first_response_minutes": 87.5 / 3,
        # created in Jan: T1 (exactly 48 h: within), T2 (72 h), T3 (unresolved), T5
        # (24 h) -> 2 / 4
        "resolution_rate_48h": 2 / 4,
        # Jan responses 10, 9, 7, 3, 8 -> 100 * (2/5 - 1/5)
        "nps": 20,
        # Jan reviews 1, 2, 5, 3 -> 2 / 4 (R5 is 2024-12-31 23:59)
        "negative_review_rate": 2 / 4,
        # ---- core / related / trend
        # W12prev member buyers: M01 (2023-06-15), M13 (2023-08-01), M03 (2024-01-10);
        # in W12 too: M01, M03 -> 2 / 3 (M02's 2023-01-25 is before W12prev)
        "retention_rate": 2 / 3,
        # 10 persons / 1000 visitors
        "purchase_conversion_rate": 10 / 1000,
        # Dec: O22 M01 140, O20 M08 65, O21 M10 77 -> aov 282/3 = 94, frequency 1
        "member_aov_mom": (706 / 6 - 94) / 94,
        "member_purchase_frequency_mom": (8 / 6 - 1) / 1,
        # 2024-01: O04 M03 200 only -> aov 200, frequency 1
        "member_aov_yoy": (706 / 6 - 200) / 200,
        "member_purchase_frequency_yoy": (8 / 6 - 1) / 1,
        # retention(2024-01): W12prev 2022-02..2023-01 = M01, M02; W12 2023-02..2024-01:
        # M01 (2023-06-15) only -> 1/2; (2/3 - 1/2) / (1/2)
        "retention_rate_yoy": (2 / 3 - 1 / 2) / (1 / 2),
        # retention(2024-12): W12prev 2023 = M01 M02 M13; in 2024 M01 M02 -> 2/3 = Jan
        "retention_rate_mom": 0,
    },
    "2024-12-01": {
        # M01..M10 + M13 enrolled at 2024-12-31 -> 11
        "members_total": 11,
        # reachable enrolled: all 11 but M04 -> 10; all engaged in 2024 (M13 through
        # its 2024-01-20 interaction) -> 10
        "capital": 10,
        # O22 M01, O20 M08, O21 M10
        "member_orders": 3,
        # (140 + 65 + 77) / 3
        "member_aov": 94,
        # W12prev 2023: M01 M02 M13; in 2024: M01 M02 -> 2/3
        "retention_rate": 2 / 3,
    },
    "2024-01-01": {
        # W12prev 2022-02..2023-01: M01, M02; W12 2023-02..2024-01: M01 -> 1/2
        "retention_rate": 1 / 2,
        # O04 M03 200 (joined 01-05); O05 is a non-member's
        "member_aov": 200,
        # 0 redeemed / 200 earned
        "points_redemption_rate": 0,
    },
    "2024-03-01": {
        # W12prev 2022-04..2023-03: M01, M02; W12 2023-04..2024-03: M01 (2023-06-15),
        # M02 (2024-03-05) -> 1
        "retention_rate": 1,
        # retention(2024-02) = 1/2 (M02 has nothing in 2023-03..2024-02) -> (1 - .5)/.5
        "retention_rate_mom": 1,
    },
    "2023-01-01": {
        # first month of the range (M01 joined 2023-01-10): no previous month
        "members_total": 2,
    },
}

# KPIs whose hand value is NULL (no data or no base)
HAND_NULL: dict[str, set[str]] = {
    "2023-01-01": {"member_growth_rate", "conversion", "retention_rate", "member_aov_mom"},
    "2024-06-01": {"csat", "nps", "member_exposure_rate", "join_conversion_rate"},
}


def agree(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)


def expected_pairs() -> list[tuple[Key, float | None]]:
    pairs: list[tuple[Key, float | None]] = []
    for month, values in HAND.items():
        pairs += [((month, kpi), float(value)) for kpi, value in values.items()]
    for month, kpis in HAND_NULL.items():
        pairs += [((month, kpi), None) for kpi in sorted(kpis)]
    return pairs


@pytest.fixture(scope="module")
def reference() -> dict[Key, float | None]:
    frame = compute_kpis(HANDMADE)
    return {
        (str(month), kpi): (None if math.isnan(value) else float(value))
        for month, kpi, value in zip(frame["month"], frame["kpi"], frame["value"], strict=True)
    }


@pytest.fixture(scope="module")
def warehouse(handmade_build: Build) -> dict[Key, float | None]:
    rows = query(
        # the ops family has its own reference and hand counts (test_ops_kpis)
        handmade_build.db_path,
        "select cast(month as varchar), kpi, value from metrics.kpi_monthly where family <> 'ops'",
    )
    return {(month, kpi): value for month, kpi, value in rows}


def test_every_kpi_has_a_non_trivial_hand_value() -> None:
    counted = {
        kpi for values in HAND.values() for kpi, value in values.items() if value not in (0, None)
    }
    assert counted == set(KPI_NAMES), set(KPI_NAMES) - counted


def test_reference_matches_hand_counts(reference: dict[Key, float | None]) -> None:
    assert {month for month, _ in reference} >= set(HAND) | set(HAND_NULL)
    assert min(month for month, _ in reference) == "2023-01-01"
    assert max(month for month, _ in reference) == "2025-02-01"
    wrong = [
        (key, hand, reference[key])
        for key, hand in expected_pairs()
        if not agree(hand, reference[key])
    ]
    assert not wrong, wrong


@pytest.mark.slow
def test_warehouse_matches_hand_counts(warehouse: dict[Key, float | None]) -> None:
    wrong = [
        (key, hand, warehouse.get(key, "missing"))
        for key, hand in expected_pairs()
        if key not in warehouse or not agree(hand, warehouse[key])
    ]
    assert not wrong, wrong


@pytest.mark.slow
def test_warehouse_matches_reference_on_every_month(
    warehouse: dict[Key, float | None], reference: dict[Key, float | None]
) -> None:
    assert set(warehouse) == set(reference), sorted(set(warehouse) ^ set(reference))[:20]
    wrong = [
        (key, reference[key], warehouse[key])
        for key in sorted(reference)
        if not agree(reference[key], warehouse[key])
    ]
    assert not wrong, wrong


@pytest.mark.slow
def test_only_required_tables_gives_null_kpis_and_agrees_with_reference(
    handmade_required_build: Build,
) -> None:
    """RAW_CONTRACT.md: a KPI needing an absent optional table is NULL in every month;
    engagement (member orders or interactions) counts absent interactions as empty."""
    rows = query(
        # the ops family has its own reference and hand counts (test_ops_kpis)
        handmade_required_build.db_path,
        "select cast(month as varchar), kpi, value from metrics.kpi_monthly where family <> 'ops'",
    )
    built = {(month, kpi): value for month, kpi, value in rows}
    frame = compute_kpis(handmade_required_build.raw_dir)
    reference = {
        (str(month), kpi): (None if math.isnan(value) else float(value))
        for month, kpi, value in zip(frame["month"], frame["kpi"], frame["value"], strict=True)
    }
    assert set(built) == set(reference)
    wrong = [(key, reference[key], built[key]) for key in sorted(reference)
             if not agree(reference[key], built[key])]  # fmt: skip
    assert not wrong, wrong
    needs_optional = {kpi for (_, kpi), value in built.items() if value is None}
    assert needs_optional >= {
        "points_issued", "engagement_rate", "join_conversion_rate", "csat", "nps",
        "negative_review_rate", "member_exposure_rate", "cross_category_rate",
    }  # fmt: skip
    assert all(built[(month, "points_issued")] is None for month, _ in built)
    # by hand, without interactions in 2025-01: engaged in Jan = Jan member buyers
    # M01 M03 M07 M09 M11 M12, all capital but M12 (unreachable) -> connection 5/9;
    # capital unchanged (every capital member also has a W12 member order)
    assert agree(built[("2025-01-01", "capital")], 9)
    assert agree(built[("2025-01-01", "connection")], 5 / 9)
    # cross-field without interactions: M03 (tmall + app) only -> 1/9
    assert agree(built[("2025-01-01", "cross_field_rate")], 1 / 9)
