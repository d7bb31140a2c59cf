"""KPI_SPEC.md "Splits": metrics.kpi_monthly_by_channel and metrics.kpi_monthly_by_tier
against the independent pandas reference (tests/reference_splits.py) on the spec's
example, on 3,000 generated members and on the hand-made fixture without
tier_changes, and the additive KPIs of each split summed over its groups against
kpi_monthly.

Additive KPIs (counts and sums of rows that fall in exactly one group):
- over tiers: members_total, members_new, member_buyers, member_net_sales. A member
  holds one tier at end(m), and every fact of the tier split is a member's.
- over channels: members_new (one join channel), member_orders, member_net_sales,
  total_net_sales (an order has one channel). member_buyers is not: a member who
  buys in two channels in the month is a buyer in each, so the channels' buyers
  add up to at least the month's buyers (more in some month of the data).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from helpers import Build, query
from reference_splits import (
    ADDITIVE_OVER_CHANNEL,
    ADDITIVE_OVER_TIER,
    CHANNEL_KPIS,
    TIER_KPIS,
    compute_splits,
    seed_codes,
)

Key = tuple[str, str, str]
SPLIT_TABLES = {"channel": "kpi_monthly_by_channel", "tier": "kpi_monthly_by_tier"}


def agree(left: float | None, right: float | None) -> bool:
    """Equal to 1e-9 relative; NULL equals only NULL."""
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


def built_split(db_path: Path, grouping: str) -> dict[Key, float | None]:
    table = SPLIT_TABLES[grouping]
    rows = query(
        db_path, f"select cast(month as varchar), {grouping}, kpi, value from metrics.{table}"
    )
    return {(month, group, kpi): value for month, group, kpi, value in rows}


def built_totals(db_path: Path) -> dict[tuple[str, str], float | None]:
    rows = query(db_path, "select cast(month as varchar), kpi, value from metrics.kpi_monthly")
    return {(month, kpi): value for month, kpi, value in rows}


def mismatches(
    expected: dict[Key, float | None], actual: dict[Key, float | None]
) -> list[tuple[Key, float | None, float | None]]:
    assert set(expected) == set(actual), sorted(set(expected) ^ set(actual))[:20]
    return [
        (key, expected[key], actual[key])
        for key in sorted(expected)
        if not agree(expected[key], actual[key])
    ]


def assert_splits_match_reference(build: Build) -> None:
    by_channel, by_tier = compute_splits(build.raw_dir)
    for grouping, reference, kpis, groups in (
        ("channel", by_channel, CHANNEL_KPIS, seed_codes("channels", "channel_code")),
        ("tier", by_tier, TIER_KPIS, seed_codes("tiers", "tier_code")),
    ):
        # the spec's list of KPIs and every group of the seed
        assert {kpi for _, _, kpi in reference} == set(kpis)
        assert {group for _, group, _ in reference} == set(groups)
        # not a trivial comparison: most KPIs take a value in some group
        assert len({kpi for (_, _, kpi), value in reference.items() if value}) >= len(kpis) - 1
        wrong = mismatches(reference, built_split(build.db_path, grouping))
        assert not wrong, (grouping, Counter(key[2] for key, _, _ in wrong), wrong[:10])


@pytest.mark.slow
def test_spec_example_splits_match_reference(spec_example_build: Build) -> None:
    assert_splits_match_reference(spec_example_build)


@pytest.mark.slow
def test_generated_splits_match_reference(generated_build: Build) -> None:
    assert_splits_match_reference(generated_build)


@pytest.mark.slow
def test_tier_split_without_tier_changes_reads_members_tier(
    handmade_required_build: Build,
) -> None:
    """Without tier_changes every member holds members.tier: the split exists (the
    ops tier KPIs are NULL then, the split is not them) and equals the reference."""
    assert not (handmade_required_build.raw_dir / "tier_changes.csv").exists()
    assert not (handmade_required_build.raw_dir / "tier_changes.parquet").exists()
    _, by_tier = compute_splits(handmade_required_build.raw_dir)
    built = built_split(handmade_required_build.db_path, "tier")
    assert not mismatches(by_tier, built)
    assert any(value for (_, _, kpi), value in built.items() if kpi == "members_total")
    totals = built_totals(handmade_required_build.db_path)
    assert all(totals[(month, "upper_tier_share")] is None for month, _ in totals)


def additivity_gaps(build: Build) -> tuple[list[object], int]:
    """(the additive KPIs whose groups do not sum to the total, months where the
    channels' member buyers exceed the month's member buyers)."""
    totals = built_totals(build.db_path)
    gaps: list[object] = []
    sums: dict[tuple[str, str, str], float] = {}
    for grouping in SPLIT_TABLES:
        for (month, _, kpi), value in built_split(build.db_path, grouping).items():
            sums[(grouping, month, kpi)] = sums.get((grouping, month, kpi), 0.0) + (value or 0.0)
    months = {month for month, _ in totals}
    for grouping, kpis in (("channel", ADDITIVE_OVER_CHANNEL), ("tier", ADDITIVE_OVER_TIER)):
        for month in months:
            for kpi in kpis:
                total = totals[(month, kpi)]
                assert total is not None
                if not math.isclose(sums[(grouping, month, kpi)], total, abs_tol=1e-6):
                    gaps.append((grouping, month, kpi, sums[(grouping, month, kpi)], total))
    over = 0
    for month in months:
        channel_buyers = sums[("channel", month, "member_buyers")]
        assert channel_buyers >= totals[(month, "member_buyers")] - 1e-9
        over += channel_buyers > totals[(month, "member_buyers")]
    return gaps, over


@pytest.mark.slow
@pytest.mark.parametrize("data_set", ["spec_example", "generated"])
def test_additive_kpis_sum_to_the_total_in_every_month(
    data_set: str, request: pytest.FixtureRequest
) -> None:
    build: Build = request.getfixturevalue(f"{data_set}_build")
    gaps, months_with_multi_channel_buyers = additivity_gaps(build)
    assert not gaps, gaps[:10]
    # member_buyers is not additive over channels, and the data show it
    assert months_with_multi_channel_buyers > 0
