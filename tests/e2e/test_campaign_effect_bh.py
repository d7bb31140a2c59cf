"""campaign_effect: control-size minimum and Benjamini-Hochberg q-values.

The fixture has seven campaigns with chosen counts, in two months (the
month of a campaign's start date). With var min_control_members = 20:

    March 2024   A 40/100 vs 20/100   p = 0.00203
                 B 36/100 vs 22/100   p = 0.02914
                 C 35/100 vs 22/100   p = 0.04171
                 E 34/100 vs 22/100   p = 0.05878
                 S 40/100 vs  0/10    control 10 < 20: too small, no p
    April 2024   H 50/100 vs 20/100   p = 0.0000087
                 D 30/100 vs 25/100   p = 0.42847

(treatment responders / touches vs control responders / touches). The
p-values are computed here with the closed-form z-test; the q-values were
worked out by hand from them (see the test), not with the BH function of
this file, which is checked on its own against a hand-computed list.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from helpers import query, raw_columns, run_dbt, write_csv

MIN_CONTROL_MEMBERS = 20

# campaign -> (start, treatment touches, responders, control touches, responders)
CAMPAIGNS = {
    "A": ("2024-03-10 10:00:00", 100, 40, 100, 20),
    "B": ("2024-03-10 10:00:00", 100, 36, 100, 22),
    "C": ("2024-03-11 10:00:00", 100, 35, 100, 22),
    "E": ("2024-03-12 10:00:00", 100, 34, 100, 22),
    "S": ("2024-03-12 10:00:00", 100, 40, 10, 0),
    "H": ("2024-04-10 10:00:00", 100, 50, 100, 20),
    "D": ("2024-04-11 10:00:00", 100, 30, 100, 25),
}
JOINED_AT = "2024-01-01 09:00:00"

CAMPAIGN_COLUMNS = raw_columns("campaigns")
TOUCH_COLUMNS = raw_columns("campaign_touches")


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """BH q-values in the order given: rank the m p-values ascending,
    q_(i) = min over j >= i of p_(j) * m / j, capped at 1."""
    m = len(p_values)
    order = sorted(range(m), key=lambda index: p_values[index])
    q_values = [0.0] * m
    running_min = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running_min = min(running_min, p_values[index] * m / rank)
        q_values[index] = running_min
    return q_values


def test_benjamini_hochberg_on_a_hand_computed_list() -> None:
    # sorted: 0.005 (1), 0.01 (2), 0.03 (3), 0.04 (4); m = 4
    # p * m / rank: 0.02, 0.02, 0.04, 0.04; running min from rank 4 down:
    # q(4) = 0.04, q(3) = 0.04, q(2) = 0.02, q(1) = 0.02
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx(
        [0.02, 0.04, 0.04, 0.02], abs=1e-15
    )
    # the running min lowers rank 1: 0.02 * 2 / 1 = 0.04 > 0.03 * 2 / 2
    assert benjamini_hochberg([0.02, 0.03]) == pytest.approx([0.03, 0.03], abs=1e-15)
    # one p-value is its own q-value; a large p stays at most 1
    assert benjamini_hochberg([0.7]) == pytest.approx([0.7], abs=1e-15)
    assert benjamini_hochberg([0.9, 0.95, 0.99]) == pytest.approx([0.99, 0.99, 0.99], abs=1e-15)


def _p_value(x_t: int, n_t: int, x_c: int, n_c: int) -> float:
    """Two-sided p of the pooled two-proportion z-test."""
    pooled = (x_t + x_c) / (n_t + n_c)
    z = (x_t / n_t - x_c / n_c) / math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    return math.erfc(abs(z) / math.sqrt(2))


def _write_fixture(raw_dir: Path) -> None:
    """One member per touch; each responder pays one order two days after
    the touch, the others never order."""
    members: list[str] = []
    touches: list[list[object]] = []
    orders: list[list[object]] = []
    for campaign_id, (start, n_t, x_t, n_c, x_c) in CAMPAIGNS.items():
        paid_at = f"{dt.datetime.fromisoformat(start) + dt.timedelta(days=2):%Y-%m-%d %H:%M:%S}"
        for group, size, responders in (("treatment", n_t, x_t), ("control", n_c, x_c)):
            for index in range(size):
                member = f"{campaign_id}{group[0]}{index:03d}"
                members.append(member)
                touches.append(
                    [
                        f"X{len(touches):05d}",
                        campaign_id,
                        member,
                        "sms",
                        group,
                        start,
                        "true" if group == "treatment" else "false",
                        None,
                        None,
                    ]
                )
                if index < responders:
                    orders.append(
                        [
                            f"O{len(orders):05d}",
                            "tmall",
                            f"cust_{member}",
                            None,
                            paid_at,
                            paid_at,
                            "paid",
                            100,
                            0,
                            100,
                            0,
                            None,
                        ]
                    )
    write_csv(
        raw_dir / "members.csv",
        raw_columns("members"),
        (
            [m, JOINED_AT, "tmall", None, "normal", "F", 1990, "Shanghai", 1]
            + ["true", "false", "false", None]
            for m in members
        ),
    )
    write_csv(
        raw_dir / "member_bindings.csv",
        raw_columns("member_bindings"),
        ([m, "tmall", f"cust_{m}", JOINED_AT] for m in members),
    )
    write_csv(raw_dir / "orders.csv", raw_columns("orders"), orders)
    write_csv(
        raw_dir / "campaigns.csv",
        CAMPAIGN_COLUMNS,
        (
            [campaign_id, f"campaign {campaign_id}", "tmall", "repurchase", start, start]
            for campaign_id, (start, *_) in CAMPAIGNS.items()
        ),
    )
    write_csv(raw_dir / "campaign_touches.csv", TOUCH_COLUMNS, touches)


@pytest.mark.slow
def test_q_values_and_too_small_control(raw_dir: Path, dbt_work_dir: Path) -> None:
    _write_fixture(raw_dir)
    for args in (["seed"], ["run", "--select", "+campaign_effect"]):
        result = run_dbt(
            args,
            work_dir=dbt_work_dir,
            raw_dir=raw_dir,
            dbt_vars={"min_control_members": MIN_CONTROL_MEMBERS},
        )
        assert result.success, result.output[-4000:]
    rows = {
        row[0]: row[1:]
        for row in query(
            result.db_path,
            "select campaign_id, cast(month as varchar), treatment_size, "
            "treatment_responders, control_size, control_responders, "
            "is_control_too_small, p_value, q_value, is_significant, "
            "is_complete_month from metrics.campaign_effect",
        )
    }
    assert rows.keys() == CAMPAIGNS.keys()
    for campaign_id, (_, n_t, x_t, n_c, x_c) in CAMPAIGNS.items():
        assert rows[campaign_id][1:5] == (n_t, x_t, n_c, x_c), campaign_id

    p = {
        campaign_id: _p_value(x_t, n_t, x_c, n_c)
        for campaign_id, (_, n_t, x_t, n_c, x_c) in CAMPAIGNS.items()
        if campaign_id != "S"
    }
    # March, m = 4 (S has no p-value and does not count): ranks A, B, C, E.
    # p * 4 / rank: A 0.00811, B 0.05827, C 0.05562, E 0.05878. Running min
    # from rank 4 down: E 0.05878; C 0.05562; B min(0.05827, 0.05562) =
    # C's value; A 0.00811.
    # April, m = 2: H 0.0000174 (p * 2 / 1), D 0.42847 (p * 2 / 2).
    expected = {
        "A": ("2024-03-01", p["A"] * 4 / 1, True, True),
        "B": ("2024-03-01", p["C"] * 4 / 3, False, True),
        "C": ("2024-03-01", p["C"] * 4 / 3, False, True),
        "E": ("2024-03-01", p["E"] * 4 / 4, False, True),
        "H": ("2024-04-01", p["H"] * 2 / 1, True, False),
        "D": ("2024-04-01", p["D"] * 2 / 2, False, False),
    }
    # the hand-worked ranks above, to 4 decimals
    assert [round(expected[c][1], 4) for c in "ABCEHD"] == [
        0.0081,
        0.0556,
        0.0556,
        0.0588,
        0.0000,
        0.4285,
    ]
    for campaign_id, (month, q_value, significant, complete) in expected.items():
        row = rows[campaign_id]
        assert row[0] == month, campaign_id
        assert row[5] is False, campaign_id
        assert row[6] == pytest.approx(p[campaign_id], rel=1e-9), campaign_id
        assert row[7] == pytest.approx(q_value, rel=1e-9), campaign_id
        assert row[8] is significant, campaign_id
        # the data end in April (last paid order on the 13th)
        assert row[9] is complete, campaign_id
    # B's raw p is below 0.05, its q-value is not
    assert p["B"] < 0.05 < rows["B"][7]

    # control 10 < 20: too small, no p-value, q-value or significance
    assert rows["S"][0] == "2024-03-01"
    assert rows["S"][5:9] == (True, None, None, None)
