"""Member analytics: the RFM segment seed and the campaign effect table.

The campaign fixture has a known effect: 1,000 delivered treatment touches
of which 400 respond and 500 control touches of which 125 respond, plus
distractors the model must ignore (undelivered treatment touches whose
members buy, orders just outside the 7-day window). The expected rates,
uplift, z and p-value are computed here from the counts with the
closed-form two-proportion z-test (pooled proportion, math.erfc), not read
from the model.
"""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import pytest

from helpers import query, run_dbt, write_csv

PROJECT_DIR = Path(__file__).resolve().parents[1]
RFM_SEED = PROJECT_DIR / "seeds" / "rfm_segments.csv"

TREATMENT_SIZE = 1000
TREATMENT_RESPONDERS = 400
CONTROL_SIZE = 500
CONTROL_RESPONDERS = 125
TREATMENT_ORDER_AMOUNT = 100
CONTROL_ORDER_AMOUNT = 80
UNDELIVERED_TREATMENT = 50

JOINED_AT = "2024-01-01 09:00:00"
TOUCHED_AT = "2024-03-01 10:00:00"
RESPONSE_PAID_AT = "2024-03-03 10:00:00"
TOO_LATE_PAID_AT = "2024-03-08 10:00:01"  # one second after the window
TOO_EARLY_PAID_AT = "2024-03-01 09:59:59"  # one second before the touch

MEMBER_COLUMNS = [
    "member_id",
    "joined_at",
    "join_channel",
    "exited_at",
    "tier",
    "gender",
    "birth_year",
    "city",
    "city_tier",
    "sms_opt_in",
    "wechat_bound",
    "app_push_opt_in",
    "mobile_hash",
]
BINDING_COLUMNS = ["member_id", "channel", "customer_id", "bound_at"]
ORDER_COLUMNS = [
    "order_id",
    "channel",
    "customer_id",
    "store_id",
    "ordered_at",
    "paid_at",
    "status",
    "gross_amount",
    "discount_amount",
    "paid_amount",
    "refunded_amount",
    "mobile_hash",
]
CAMPAIGN_COLUMNS = [
    "campaign_id",
    "campaign_name",
    "channel",
    "objective",
    "starts_at",
    "ends_at",
]
TOUCH_COLUMNS = [
    "touch_id",
    "campaign_id",
    "member_id",
    "touch_channel",
    "test_group",
    "touched_at",
    "delivered",
    "opened_at",
    "clicked_at",
]


# ------------------------------------------------------------------ RFM seed


def _rfm_rules() -> list[dict[str, str]]:
    with RFM_SEED.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_rfm_segments_cover_every_score_combination() -> None:
    rules = _rfm_rules()
    uncovered = [
        scores
        for scores in itertools.product(range(1, 6), repeat=3)
        if not any(
            all(
                int(rule[f"{name}_min"]) <= score <= int(rule[f"{name}_max"])
                for name, score in zip("rfm", scores, strict=True)
            )
            for rule in rules
        )
    ]
    assert uncovered == []


def test_rfm_segments_keys_and_priorities_are_unique() -> None:
    rules = _rfm_rules()
    assert len({rule["segment_code"] for rule in rules}) == len(rules)
    assert len({int(rule["priority"]) for rule in rules}) == len(rules)
    for rule in rules:
        for name in "rfm":
            low, high = int(rule[f"{name}_min"]), int(rule[f"{name}_max"])
            assert 1 <= low <= high <= 5, rule


# ------------------------------------------------------------ campaign effect


def _two_proportion_test(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[float, float]:
    """z and two-sided p of the pooled two-proportion z-test."""
    pooled = (x_t + x_c) / (n_t + n_c)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    z = (x_t / n_t - x_c / n_c) / standard_error
    return z, math.erfc(abs(z) / math.sqrt(2))


def _write_campaign_fixture(raw_dir: Path) -> None:
    """Members, bindings, orders, one campaign and its touches."""
    treatment = [f"T{index:04d}" for index in range(TREATMENT_SIZE)]
    control = [f"C{index:04d}" for index in range(CONTROL_SIZE)]
    undelivered = [f"U{index:04d}" for index in range(UNDELIVERED_TREATMENT)]
    members = treatment + control + undelivered

    write_csv(
        raw_dir / "members.csv",
        MEMBER_COLUMNS,
        (
            [
                member,
                JOINED_AT,
                "tmall",
                None,
                "normal",
                "F",
                1990,
                "Shanghai",
                1,
                "true",
                "false",
                "false",
                None,
            ]
            for member in members
        ),
    )
    write_csv(
        raw_dir / "member_bindings.csv",
        BINDING_COLUMNS,
        ([member, "tmall", f"cust_{member}", JOINED_AT] for member in members),
    )

    orders: list[list[object]] = []

    def add_order(member: str, paid_at: str, amount: int) -> None:
        orders.append(
            [
                f"O{len(orders):05d}",
                "tmall",
                f"cust_{member}",
                None,
                paid_at,
                paid_at,
                "paid",
                amount,
                0,
                amount,
                0,
                None,
            ]
        )

    for member in treatment[:TREATMENT_RESPONDERS]:
        add_order(member, RESPONSE_PAID_AT, TREATMENT_ORDER_AMOUNT)
    for member in control[:CONTROL_RESPONDERS]:
        add_order(member, RESPONSE_PAID_AT, CONTROL_ORDER_AMOUNT)
    # distractors: outside the window, or of undelivered treatment touches
    for member in treatment[TREATMENT_RESPONDERS : TREATMENT_RESPONDERS + 30]:
        add_order(member, TOO_LATE_PAID_AT, 999)
    for member in control[CONTROL_RESPONDERS : CONTROL_RESPONDERS + 30]:
        add_order(member, TOO_EARLY_PAID_AT, 999)
    for member in undelivered:
        add_order(member, RESPONSE_PAID_AT, 999)
    write_csv(raw_dir / "orders.csv", ORDER_COLUMNS, orders)

    write_csv(
        raw_dir / "campaigns.csv",
        CAMPAIGN_COLUMNS,
        [
            [
                "K1",
                "spring push",
                "tmall",
                "repurchase",
                "2024-03-01 00:00:00",
                "2024-03-15 00:00:00",
            ]
        ],
    )
    touches = (
        [(member, "treatment", "true") for member in treatment]
        + [(member, "control", "false") for member in control]
        + [(member, "treatment", "false") for member in undelivered]
    )
    write_csv(
        raw_dir / "campaign_touches.csv",
        TOUCH_COLUMNS,
        (
            [f"X{index:05d}", "K1", member, "sms", group, TOUCHED_AT, delivered, None, None]
            for index, (member, group, delivered) in enumerate(touches)
        ),
    )


@pytest.mark.slow
def test_campaign_effect_matches_closed_form(raw_dir: Path, dbt_work_dir: Path) -> None:
    _write_campaign_fixture(raw_dir)
    for args in (["seed"], ["run", "--select", "+campaign_effect"]):
        result = run_dbt(args, work_dir=dbt_work_dir, raw_dir=raw_dir)
        assert result.success, result.output[-4000:]

    rows = query(
        result.db_path,
        """
        select
            treatment_size, control_size,
            treatment_responders, control_responders,
            treatment_response_rate, control_response_rate, uplift,
            incremental_net_sales, z_score, p_value
        from metrics.campaign_effect
        where campaign_id = 'K1'
        """,
    )
    assert len(rows) == 1
    (n_t, n_c, x_t, x_c, rate_t, rate_c, uplift, incremental, z, p_value) = rows[0]

    assert (n_t, n_c) == (TREATMENT_SIZE, CONTROL_SIZE)
    assert (x_t, x_c) == (TREATMENT_RESPONDERS, CONTROL_RESPONDERS)
    assert rate_t == pytest.approx(0.40, abs=1e-12)
    assert rate_c == pytest.approx(0.25, abs=1e-12)
    assert uplift == pytest.approx(0.15, abs=1e-12)
    # (400 * 100 / 1000 - 125 * 80 / 500) * 1000 = (40 - 20) * 1000
    assert incremental == pytest.approx(20_000.0, abs=1e-6)

    expected_z, expected_p = _two_proportion_test(
        TREATMENT_RESPONDERS, TREATMENT_SIZE, CONTROL_RESPONDERS, CONTROL_SIZE
    )
    assert z == pytest.approx(expected_z, abs=1e-9)
    assert p_value == pytest.approx(expected_p, abs=1e-6)
    # far enough into the tail that a 1 - Phi(|z|) would lose digits
    assert p_value == pytest.approx(expected_p, rel=1e-6)
