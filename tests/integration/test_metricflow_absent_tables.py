"""MetricFlow without the optional raw tables (RAW_CONTRACT.md: "A KPI that
needs an absent table is NULL in every month (never 0, never an error)").

The shared build handmade_required_build holds the hand-made fixture's three
required tables only (members, member_bindings, orders). metrics.kpi_monthly
nulls the KPIs of the absent tables (test_handmade_kpis checks it against the
pandas reference); `mf query` on metrics.yml must give the same NULLs, not the
0 of a sum metric filled with 0 or of a ratio whose numerator is filled with 0
(points_issued, points_redeemed, engagement_rate, complaint_rate and
cross_category_rate answered 0 before they were multiplied by a presence metric).
"""

from __future__ import annotations

import pytest

from helpers import REQUIRED_RAW_TABLES, Build, kpi_names, metricflow_mismatches, query
from reference_kpis import NEEDS_TABLE


def contract_null_kpis() -> set[str]:
    """RAW_CONTRACT.md's KPIs of an absent optional table (the reference's
    NEEDS_TABLE) and every points_ KPI of metrics.yml."""
    points = {name for name in kpi_names() if name.startswith("points_")}
    return set(NEEDS_TABLE) | points


@pytest.mark.slow
def test_metricflow_gives_null_for_kpis_of_absent_tables(handmade_required_build: Build) -> None:
    """Every KPI in every complete month of the required-tables build: MetricFlow's
    value equals kpi_monthly, NULL where kpi_monthly is NULL."""
    raw_files = {path.stem for path in handmade_required_build.raw_dir.iterdir()}
    assert raw_files == set(REQUIRED_RAW_TABLES)  # every optional table absent
    rows = query(
        handmade_required_build.db_path,
        "select cast(month as varchar), kpi, value from metrics.kpi_monthly"
        " where is_complete_month",
    )
    months = {month for month, _, _ in rows}
    # the fixture's orders run 2023-01 .. 2025-02; at least the dense 2024 is complete
    assert len(months) >= 12
    assert {kpi for _, kpi, _ in rows} == kpi_names()
    # the contract's KPIs are NULL in kpi_monthly in every month (the SQL side)
    needs_table = contract_null_kpis()
    not_null = sorted(
        (month, kpi) for month, kpi, value in rows if kpi in needs_table and value is not None
    )
    assert not not_null, not_null[:20]
    kpis = sorted(kpi_names())
    compared, wrong = metricflow_mismatches(
        handmade_required_build.work_dir, handmade_required_build.raw_dir, kpis
    )
    assert compared == len(kpis) * len(months)
    assert not wrong, wrong
