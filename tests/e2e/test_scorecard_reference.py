"""The references of metrics.mbsc_scorecard and the score of metrics.four_c_radar,
counted by hand on tests/fixtures/warmup/ (its README.md has every row).

Scorecard rule (models/metrics/mbsc_scorecard.sql): the reference is the first
available of the target (seed kpi_targets), the benchmark p50 (seed
kpi_benchmarks), the same month last year when that month's window is complete,
the previous month when that month's window is complete; status warm_up while
the month's window is incomplete. Changes of ratio KPIs are in percentage points,
100 x (value - base); of the others relative, (value - base) / base.

The fixture's first valid paid month is 2024-03 (month-only KPIs complete from
2024-03, W12 KPIs from 2025-02). December 2025 follows the 2025-11-11 peak:
member net sales 2024-12 300.00 (W01 200 + W02 100), 2025-11 3600.00
(2000 + 1000 + 600), 2025-12 450.00 (200 + 150 + 100). Judged against the
previous month (the old rule) December would be bad (450 < 0.95 x 3600); it is
+50% on December 2024.

Radar (KPI_SPEC.md, 4C radar; mother_baby benchmarks): clv p25 600, p50 900,
p75 1400; connection 0.25, 0.35, 0.50; capital_rate 0.20, 0.30, 0.42.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, Build, query, shared_build

WARMUP = FIXTURES / "warmup"
# the same shared build as tests/e2e/test_window_completeness.py
BUILD_ARGS = [
    "build",
    "--select",
    "+mbsc_scorecard",
    "+four_c_radar",
    "--indirect-selection",
    "buildable",
]
COLUMNS = (
    "value",
    "previous_month_value",
    "same_month_last_year_value",
    "change_unit",
    "mom_change",
    "yoy_change",
    "reference_kind",
    "reference_value",
    "reference_change",
    "status",
)

# (kpi, month) -> expected scorecard columns, by hand
HAND: dict[tuple[str, str], dict[str, object]] = {
    # the peak, then December: no target or benchmark for member_net_sales;
    # 2024-12 is complete, so December 2025 is judged on last year: 450 >= 300
    ("member_net_sales", "2025-12-01"): {
        "value": 450.0,
        "previous_month_value": 3600.0,
        "same_month_last_year_value": 300.0,
        "change_unit": "relative",
        "mom_change": (450 - 3600) / 3600,  # -0.875
        "yoy_change": (450 - 300) / 300,  # +0.5
        "reference_kind": "last_year",
        "reference_value": 300.0,
        "reference_change": 0.5,
        "status": "good",
    },
    # a ratio KPI, no target or benchmark: member buyers / all buyers.
    # 2024-12: W01 W02 / W01 W02 TN1 JN2 = 0.5; 2025-11: 3 / 5 (+ TN1 JN2) = 0.6;
    # 2025-12: W01 W02 W03 / + TN1 = 0.75
    ("member_buyer_share", "2025-12-01"): {
        "value": 0.75,
        "previous_month_value": 0.6,
        "same_month_last_year_value": 0.5,
        "change_unit": "pp",
        "mom_change": 15.0,  # 100 x (0.75 - 0.6)
        "yoy_change": 25.0,  # 100 x (0.75 - 0.5)
        "reference_kind": "last_year",
        "reference_value": 0.5,
        "reference_change": 25.0,
        "status": "good",
    },
    # 2025-11: no buyer in 2024-11 nor in 2025-10, so no reference at all
    ("member_buyer_share", "2025-11-01"): {
        "value": 0.6,
        "previous_month_value": None,
        "same_month_last_year_value": None,
        "change_unit": "pp",
        "mom_change": None,
        "yoy_change": None,
        "reference_kind": None,
        "reference_value": None,
        "reference_change": None,
        "status": None,
    },
    # benchmark p50 350 (no target): aov 450 / 3 buyers = 150, worse by > 5%
    ("member_aov", "2025-12-01"): {
        "value": 150.0,
        "previous_month_value": 1200.0,  # 3600 / 3
        "same_month_last_year_value": 150.0,  # 300 / 2
        "change_unit": "relative",
        "mom_change": (150 - 1200) / 1200,
        "yoy_change": 0.0,
        "reference_kind": "benchmark",
        "reference_value": 350.0,
        "reference_change": (150 - 350) / 350,
        "status": "bad",
    },
    # target 0.45 (W12 KPI): W12(2025-12) W01 W02 W03 each 2 orders -> 3 / 3
    ("repeat_purchase_rate", "2025-12-01"): {
        "value": 1.0,
        "previous_month_value": 2 / 3,  # W12(2025-11): W01 V05 V09, W02 V06 V10, W03 V11
        "same_month_last_year_value": 0.5,  # W12(2024-12): W01 V04 V05, W02 V06 -> 1/2
        "change_unit": "pp",
        "mom_change": 100 * (1 - 2 / 3),
        "yoy_change": 50.0,
        "reference_kind": "target",
        "reference_value": 0.45,
        "reference_change": 55.0,  # 100 x (1 - 0.45)
        "status": "good",
    },
    # warm-up: the W12 window of 2024-12 starts 2024-01, before 2024-03; the
    # value 0.5 is kept but not judged against the target
    ("repeat_purchase_rate", "2024-12-01"): {
        "value": 0.5,
        "previous_month_value": 0.0,  # W12(2024-11): W01 V04 only -> 0 / 1
        "same_month_last_year_value": None,  # W12(2023-12): no valid order
        "change_unit": "pp",
        "mom_change": 50.0,
        "yoy_change": None,
        "reference_kind": "target",
        "reference_value": 0.45,
        "reference_change": 5.0,
        "status": "warm_up",
    },
    # month-only KPI, first complete month: 2023-03 and 2024-02 are warm-up
    # months, so neither last year nor last month is a reference
    ("member_net_sales", "2024-03-01"): {
        "value": 100.0,
        "previous_month_value": 0.0,
        "same_month_last_year_value": 0.0,
        "change_unit": "relative",
        "mom_change": None,  # base 0
        "yoy_change": None,
        "reference_kind": None,
        "reference_value": None,
        "reference_change": None,
        "status": None,
    },
    # 2024-04: last year (2023-04) is warm-up, last month (2024-03) is not
    ("member_net_sales", "2024-04-01"): {
        "value": 0.0,
        "previous_month_value": 100.0,
        "same_month_last_year_value": 0.0,
        "change_unit": "relative",
        "mom_change": -1.0,
        "yoy_change": None,
        "reference_kind": "last_month",
        "reference_value": 100.0,
        "reference_change": -1.0,
        "status": "bad",
    },
    ("member_net_sales", "2024-02-01"): {
        "value": 0.0,
        "previous_month_value": 0.0,
        "same_month_last_year_value": 0.0,
        "change_unit": "relative",
        "mom_change": None,
        "yoy_change": None,
        "reference_kind": None,
        "reference_value": None,
        "reference_change": None,
        "status": "warm_up",
    },
}

# (kpi, month) -> radar score, by hand (None: null)
RADAR_HAND: dict[tuple[str, str], float | None] = {
    # clv 2025-01 = 200 (W12 2024-02..2025-01: W01 100 + 200, W02 100; capital
    # W01 W02), but W12 starts before 2024-03: null
    ("clv", "2025-01-01"): None,
    # clv 2025-02 = 200 <= p25: 25 x 200 / 600
    ("clv", "2025-02-01"): 25 * 200 / 600,
    # clv 2025-11 = (2200 + 1100 + 600) / 3 = 1300: 50 + 25 x 400 / 500
    ("clv", "2025-11-01"): 70.0,
    # clv 2026-03 = (2900 + 1150 + 700) / 3: 75 + 25 x (4750/3 - 1400) / 500
    ("clv", "2026-03-01"): 75 + 25 * (4750 / 3 - 1400) / 500,
    # connection 2026-03 = 1 / 3 (W01 of capital W01 W02 W03): 25 + 25 x (1/3 - 0.25) / 0.10
    ("connection", "2026-03-01"): 25 + 25 * (1 / 3 - 0.25) / 0.10,
    # connection 2026-01 = 0 / 3
    ("connection", "2026-01-01"): 0.0,
    # capital_rate 2025-02 = 2 / 3: 75 + 25 x (2/3 - 0.42) / 0.12 = 126.4 -> 100
    ("capital_rate", "2025-02-01"): 100.0,
    # conversion 2025-02 reads W12(2025-01), from 2024-02: null
    ("conversion", "2025-02-01"): None,
    # conversion 2025-03: levels W01 L2 -> L1, W02 L1 -> L1, W03 L0 -> L0: 0 / 3
    ("conversion", "2025-03-01"): 0.0,
}


def copy_warmup(raw_dir: Path) -> None:
    shutil.copytree(WARMUP, raw_dir, ignore=shutil.ignore_patterns("*.md"))


@pytest.fixture(scope="module")
def warmup_build(shared_builds_dir: Path) -> Build:
    """dbt build of tests/fixtures/warmup up to mbsc_scorecard and four_c_radar."""
    return shared_build(shared_builds_dir, "warmup", BUILD_ARGS, write_raw=copy_warmup)


def same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    return actual == expected


@pytest.mark.parametrize(("kpi", "month"), list(HAND))
def test_scorecard_reference(warmup_build: Build, kpi: str, month: str) -> None:
    rows = query(
        warmup_build.db_path,
        f"select {', '.join(COLUMNS)} from metrics.mbsc_scorecard"
        f" where kpi = '{kpi}' and month = date '{month}'",
    )
    assert len(rows) == 1
    actual = dict(zip(COLUMNS, rows[0], strict=True))
    expected = HAND[(kpi, month)]
    wrong = {
        column: (actual[column], expected[column])
        for column in COLUMNS
        if not same(actual[column], expected[column])
    }
    assert wrong == {}


def test_warm_up_months_are_never_judged(warmup_build: Build) -> None:
    """Status is warm_up exactly in the rows whose window is incomplete: of the
    39 months, 14 for a month-only KPI (2023-01 .. 2024-02), 25 for a W12 KPI."""
    rows = query(
        warmup_build.db_path,
        "select kpi, count(*) filter (where status = 'warm_up'),"
        " count(*) filter (where not is_window_complete)"
        " from metrics.mbsc_scorecard group by kpi",
    )
    by_kpi = {kpi: (warm_up, incomplete) for kpi, warm_up, incomplete in rows}
    assert all(warm_up == incomplete for warm_up, incomplete in by_kpi.values())
    assert by_kpi["member_net_sales"] == (14, 14)
    assert by_kpi["repeat_purchase_rate"] == (25, 25)


@pytest.mark.parametrize(("kpi", "month"), list(RADAR_HAND))
def test_radar_score(warmup_build: Build, kpi: str, month: str) -> None:
    rows = query(
        warmup_build.db_path,
        f"select score from metrics.four_c_radar where kpi = '{kpi}' and month = date '{month}'",
    )
    assert len(rows) == 1
    expected = RADAR_HAND[(kpi, month)]
    if expected is None:
        assert rows[0][0] is None
    else:
        assert rows[0][0] is not None and math.isclose(rows[0][0], expected, rel_tol=1e-9)
