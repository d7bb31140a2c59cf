"""Targets, their phasing and the attainment of mbsc_scorecard, on the shared
builds, against an independent path: the targets read from
seeds/kpi_targets.csv and seeds/kpi_targets_demo.csv here (the generated
build reads the demo's targets too: var include_demo_targets), the phasing
and the attainment computed in Python from metrics.kpi_monthly (the KPI
values themselves are checked by
the KPI tests).

Rules (seeds/_kpi_targets.yml, models/metrics/kpi_targets_monthly.yml,
mbsc_scorecard's YAML): a monthly row wins over an annual one, which wins
over a standing one; an annual target of a KPI that adds up over months is
phased by the previous year's months (equal twelfths when that year is not
usable); attainment = value / target (higher is better) or target / value;
year to date = the same ratio of the sums over the year's complete,
window-complete months up to the month that have a value and a target.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, Build, query

pytestmark = pytest.mark.slow

SEEDS = (PROJECT_DIR / "seeds" / "kpi_targets.csv", PROJECT_DIR / "seeds" / "kpi_targets_demo.csv")


def seed_target(kpi: str, period: str) -> float:
    rows = []
    for seed in SEEDS:
        with seed.open(encoding="utf-8") as handle:
            rows += [
                row
                for row in csv.DictReader(handle)
                if (row["kpi"], row["period"]) == (kpi, period)
            ]
    assert len(rows) == 1, (kpi, period)
    return float(rows[0]["target_value"])


def kpi_months(db_path: Path, kpi: str, year: int) -> list[tuple[dt.date, float, bool, bool]]:
    return query(
        db_path,
        "select month, value, is_complete_month, is_window_complete from metrics.kpi_monthly"
        f" where kpi = '{kpi}' and year(month) = {year} order by month",
    )


def scorecard(db_path: Path, kpi: str, year: int) -> dict[dt.date, tuple]:
    rows = query(
        db_path,
        "select month, target_value, attainment, ytd_attainment, reference_kind"
        f" from metrics.mbsc_scorecard where kpi = '{kpi}' and year(month) = {year}",
    )
    return {row[0]: row[1:] for row in rows}


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None or actual is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=1e-9)


def expected_attainment(
    months: list[tuple[dt.date, float, bool, bool]], targets: dict[dt.date, float]
) -> dict[dt.date, tuple[float | None, float | None]]:
    """(attainment, ytd_attainment) per month for a KPI where higher is better."""
    result = {}
    value_sum = target_sum = 0.0
    counted = 0
    for month, value, is_complete, is_window_complete in months:
        target = targets.get(month)
        if is_complete and is_window_complete and value is not None and target is not None:
            value_sum += value
            target_sum += target
            counted += 1
        attainment = value / target if is_window_complete and value is not None else None
        ytd = value_sum / target_sum if is_window_complete and counted else None
        result[month] = (attainment, ytd)
    return result


def test_annual_target_phased_by_last_year(generated_build: Build) -> None:
    """total_net_sales 2025 (annual 16,000,000 in the seed): each month of
    2025 gets 16,000,000 x its share of 2024's total net sales."""
    annual = seed_target("total_net_sales", "2025")
    last_year = kpi_months(generated_build.db_path, "total_net_sales", 2024)
    assert len(last_year) == 12 and all(row[2] and row[3] for row in last_year)
    total = sum(row[1] for row in last_year)
    share = {row[0].month: row[1] / total for row in last_year}
    this_year = kpi_months(generated_build.db_path, "total_net_sales", 2025)
    targets = {row[0]: annual * share[row[0].month] for row in this_year}

    phased = {
        month: (value, basis)
        for month, value, basis in query(
            generated_build.db_path,
            "select month, target_value, target_basis from metrics.kpi_targets_monthly"
            " where kpi = 'total_net_sales' and year(month) = 2025",
        )
    }
    assert set(phased) == set(targets)
    assert all(basis == "annual_last_year_shape" for _, basis in phased.values())
    assert all(close(phased[month][0], targets[month]) for month in targets)
    assert math.isclose(sum(value for value, _ in phased.values()), annual, rel_tol=1e-9)

    expected = expected_attainment(this_year, targets)
    actual = scorecard(generated_build.db_path, "total_net_sales", 2025)
    wrong = {
        month: (actual[month][1:3], expected[month])
        for month in expected
        if not (
            close(actual[month][0], targets[month])
            and close(actual[month][1], expected[month][0])
            and close(actual[month][2], expected[month][1])
            and actual[month][3] == "target"
        )
    }
    assert wrong == {}
    # not vacuous: December's year to date covers the 12 months of 2025
    december = dt.date(2025, 12, 1)
    year_value = sum(row[1] for row in this_year)
    assert close(actual[december][2], year_value / annual)


def test_monthly_row_wins_over_the_annual_one(generated_build: Build) -> None:
    """members_new 2025-11 is set directly (1,400) beside the annual 8,650."""
    november = dt.date(2025, 11, 1)
    target = seed_target("members_new", "2025-11")
    ((value, basis, annual),) = query(
        generated_build.db_path,
        "select target_value, target_basis, annual_target_value from metrics.kpi_targets_monthly"
        f" where kpi = 'members_new' and month = date '{november}'",
    )
    assert (value, basis) == (target, "monthly")
    assert annual == seed_target("members_new", "2025")
    ((month_value,),) = query(
        generated_build.db_path,
        "select value from metrics.kpi_monthly"
        f" where kpi = 'members_new' and month = date '{november}'",
    )
    assert close(
        scorecard(generated_build.db_path, "members_new", 2025)[november][1], month_value / target
    )


def test_demo_targets_only_when_asked(spec_example_build: Build, generated_build: Build) -> None:
    """The demo brand's 2025 targets (seed kpi_targets_demo) reach only a
    build with var include_demo_targets (the generated one, as `memberkpi
    demo`); a brand's build reads its own seed alone: no annual or monthly
    target, so total_net_sales has none."""
    brand = query(
        spec_example_build.db_path,
        "select count(*) from metrics.kpi_targets_monthly where target_basis <> 'standing'",
    )
    assert brand == [(0,)]
    demo = query(
        generated_build.db_path,
        "select count(*) from metrics.kpi_targets_monthly where kpi = 'total_net_sales'",
    )
    assert demo == [(12,)]


def test_standing_ratio_target(spec_example_build: Build) -> None:
    """capital_rate has the standing 0.35 in every month; its year to date
    is the average monthly value over 0.35 (a ratio KPI)."""
    target = seed_target("capital_rate", "")
    months = kpi_months(spec_example_build.db_path, "capital_rate", 2024)
    targets = {row[0]: target for row in months}
    expected = expected_attainment(months, targets)
    actual = scorecard(spec_example_build.db_path, "capital_rate", 2024)
    assert all(close(actual[month][0], target) for month in targets)
    wrong = {
        month: (actual[month][1:3], expected[month])
        for month in expected
        if not (
            close(actual[month][1], expected[month][0])
            and close(actual[month][2], expected[month][1])
        )
    }
    assert wrong == {}
    judged = [row for row in months if row[2] and row[3]]
    assert judged, "the example should have judged months of capital_rate in 2024"
    december = dt.date(2024, 12, 1)
    mean = sum(row[1] for row in judged) / len(judged)
    assert close(actual[december][2], mean / target)
